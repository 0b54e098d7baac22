using System.Text;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;

namespace Landplatform.DataSamples;

/// <summary>A named stretch of one grid line, covering cells [FirstCell, EndCell).</summary>
internal sealed class RoadSegment(string name, int firstCell, int endCell)
{
    public string Name { get; } = name;

    public int FirstCell { get; } = firstCell;

    public int EndCell { get; } = endCell;

    /// <summary>Set once the reserve has been clipped to the coast and found to be on land.</summary>
    public bool OnLand { get; set; }
}

/// <summary>Writes road reserves to roads.csv with sequential ids.</summary>
internal sealed class RoadRegister(CsvTable table, SurveyGeometry geometry)
{
    private readonly StringBuilder wkt = new();

    public long Count { get; private set; }

    public static string ClassCode(RoadClass roadClass) => roadClass switch
    {
        RoadClass.Primary => "primary",
        RoadClass.Secondary => "secondary",
        _ => "local",
    };

    /// <summary>Clips the reserve strips to the land and records them; false when nothing is on land.</summary>
    public bool Record(string name, RoadClass roadClass, IReadOnlyList<MmRect> strips, Geometry land, IPreparedGeometry preparedLand)
    {
        var parts = new List<Polygon>();
        foreach (var strip in strips)
        {
            if (strip.IsEmpty)
            {
                continue;
            }

            var polygon = strip.ToPolygon(geometry.Factory);
            if (preparedLand.Contains(polygon))
            {
                parts.Add(polygon);
            }
            else if (preparedLand.Intersects(polygon))
            {
                var clipped = geometry.Polygonal(geometry.Intersection(polygon, land), 0.5);
                for (var i = 0; i < clipped.NumGeometries; i++)
                {
                    if (clipped.GetGeometryN(i) is Polygon { IsEmpty: false } part)
                    {
                        parts.Add(part);
                    }
                }
            }
        }

        if (parts.Count == 0)
        {
            return false;
        }

        Geometry reserve = geometry.Factory.CreateMultiPolygon(parts.ToArray());
        if (!reserve.IsValid)
        {
            reserve = geometry.Union(parts);
            if (reserve.IsEmpty)
            {
                return false;
            }
        }

        Count++;
        wkt.Clear();
        WktText.AppendMultiPolygon(wkt, reserve);
        table.Field(Count).Field(name).Field(ClassCode(roadClass)).Wkt(wkt).EndRow();
        return true;
    }
}

/// <summary>Splits the grid lines of one copy into named road segments and lays out their reserves.</summary>
internal sealed class RoadNetwork
{
    private readonly RoadGrid grid;
    private readonly RoadSegment[][] verticalByCell;
    private readonly RoadSegment[][] horizontalByCell;

    public RoadNetwork(RoadGrid grid, Landscape landscape, ulong seed, int copy)
    {
        this.grid = grid;
        verticalByCell = new RoadSegment[grid.Verticals.Count][];
        for (var i = 0; i < grid.Verticals.Count; i++)
        {
            var line = grid.Verticals[i];
            verticalByCell[i] = Split(grid.Rows, line, SeededRandom.For(seed, 201, copy, 0, i), (first, end) =>
                (Millimetres.ToMetres(line.Position - grid.OffsetX), Millimetres.ToMetres((grid.Horizontals[first].Position + grid.Horizontals[end].Position) / 2)), landscape);
        }

        horizontalByCell = new RoadSegment[grid.Horizontals.Count][];
        for (var j = 0; j < grid.Horizontals.Count; j++)
        {
            var line = grid.Horizontals[j];
            horizontalByCell[j] = Split(grid.Columns, line, SeededRandom.For(seed, 201, copy, 1, j), (first, end) =>
                (Millimetres.ToMetres(((grid.Verticals[first].Position + grid.Verticals[end].Position) / 2) - grid.OffsetX), Millimetres.ToMetres(line.Position)), landscape);
        }
    }

    public RoadSegment Vertical(int line, int row) => verticalByCell[line][row];

    public RoadSegment Horizontal(int line, int column) => horizontalByCell[line][column];

    /// <summary>Where house numbering starts along a segment.</summary>
    public long VerticalStart(RoadSegment segment) => grid.Horizontals[segment.FirstCell].Position;

    public long HorizontalStart(RoadSegment segment) => grid.Verticals[segment.FirstCell].Position;

    public static string LocalName(SeededRandom random, LandSite site)
    {
        if (site.KingstownDistance < 1500)
        {
            return random.Pick(Gazetteer.KingstownStreets);
        }

        var root = random.Chance(0.35) ? random.Pick(Gazetteer.PlaceRoots) : random.Pick(Gazetteer.LocalRoots);
        var suffix = site.Urban > 0.35 ? random.Pick(Gazetteer.UrbanSuffixes) : random.Pick(Gazetteer.RuralSuffixes);
        return $"{root} {suffix}";
    }

    public void Record(RoadRegister register, Geometry land, IPreparedGeometry preparedLand)
    {
        var strips = new List<MmRect>();
        for (var i = 0; i < grid.Verticals.Count; i++)
        {
            var line = grid.Verticals[i];
            foreach (var segment in Distinct(verticalByCell[i]))
            {
                strips.Clear();
                var runs = new RunBuilder(strips);
                for (var j = segment.FirstCell; j < segment.EndCell; j++)
                {
                    if (grid.VerticalOwnsJunction(i, j))
                    {
                        runs.Add(grid.Horizontals[j].Low, grid.Horizontals[j].High);
                    }

                    runs.Add(grid.Horizontals[j].High, grid.Horizontals[j + 1].Low);
                }

                if (segment.EndCell == grid.Rows && grid.VerticalOwnsJunction(i, grid.Rows))
                {
                    runs.Add(grid.Horizontals[grid.Rows].Low, grid.Horizontals[grid.Rows].High);
                }

                runs.Finish();
                for (var k = 0; k < strips.Count; k++)
                {
                    strips[k] = new MmRect(line.Low, strips[k].Y0, line.High, strips[k].Y1);
                }

                segment.OnLand = register.Record(segment.Name, line.Class, strips, land, preparedLand);
            }
        }

        for (var j = 0; j < grid.Horizontals.Count; j++)
        {
            var line = grid.Horizontals[j];
            foreach (var segment in Distinct(horizontalByCell[j]))
            {
                strips.Clear();
                var runs = new RunBuilder(strips);
                for (var i = segment.FirstCell; i < segment.EndCell; i++)
                {
                    if (!grid.VerticalOwnsJunction(i, j))
                    {
                        runs.Add(grid.Verticals[i].Low, grid.Verticals[i].High);
                    }
                    else
                    {
                        runs.Break();
                    }

                    runs.Add(grid.Verticals[i].High, grid.Verticals[i + 1].Low);
                }

                if (segment.EndCell == grid.Columns && !grid.VerticalOwnsJunction(grid.Columns, j))
                {
                    runs.Add(grid.Verticals[grid.Columns].Low, grid.Verticals[grid.Columns].High);
                }

                runs.Finish();
                for (var k = 0; k < strips.Count; k++)
                {
                    strips[k] = new MmRect(strips[k].Y0, line.Low, strips[k].Y1, line.High);
                }

                segment.OnLand = register.Record(segment.Name, line.Class, strips, land, preparedLand);
            }
        }
    }

    private static IEnumerable<RoadSegment> Distinct(RoadSegment[] byCell)
    {
        for (var c = 0; c < byCell.Length; c++)
        {
            if (c == 0 || !ReferenceEquals(byCell[c], byCell[c - 1]))
            {
                yield return byCell[c];
            }
        }
    }

    private static RoadSegment[] Split(int cells, GridLine line, SeededRandom random, Func<int, int, (double X, double Y)> midpoint, Landscape landscape)
    {
        var byCell = new RoadSegment[cells];
        var first = 0;
        while (first < cells)
        {
            var end = line.Class == RoadClass.Primary ? cells : Math.Min(cells, first + random.Between(3, 8));
            var (x, y) = midpoint(first, end);
            var site = landscape.Describe(x, y);
            var name = line.Class switch
            {
                RoadClass.Primary => line.HighwayName ?? "Main Road",
                RoadClass.Secondary => $"{random.Pick(Gazetteer.PlaceRoots)} Road",
                _ => LocalName(random, site),
            };
            var segment = new RoadSegment(name, first, end);
            for (var c = first; c < end; c++)
            {
                byCell[c] = segment;
            }

            first = end;
        }

        return byCell;
    }

    /// <summary>Merges touching intervals along a line into strips (stored in X0/X1 of MmRect as low/high).</summary>
    private sealed class RunBuilder(List<MmRect> output)
    {
        private long low = long.MinValue;
        private long high = long.MinValue;

        public void Add(long from, long to)
        {
            if (to <= from)
            {
                return;
            }

            if (low != long.MinValue && from == high)
            {
                high = to;
                return;
            }

            Break();
            low = from;
            high = to;
        }

        public void Break()
        {
            if (low != long.MinValue)
            {
                output.Add(new MmRect(0, low, 0, high));
            }

            low = long.MinValue;
            high = long.MinValue;
        }

        public void Finish() => Break();
    }
}
