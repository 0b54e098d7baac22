using NetTopologySuite.Geometries;

namespace Landplatform.DataSamples;

internal enum RoadClass
{
    Local,
    Secondary,
    Primary,
}

/// <summary>A road centre-line of the grid with its reserve half-width, all in millimetres.</summary>
internal sealed record GridLine(long Position, long HalfWidth, RoadClass Class, string? HighwayName)
{
    public long Low => Position - HalfWidth;

    public long High => Position + HalfWidth;
}

/// <summary>The jittered rectangular road grid laid over one copy of the island.</summary>
internal sealed class RoadGrid
{
    private RoadGrid(GridLine[] verticals, GridLine[] horizontals, long offsetX)
    {
        Verticals = verticals;
        Horizontals = horizontals;
        OffsetX = offsetX;
        VerticalEdges = verticals.SelectMany(l => new[] { l.Low, l.High }).Order().ToArray();
        HorizontalEdges = horizontals.SelectMany(l => new[] { l.Low, l.High }).Order().ToArray();
    }

    public IReadOnlyList<GridLine> Verticals { get; }

    public IReadOnlyList<GridLine> Horizontals { get; }

    /// <summary>Eastward shift of this copy, in millimetres.</summary>
    public long OffsetX { get; }

    /// <summary>Every reserve edge x position, sorted; these are the long survey lines of the fabric.</summary>
    public IReadOnlyList<long> VerticalEdges { get; }

    public IReadOnlyList<long> HorizontalEdges { get; }

    public int Columns => Verticals.Count - 1;

    public int Rows => Horizontals.Count - 1;

    public static long LocalWidth(double spacing) => Math.Clamp((long)Math.Round(spacing / 40.0 / 0.2) * 200, 6000, 10000);

    public static RoadGrid Lay(Envelope island, double spacing, ulong seed, int copy, long offsetX)
    {
        var local = LocalWidth(spacing);
        var verticals = LayLines(island.MinX, island.MaxX, spacing, SeededRandom.For(seed, 101, copy, 0), local, offsetX,
            [(480_600.0, "Leeward Highway"), (492_900.0, "Windward Highway")]);
        var horizontals = LayLines(island.MinY, island.MaxY, spacing, SeededRandom.For(seed, 101, copy, 1), local, 0,
            [(1_455_600.0, "Vigie Highway")]);
        return new RoadGrid(verticals, horizontals, offsetX);
    }

    /// <summary>The block area between the reserves around cell (column, row).</summary>
    public MmRect Cell(int column, int row) =>
        new(Verticals[column].High, Horizontals[row].High, Verticals[column + 1].Low, Horizontals[row + 1].Low);

    /// <summary>Whether the crossing of vertical line i and horizontal line j belongs to the vertical road.</summary>
    public bool VerticalOwnsJunction(int i, int j) => Verticals[i].Class >= Horizontals[j].Class;

    /// <summary>Index of the last line whose position is at or below the value (-1 if none).</summary>
    public static int LineAtOrBelow(IReadOnlyList<GridLine> lines, long value)
    {
        var low = 0;
        var high = lines.Count - 1;
        var result = -1;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            if (lines[mid].Position <= value)
            {
                result = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return result;
    }

    private static GridLine[] LayLines(
        double min,
        double max,
        double spacing,
        SeededRandom random,
        long localWidth,
        long offset,
        (double At, string Name)[] highways)
    {
        var count = (int)Math.Ceiling((max - min + spacing) / spacing);
        var start = min - (spacing / 2);
        var phase = random.Below(4);
        var positions = new long[count + 1];
        for (var i = 0; i <= count; i++)
        {
            var jitter = random.Range(-0.15, 0.15) * spacing;
            var metres = start + (i * spacing) + jitter;
            positions[i] = (Millimetres.FromMetres(metres) / 100 * 100) + offset;
        }

        var names = new string?[count + 1];
        foreach (var (at, name) in highways)
        {
            var target = Millimetres.FromMetres(at) + offset;
            var nearest = 0;
            for (var i = 1; i <= count; i++)
            {
                if (Math.Abs(positions[i] - target) < Math.Abs(positions[nearest] - target))
                {
                    nearest = i;
                }
            }

            names[nearest] ??= name;
        }

        var lines = new GridLine[count + 1];
        for (var i = 0; i <= count; i++)
        {
            var roadClass = names[i] is not null ? RoadClass.Primary : (i + phase) % 4 == 0 ? RoadClass.Secondary : RoadClass.Local;
            var width = roadClass switch
            {
                RoadClass.Primary => localWidth + 8000,
                RoadClass.Secondary => localWidth + 4000,
                _ => localWidth,
            };
            lines[i] = new GridLine(positions[i], width / 2, roadClass, names[i]);
        }

        return lines;
    }
}
