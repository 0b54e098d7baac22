using System.Collections.Concurrent;
using Npgsql;

namespace Landplatform.Tiles.Vector;

/// <summary>Each layer's extent in longitude/latitude, read once per process (the island does not move).</summary>
public sealed class LayerBounds(NpgsqlDataSource db)
{
    private readonly ConcurrentDictionary<string, Task<double[]?>> known = new(StringComparer.Ordinal);

    /// <summary>[west, south, east, north], or null for an empty layer.</summary>
    public Task<double[]?> ForAsync(TileLayer layer, CancellationToken ct) =>
        known.GetOrAdd(layer.Id, _ => ReadAsync(layer, ct));

    private async Task<double[]?> ReadAsync(TileLayer layer, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
            FROM (SELECT ST_Transform(ST_SetSRID(ST_Extent(t.{layer.GeometryColumn})::geometry, 2007), 4326) AS b
                  FROM {layer.Table} t WHERE {layer.Filter}) e WHERE b IS NOT NULL
            """);
        await using var row = await command.ExecuteReaderAsync(ct);
        return await row.ReadAsync(ct)
            ? [Math.Floor(row.GetDouble(0) * 1e4) / 1e4, Math.Floor(row.GetDouble(1) * 1e4) / 1e4, Math.Ceiling(row.GetDouble(2) * 1e4) / 1e4, Math.Ceiling(row.GetDouble(3) * 1e4) / 1e4]
            : null;
    }
}
