using System.Globalization;
using Landplatform.Cadastre.Api;
using Landplatform.Cadastre.Contracts;
using Microsoft.Extensions.Primitives;

namespace Landplatform.GisServer.Ogc.Features;

/// <summary>The representation a request asked for, by <c>f</c> or the Accept header.</summary>
public enum OutputFormat
{
    Json,
    Html,
    Csv,
    FlatGeobuf,
    GeoPackage,
}

/// <summary>Reads the query parameters of the Features API; every refusal names the parameter and the rule.</summary>
public static class ItemsParameters
{
    /// <summary>
    /// A page of a thousand: a client that keeps the default (GDAL, QGIS, OWSLib) downloads the 20,000 parcels in 21 requests,
    /// far inside the public rate limit (600 a minute), where 10 a page needed 2,002.
    /// </summary>
    public const int DefaultLimit = 1000;
    public const int MaxLimit = 10_000;

    private static readonly string[] ItemsNames =
        ["f", "bbox", "bbox-crs", "limit", "offset", "cursor", "sortby", "q", "datetime", "properties", "crs", "filter", "filter-lang", "filter-crs", "zoom-level"];

    /// <summary>Refuses parameters the API does not define (OGC API Features, /req/core/query-param-unknown).</summary>
    public static void RefuseUnknown(IQueryCollection query, IReadOnlyCollection<string> known)
    {
        foreach (var key in query.Keys)
        {
            if (!known.Contains(key))
            {
                throw new InvalidParameterException(key, "parameter-known",
                    $"'{key}' is not a parameter of this resource; it takes {string.Join(", ", known)}.");
            }
        }
    }

    public static IReadOnlyCollection<string> ForItems => ItemsNames;

    public static OutputFormat Format(HttpRequest request, bool csvAllowed)
    {
        var f = Single(request.Query, "f");
        if (f is not null)
        {
            return f.ToLowerInvariant() switch
            {
                "json" or "geojson" => OutputFormat.Json,
                "html" => OutputFormat.Html,
                "csv" when csvAllowed => OutputFormat.Csv,
                "fgb" or "flatgeobuf" when csvAllowed => OutputFormat.FlatGeobuf,
                "gpkg" or "geopackage" when csvAllowed => OutputFormat.GeoPackage,
                _ => throw new InvalidParameterException("f", "format-supported",
                    $"'{f}' is not a format of this resource; use {(csvAllowed ? "json, html, csv, fgb or gpkg" : "json or html")}."),
            };
        }

        var accept = request.Headers.Accept.ToString();
        if (csvAllowed && accept.Contains(FlatGeobufWriter.MediaType, StringComparison.OrdinalIgnoreCase))
        {
            return OutputFormat.FlatGeobuf;
        }

        if (csvAllowed && accept.Contains(GeoPackageDownload.MediaType, StringComparison.OrdinalIgnoreCase))
        {
            return OutputFormat.GeoPackage;
        }

        return accept.Contains("text/html", StringComparison.OrdinalIgnoreCase) ? OutputFormat.Html : OutputFormat.Json;
    }

    public static string? Single(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out StringValues values))
        {
            return null;
        }

        if (values.Count > 1)
        {
            throw new InvalidParameterException(name, "parameter-once", $"'{name}' may be given once.");
        }

        return values[0];
    }

    public static int Limit(string? limit)
    {
        if (string.IsNullOrWhiteSpace(limit))
        {
            return DefaultLimit;
        }

        if (!long.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            if (limit.Length <= 30 && limit.All(char.IsAsciiDigit))
            {
                return MaxLimit;
            }

            throw new InvalidParameterException("limit", "limit-range", $"limit must be a whole number from 1 to {MaxLimit}; got '{limit}'.");
        }

        if (value < 1)
        {
            throw new InvalidParameterException("limit", "limit-range", $"limit must be a whole number from 1 to {MaxLimit}; got '{limit}'.");
        }

        // OGC API Features: a limit above the maximum is answered with the maximum, not refused.
        return (int)Math.Min(value, MaxLimit);
    }

    public static long Offset(string? offset)
    {
        if (string.IsNullOrWhiteSpace(offset))
        {
            return 0;
        }

        if (!long.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > 100_000_000)
        {
            throw new InvalidParameterException("offset", "offset-range", $"offset must be a whole number from 0 to 100000000; got '{offset}'.");
        }

        return value;
    }

    /// <summary><c>sortby</c>: comma-separated properties, each with an optional + (ascending, the default) or - (descending).</summary>
    public static IReadOnlyList<SortKey>? SortBy(string? sortby, FeatureCollectionDefinition collection)
    {
        if (string.IsNullOrWhiteSpace(sortby))
        {
            return null;
        }

        var keys = new List<SortKey>();
        foreach (var part in sortby.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var descending = part[0] == '-';
            var name = part[0] is '-' or '+' ? part[1..].Trim() : part;
            if (collection.FindProperty(name) is null)
            {
                throw new InvalidParameterException("sortby", "sortby-property",
                    $"'{name}' is not a sortable of {collection.Id}; the sortables are {string.Join(", ", collection.Properties.Select(p => p.Name))}.");
            }

            keys.Add(new SortKey(name, descending));
        }

        return keys.Count == 0 ? null : keys;
    }

    /// <summary>
    /// <c>q</c>: free-text search. Comma-separated terms, any of which may occur, case-insensitively, anywhere in any text
    /// property of the feature; a term is plain text (%, _ and \ in it are literal).
    /// </summary>
    public static FilterExpression? FreeText(string? q, FeatureCollectionDefinition collection)
    {
        if (q is null)
        {
            return null;
        }

        var terms = q.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (terms.Length == 0 || terms.Length > 20 || terms.Any(t => t.Length > 200))
        {
            throw new InvalidParameterException("q", "q-terms", "q takes 1 to 20 comma-separated search terms of at most 200 characters.");
        }

        var texts = collection.Properties.Where(p => p.Type == Landplatform.Cadastre.Contracts.Layers.AttributeType.String).ToList();
        return new OrFilter([.. from term in terms
            let pattern = "%" + term.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%"
            from property in texts
            select (FilterExpression)new LikeFilter(property.Name, pattern, CaseInsensitive: true)]);
    }

    /// <summary>The opaque <c>cursor</c> of a next link: where a keyset page starts.</summary>
    public static FeatureCursor? Cursor(string? cursor, string? offset)
    {
        if (cursor is null)
        {
            return null;
        }

        if (offset is not null)
        {
            throw new InvalidParameterException("cursor", "cursor-offset", "cursor and offset both say where a page starts; give one of them.");
        }

        string[] parts;
        try
        {
            parts = System.Text.Encoding.UTF8.GetString(Microsoft.AspNetCore.WebUtilities.Base64UrlTextEncoder.Decode(cursor)).Split('\n');
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            parts = [];
        }

        if (cursor.Length > 400 || parts.Length != 4 || parts[0] != "1" ||
            !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var position) ||
            (parts[3].Length > 0 && !long.TryParse(parts[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
        {
            throw new InvalidParameterException("cursor", "cursor-format", "The cursor is not one this API wrote; follow the next link as given.");
        }

        return new FeatureCursor(position, parts[2], parts[3].Length > 0 ? long.Parse(parts[3], CultureInfo.InvariantCulture) : null);
    }

    /// <summary>The text of a cursor (the inverse of <see cref="Cursor"/>).</summary>
    public static string CursorText(FeatureCursor cursor) =>
        Microsoft.AspNetCore.WebUtilities.Base64UrlTextEncoder.Encode(System.Text.Encoding.UTF8.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"1\n{cursor.Position}\n{cursor.Id}\n{cursor.Version}")));

    public static BboxFilter? Bbox(string? bbox, string? bboxCrs)
    {
        var box = ParcelQueryParameters.ParseBbox(bbox, bboxCrs);
        return box is null ? null : new BboxFilter(box.MinX, box.MinY, box.MaxX, box.MaxY, box.Crs.Srid);
    }

    public static CoordinateReferenceSystem Crs(string? crs, string parameter) =>
        string.IsNullOrWhiteSpace(crs) ? CoordinateReferenceSystem.Crs84 : CoordinateReferenceSystem.Parse(crs, parameter);

    /// <summary>
    /// Reads <c>datetime</c>: an instant (a date means the end of that day, UTC) or an interval
    /// <c>start/end</c> with <c>..</c> (or nothing) for an open end.
    /// </summary>
    public static (DateTimeOffset? Instant, TimePeriod? Period) Datetime(string? datetime)
    {
        if (string.IsNullOrWhiteSpace(datetime))
        {
            return (null, null);
        }

        var parts = datetime.Split('/');
        if (parts.Length == 1)
        {
            return (Instant(parts[0], isEnd: true), null);
        }

        if (parts.Length != 2)
        {
            throw new InvalidParameterException("datetime", "datetime-format", "datetime is an instant or an interval start/end.");
        }

        var start = parts[0] is "" or ".." ? (DateTimeOffset?)null : Instant(parts[0], isEnd: false);
        var end = parts[1] is "" or ".." ? (DateTimeOffset?)null : Instant(parts[1], isEnd: true);
        if (start is null && end is null)
        {
            throw new InvalidParameterException("datetime", "datetime-format", "An interval needs at least one bounded end.");
        }

        if (start > end)
        {
            throw new InvalidParameterException("datetime", "datetime-order", "The interval ends before it starts.");
        }

        return (null, new TimePeriod(start, end));
    }

    private static DateTimeOffset Instant(string text, bool isEnd)
    {
        if (text.Length == 10 && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return new DateTimeOffset(date.ToDateTime(isEnd ? TimeOnly.MaxValue : TimeOnly.MinValue), TimeSpan.Zero);
        }

        if (text.Length is > 16 and < 40 && (text[10] is 'T' or 't') && (text.EndsWith('Z') || text.EndsWith('z') || text[^6] is '+' or '-') &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var instant))
        {
            return instant;
        }

        throw new InvalidParameterException("datetime", "datetime-format",
            $"'{(text.Length > 40 ? text[..40] + "…" : text)}' is not a date (2024-05-31) or an RFC 3339 date-time with an offset (2024-05-31T12:00:00Z).");
    }

    /// <summary>
    /// Reads <c>zoom-level</c> (0-24, the zoom of WebMercatorQuad a map shows the features at) as the simplification
    /// distance in metres: half a pixel of that zoom (156,543 m per pixel at zoom 0, halved at each level), so what a
    /// map draws does not change while vertices it cannot show are dropped.
    /// </summary>
    public static double? SimplifyMetres(string? zoomLevel)
    {
        if (zoomLevel is null)
        {
            return null;
        }

        return int.TryParse(zoomLevel, NumberStyles.None, CultureInfo.InvariantCulture, out var z) && z is >= 0 and <= 24
            ? 156_543.03392804097 / Math.Pow(2, z) / 2
            : throw new InvalidParameterException("zoom-level", "zoom-level-range", "zoom-level is a whole number from 0 to 24 (a WebMercatorQuad zoom).");
    }

    public static IReadOnlyList<string>? Properties(string? properties) =>
        properties is null ? null : properties.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static FilterExpression? Filter(IQueryCollection query, FeatureCollectionDefinition collection)
    {
        var filter = Single(query, "filter");
        var lang = Single(query, "filter-lang");
        var crs = Crs(Single(query, "filter-crs"), "filter-crs");
        if (lang is not null && lang is not ("cql2-text" or "cql2-json"))
        {
            throw new InvalidParameterException("filter-lang", "filter-lang-supported", $"'{lang}' is not a filter language here; use cql2-text or cql2-json.");
        }

        if (filter is null)
        {
            return null;
        }

        var context = new FilterContext(collection, crs);
        return lang == "cql2-json" ? Cql2JsonReader.Read(filter, context) : Cql2TextParser.Parse(filter, context);
    }
}
