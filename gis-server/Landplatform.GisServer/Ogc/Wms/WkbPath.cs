using System.Buffers.Binary;
using SkiaSharp;

namespace Landplatform.GisServer.Ogc.Wms;

/// <summary>
/// Turns well-known binary straight into a Skia path in pixel space. A map of an urban district draws
/// tens of thousands of polygons; going through NetTopologySuite objects first cost as much time as
/// the drawing itself, so the renderer walks the bytes once instead.
/// </summary>
/// <remarks>Reads ISO WKB (ST_AsBinary) and extended WKB (ST_AsEWKB) of any dimension, either byte order; only X and Y are drawn.</remarks>
public static class WkbPath
{
    private const uint EwkbZ = 0x80000000, EwkbM = 0x40000000, EwkbSrid = 0x20000000;

    /// <summary>Appends the geometry to <paramref name="path"/>; false when the bytes are not WKB of a kind it draws.</summary>
    public static bool TryAppend(ReadOnlySpan<byte> wkb, MapView view, SKPathBuilder path)
    {
        var offset = 0;
        return TryAppendGeometry(wkb, ref offset, view, path, depth: 0);
    }

    private static bool TryAppendGeometry(ReadOnlySpan<byte> wkb, ref int offset, MapView view, SKPathBuilder path, int depth)
    {
        if (depth > 4 || !TryReadHeader(wkb, ref offset, out var littleEndian, out var kind, out var dimensions))
        {
            return false;
        }

        switch (kind)
        {
            case 1:
                if (!TryReadPoint(wkb, ref offset, littleEndian, dimensions, view, out var point))
                {
                    return false;
                }

                path.AddCircle(point.X, point.Y, 3);
                return true;
            case 2:
                return TryAppendRing(wkb, ref offset, littleEndian, dimensions, view, path, close: false);
            case 3:
                if (!TryReadCount(wkb, ref offset, littleEndian, out var rings))
                {
                    return false;
                }

                for (var r = 0; r < rings; r++)
                {
                    if (!TryAppendRing(wkb, ref offset, littleEndian, dimensions, view, path, close: true))
                    {
                        return false;
                    }
                }

                return true;
            case 4 or 5 or 6 or 7:
                if (!TryReadCount(wkb, ref offset, littleEndian, out var parts))
                {
                    return false;
                }

                for (var p = 0; p < parts; p++)
                {
                    if (!TryAppendGeometry(wkb, ref offset, view, path, depth + 1))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return false;
        }
    }

    private static bool TryReadHeader(ReadOnlySpan<byte> wkb, ref int offset, out bool littleEndian, out uint kind, out int dimensions)
    {
        littleEndian = false;
        kind = 0;
        dimensions = 2;
        if (wkb.Length - offset < 5 || wkb[offset] > 1)
        {
            return false;
        }

        littleEndian = wkb[offset] == 1;
        var type = ReadUInt32(wkb.Slice(offset + 1), littleEndian);
        offset += 5;
        if ((type & EwkbSrid) != 0)
        {
            if (wkb.Length - offset < 4)
            {
                return false;
            }

            offset += 4;
        }

        // ISO codes (1003 = polygon Z) and PostGIS's flag bits can both mark extra ordinates; some writers use both at once.
        var code = type & 0x0FFFFFFF;
        var iso = code / 1000;
        if (iso > 3)
        {
            return false;
        }

        var hasZ = (type & EwkbZ) != 0 || iso is 1 or 3;
        var hasM = (type & EwkbM) != 0 || iso is 2 or 3;
        dimensions = 2 + (hasZ ? 1 : 0) + (hasM ? 1 : 0);
        kind = code % 1000;
        return true;
    }

    private static bool TryAppendRing(ReadOnlySpan<byte> wkb, ref int offset, bool littleEndian, int dimensions, MapView view, SKPathBuilder path, bool close)
    {
        if (!TryReadCount(wkb, ref offset, littleEndian, out var count) || (long)count * dimensions * 8 > wkb.Length - offset)
        {
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            TryReadPoint(wkb, ref offset, littleEndian, dimensions, view, out var point);
            if (i == 0)
            {
                path.MoveTo(point);
            }
            else
            {
                path.LineTo(point);
            }
        }

        if (close && count > 0)
        {
            path.Close();
        }

        return true;
    }

    private static bool TryReadPoint(ReadOnlySpan<byte> wkb, ref int offset, bool littleEndian, int dimensions, MapView view, out SKPoint point)
    {
        point = default;
        if (wkb.Length - offset < dimensions * 8)
        {
            return false;
        }

        var x = ReadDouble(wkb.Slice(offset), littleEndian);
        var y = ReadDouble(wkb.Slice(offset + 8), littleEndian);
        offset += dimensions * 8;
        point = view.ToPixel(x, y);
        return true;
    }

    private static bool TryReadCount(ReadOnlySpan<byte> wkb, ref int offset, bool littleEndian, out uint count)
    {
        count = 0;
        if (wkb.Length - offset < 4)
        {
            return false;
        }

        count = ReadUInt32(wkb.Slice(offset), littleEndian);
        offset += 4;
        return true;
    }

    private static uint ReadUInt32(ReadOnlySpan<byte> bytes, bool littleEndian) =>
        littleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadUInt32BigEndian(bytes);

    private static double ReadDouble(ReadOnlySpan<byte> bytes, bool littleEndian) =>
        littleEndian ? BinaryPrimitives.ReadDoubleLittleEndian(bytes) : BinaryPrimitives.ReadDoubleBigEndian(bytes);
}
