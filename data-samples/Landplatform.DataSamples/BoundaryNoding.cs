using NetTopologySuite.Geometries;

namespace Landplatform.DataSamples;

/// <summary>Puts a vertex on coast and parish boundaries wherever a survey line crosses them, so clipping lots later adds no rounded points.</summary>
internal sealed class BoundaryNoding(RoadGrid grid, Func<int, int, CellPlan?> planOf)
{
    // Crossings closer than this to another vertex are left to the overlay; keeps rings free of zigzags.
    private const long Crowding = 2;
    private readonly Dictionary<long, (List<MmCut> Square, List<MmSegment> Slanted)> cutsByCell = [];

    public Geometry Node(Geometry polygonal, GeometryFactory factory)
    {
        var polygons = new List<Polygon>();
        for (var i = 0; i < polygonal.NumGeometries; i++)
        {
            var polygon = (Polygon)polygonal.GetGeometryN(i);
            var shell = factory.CreateLinearRing(NodeRing(polygon.ExteriorRing.Coordinates));
            var holes = new LinearRing[polygon.NumInteriorRings];
            for (var h = 0; h < holes.Length; h++)
            {
                holes[h] = factory.CreateLinearRing(NodeRing(polygon.GetInteriorRingN(h).Coordinates));
            }

            polygons.Add(factory.CreatePolygon(shell, holes));
        }

        return polygons.Count == 1 ? polygons[0] : factory.CreateMultiPolygon(polygons.ToArray());
    }

    private Coordinate[] NodeRing(Coordinate[] ring)
    {
        var output = new List<Coordinate>(ring.Length * 4);
        var points = new List<(long X, long Y)>();
        for (var i = 0; i + 1 < ring.Length; i++)
        {
            var px = Millimetres.FromMetres(ring[i].X);
            var py = Millimetres.FromMetres(ring[i].Y);
            var qx = Millimetres.FromMetres(ring[i + 1].X);
            var qy = Millimetres.FromMetres(ring[i + 1].Y);
            output.Add(Millimetres.Point(px, py));
            points.Clear();
            NodeEdge(px, py, qx, qy, points);
            foreach (var (x, y) in points)
            {
                output.Add(Millimetres.Point(x, y));
            }
        }

        output.Add(output[0].Copy());
        return output.ToArray();
    }

    /// <summary>Crossings strictly inside edge P-Q, ordered from P; computed on the normalised edge so both parishes agree.</summary>
    private void NodeEdge(long px, long py, long qx, long qy, List<(long X, long Y)> output)
    {
        var reversed = px > qx || (px == qx && py > qy);
        if (reversed)
        {
            (px, py, qx, qy) = (qx, qy, px, py);
        }

        var crossings = new List<(double T, long X, long Y)>();
        var minX = Math.Min(px, qx);
        var maxX = Math.Max(px, qx);
        var minY = Math.Min(py, qy);
        var maxY = Math.Max(py, qy);

        foreach (var x in grid.VerticalEdges)
        {
            if (x > minX && x < maxX)
            {
                AddVertical(px, py, qx, qy, x, double.MinValue, double.MaxValue, crossings);
            }
        }

        foreach (var y in grid.HorizontalEdges)
        {
            if (y > minY && y < maxY)
            {
                AddHorizontal(px, py, qx, qy, y, double.MinValue, double.MaxValue, crossings);
            }
        }

        var firstColumn = Math.Max(0, RoadGrid.LineAtOrBelow(grid.Verticals, minX));
        var lastColumn = Math.Min(grid.Columns - 1, RoadGrid.LineAtOrBelow(grid.Verticals, maxX));
        for (var ix = firstColumn; ix <= lastColumn; ix++)
        {
            var x0 = Math.Max(minX, grid.Verticals[ix].Position);
            var x1 = Math.Min(maxX, grid.Verticals[ix + 1].Position);
            if (x1 < x0)
            {
                continue;
            }

            double y0;
            double y1;
            if (qx == px)
            {
                y0 = minY;
                y1 = maxY;
            }
            else
            {
                var ya = py + ((double)(x0 - px) * (qy - py) / (qx - px));
                var yb = py + ((double)(x1 - px) * (qy - py) / (qx - px));
                y0 = Math.Min(ya, yb);
                y1 = Math.Max(ya, yb);
            }

            var firstRow = Math.Max(0, RoadGrid.LineAtOrBelow(grid.Horizontals, (long)Math.Floor(y0)));
            var lastRow = Math.Min(grid.Rows - 1, RoadGrid.LineAtOrBelow(grid.Horizontals, (long)Math.Ceiling(y1)));
            for (var iy = firstRow; iy <= lastRow; iy++)
            {
                var (square, slanted) = CutsOf(ix, iy);
                foreach (var segment in slanted)
                {
                    AddCrossing(px, py, qx, qy, segment, crossings);
                }

                foreach (var cut in square)
                {
                    if (cut.Vertical)
                    {
                        if (cut.At > minX && cut.At < maxX)
                        {
                            AddVertical(px, py, qx, qy, cut.At, cut.From, cut.To, crossings);
                        }
                    }
                    else if (cut.At > minY && cut.At < maxY)
                    {
                        AddHorizontal(px, py, qx, qy, cut.At, cut.From, cut.To, crossings);
                    }
                }
            }
        }

        crossings.Sort((a, b) => a.T != b.T ? a.T.CompareTo(b.T) : a.X != b.X ? a.X.CompareTo(b.X) : a.Y.CompareTo(b.Y));
        var start = output.Count;
        var lastX = px;
        var lastY = py;
        foreach (var (_, x, y) in crossings)
        {
            if (Near(x, y, lastX, lastY) || Near(x, y, qx, qy))
            {
                continue;
            }

            output.Add((x, y));
            lastX = x;
            lastY = y;
        }

        if (reversed)
        {
            output.Reverse(start, output.Count - start);
        }
    }

    private (List<MmCut> Square, List<MmSegment> Slanted) CutsOf(int ix, int iy)
    {
        var key = ((long)ix << 32) | (uint)iy;
        if (!cutsByCell.TryGetValue(key, out var cuts))
        {
            cuts = ([], []);
            planOf(ix, iy)?.CollectCuts(cuts.Square, cuts.Slanted);
            cutsByCell[key] = cuts;
        }

        return cuts;
    }

    /// <summary>Where edge P-Q crosses a survey line at any angle (strictly inside P-Q, anywhere on the line).</summary>
    private static void AddCrossing(long px, long py, long qx, long qy, MmSegment line, List<(double, long, long)> crossings)
    {
        double ex = qx - px, ey = qy - py, lx = line.X1 - line.X0, ly = line.Y1 - line.Y0;
        var denominator = (ex * ly) - (ey * lx);
        if (denominator == 0)
        {
            return;
        }

        double ax = line.X0 - px, ay = line.Y0 - py;
        var t = ((ax * ly) - (ay * lx)) / denominator;
        var u = ((ax * ey) - (ay * ex)) / denominator;
        if (t > 0 && t < 1 && u >= 0 && u <= 1)
        {
            crossings.Add((t, (long)Math.Round(px + (t * ex), MidpointRounding.AwayFromZero), (long)Math.Round(py + (t * ey), MidpointRounding.AwayFromZero)));
        }
    }

    private static bool Near(long x0, long y0, long x1, long y1) => Math.Abs(x0 - x1) <= Crowding && Math.Abs(y0 - y1) <= Crowding;

    private static void AddVertical(long px, long py, long qx, long qy, long x, double from, double to, List<(double, long, long)> crossings)
    {
        var t = (double)(x - px) / (qx - px);
        var y = py + (t * (qy - py));
        if (y >= from && y <= to)
        {
            crossings.Add((t, x, (long)Math.Round(y, MidpointRounding.AwayFromZero)));
        }
    }

    private static void AddHorizontal(long px, long py, long qx, long qy, long y, double from, double to, List<(double, long, long)> crossings)
    {
        var t = (double)(y - py) / (qy - py);
        var x = px + (t * (qx - px));
        if (x >= from && x <= to)
        {
            crossings.Add((t, (long)Math.Round(x, MidpointRounding.AwayFromZero), y));
        }
    }
}
