using System.Globalization;
using Landplatform.Tiles.Cache;

namespace Landplatform.Tiles.Vector;

/// <summary>Vector tiles of the allow-listed layers: rendered by PostGIS, kept in the shared cache.</summary>
public sealed class VectorTiles(TileCache cache)
{
    public const string Format = "mvt";
    public const string MediaType = "application/vnd.mapbox-vector-tile";

    /// <summary>The tile from the cache when it is fresh, else from PostGIS.</summary>
    public Task<TileContent> GetAsync(TileLayer layer, TileAddress tile, DateTimeOffset? asOf, CancellationToken ct) =>
        VectorTileSql.Build(layer, tile, asOf) is { } query
            ? cache.GetOrRenderAsync(KeyOf(layer, tile, asOf), new TileQuery(query.Sql, query.Parameters, Prepare: asOf is null), ct)
            : cache.GetOrRenderAsync(KeyOf(layer, tile, asOf), _ => Task.FromResult(Array.Empty<byte>()), ct);

    public static TileKey KeyOf(TileLayer layer, TileAddress tile, DateTimeOffset? asOf) =>
        new(layer.Id, Format, Variant(layer, asOf), tile);

    /// <summary>The cache variant of an as-of request: empty for today's fabric.</summary>
    public static string Variant(TileLayer layer, DateTimeOffset? asOf) =>
        layer.IsTemporal && asOf is { } instant ? "asof:" + instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) : string.Empty;

    /// <summary>The tile straight from PostGIS (an empty array when nothing lies in it).</summary>
    public async Task<byte[]> RenderAsync(TileLayer layer, TileAddress tile, DateTimeOffset? asOf, CancellationToken ct)
    {
        if (VectorTileSql.Build(layer, tile, asOf) is not { } query)
        {
            return [];
        }

        return await cache.RenderAsync(new TileQuery(query.Sql, query.Parameters), ct);
    }
}
