using Npgsql;
using NpgsqlTypes;

namespace Landplatform.Tiles.Cache;

/// <summary>
/// The tile cache in PostgreSQL (<c>tiles.tile_cache</c>), shared by every server instance on the database.
/// </summary>
/// <remarks>
/// Why a cached tile is never stale. A committed change to the fabric always leaves an event in
/// <c>exchange.outbox</c> in its own transaction (the API and survey approvals write it, and a trigger
/// writes it for any other INSERT, UPDATE or DELETE). Every lookup asks, in the same statement (so the
/// same snapshot) that reads the cached tile, whether the outbox holds an event the tiles module has not
/// applied yet; if so it applies the pending events first (<see cref="OutboxFollower"/>: delete the
/// tiles covering their old and new extents at every zoom) and looks again. A request that starts after
/// a change committed therefore sees its event, and a tile is served from the cache only when every
/// visible event has already removed the tiles it made stale. A render that raced with a change cannot
/// put a stale tile back: vector tiles are rendered and stored by one statement taken under a shared
/// advisory lock that invalidation takes exclusively (so the render's snapshot sees every change whose
/// invalidation already ran, and a later invalidation waits and then deletes the row); tiles rendered
/// outside the database (PNG) are stored only if the cursor's epoch, which every invalidation bumps,
/// is still the one read before rendering.
/// </remarks>
public sealed class TileCache(NpgsqlDataSource db, OutboxFollower follower)
{
    /// <summary>The advisory lock that orders invalidations (exclusive) against cache writes (shared).</summary>
    internal const long LockKey = 0x7469_6C65_7300; // "tiles"

    /// <summary>
    /// The cached tile, or one rendered by PostGIS and stored by the same statement: it runs under the
    /// shared lock, so its snapshot sees every change whose invalidation ran before it, and any later
    /// invalidation waits for it and then deletes what it stored.
    /// </summary>
    public async Task<TileContent> GetOrRenderAsync(TileKey key, TileQuery query, CancellationToken ct)
    {
        var lookup = await FreshLookupAsync(key, ct);
        if (lookup.Cached is { } cached)
        {
            return cached;
        }

        if (lookup.Pending)
        {
            var direct = await RenderAsync(query, ct);
            return new TileContent(direct, TileContent.ETagOf(direct), FromCache: false);
        }

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        // One round trip, one implicit transaction: the shared lock, then render and store in one statement.
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_advisory_xact_lock_shared({LockKey})"));
        var store = new NpgsqlBatchCommand($"""
            INSERT INTO tiles.tile_cache (z, x, y, layer, format, variant, etag, data, rendered_at)
            SELECT @k_z, @k_x, @k_y, @k_layer, @k_format, @k_variant, '"' || left(encode(sha256(m.data), 'hex'), 32) || '"', m.data, now()
            FROM (SELECT coalesce(r.data, ''::bytea) FROM ({query.Sql}) AS r(data)) AS m(data)
            ON CONFLICT (z, x, y, layer, format, variant)
              DO UPDATE SET etag = excluded.etag, data = excluded.data, rendered_at = excluded.rendered_at
            RETURNING etag, data
            """);
        foreach (var (name, value, type) in query.Parameters)
        {
            store.Parameters.AddWithValue(name, type, value);
        }

        AddKey(store.Parameters, key, prefix: "k_");
        batch.BatchCommands.Add(store);
        await using var rows = await batch.ExecuteReaderAsync(ct);
        await rows.NextResultAsync(ct);
        await rows.ReadAsync(ct);
        return new TileContent(rows.GetFieldValue<byte[]>(1), rows.GetString(0), FromCache: false);
    }

    /// <summary>The cached tile, or a freshly rendered one (by the host, e.g. a PNG) that is then stored for the next request.</summary>
    public async Task<TileContent> GetOrRenderAsync(TileKey key, Func<CancellationToken, Task<byte[]>> render, CancellationToken ct)
    {
        var lookup = await FreshLookupAsync(key, ct);
        if (lookup.Pending)
        {
            // Events keep arriving faster than they can be applied: answer from the database, cache nothing.
            var direct = await render(ct);
            return new TileContent(direct, TileContent.ETagOf(direct), FromCache: false);
        }

        if (lookup.Cached is { } cached)
        {
            return cached;
        }

        var data = await render(ct);
        var content = new TileContent(data, TileContent.ETagOf(data), FromCache: false);
        await StoreAsync(key, content, lookup.Epoch, ct);
        return content;
    }

    /// <summary>Runs a tile query without the cache (an empty array when the tile is empty).</summary>
    public async Task<byte[]> RenderAsync(TileQuery query, CancellationToken ct)
    {
        await using var command = db.CreateCommand(query.Sql);
        foreach (var (name, value, type) in query.Parameters)
        {
            command.Parameters.AddWithValue(name, type, value);
        }

        return await command.ExecuteScalarAsync(ct) is byte[] data ? data : [];
    }

    // The lookup, after applying any pending outbox events (a few rounds at most; if events keep
    // arriving faster, Pending stays true and the caller answers without the cache).
    private async Task<Lookup> FreshLookupAsync(TileKey key, CancellationToken ct)
    {
        var lookup = await LookupAsync(key, ct);
        for (var attempt = 0; lookup.Pending && attempt < 3; attempt++)
        {
            await follower.ApplyPendingAsync(ct);
            lookup = await LookupAsync(key, ct);
        }

        return lookup;
    }

    private async Task<Lookup> LookupAsync(TileKey key, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("""
            SELECT c.epoch,
                   -- The newest id first (one step down the primary key): when nothing lies above the cursor,
                   -- as on almost every request, the outbox is not scanned at all, however long it grows.
                   coalesce((SELECT max(o.id) FROM exchange.outbox o), 0) > c.applied_through
                     AND EXISTS (SELECT 1 FROM exchange.outbox o
                                 WHERE o.id > c.applied_through
                                   AND NOT EXISTS (SELECT 1 FROM tiles.applied_events a WHERE a.outbox_id = o.id)),
                   t.etag, t.data
            FROM tiles.outbox_cursor c
            LEFT JOIN tiles.tile_cache t
              ON t.z = @z AND t.x = @x AND t.y = @y AND t.layer = @layer AND t.format = @format AND t.variant = @variant
            WHERE c.id = 1
            """, connection);
        AddKey(command.Parameters, key, prefix: string.Empty);
        // Prepared once per physical connection (Npgsql keeps it across pooled uses): the hot path of warm tiles.
        await command.PrepareAsync(ct);
        await using var row = await command.ExecuteReaderAsync(ct);
        if (!await row.ReadAsync(ct))
        {
            throw new InvalidOperationException("tiles.outbox_cursor has no row: run the tiles migration (./lp does).");
        }

        var cached = row.IsDBNull(2) ? null : new TileContent(row.GetFieldValue<byte[]>(3), row.GetString(2), FromCache: true);
        return new Lookup(row.GetInt64(0), row.GetBoolean(1), cached);
    }

    private async Task StoreAsync(TileKey key, TileContent content, long epoch, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock_shared({LockKey})", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(ct);
        }

        // A new statement, so a new snapshot: it sees any invalidation that committed while we waited for the lock.
        await using var insert = new NpgsqlCommand("""
            INSERT INTO tiles.tile_cache (z, x, y, layer, format, variant, etag, data, rendered_at)
            SELECT @z, @x, @y, @layer, @format, @variant, @etag, @data, now()
            FROM tiles.outbox_cursor c WHERE c.id = 1 AND c.epoch = @epoch
            ON CONFLICT (z, x, y, layer, format, variant)
              DO UPDATE SET etag = excluded.etag, data = excluded.data, rendered_at = excluded.rendered_at
            """, connection, transaction);
        AddKey(insert.Parameters, key, prefix: string.Empty);
        insert.Parameters.AddWithValue("etag", content.ETag);
        insert.Parameters.AddWithValue("data", NpgsqlDbType.Bytea, content.Data);
        insert.Parameters.AddWithValue("epoch", epoch);
        await insert.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }

    private static void AddKey(NpgsqlParameterCollection parameters, TileKey key, string prefix)
    {
        parameters.AddWithValue(prefix + "z", key.Tile.Z);
        parameters.AddWithValue(prefix + "x", key.Tile.X);
        parameters.AddWithValue(prefix + "y", key.Tile.Y);
        parameters.AddWithValue(prefix + "layer", key.Layer);
        parameters.AddWithValue(prefix + "format", key.Format);
        parameters.AddWithValue(prefix + "variant", key.Variant);
    }

    private sealed record Lookup(long Epoch, bool Pending, TileContent? Cached);
}
