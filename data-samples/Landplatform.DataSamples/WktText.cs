using System.Text;
using NetTopologySuite.Geometries;

namespace Landplatform.DataSamples;

/// <summary>Writes WKT with coordinates printed from whole millimetres, so text never carries float noise.</summary>
internal static class WktText
{
    public static void AppendMultiPolygon(StringBuilder text, Geometry geometry)
    {
        text.Append("MULTIPOLYGON(");
        switch (geometry)
        {
            case Polygon polygon:
                AppendPolygonBody(text, polygon);
                break;
            case MultiPolygon multi:
                for (var i = 0; i < multi.NumGeometries; i++)
                {
                    if (i > 0)
                    {
                        text.Append(',');
                    }

                    AppendPolygonBody(text, (Polygon)multi.GetGeometryN(i));
                }

                break;
            default:
                throw new ArgumentException($"Expected a polygonal geometry, got {geometry.GeometryType}.", nameof(geometry));
        }

        text.Append(')');
    }

    /// <summary>A single-ring polygon given as millimetre vertex lists (closed: first equals last).</summary>
    public static void AppendMultiPolygon(StringBuilder text, List<long> xs, List<long> ys)
    {
        text.Append("MULTIPOLYGON(((");
        for (var i = 0; i < xs.Count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            AppendMillimetres(text, xs[i]);
            text.Append(' ');
            AppendMillimetres(text, ys[i]);
        }

        text.Append(")))");
    }

    public static void AppendRectanglePolygon(StringBuilder text, MmRect rect)
    {
        text.Append("POLYGON((");
        AppendPair(text, rect.X0, rect.Y0);
        text.Append(',');
        AppendPair(text, rect.X1, rect.Y0);
        text.Append(',');
        AppendPair(text, rect.X1, rect.Y1);
        text.Append(',');
        AppendPair(text, rect.X0, rect.Y1);
        text.Append(',');
        AppendPair(text, rect.X0, rect.Y0);
        text.Append("))");
    }

    private static void AppendPolygonBody(StringBuilder text, Polygon polygon)
    {
        text.Append('(');
        AppendRing(text, polygon.ExteriorRing);
        for (var i = 0; i < polygon.NumInteriorRings; i++)
        {
            text.Append(',');
            AppendRing(text, polygon.GetInteriorRingN(i));
        }

        text.Append(')');
    }

    private static void AppendRing(StringBuilder text, LineString ring)
    {
        text.Append('(');
        var sequence = ring.CoordinateSequence;
        for (var i = 0; i < sequence.Count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            AppendPair(text, Millimetres.FromMetres(sequence.GetX(i)), Millimetres.FromMetres(sequence.GetY(i)));
        }

        text.Append(')');
    }

    private static void AppendPair(StringBuilder text, long x, long y)
    {
        AppendMillimetres(text, x);
        text.Append(' ');
        AppendMillimetres(text, y);
    }

    private static void AppendMillimetres(StringBuilder text, long value)
    {
        if (value < 0)
        {
            text.Append('-');
            value = -value;
        }

        text.Append(value / 1000);
        var fraction = value % 1000;
        if (fraction == 0)
        {
            return;
        }

        text.Append('.');
        var digits = fraction < 10 ? "00" : fraction < 100 ? "0" : string.Empty;
        while (fraction % 10 == 0)
        {
            fraction /= 10;
        }

        text.Append(digits).Append(fraction);
    }
}
