using NetTopologySuite.Algorithm.Construct;
using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;

namespace Landplatform.Cadastre.Surveys;

/// <summary>
/// Tolerance-based topology for the survey checks. A plan is coordinated to the millimetre, so a corner on a slanted
/// boundary is never exactly on the fabric's line: before the cover and overlap checks each lot is snapped to the
/// fabric's corners and lines (and the lots to each other) within the snap distance, the fabric's accuracy class. A gap
/// or overlap left after that counts only when it is wider than the snap distance (<see cref="Width"/>).
/// </summary>
public static class SurveyTopology
{
    /// <summary>
    /// The lots moved onto the fabric: a corner within <paramref name="distance"/> of a fabric corner takes it, else one
    /// within that distance of a fabric line moves onto the line, else one within that distance of another lot's corner
    /// takes that; then every fabric or lot corner within the distance of a lot's side is inserted into it, so lots and
    /// fabric share their corners. A lot that snapping would make invalid is kept as drawn.
    /// </summary>
    public static IReadOnlyList<Polygon> Snap(IReadOnlyList<Polygon> lots, IReadOnlyList<Geometry> fabric, double distance)
    {
        if (distance <= 0 || lots.Count == 0)
        {
            return lots;
        }

        var fabricCorners = new STRtree<Coordinate>();
        var fabricLines = new STRtree<LineSegment>();
        var cornerCount = 0;
        foreach (var shape in fabric)
        {
            foreach (var ring in Rings(shape))
            {
                var points = ring.Coordinates;
                for (var i = 0; i + 1 < points.Length; i++)
                {
                    fabricCorners.Insert(new Envelope(points[i]), points[i]);
                    cornerCount++;
                    var segment = new LineSegment(points[i], points[i + 1]);
                    fabricLines.Insert(new Envelope(points[i], points[i + 1]), segment);
                }
            }
        }

        if (cornerCount > 0)
        {
            fabricCorners.Build();
            fabricLines.Build();
        }

        // Each distinct corner of the plan moves once, so corners the lots share stay shared.
        var moved = new Dictionary<(double, double), Coordinate>();
        var placed = new List<Coordinate>();
        var placedIndex = new Dictionary<(long, long), List<Coordinate>>();
        var cell = distance * 2;
        foreach (var lot in lots)
        {
            foreach (var ring in Rings(lot))
            {
                foreach (var corner in ring.Coordinates)
                {
                    var key = (corner.X, corner.Y);
                    if (moved.ContainsKey(key))
                    {
                        continue;
                    }

                    var target = cornerCount > 0 ? NearestCorner(fabricCorners, corner, distance) ?? NearestOnLine(fabricLines, corner, distance) : null;
                    target ??= NearestPlaced(placedIndex, cell, corner, distance) ?? new Coordinate(corner.X, corner.Y);
                    moved[key] = target;
                    Place(placedIndex, cell, target);
                    placed.Add(target);
                }
            }
        }

        // Corners a side passes within the distance of: the fabric's and the plan's own.
        var corners = new STRtree<Coordinate>();
        foreach (var c in placed)
        {
            corners.Insert(new Envelope(c), c);
        }

        foreach (var shape in fabric)
        {
            foreach (var ring in Rings(shape))
            {
                foreach (var c in ring.Coordinates)
                {
                    corners.Insert(new Envelope(c), c);
                }
            }
        }

        corners.Build();
        var result = new List<Polygon>(lots.Count);
        var near = new List<Coordinate>();
        foreach (var lot in lots)
        {
            var factory = lot.Factory;
            var shell = SnapRing(lot.ExteriorRing, moved, corners, distance, near);
            var holes = lot.InteriorRings.Select(r => SnapRing(r, moved, corners, distance, near)).ToList();
            if (shell is not null && holes.All(h => h is not null)
                && Same(lot.ExteriorRing, shell) && holes.Select((h, i) => Same(lot.GetInteriorRingN(i), h!)).All(same => same))
            {
                // Nothing moved: the lot as drawn is the snapped lot, and validating it again (costly on long rings) is not needed.
                result.Add(lot);
                continue;
            }

            Polygon? snapped = null;
            if (shell is not null && holes.All(h => h is not null))
            {
                snapped = factory.CreatePolygon(factory.CreateLinearRing(shell), holes.Select(h => factory.CreateLinearRing(h!)).ToArray());
                snapped.SRID = lot.SRID;
            }

            result.Add(snapped is { IsValid: true } ? snapped : lot);
        }

        return result;
    }

    /// <summary>Whether the snapped ring is the drawn one, corner for corner (and the drawn one plain x/y, as snapping returns).</summary>
    private static bool Same(LineString ring, Coordinate[] points)
    {
        var sequence = ring.CoordinateSequence;
        if (sequence.Count != points.Length)
        {
            return false;
        }

        for (var i = 0; i < points.Length; i++)
        {
            if (sequence.GetX(i) != points[i].X || sequence.GetY(i) != points[i].Y || !double.IsNaN(sequence.GetZ(i)) || !double.IsNaN(sequence.GetM(i)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>How wide a piece of gap or overlap is: the diameter of the widest circle it holds, to <paramref name="accuracy"/>.</summary>
    public static (double Width, Coordinate Centre) Width(Geometry piece, double accuracy)
    {
        if (piece.IsEmpty || piece.Area <= 0)
        {
            return (0, piece.IsEmpty ? new Coordinate(double.NaN, double.NaN) : piece.Coordinate);
        }

        var circle = new MaximumInscribedCircle(piece, Math.Max(accuracy, 1e-6));
        return (2 * circle.GetRadiusLine().Length, circle.GetCenter().Coordinate);
    }

    private static Coordinate[]? SnapRing(LineString ring, Dictionary<(double, double), Coordinate> moved, STRtree<Coordinate> corners, double distance, List<Coordinate> near)
    {
        var source = ring.Coordinates;
        var points = new List<Coordinate>(source.Length + 8);
        var between = new List<(double Along, Coordinate Corner)>();
        for (var i = 0; i + 1 < source.Length; i++)
        {
            var a = moved[(source[i].X, source[i].Y)];
            var b = moved[(source[i + 1].X, source[i + 1].Y)];
            Append(points, a);
            var side = new LineSegment(a, b);
            var envelope = new Envelope(a, b);
            envelope.ExpandBy(distance);
            near.Clear();
            corners.Query(envelope, new ListVisitor(near));
            between.Clear();
            foreach (var c in near)
            {
                if (c.Distance(a) > distance && c.Distance(b) > distance && side.Distance(c) <= distance && side.ProjectionFactor(c) is > 0 and < 1 and var along)
                {
                    between.Add((along, c));
                }
            }

            if (between.Count > 1)
            {
                // A stable sort, so corners at the same place along the side keep the index's order.
                var ordered = between.OrderBy(p => p.Along).ToList();
                between.Clear();
                between.AddRange(ordered);
            }

            foreach (var (_, corner) in between)
            {
                Append(points, corner);
            }
        }

        if (points.Count > 1 && points[^1].Equals2D(points[0]))
        {
            points.RemoveAt(points.Count - 1);
        }

        if (points.Count < 3)
        {
            return null;
        }

        points.Add(points[0].Copy());
        return [.. points.Select(p => new Coordinate(p.X, p.Y))];
    }

    /// <summary>Collects what an index query visits into a list the caller reuses, so a query per side allocates no list of its own.</summary>
    private sealed class ListVisitor(List<Coordinate> items) : NetTopologySuite.Index.IItemVisitor<Coordinate>
    {
        public void VisitItem(Coordinate item) => items.Add(item);
    }

    private static void Append(List<Coordinate> points, Coordinate c)
    {
        if (points.Count == 0 || !points[^1].Equals2D(c))
        {
            points.Add(c);
        }
    }

    private static Coordinate? NearestCorner(STRtree<Coordinate> index, Coordinate p, double distance)
    {
        var envelope = new Envelope(p);
        envelope.ExpandBy(distance);
        Coordinate? best = null;
        var bestDistance = double.MaxValue;
        foreach (var c in index.Query(envelope))
        {
            var d = c.Distance(p);
            if (d <= distance && d < bestDistance)
            {
                (best, bestDistance) = (c, d);
            }
        }

        return best is null ? null : new Coordinate(best.X, best.Y);
    }

    private static Coordinate? NearestOnLine(STRtree<LineSegment> index, Coordinate p, double distance)
    {
        var envelope = new Envelope(p);
        envelope.ExpandBy(distance);
        Coordinate? best = null;
        var bestDistance = double.MaxValue;
        foreach (var segment in index.Query(envelope))
        {
            var d = segment.Distance(p);
            if (d <= distance && d < bestDistance)
            {
                (best, bestDistance) = (segment.ClosestPoint(p), d);
            }
        }

        return best is null ? null : new Coordinate(best.X, best.Y);
    }

    private static Coordinate? NearestPlaced(Dictionary<(long, long), List<Coordinate>> index, double cell, Coordinate p, double distance)
    {
        var (cx, cy) = ((long)Math.Floor(p.X / cell), (long)Math.Floor(p.Y / cell));
        Coordinate? best = null;
        var bestDistance = double.MaxValue;
        for (var x = cx - 1; x <= cx + 1; x++)
        {
            for (var y = cy - 1; y <= cy + 1; y++)
            {
                if (!index.TryGetValue((x, y), out var list))
                {
                    continue;
                }

                foreach (var c in list)
                {
                    var d = c.Distance(p);
                    if (d <= distance && d < bestDistance)
                    {
                        (best, bestDistance) = (c, d);
                    }
                }
            }
        }

        return best;
    }

    private static void Place(Dictionary<(long, long), List<Coordinate>> index, double cell, Coordinate p)
    {
        var key = ((long)Math.Floor(p.X / cell), (long)Math.Floor(p.Y / cell));
        if (!index.TryGetValue(key, out var list))
        {
            index[key] = list = [];
        }

        list.Add(p);
    }

    private static IEnumerable<LineString> Rings(Geometry shape)
    {
        for (var i = 0; i < shape.NumGeometries; i++)
        {
            if (shape.GetGeometryN(i) is Polygon polygon)
            {
                yield return polygon.ExteriorRing;
                foreach (var hole in polygon.InteriorRings)
                {
                    yield return hole;
                }
            }
        }
    }
}
