using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using NetTopologySuite.Geometries.Utilities;
using NetTopologySuite.Precision;

namespace Landplatform.DataSamples;

/// <summary>The road grid of one island copy and, per grid cell, how much land it holds and how many lots it gets.</summary>
internal sealed class CopyLayout
{
    private const double SmallestTargetLot = 150;

    // The town cores are kept as they were first surveyed, square to their streets (and the fixtures name parcels there).
    private const double SquareTownRadius = 300;
    private readonly double[] cellArea;
    private readonly float[] landShare;
    private readonly double[] sizeWeight;
    private readonly int[] lots;
    private readonly ulong seed;
    private CellParishes rawCells = new([], []);

    private CopyLayout(int copy, Polygon island, RoadGrid grid, ulong seed)
    {
        Copy = copy;
        Island = island;
        Grid = grid;
        this.seed = seed;
        var cells = grid.Columns * grid.Rows;
        cellArea = new double[cells];
        landShare = new float[cells];
        sizeWeight = new double[cells];
        lots = new int[cells];
    }

    public int Copy { get; }

    /// <summary>The raw coastline of this copy, shifted east.</summary>
    public Polygon Island { get; }

    /// <summary>Parishes before their boundaries are noded with the survey lines.</summary>
    public ParishMap RawParishes { get; private set; } = null!;

    public RoadGrid Grid { get; }

    public double OffsetMetres => Millimetres.ToMetres(Grid.OffsetX);

    public static CopyLayout Lay(int copy, Polygon mainIsland, double spacing, ulong seed, Landscape landscape, SurveyGeometry geometry, double copyShift)
    {
        var offset = Millimetres.FromMetres(copy * copyShift);
        var island = offset == 0
            ? mainIsland
            : (Polygon)GeometryPrecisionReducer.Reduce(
                AffineTransformation.TranslationInstance(Millimetres.ToMetres(offset), 0).Transform(mainIsland),
                geometry.Precision);

        var grid = RoadGrid.Lay(mainIsland.EnvelopeInternal, spacing, seed, copy, offset);
        var layout = new CopyLayout(copy, island, grid, seed);
        var prepared = PreparedGeometryFactory.Prepare(island);
        var envelope = island.EnvelopeInternal;
        for (var iy = 0; iy < grid.Rows; iy++)
        {
            for (var ix = 0; ix < grid.Columns; ix++)
            {
                var index = layout.Index(ix, iy);
                var rect = grid.Cell(ix, iy);
                if (rect.IsEmpty || !envelope.Intersects(rect.ToEnvelope()))
                {
                    continue;
                }

                var polygon = rect.ToPolygon(geometry.Factory);
                double share;
                if (prepared.Contains(polygon))
                {
                    share = 1;
                }
                else if (prepared.Intersects(polygon))
                {
                    share = geometry.Intersection(polygon, island).Area / rect.AreaSquareMetres;
                }
                else
                {
                    continue;
                }

                var site = landscape.Describe(rect.CentreX - layout.OffsetMetres, rect.CentreY);
                layout.cellArea[index] = rect.AreaSquareMetres;
                layout.landShare[index] = (float)share;
                layout.sizeWeight[index] = Landscape.LotSizeWeight(site) * SeededRandom.For(seed, 111, copy, ix, iy).Range(0.7, 1.4);
            }
        }

        layout.RawParishes = new ParishMap(ParishMap.Split(island, layout.OffsetMetres, geometry));
        layout.rawCells = layout.RawParishes.Classify(grid, i => layout.landShare[i] > 0, geometry.Factory);
        return layout;
    }

    /// <summary>Lots the current counts really yield: cells on the coast or a parish boundary are cut as the survey will cut them.</summary>
    public long ExactLots(SurveyGeometry geometry)
    {
        var total = 0L;
        var lotsFound = new List<LotPiece>();
        var ringX = new List<long>();
        var ringY = new List<long>();
        for (var iy = 0; iy < Grid.Rows; iy++)
        {
            for (var ix = 0; ix < Grid.Columns; ix++)
            {
                var index = Index(ix, iy);
                var mask = rawCells.Mask[index];
                if (mask == 0)
                {
                    continue;
                }

                if (rawCells.WholeIn[index] >= 0)
                {
                    total += lots[index];
                    continue;
                }

                // Counted on the square plan, so leaning lot lines never move the calibration (nor the town cores' lots).
                var plan = Plan(ix, iy, lean: false);
                if (plan is null)
                {
                    continue;
                }

                var cell = plan.Bounds.ToPolygon(geometry.Factory);
                for (var d = 0; d < RawParishes.Parishes.Count; d++)
                {
                    if ((mask & (1 << d)) == 0)
                    {
                        continue;
                    }

                    var piece = geometry.Intersection(cell, RawParishes.Parishes[d]);
                    if (piece.IsEmpty)
                    {
                        continue;
                    }

                    var prepared = PreparedGeometryFactory.Prepare(piece);
                    foreach (var block in plan.Blocks)
                    {
                        if (BlockCutting.Cut(block, piece, prepared, geometry, lotsFound, ringX, ringY, out _))
                        {
                            total += lotsFound.Count;
                        }
                    }
                }
            }
        }

        return total;
    }

    public int Index(int column, int row) => (row * Grid.Columns) + column;

    public int LotsIn(int column, int row) => lots[Index(column, row)];

    /// <summary>Lots the cells would yield if the typical lot area were scale square metres (boundary cells pro rata).</summary>
    public double ExpectedLots(double scale)
    {
        var total = 0.0;
        for (var i = 0; i < cellArea.Length; i++)
        {
            if (landShare[i] > 0)
            {
                total += landShare[i] * LotCount(i, scale);
            }
        }

        return total;
    }

    public void FixLotCounts(double scale)
    {
        for (var i = 0; i < cellArea.Length; i++)
        {
            lots[i] = landShare[i] > 0 ? LotCount(i, scale) : 0;
        }
    }

    /// <summary>The cell's blocks and lots; with lean, blocks inland of every boundary and away from the town cores lean their lot lines (each from a stream of its own).</summary>
    public CellPlan? Plan(int column, int row, bool lean = true)
    {
        var count = LotsIn(column, row);
        if (count == 0)
        {
            return null;
        }

        // Only cells wholly inside one parish lean: a slanted line crossing a coast or parish boundary cannot be noded
        // on the millimetre grid exactly, and the lots there are irregular already.
        Func<MmRect, int, SeededRandom?>? leaning = lean && rawCells.WholeIn[Index(column, row)] >= 0
            ? (block, k) => InTownCore(block) ? null : SeededRandom.For(seed, 13, Copy, Index(column, row), k)
            : null;
        return CellPlan.Create(Grid.Cell(column, row), count, SeededRandom.For(seed, 3, Copy, column, row), leaning);
    }

    /// <summary>Whether any part of the block lies within the square-town radius of a settlement's centre (main island frame).</summary>
    private bool InTownCore(MmRect block)
    {
        var (x0, x1) = (Millimetres.ToMetres(block.X0) - OffsetMetres, Millimetres.ToMetres(block.X1) - OffsetMetres);
        var (y0, y1) = (Millimetres.ToMetres(block.Y0), Millimetres.ToMetres(block.Y1));
        foreach (var town in Gazetteer.Settlements)
        {
            var dx = Math.Max(0, Math.Max(x0 - town.X, town.X - x1));
            var dy = Math.Max(0, Math.Max(y0 - town.Y, town.Y - y1));
            if ((dx * dx) + (dy * dy) <= SquareTownRadius * SquareTownRadius)
            {
                return true;
            }
        }

        return false;
    }

    private int LotCount(int index, double scale)
    {
        var target = Math.Max(SmallestTargetLot, scale * sizeWeight[index]);
        return Math.Max(1, (int)Math.Round(cellArea[index] / target));
    }
}
