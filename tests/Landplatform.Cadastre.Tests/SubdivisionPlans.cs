using System.Globalization;
using System.Text;
using NetTopologySuite.Algorithm.Construct;
using NetTopologySuite.Geometries;

namespace Landplatform.Cadastre.Tests;

/// <summary>
/// Clean subdivisions of a fabric parcel as a surveyor coordinates them: straight cuts at random angles, every corner
/// rounded to the millimetre once and shared by the lots that meet there, written as LandXML 1.2.
/// </summary>
internal static class SubdivisionPlans
{
    private static readonly GeometryFactory Grid = NetTopologySuite.NtsGeometryServices.Instance.CreateGeometryFactory(2007);

    /// <summary>A lot of a plan: its label, its corners (open ring, counter-clockwise or not), the area it states.</summary>
    public sealed record Lot(string Label, List<Coordinate> Corners, decimal StatedArea)
    {
        public Polygon Polygon => Grid.CreatePolygon([.. Corners, Corners[0]]);

        public Lot Restated() => this with { StatedArea = decimal.Round((decimal)Polygon.Area, 2) };
    }

    /// <summary>The parcel cut into <paramref name="count"/> lots, or null when this parcel does not cut cleanly that often.</summary>
    public static List<Lot>? Subdivide(Polygon parent, int count, Random random)
    {
        var ring = parent.ExteriorRing.Coordinates.Take(parent.ExteriorRing.NumPoints - 1).Select(Round).ToList();
        var pieces = new List<List<Coordinate>> { ring };
        var minimumArea = Math.Max(parent.Area / count * 0.25, 20);
        while (pieces.Count < count)
        {
            var largest = pieces.OrderByDescending(p => Area(p)).First();
            var cut = false;
            for (var attempt = 0; attempt < 40 && !cut; attempt++)
            {
                cut = TryCut(largest, pieces, random, minimumArea);
            }

            if (!cut)
            {
                return null;
            }
        }

        return pieces.Select((p, i) => new Lot($"Lot {i + 1}", p, 0m).Restated()).ToList();
    }

    /// <summary>The plan as LandXML 1.2: CgPoints (northing easting), the parent extinguished, the lots created.</summary>
    public static byte[] LandXml(string parent, IReadOnlyList<Lot> lots)
    {
        var names = new Dictionary<(double, double), string>();
        var xml = new StringBuilder();
        xml.Append("""
            <?xml version="1.0" encoding="UTF-8"?>
            <LandXML xmlns="http://www.landxml.org/schema/LandXML-1.2" version="1.2" date="2026-12-01" time="10:00:00">
              <Units><Metric areaUnit="squareMeter" linearUnit="meter" volumeUnit="cubicMeter" temperatureUnit="celsius" pressureUnit="milliBars" angularUnit="decimal degrees" directionUnit="decimal degrees"/></Units>
              <CoordinateSystem epsgCode="2007" name="St. Vincent 45 / British West Indies Grid"/>
              <CgPoints>

            """);
        foreach (var corner in lots.SelectMany(l => l.Corners))
        {
            if (names.TryAdd((corner.X, corner.Y), $"P{names.Count + 1}"))
            {
                xml.Append(CultureInfo.InvariantCulture, $"    <CgPoint name=\"P{names.Count}\" pntSurv=\"boundary\">{corner.Y:0.000} {corner.X:0.000}</CgPoint>\n");
            }
        }

        xml.Append(CultureInfo.InvariantCulture, $"  </CgPoints>\n  <Parcels>\n    <Parcel name=\"{parent}\" class=\"Lot\" state=\"extinguished\"/>\n");
        foreach (var lot in lots)
        {
            xml.Append(CultureInfo.InvariantCulture, $"    <Parcel name=\"{lot.Label}\" class=\"Lot\" state=\"created\" area=\"{lot.StatedArea:0.00}\"><CoordGeom>\n");
            for (var i = 0; i < lot.Corners.Count; i++)
            {
                var (a, b) = (lot.Corners[i], lot.Corners[(i + 1) % lot.Corners.Count]);
                xml.Append(CultureInfo.InvariantCulture, $"      <Line><Start pntRef=\"{names[(a.X, a.Y)]}\"/><End pntRef=\"{names[(b.X, b.Y)]}\"/></Line>\n");
            }

            xml.Append("    </CoordGeom></Parcel>\n");
        }

        xml.Append("  </Parcels>\n</LandXML>\n");
        return Encoding.UTF8.GetBytes(xml.ToString());
    }

    /// <summary>Rounds a coordinate to the millimetre, as a plan states it.</summary>
    public static Coordinate Round(Coordinate c) => new(Math.Round(c.X, 3), Math.Round(c.Y, 3));

    public static double Area(List<Coordinate> corners)
    {
        var sum = 0.0;
        for (var i = 0; i < corners.Count; i++)
        {
            var (a, b) = (corners[i], corners[(i + 1) % corners.Count]);
            sum += (a.X * b.Y) - (b.X * a.Y);
        }

        return Math.Abs(sum) / 2;
    }

    private static bool TryCut(List<Coordinate> piece, List<List<Coordinate>> pieces, Random random, double minimumArea)
    {
        var angle = random.NextDouble() * Math.PI;
        var (nx, ny) = (-Math.Sin(angle), Math.Cos(angle));
        var along = piece.Select(c => (c.X * nx) + (c.Y * ny)).ToList();
        var (low, high) = (along.Min(), along.Max());
        var offset = low + ((high - low) * (0.3 + (0.4 * random.NextDouble())));
        if (along.Any(s => Math.Abs(s - offset) < 0.5))
        {
            return false; // the cut would pass too near a corner
        }

        var crossings = new List<(int Edge, Coordinate At)>();
        for (var i = 0; i < piece.Count; i++)
        {
            var j = (i + 1) % piece.Count;
            var (sa, sb) = (along[i] - offset, along[j] - offset);
            if ((sa > 0) != (sb > 0))
            {
                var t = sa / (sa - sb);
                var (a, b) = (piece[i], piece[j]);
                crossings.Add((i, Round(new Coordinate(a.X + ((b.X - a.X) * t), a.Y + ((b.Y - a.Y) * t)))));
            }
        }

        if (crossings.Count != 2)
        {
            return false;
        }

        var ((e1, x1), (e2, x2)) = (crossings[0], crossings[1]);
        var first = new List<Coordinate> { x1 };
        for (var k = e1 + 1; k <= e2; k++)
        {
            first.Add(piece[k]);
        }

        first.Add(x2);
        var second = new List<Coordinate> { x2 };
        for (var k = (e2 + 1) % piece.Count; k != (e1 + 1) % piece.Count; k = (k + 1) % piece.Count)
        {
            second.Add(piece[k]);
        }

        second.Add(x1);
        if (!Acceptable(first, minimumArea) || !Acceptable(second, minimumArea))
        {
            return false;
        }

        // The lots beside the cut edges get the new corners too: a lot's boundary names every corner on it.
        foreach (var other in pieces.Where(p => !ReferenceEquals(p, piece)))
        {
            InsertOnEdge(other, piece[e1], piece[(e1 + 1) % piece.Count], x1);
            InsertOnEdge(other, piece[e2], piece[(e2 + 1) % piece.Count], x2);
        }

        var index = pieces.IndexOf(piece);
        pieces[index] = first;
        pieces.Insert(index + 1, second);
        return true;
    }

    private static bool Acceptable(List<Coordinate> corners, double minimumArea)
    {
        if (corners.Count < 3 || Area(corners) < minimumArea)
        {
            return false;
        }

        var polygon = Grid.CreatePolygon([.. corners, corners[0]]);
        return polygon.IsValid && new MaximumInscribedCircle(polygon, 0.01).GetRadiusLine().Length >= 1.5;
    }

    private static void InsertOnEdge(List<Coordinate> ring, Coordinate a, Coordinate b, Coordinate at)
    {
        for (var i = 0; i < ring.Count; i++)
        {
            var (p, q) = (ring[i], ring[(i + 1) % ring.Count]);
            if ((p.Equals2D(a) && q.Equals2D(b)) || (p.Equals2D(b) && q.Equals2D(a)))
            {
                ring.Insert(i + 1, at);
                return;
            }
        }
    }
}
