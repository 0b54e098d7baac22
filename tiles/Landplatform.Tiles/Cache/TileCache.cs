using Landplatform.Cadastre.Contracts;
using Microsoft.Extensions.DependencyInjection;
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
/// same snapshot) that reads the cached tile, whether the outbox holds an event with an extent the tiles
/// module has not applied yet; if so it applies the pending events first (<see cref="OutboxFollower"/>:
/// delete the tiles covering their old and new extents at every zoom) and looks again. A request that
/// starts after a change committed therefore sees its event, and a tile is served from the cache only when
/// every visible event has already removed the tiles it made stale. A render that raced with a change cannot put a stale tile back: the tile is written
/// (<see cref="TileWriter"/>, behind the request) only if the cursor's epoch, which every invalidation
/// bumps, is still the one the render's snapshot saw, checked under a shared advisory lock that
/// invalidation takes exclusively (so a later invalidation waits for the write and then deletes it).
/// Lookups and writes leave no session state (transaction-scoped lock only), so they take the
/// <see cref="DataSourceKeys.Stateless"/> pool, which spares each request Npgsql's connection reset.
/// </remarks>
public sealed class TileCache([FromKeyedServices(DataSourceKeys.Stateless)] NpgsqlDataSource db, OutboxFollower follower, TileWriter writer)
{
    /// <summary>The advisory lock that orders invalidations (exclusive) against cache writes (shared).</summary>
    internal const long LockKey = 0x7469_6C65_7300; // "tiles"

    // The cursor's epoch, whether an event that may make tiles stale waits to be applied, and the cached tile,
    // all read in one snapshot.
    private const string LookupSql = $"""
        SELECT c.epoch,
               -- The newest id first (one step down the primary key): when nothing lies above the cursor,
               -- as on almost every request, the outbox is not scanned at all, however long it grows.
               coalesce((SELECT max(o.id) FROM exchange.outbox o), 0) > c.applied_through
                 AND EXISTS (SELECT 1 FROM exchange.outbox o
                             WHERE o.id > c.applied_through AND {OutboxFollower.TouchesTiles}
                               AND NOT EXISTS (SELECT 1 FROM tiles.applied_events a WHERE a.outbox_id = o.id)) AS pending,
               t.etag, t.data
        FROM tiles.outbox_cursor c
        LEFT JOIN tiles.tile_cache t
          ON t.z = @k_z AND t.x = @k_x AND t.y = @k_y AND t.layer = @k_layer AND t.format = @k_format AND t.variant = @k_variant
        WHERE c.id = 1
        """;

    /// <summary>
    /// The cached tile, or one rendered by PostGIS in the same statement (and snapshot) as the lookup, so a
    /// cold tile costs one round trip; the rendered tile is then written behind the request.
    /// </summary>
    public Task<TileContent> GetOrRenderAsync(TileKey key, TileQuery query, CancellationToken ct) =>
        GetAsync(key, query, render: null, ct);

    /// <summary>The cached tile, or a freshly rendered one (by the host, e.g. a PNG) that is then stored for the next request.</summary>
    public Task<TileContent> GetOrRenderAsync(TileKey key, Func<CancellationToken, Task<byte[]>> render, CancellationToken ct) =>
        GetAsync(key, query: null, render, ct);

    // One of query (rendered in the lookup's statement) and render (called after the lookup; the epoch read then
    // still guards the write, since an invalidation in between bumps it) is given.
    private async Task<TileContent> GetAsync(TileKey key, TileQuery? query, Func<CancellationToken, Task<byte[]>>? render, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            // A tile this instance rendered and has not written yet answers like a cached one (same epoch, nothing
            // pending); while one is queued the statement renders nothing, unless a retry asks again.
            var queued = writer.Find(key);
            var found = await LookupOrRenderAsync(key, queued is null || attempt > 0 ? query : null, ct);
            if (found.Pending)
            {
                // Apply first (the statement rendered nothing), then look again: a tile rendered now can be kept.
                await follower.ApplyPendingAsync(ct);
                continue;
            }

            if (found.Cached is { } cached)
            {
                return cached;
            }

            if (queued is not null && queued.Epoch == found.Epoch)
            {
                return queued.Content;
            }

            var rendered = found.Rendered ?? (render is null ? null : Content(await render(ct)));
            if (rendered is not null)
            {
                writer.Enqueue(key, rendered, found.Epoch);
                return rendered;
            }

            // A stale queued tile held the render back: the next attempt renders.
        }

        // Events keep arriving faster than they can be applied: answer from the database, cache nothing.
        return Content(query is not null ? await RenderAsync(query, ct) : await render!(ct));
    }

    private static TileContent Content(byte[] data) => new(data, TileContent.ETagOf(data), FromCache: false);

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

    // The lookup and, when the tile is not cached, nothing is pending and a query is given, its render: one
    // statement, prepared (Npgsql keeps it per physical connection), whose render runs only when needed
    // (an uncorrelated subquery under CASE is evaluated on first use).
    private async Task<Lookup> LookupOrRenderAsync(TileKey key, TileQuery? query, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var sql = query is null
            ? $"SELECT l.epoch, l.pending, l.etag, l.data, NULL::bytea FROM ({LookupSql} OFFSET 0) AS l"
            : $"""
              SELECT l.epoch, l.pending, l.etag, l.data,
                     CASE WHEN l.data IS NULL AND NOT l.pending THEN coalesce(({query.Sql}), ''::bytea) END
              FROM ({LookupSql} OFFSET 0) AS l
              """;
        await using var command = new NpgsqlCommand(sql, connection);
        AddKey(command.Parameters, key, prefix: "k_");
        if (query is not null)
        {
            foreach (var (name, value, type) in query.Parameters)
            {
                command.Parameters.AddWithValue(name, type, value);
            }
        }

        if (query is null || query.Prepare)
        {
            await command.PrepareAsync(ct);
        }

        await using var row = await command.ExecuteReaderAsync(ct);
        if (!await row.ReadAsync(ct))
        {
            throw new InvalidOperationException("tiles.outbox_cursor has no row: run the tiles migration (./lp does).");
        }

        var cached = row.IsDBNull(2) ? null : new TileContent(row.GetFieldValue<byte[]>(3), row.GetString(2), FromCache: true);
        TileContent? rendered = null;
        if (!row.IsDBNull(4))
        {
            rendered = Content(row.GetFieldValue<byte[]>(4));
        }

        return new Lookup(row.GetInt64(0), row.GetBoolean(1), cached, rendered);
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

    private sealed record Lookup(long Epoch, bool Pending, TileContent? Cached, TileContent? Rendered);
}
