using NetTopologySuite.Geometries;

namespace Landplatform.DataSamples;

/// <summary>Survey coordinates are held as whole millimetres so shared edges are bit-identical.</summary>
internal static class Millimetres
{
    public static long FromMetres(double metres) => (long)Math.Round(metres * 1000.0, MidpointRounding.AwayFromZero);

    public static double ToMetres(long millimetres) => millimetres / 1000.0;

    public static Coordinate Point(long x, long y) => new(ToMetres(x), ToMetres(y));
}

/// <summary>An axis-parallel rectangle in millimetres.</summary>
internal readonly record struct MmRect(long X0, long Y0, long X1, long Y1)
{
    public long Width => X1 - X0;

    public long Height => Y1 - Y0;

    public double AreaSquareMetres => Width / 1000.0 * (Height / 1000.0);

    public double CentreX => (X0 + X1) / 2000.0;

    public double CentreY => (Y0 + Y1) / 2000.0;

    public bool IsEmpty => Width <= 0 || Height <= 0;

    public Polygon ToPolygon(GeometryFactory factory)
    {
        var ring = new[]
        {
            Millimetres.Point(X0, Y0),
            Millimetres.Point(X1, Y0),
            Millimetres.Point(X1, Y1),
            Millimetres.Point(X0, Y1),
            Millimetres.Point(X0, Y0),
        };
        return factory.CreatePolygon(ring);
    }

    public Envelope ToEnvelope() => new(Millimetres.ToMetres(X0), Millimetres.ToMetres(X1), Millimetres.ToMetres(Y0), Millimetres.ToMetres(Y1));
}

/// <summary>An axis-parallel survey line: x = At for y in [From, To] when vertical, y = At for x in [From, To] otherwise.</summary>
internal readonly record struct MmCut(bool Vertical, long At, long From, long To);

/// <summary>A survey line at any angle, from (X0, Y0) to (X1, Y1), in millimetres.</summary>
internal readonly record struct MmSegment(long X0, long Y0, long X1, long Y1);
