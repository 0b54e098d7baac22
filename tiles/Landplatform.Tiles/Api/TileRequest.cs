using System.Globalization;
using Landplatform.Cadastre.Contracts;
using Landplatform.Tiles.Cache;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Landplatform.Tiles.Api;

/// <summary>What every tile answer shares: the as-of parameter, ETag/304 and the caching headers.</summary>
public static class TileRequest
{
    /// <summary>
    /// Clients may keep a tile but must ask again before reusing it: the server answers 304 for an
    /// unchanged tile, and a changed one the moment its change commits.
    /// </summary>
    public const string CacheControl = "public, no-cache";

    /// <summary>
    /// <c>datetime</c>: an instant (a date means the end of that day, UTC, as the other services read it).
    /// Intervals make no sense for one picture of the fabric and are refused.
    /// </summary>
    public static DateTimeOffset? AsOf(HttpRequest request, string parameter = "datetime")
    {
        var text = request.Query[parameter].ToString();
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (text.Contains('/', StringComparison.Ordinal))
        {
            throw new InvalidParameterException(parameter, "datetime-format", $"{parameter} of a tile is one instant (a date or an RFC 3339 date-time), not an interval.");
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return new DateTimeOffset(date.ToDateTime(TimeOnly.MaxValue), TimeSpan.Zero);
        }

        if (text.Length >= 20 && text[10] is 'T' or 't'
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
        {
            return instant;
        }

        throw new InvalidParameterException(parameter, "datetime-format", $"{parameter} must be a date (2024-05-01) or an RFC 3339 date-time (2024-05-01T12:00:00Z); it was '{text}'.");
    }

    /// <summary>Refuses query parameters the endpoint does not know, naming the first.</summary>
    public static void RefuseUnknown(HttpRequest request, IReadOnlyCollection<string> known)
    {
        foreach (var key in request.Query.Keys)
        {
            if (!known.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw new InvalidParameterException(key, "unknown-parameter", $"Unknown parameter '{key}'. Known: {string.Join(", ", known)}.");
            }
        }
    }

    /// <summary>
    /// Writes a tile: 304 when the client's ETag matches, 204 with the ETag when the tile is empty
    /// (nothing of the layer there: no bytes to send, as OGC API Tiles allows), else the bytes.
    /// </summary>
    public static async Task WriteAsync(HttpContext http, TileContent tile, string mediaType, CancellationToken ct)
    {
        var response = http.Response;
        response.Headers.ETag = tile.ETag;
        response.Headers.CacheControl = CacheControl;
        response.Headers["X-Tile-Cache"] = tile.FromCache ? "hit" : "miss";
        if (Matches(http.Request, tile.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        if (tile.IsEmpty)
        {
            response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        response.ContentType = mediaType;
        response.ContentLength = tile.Data.Length;
        await response.Body.WriteAsync(tile.Data, ct);
    }

    private static bool Matches(HttpRequest request, string etag)
    {
        var header = request.Headers.IfNoneMatch;
        if (header.Count == 0)
        {
            return false;
        }

        return EntityTagHeaderValue.TryParseList(header, out var tags)
            && tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(EntityTagHeaderValue.Parse(etag), useStrongComparison: false));
    }
}
