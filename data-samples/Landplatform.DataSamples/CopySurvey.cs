using System.Globalization;
using System.Numerics;
using System.Text;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;

namespace Landplatform.DataSamples;

/// <summary>Shared state of one generator run, handed to each island copy in turn.</summary>
internal sealed record SurveyContext(
    ulong Seed,
    int ParcelsRequested,
    SurveyGeometry Geometry,
    Landscape Landscape,
    FabricTables Tables,
    RoadRegister Roads,
    BuildingSiting Buildings,
    OwnershipRegister Ownership,
    HazardMapping Hazards,
    SurveyProgress Progress)
{
    public long ParcelsWritten { get; set; }
}

/// <summary>Surveys one copy of the island: parishes, roads, blocks, parcels and hazards.</summary>
internal sealed class CopySurvey
{
    private const double HouseFrontage = 22;
    private readonly CopyLayout layout;
    private readonly SurveyContext context;
    private readonly RoadGrid grid;
    private readonly GeometryFactory factory;
    private readonly Geometry[] parishes;
    private readonly Geometry land;
    private readonly IPreparedGeometry preparedLand;
    private readonly RoadNetwork network;
    private readonly byte[] parishMask;
    private readonly sbyte[] wholeIn;
    private readonly StringBuilder wkt = new();
    private readonly List<long> ringX = [];
    private readonly List<long> ringY = [];
    private readonly List<LotPiece> pending = [];

    public CopySurvey(CopyLayout layout, SurveyContext context)
    {
        this.layout = layout;
        this.context = context;
        grid = layout.Grid;
        factory = context.Geometry.Factory;
        var copyName = string.Create(CultureInfo.InvariantCulture, $"copy {layout.Copy + 1}");

        var raw = layout.RawParishes.Parishes;
        context.Progress.Phase($"{copyName}: noding parish and coast boundaries with survey lines");
        var noding = new BoundaryNoding(grid, (column, row) => layout.Plan(column, row));
        parishes = new Geometry[raw.Count];
        for (var d = 0; d < raw.Count; d++)
        {
            var boundary = noding.Node(raw[d], factory);
            if (!boundary.IsValid)
            {
                context.Progress.Phase($"{copyName}: warning: noded parish {Code(d)} is not valid; using the un-noded outline");
                boundary = raw[d];
            }

            parishes[d] = boundary;
        }

        var noded = new ParishMap(parishes);
        land = context.Geometry.Union(parishes);
        preparedLand = PreparedGeometryFactory.Prepare(land);
        for (var d = 0; d < parishes.Length; d++)
        {
            wkt.Clear();
            WktText.AppendMultiPolygon(wkt, parishes[d]);
            context.Tables.Districts.Field(Code(d)).Field(Name(d)).Wkt(wkt).EndRow();
        }

        context.Progress.Phase($"{copyName}: classifying {grid.Columns * grid.Rows} grid cells");
        (parishMask, wholeIn) = noded.Classify(grid, i => layout.LotsIn(i % grid.Columns, i / grid.Columns) > 0, factory);

        network = new RoadNetwork(grid, context.Landscape, context.Seed, layout.Copy);
    }

    public void Survey()
    {
        var copyName = string.Create(CultureInfo.InvariantCulture, $"copy {layout.Copy + 1}");
        context.Progress.Phase($"{copyName}: road reserves");
        network.Record(context.Roads, land, preparedLand);
        context.Progress.Phase($"{copyName}: blocks and parcels");
        for (var d = 0; d < parishes.Length; d++)
        {
            SurveyParish(d);
        }

        context.Progress.Phase($"{copyName}: hazards");
        context.Hazards.Map(layout.Island, layout.OffsetMetres, context.Seed, layout.Copy);
    }

    private string Code(int parish) => layout.Copy == 0
        ? Gazetteer.Parishes[parish].Code
        : string.Create(CultureInfo.InvariantCulture, $"{Gazetteer.Parishes[parish].Code}{layout.Copy + 1}");

    private string Name(int parish) => layout.Copy == 0
        ? Gazetteer.Parishes[parish].Name
        : string.Create(CultureInfo.InvariantCulture, $"{Gazetteer.Parishes[parish].Name} {layout.Copy + 1}");

    private void SurveyParish(int parish)
    {
        var code = Code(parish);
        var blockNumber = 0;
        for (var iy = grid.Rows - 1; iy >= 0; iy--)
        {
            for (var ix = 0; ix < grid.Columns; ix++)
            {
                var index = layout.Index(ix, iy);
                if ((parishMask[index] & (1 << parish)) == 0 || layout.Plan(ix, iy) is not { } plan)
                {
                    continue;
                }

                var whole = wholeIn[index] == parish;
                var lanes = new LaneSet(this, plan, index, whole);
                if (BitOperations.TrailingZeroCount(parishMask[index]) == parish)
                {
                    lanes.Record(context.Roads, land, preparedLand);
                }

                Geometry? piece = null;
                IPreparedGeometry? preparedPiece = null;
                if (!whole)
                {
                    piece = context.Geometry.Intersection(plan.Bounds.ToPolygon(factory), parishes[parish]);
                    if (piece.IsEmpty)
                    {
                        continue;
                    }

                    preparedPiece = PreparedGeometryFactory.Prepare(piece);
                }

                for (var b = 0; b < plan.Blocks.Count; b++)
                {
                    SurveyBlock(code, ref blockNumber, plan, b, lanes, ix, iy, piece, preparedPiece);
                }
            }
        }
    }

    private void SurveyBlock(string parishCode, ref int blockNumber, CellPlan plan, int blockIndex, LaneSet lanes, int ix, int iy, Geometry? piece, IPreparedGeometry? preparedPiece)
    {
        var block = plan.Blocks[blockIndex];
        if (!BlockCutting.Cut(block, piece, preparedPiece, context.Geometry, pending, ringX, ringY, out var shape))
        {
            return;
        }

        blockNumber++;
        var blockCode = string.Create(CultureInfo.InvariantCulture, $"{parishCode}-{blockNumber:D5}");
        wkt.Clear();
        if (shape is null)
        {
            RectangleRing(block.Bounds);
            WktText.AppendMultiPolygon(wkt, ringX, ringY);
        }
        else
        {
            WktText.AppendMultiPolygon(wkt, shape);
        }

        context.Tables.Blocks.Field(blockCode).Field(parishCode).Wkt(wkt).EndRow();

        var cellIndex = layout.Index(ix, iy);
        for (var k = 0; k < pending.Count; k++)
        {
            var (band, lot, cut) = pending[k];
            var random = SeededRandom.For(context.Seed, 7, layout.Copy, cellIndex, blockIndex, (band * 100_000L) + lot);
            WriteParcel(parishCode, blockCode, k + 1, plan, block, band, lot, cut, lanes, ix, iy, random);
        }
    }

    private void WriteParcel(string parishCode, string blockCode, int lotNumber, CellPlan plan, LotRows block, int band, int lot, Geometry? cut, LaneSet lanes, int ix, int iy, SeededRandom random)
    {
        var upi = string.Create(CultureInfo.InvariantCulture, $"{blockCode}-{lotNumber:D4}");
        MmRect? rectangle = null;
        double area;
        double cx;
        double cy;
        if (cut is null)
        {
            // A leaning lot is placed (use, address) by the rectangle it leans from, so those match the square plan.
            var rect = block.Lot(band, lot);
            block.Ring(band, lot, ringX, ringY);
            rectangle = block.Inside(band, lot);
            area = block.Slanted ? RingArea(ringX, ringY) : rect.AreaSquareMetres;
            cx = rect.CentreX;
            cy = rect.CentreY;
        }
        else
        {
            area = cut.Area;
            var centre = cut.Centroid.Coordinate;
            cx = centre.X;
            cy = centre.Y;
        }

        var site = context.Landscape.Describe(cx - layout.OffsetMetres, cy);
        var use = Landscape.ChooseUse(site, random);
        var (road, number) = Address(plan, block, lanes, ix, iy, cx, cy);
        var settlement = Gazetteer.Settlements[site.Settlement].Name;
        var address = road is null
            ? string.Create(CultureInfo.InvariantCulture, $"Lot {lotNumber} {blockCode}, {settlement}")
            : string.Create(CultureInfo.InvariantCulture, $"{number} {road}, {settlement}");

        // A survey figure: the computed area off by a few hundredths of a percent.
        var official = Math.Round(area * (1 + random.Range(-0.0003, 0.0003)), 2, MidpointRounding.AwayFromZero);

        wkt.Clear();
        if (cut is null)
        {
            WktText.AppendMultiPolygon(wkt, ringX, ringY);
        }
        else
        {
            WktText.AppendMultiPolygon(wkt, cut);
        }

        context.Tables.Parcels.Field(upi).Field(parishCode).Field(blockCode).Field(Landscape.Code(use)).Field(address)
            .Field(official, "0.00").Wkt(wkt).EndRow();
        context.Buildings.Site(upi, use, rectangle, cut, site.KingstownDistance < 2000, random);
        context.Ownership.Assign(upi, use, road is null);
        context.ParcelsWritten++;
        context.Progress.Parcels(context.ParcelsWritten, context.ParcelsRequested);
    }

    /// <summary>The nearest road on land among the four sides of the lot's block, with a house number along it.</summary>
    private (string? Road, int Number) Address(CellPlan plan, LotRows block, LaneSet lanes, int ix, int iy, double cx, double cy)
    {
        string? bestName = null;
        var bestDistance = double.MaxValue;
        var bestNumber = 0;

        void Consider(string name, bool onLand, bool vertical, long at, long start)
        {
            var position = Millimetres.ToMetres(at);
            var distance = vertical ? Math.Abs(cx - position) : Math.Abs(cy - position);
            if (!onLand || distance >= bestDistance)
            {
                return;
            }

            var along = Math.Max(0, vertical ? cy - Millimetres.ToMetres(start) : cx - Millimetres.ToMetres(start));
            var farSide = vertical ? cx > position : cy > position;
            bestName = name;
            bestDistance = distance;
            bestNumber = (2 * (int)Math.Floor(along / HouseFrontage)) + (farSide ? 2 : 1);
        }

        if (block.Column == 0)
        {
            var segment = network.Vertical(ix, iy);
            Consider(segment.Name, segment.OnLand, true, grid.Verticals[ix].Position, network.VerticalStart(segment));
        }
        else
        {
            var lane = plan.VerticalLane(block.Column - 1);
            Consider(lanes.VerticalName(block.Column - 1), lanes.VerticalOnLand(block.Column - 1), true, (lane.X0 + lane.X1) / 2, plan.Bounds.Y0);
        }

        if (block.Column == plan.Columns - 1)
        {
            var segment = network.Vertical(ix + 1, iy);
            Consider(segment.Name, segment.OnLand, true, grid.Verticals[ix + 1].Position, network.VerticalStart(segment));
        }
        else
        {
            var lane = plan.VerticalLane(block.Column);
            Consider(lanes.VerticalName(block.Column), lanes.VerticalOnLand(block.Column), true, (lane.X0 + lane.X1) / 2, plan.Bounds.Y0);
        }

        if (block.Row == 0)
        {
            var segment = network.Horizontal(iy, ix);
            Consider(segment.Name, segment.OnLand, false, grid.Horizontals[iy].Position, network.HorizontalStart(segment));
        }
        else
        {
            Consider(lanes.HorizontalName(block.Row - 1), lanes.HorizontalOnLand(block.Row - 1), false, (plan.RowHigh(block.Row - 1) + plan.RowLow(block.Row)) / 2, plan.Bounds.X0);
        }

        if (block.Row == plan.Rows - 1)
        {
            var segment = network.Horizontal(iy + 1, ix);
            Consider(segment.Name, segment.OnLand, false, grid.Horizontals[iy + 1].Position, network.HorizontalStart(segment));
        }
        else
        {
            Consider(lanes.HorizontalName(block.Row), lanes.HorizontalOnLand(block.Row), false, (plan.RowHigh(block.Row) + plan.RowLow(block.Row + 1)) / 2, plan.Bounds.X0);
        }

        return (bestName, bestNumber);
    }

    /// <summary>The area of a closed millimetre ring in square metres (shoelace, relative to its first corner).</summary>
    private static double RingArea(List<long> xs, List<long> ys)
    {
        var twice = 0L;
        for (var i = 1; i + 1 < xs.Count; i++)
        {
            twice += ((xs[i] - xs[0]) * (ys[i + 1] - ys[0])) - ((xs[i + 1] - xs[0]) * (ys[i] - ys[0]));
        }

        return Math.Abs(twice) / 2e6;
    }

    private void RectangleRing(MmRect rect)
    {
        ringX.Clear();
        ringY.Clear();
        ringX.AddRange([rect.X0, rect.X1, rect.X1, rect.X0, rect.X0]);
        ringY.AddRange([rect.Y0, rect.Y0, rect.Y1, rect.Y1, rect.Y0]);
    }

    /// <summary>Names and whereabouts of the lanes inside one grid cell.</summary>
    private sealed class LaneSet
    {
        private readonly CellPlan plan;
        private readonly string[] verticalNames;
        private readonly bool[] verticalOnLand;
        private readonly string[] horizontalNames;
        private readonly bool[] horizontalOnLand;

        public LaneSet(CopySurvey survey, CellPlan plan, int cellIndex, bool whole)
        {
            this.plan = plan;
            verticalNames = new string[Math.Max(0, plan.Columns - 1)];
            verticalOnLand = new bool[verticalNames.Length];
            horizontalNames = new string[Math.Max(0, plan.Rows - 1)];
            horizontalOnLand = new bool[horizontalNames.Length];
            var context = survey.context;
            for (var l = 0; l < verticalNames.Length; l++)
            {
                var lane = plan.VerticalLane(l);
                var site = context.Landscape.Describe(lane.CentreX - survey.layout.OffsetMetres, lane.CentreY);
                verticalNames[l] = RoadNetwork.LocalName(SeededRandom.For(context.Seed, 211, survey.layout.Copy, cellIndex, 0, l), site);
                verticalOnLand[l] = whole || survey.preparedLand.Intersects(lane.ToPolygon(survey.factory));
            }

            for (var l = 0; l < horizontalNames.Length; l++)
            {
                var pieces = plan.HorizontalLane(l);
                var centreX = (plan.Bounds.X0 + plan.Bounds.X1) / 2000.0;
                var site = context.Landscape.Describe(centreX - survey.layout.OffsetMetres, pieces[0].CentreY);
                horizontalNames[l] = RoadNetwork.LocalName(SeededRandom.For(context.Seed, 211, survey.layout.Copy, cellIndex, 1, l), site);
                horizontalOnLand[l] = whole || pieces.Any(p => survey.preparedLand.Intersects(p.ToPolygon(survey.factory)));
            }
        }

        public string VerticalName(int lane) => verticalNames[lane];

        public bool VerticalOnLand(int lane) => verticalOnLand[lane];

        public string HorizontalName(int lane) => horizontalNames[lane];

        public bool HorizontalOnLand(int lane) => horizontalOnLand[lane];

        public void Record(RoadRegister roads, Geometry land, IPreparedGeometry preparedLand)
        {
            for (var l = 0; l < verticalNames.Length; l++)
            {
                roads.Record(verticalNames[l], RoadClass.Local, [plan.VerticalLane(l)], land, preparedLand);
            }

            for (var l = 0; l < horizontalNames.Length; l++)
            {
                roads.Record(horizontalNames[l], RoadClass.Local, plan.HorizontalLane(l), land, preparedLand);
            }
        }
    }
}
