using System.Net;
using Landplatform.Testing;
using Landplatform.Tiles.Cache;
using Landplatform.Tiles.Vector;
using Microsoft.Extensions.DependencyInjection;

namespace Landplatform.Tiles.Tests;

/// <summary>One tile as a client receives it.</summary>
public sealed record TileAnswer(HttpStatusCode Status, string? ETag, string? Cache, string? CacheControl, byte[] Body)
{
    public IReadOnlyList<TileLayerContent> Layers => Body.Length == 0 ? [] : VectorTileReader.Read(Body);

    public IReadOnlyList<TileFeature> Features(string layer) => Layers.Where(l => l.Name == layer).SelectMany(l => l.Features).ToList();

    public IReadOnlyList<string> Upis => Features("parcels").Select(f => f.Text("upi")).OfType<string>().ToList();
}

/// <summary>Finds tiles where known parcels lie, and fetches tiles as a client does.</summary>
public static class TileProbe
{
    /// <summary>A point inside the current version of a parcel, in longitude/latitude.</summary>
    public static async Task<(double Lon, double Lat)> PointInAsync(SampleIslandDatabase database, string upi)
    {
        var lon = await database.ScalarAsync<double>(
            "SELECT ST_X(ST_Transform(ST_PointOnSurface(boundary), 4326)) FROM cadastre.parcel_versions WHERE upi = @upi AND status = 'current'", ("upi", upi));
        var lat = await database.ScalarAsync<double>(
            "SELECT ST_Y(ST_Transform(ST_PointOnSurface(boundary), 4326)) FROM cadastre.parcel_versions WHERE upi = @upi AND status = 'current'", ("upi", upi));
        return (lon, lat);
    }

    public static TileAddress TileAt((double Lon, double Lat) point, int z)
    {
        var (x, y) = TileAddress.FromLonLat(point.Lon, point.Lat);
        var (minX, minY, _, _) = TileAddress.Cover(z, x, y, x, y);
        return new TileAddress(z, minX, minY);
    }

    /// <summary>The current parcel farthest from <paramref name="upi"/>: its tiles must not change when that one does.</summary>
    public static Task<string> FarthestParcelAsync(SampleIslandDatabase database, string upi) =>
        database.ScalarAsync<string>("""
            SELECT o.upi FROM cadastre.parcel_versions o, cadastre.parcel_versions p
            WHERE p.upi = @upi AND p.status = 'current' AND o.status = 'current'
            ORDER BY ST_Distance(o.boundary, p.boundary) DESC LIMIT 1
            """, ("upi", upi));

    public static async Task<TileAnswer> GetAsync(HttpClient client, string path, string? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        return new TileAnswer(response.StatusCode, response.Headers.ETag?.ToString(),
            response.Headers.TryGetValues("X-Tile-Cache", out var cache) ? cache.Single() : null,
            response.Headers.CacheControl?.ToString(), body);
    }

    public static string Mvt(string layer, TileAddress tile, string query = "") => $"/tiles/{layer}/{tile.Z}/{tile.X}/{tile.Y}.mvt{query}";

    /// <summary>
    /// Waits until the tiles a server rendered so far are written to the shared cache (it writes them
    /// behind the requests): what a test needs before it asks another instance, or before a change whose
    /// invalidation would otherwise find nothing written yet and the write then dropped as too old.
    /// </summary>
    public static Task WrittenAsync(PlatformServer server) =>
        server.Services.GetRequiredService<TileWriter>().FlushAsync(CancellationToken.None);
}
