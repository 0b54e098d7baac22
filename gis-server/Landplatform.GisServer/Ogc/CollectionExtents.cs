using System.Collections.Concurrent;
using Landplatform.Cadastre.Contracts;
using Npgsql;

namespace Landplatform.GisServer.Ogc;

/// <summary>A collection's extent: a CRS84 box and, for versioned collections, the time its versions span.</summary>
public sealed record CollectionExtent(double[]? Bbox, DateTimeOffset? From, DateTimeOffset? To, bool OpenEnded);

/// <summary>
/// Extents computed from the data, kept for a few minutes, for every service that advertises them (OGC
/// API collections, WFS capabilities): they are read far more often than the fabric's outline changes.
/// The national-grid box is densified before it is transformed and the result rounded outwards, so the
/// CRS84 box encloses every feature.
/// </summary>
public sealed class CollectionExtents([FromKeyedServices(DataSourceKeys.Reads)] NpgsqlDataSource db, TimeProvider clock)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<string, (CollectionExtent Extent, DateTimeOffset Expires)> cache = new(StringComparer.Ordinal);

    public async Task<CollectionExtent> ForAsync(FeatureCollectionDefinition collection, CancellationToken ct)
    {
        if (cache.TryGetValue(collection.Id, out var kept) && kept.Expires > clock.GetUtcNow())
        {
            return kept.Extent;
        }

        var current = collection.CurrentFilter == "true" ? "true" : "t." + collection.CurrentFilter;
        var time = collection.IsTemporal
            ? $"(SELECT min(t.{collection.ValidFrom}) FROM {collection.Table} t), (SELECT max(t.{collection.ValidTo}) FROM {collection.Table} t), "
              + $"EXISTS (SELECT 1 FROM {collection.Table} t WHERE t.{collection.ValidTo} IS NULL)"
            : "NULL::timestamptz, NULL::timestamptz, false";
        await using var command = db.CreateCommand($"""
            SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), {time}
            FROM (SELECT ST_Transform(ST_Segmentize(ST_SetSRID(ST_Extent(t.{collection.GeometryColumn})::geometry, 2007), 250), 4326) e
                  FROM {collection.Table} t WHERE {current}) box
            """);
        await using var row = await command.ExecuteReaderAsync(ct);
        await row.ReadAsync(ct);
        var bbox = row.IsDBNull(0) ? null : new[] { Down(row.GetDouble(0)), Down(row.GetDouble(1)), Up(row.GetDouble(2)), Up(row.GetDouble(3)) };
        var extent = new CollectionExtent(
            bbox,
            row.IsDBNull(4) ? null : row.GetFieldValue<DateTimeOffset>(4),
            row.IsDBNull(5) ? null : row.GetFieldValue<DateTimeOffset>(5),
            !row.IsDBNull(6) && row.GetBoolean(6));
        cache[collection.Id] = (extent, clock.GetUtcNow() + Lifetime);
        return extent;
    }

    private static double Down(double value) => Math.Floor(value * 1e6) / 1e6;

    private static double Up(double value) => Math.Ceiling(value * 1e6) / 1e6;
}
