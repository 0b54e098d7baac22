using System.Globalization;
using Landplatform.Cadastre.Contracts;

namespace Landplatform.Tiles.Vector;

/// <summary>
/// A tile of the WebMercatorQuad tile matrix set (EPSG:3857, 256 px tiles, row 0 at the top, as XYZ
/// and OGC API Tiles number them).
/// </summary>
public readonly record struct TileAddress(int Z, int X, int Y)
{
    /// <summary>Half the width of the Web Mercator square, in metres.</summary>
    public const double HalfWorld = 20037508.342789244;

    /// <summary>The tile's width in Web Mercator metres.</summary>
    public double Size => 2 * HalfWorld / (1 << Z);

    public double MinX => -HalfWorld + (X * Size);

    public double MaxX => MinX + Size;

    public double MaxY => HalfWorld - (Y * Size);

    public double MinY => MaxY - Size;

    /// <summary>The tile at <paramref name="z"/>/<paramref name="x"/>/<paramref name="y"/>, or a 400 naming the coordinate that is out of range.</summary>
    /// <param name="names">How the caller spells the three coordinates (XYZ: z, x, y; OGC: tileMatrix, tileCol, tileRow).</param>
    public static TileAddress Parse(string z, string x, string y, (string Z, string X, string Y) names)
    {
        var zoom = Integer(z, names.Z);
        if (zoom is < 0 or > TileLayers.MaxZoom)
        {
            throw new InvalidParameterException(names.Z, "tile-range", $"{names.Z} must be between 0 and {TileLayers.MaxZoom}; it was {zoom}.");
        }

        var count = 1L << zoom;
        var column = Integer(x, names.X);
        if (column < 0 || column >= count)
        {
            throw new InvalidParameterException(names.X, "tile-range", $"At zoom {zoom}, {names.X} must be between 0 and {count - 1}; it was {column}.");
        }

        var row = Integer(y, names.Y);
        if (row < 0 || row >= count)
        {
            throw new InvalidParameterException(names.Y, "tile-range", $"At zoom {zoom}, {names.Y} must be between 0 and {count - 1}; it was {row}.");
        }

        return new TileAddress(zoom, column, row);
    }

    /// <summary>The range of tiles at zoom <paramref name="z"/> that cover a Web Mercator box (clamped to the world).</summary>
    public static (int MinX, int MinY, int MaxX, int MaxY) Cover(int z, double minX, double minY, double maxX, double maxY)
    {
        var size = 2 * HalfWorld / (1 << z);
        var last = (1 << z) - 1;
        static int Clamp(double v, int last) => (int)Math.Clamp(Math.Floor(v), 0, last);
        return (Clamp((minX + HalfWorld) / size, last), Clamp((HalfWorld - maxY) / size, last),
            Clamp((maxX + HalfWorld) / size, last), Clamp((HalfWorld - minY) / size, last));
    }

    /// <summary>The Web Mercator x/y of a longitude/latitude.</summary>
    public static (double X, double Y) FromLonLat(double lon, double lat)
    {
        var clamped = Math.Clamp(lat, -85.05112878, 85.05112878) * Math.PI / 180;
        return (lon * HalfWorld / 180, Math.Log(Math.Tan((Math.PI / 4) + (clamped / 2))) * HalfWorld / Math.PI);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Z}/{X}/{Y}");

    private static int Integer(string text, string name) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidParameterException(name, "tile-range", $"{name} must be a whole number; it was '{text}'.");
}
