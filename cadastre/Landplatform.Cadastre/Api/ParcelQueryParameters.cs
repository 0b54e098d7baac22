using System.Globalization;
using System.Text.RegularExpressions;
using Landplatform.Cadastre.Contracts;

namespace Landplatform.Cadastre.Api;

/// <summary>A bounding box as the caller sent it, in the CRS that <c>bbox-crs</c> named.</summary>
public sealed record BoundingBox(double MinX, double MinY, double MaxX, double MaxY, CoordinateReferenceSystem Crs);

/// <summary>Reads the query parameters of the parcel API; every refusal names the parameter and the rule.</summary>
public static partial class ParcelQueryParameters
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>
    /// Reads <c>bbox=minx,miny,maxx,maxy</c>. In CRS84 (the default) that is lon,lat,lon,lat; with
    /// <c>bbox-crs=EPSG:4326</c> it follows EPSG's axis order, lat,lon,lat,lon, as OGC API Features Part 2 does.
    /// </summary>
    public static BoundingBox? ParseBbox(string? bbox, string? bboxCrs)
    {
        var crs = string.IsNullOrWhiteSpace(bboxCrs)
            ? CoordinateReferenceSystem.Crs84
            : CoordinateReferenceSystem.Parse(bboxCrs, "bbox-crs");
        if (bbox is null)
        {
            return null;
        }

        var parts = bbox.Split(',');
        if (parts.Length is not (4 or 6))
        {
            throw new InvalidParameterException("bbox", "bbox-format",
                $"bbox must be four comma-separated numbers minx,miny,maxx,maxy (or six with heights, minx,miny,minz,maxx,maxy,maxz); got {parts.Length} value(s).");
        }

        var numbers = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i]) ||
                !double.IsFinite(numbers[i]))
            {
                throw new InvalidParameterException("bbox", "bbox-format", $"bbox value {i + 1} ('{parts[i]}') is not a number.");
            }
        }

        // Six numbers carry heights (OGC API Features, 7.15.3): the fabric is flat, so the box is its horizontal part.
        if (numbers.Length == 6)
        {
            if (numbers[2] > numbers[5])
            {
                throw new InvalidParameterException("bbox", "bbox-order", "bbox must list the lower height before the upper one (minz <= maxz).");
            }

            numbers = [numbers[0], numbers[1], numbers[3], numbers[4]];
        }

        var box = crs.LatitudeFirst
            ? new BoundingBox(numbers[1], numbers[0], numbers[3], numbers[2], crs)
            : new BoundingBox(numbers[0], numbers[1], numbers[2], numbers[3], crs);
        if (box.MinX > box.MaxX || box.MinY > box.MaxY)
        {
            throw new InvalidParameterException("bbox", "bbox-order",
                "bbox must list the lower corner before the upper one (minx <= maxx and miny <= maxy).");
        }

        if (crs.Srid == 4326 && (box.MinX < -180 || box.MaxX > 180 || box.MinY < -90 || box.MaxY > 90))
        {
            throw new InvalidParameterException("bbox", "bbox-range",
                "bbox in WGS 84 must have longitudes within -180..180 and latitudes within -90..90; "
                + "for projected coordinates name their system with bbox-crs.");
        }

        return box;
    }

    /// <summary>
    /// Reads <c>asOf</c>: an RFC 3339 date-time, or a date, which means the end of that day (UTC), so
    /// changes made during the day are included.
    /// </summary>
    public static DateTimeOffset? ParseAsOf(string? asOf)
    {
        if (string.IsNullOrWhiteSpace(asOf))
        {
            return null;
        }

        var text = asOf.Trim();
        if (DateOnlyShape().IsMatch(text) &&
            DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return new DateTimeOffset(date.ToDateTime(TimeOnly.MaxValue), TimeSpan.Zero);
        }

        if (DateTimeShape().IsMatch(text) &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
        {
            return instant.ToUniversalTime();
        }

        throw new InvalidParameterException("asOf", "date-format",
            $"asOf '{asOf}' is not a date (2024-05-31) or an RFC 3339 date-time with offset (2024-05-31T12:00:00Z).");
    }

    public static int ParseLimit(string? limit)
    {
        if (string.IsNullOrWhiteSpace(limit))
        {
            return DefaultLimit;
        }

        if (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1 || value > MaxLimit)
        {
            throw new InvalidParameterException("limit", "limit-range", $"limit must be a whole number from 1 to {MaxLimit}; got '{limit}'.");
        }

        return value;
    }

    /// <summary>Reads the free-text search: a UPI prefix or part of an address.</summary>
    public static string? ParseSearchText(string? q)
    {
        if (q is null)
        {
            return null;
        }

        var text = q.Trim();
        if (text.Length is < 2 or > 100)
        {
            throw new InvalidParameterException("q", "q-length", "q must hold 2 to 100 characters (a UPI prefix or part of an address).");
        }

        return text;
    }

    /// <summary>True when the text could be the start of a UPI, e.g. <c>CH-000</c>.</summary>
    public static bool IsUpiPrefix(string text) => UpiPrefixShape().IsMatch(text);

    /// <summary>Escapes LIKE's wildcards so a user's text matches only itself.</summary>
    public static string EscapeLike(string text) =>
        text.Replace(@"\", @"\\", StringComparison.Ordinal)
            .Replace("%", @"\%", StringComparison.Ordinal)
            .Replace("_", @"\_", StringComparison.Ordinal);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex DateOnlyShape();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?([Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex DateTimeShape();

    [GeneratedRegex(@"^[A-Za-z]{2}[0-9]{0,2}(-[0-9]{0,5}(-[0-9]{0,4})?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex UpiPrefixShape();
}
