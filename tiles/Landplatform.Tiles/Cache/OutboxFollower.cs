using System.Text.Json;
using Landplatform.Tiles.Vector;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Landplatform.Tiles.Cache;

/// <summary>
/// The tiles module's own reader of <c>exchange.outbox</c> (read only): for every event that carries an
/// extent of the fabric it deletes the cached tiles covering that extent at every zoom, then records the
/// event as applied. Several server instances may run it at once; an advisory lock makes them take turns.
/// </summary>
/// <remarks>
/// Outbox ids come from a sequence, so a transaction that drew a smaller id can commit after one that
/// drew a larger id. The cursor therefore only moves over ids it has applied; ids above a gap are
/// remembered one by one in <c>tiles.applied_events</c>, and "pending" means any visible id above the
/// cursor that is not among them. A gap is passed only once every transaction that was running when it
/// was first seen has ended: every outbox writer writes its fabric change before its event, so it
/// already holds a transaction id when it draws the event's id, and that id is below the
/// <c>pg_snapshot_xmax</c> recorded then. If it committed, its event is visible (and applied) by then.
/// </remarks>
public sealed class OutboxFollower(NpgsqlDataSource db, ILogger<OutboxFollower> log)
{
    /// <summary>The advisory lock that makes followers (of every instance) take turns over the cursor.</summary>
    internal const long FollowerLockKey = TileCache.LockKey + 1;

    /// <summary>
    /// The SQL condition, on an outbox row <c>o</c>, of an event that may make tiles stale: one that names
    /// an extent (<see cref="Extents"/> reads nothing else). Other modules' events (registrations, say)
    /// invalidate nothing, so they neither make a lookup wait nor stop a rendered tile from being stored.
    /// </summary>
    internal const string TouchesTiles = "(o.payload ? 'extent' OR o.payload ? 'extents')";

    private const int Batch = 500;

    // One run at a time in this process; a caller that finds a run going waits for the next one (which
    // starts after it asked, so it sees every event the caller saw) instead of queueing its own.
    private readonly SemaphoreSlim running = new(1, 1);
    private long runsStarted;

    /// <summary>
    /// Applies every outbox event not applied yet, in a run that starts after this call (concurrent
    /// callers share one run). Returns how many events that run applied.
    /// </summary>
    public async Task<int> ApplyPendingAsync(CancellationToken ct)
    {
        var asked = Interlocked.Read(ref runsStarted);
        await running.WaitAsync(ct);
        try
        {
            if (Interlocked.Read(ref runsStarted) > asked)
            {
                // A run that started after this call (a run under way at the call had been counted already) has finished.
                return 0;
            }

            Interlocked.Increment(ref runsStarted);
            var total = 0;
            while (true)
            {
                var applied = await ApplyBatchAsync(ct);
                total += applied;
                if (applied < Batch)
                {
                    return total;
                }
            }
        }
        finally
        {
            running.Release();
        }
    }

    private async Task<int> ApplyBatchAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({FollowerLockKey})", ct);

        long cursor;
        long? gapHorizon;
        long oldestRunning;
        var events = new List<(long Id, string Type, string Payload)>();
        // One statement: the events read and the snapshot bounds belong to the same snapshot.
        await using (var read = new NpgsqlCommand($"""
            SELECT c.applied_through, c.gap_horizon,
                   pg_snapshot_xmin(pg_current_snapshot())::text::bigint,
                   o.id, o.type, o.payload::text
            FROM tiles.outbox_cursor c
            LEFT JOIN LATERAL (
              SELECT o.id, o.type, o.payload FROM exchange.outbox o
              WHERE o.id > c.applied_through
                AND NOT EXISTS (SELECT 1 FROM tiles.applied_events a WHERE a.outbox_id = o.id)
              ORDER BY o.id LIMIT {Batch}) o ON true
            WHERE c.id = 1
            """, connection, transaction))
        {
            await using var rows = await read.ExecuteReaderAsync(ct);
            if (!await rows.ReadAsync(ct))
            {
                throw new InvalidOperationException("tiles.outbox_cursor has no row: run the tiles migration (./lp does).");
            }

            cursor = rows.GetInt64(0);
            gapHorizon = rows.IsDBNull(1) ? null : rows.GetInt64(1);
            oldestRunning = rows.GetInt64(2);
            do
            {
                if (!rows.IsDBNull(3))
                {
                    events.Add((rows.GetInt64(3), rows.GetString(4), rows.GetString(5)));
                }
            }
            while (await rows.ReadAsync(ct));
        }

        var invalidated = false;
        foreach (var (id, type, payload) in events)
        {
            foreach (var extent in Extents(payload))
            {
                if (!invalidated)
                {
                    // Cache writes wait while tiles are deleted; the deletes (new statements) see every write that committed before.
                    await Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({TileCache.LockKey})", ct);
                    invalidated = true;
                }

                await InvalidateAsync(connection, transaction, extent, ct);
            }

            log.LogDebug("tiles: applied outbox event {Id} ({Type})", id, type);
        }

        if (events.Count > 0)
        {
            await using var mark = new NpgsqlCommand(
                "INSERT INTO tiles.applied_events (outbox_id) SELECT unnest(@ids) ON CONFLICT DO NOTHING", connection, transaction);
            mark.Parameters.AddWithValue("ids", events.Select(e => e.Id).ToArray());
            await mark.ExecuteNonQueryAsync(ct);
        }

        if (events.Count < Batch)
        {
            (cursor, gapHorizon) = await AdvanceAsync(connection, transaction, cursor, gapHorizon, oldestRunning, ct);
        }

        await using (var update = new NpgsqlCommand("""
            UPDATE tiles.outbox_cursor
            SET applied_through = @cursor, gap_horizon = @gap, epoch = epoch + CASE WHEN @changed THEN 1 ELSE 0 END
            WHERE id = 1;
            DELETE FROM tiles.applied_events WHERE outbox_id <= @cursor;
            """, connection, transaction))
        {
            update.Parameters.AddWithValue("cursor", cursor);
            update.Parameters.AddWithValue("gap", (object?)gapHorizon ?? DBNull.Value);
            // Only a run that deleted tiles makes tiles rendered before it unfit to store.
            update.Parameters.AddWithValue("changed", invalidated);
            await update.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return events.Count;
    }

    // Moves the cursor over every applied id just above it; at a missing id, waits until no transaction that could hold it runs.
    private static async Task<(long Cursor, long? GapHorizon)> AdvanceAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long cursor, long? gapHorizon, long oldestRunning, CancellationToken ct)
    {
        var applied = new SortedSet<long>();
        await using (var above = new NpgsqlCommand("""
            SELECT outbox_id, pg_snapshot_xmax(pg_current_snapshot())::text::bigint
            FROM tiles.applied_events WHERE outbox_id > @cursor ORDER BY outbox_id
            """, connection, transaction))
        {
            above.Parameters.AddWithValue("cursor", cursor);
            await using var rows = await above.ExecuteReaderAsync(ct);
            while (await rows.ReadAsync(ct))
            {
                applied.Add(rows.GetInt64(0));
            }
        }

        while (applied.Count > 0)
        {
            if (applied.Min == cursor + 1)
            {
                cursor++;
                applied.Remove(cursor);
                gapHorizon = null;
                continue;
            }

            if (gapHorizon is { } horizon && oldestRunning >= horizon)
            {
                cursor++;
                gapHorizon = null;
                continue;
            }

            if (gapHorizon is null)
            {
                await using var now = new NpgsqlCommand("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint", connection, transaction);
                gapHorizon = (long)(await now.ExecuteScalarAsync(ct))!;
            }

            break;
        }

        return (cursor, gapHorizon);
    }

    // Deletes, at every zoom, the cached tiles whose area (with the MVT buffer) meets the extent, in any layer, format and variant.
    private static async Task InvalidateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Extent extent, CancellationToken ct)
    {
        await using var delete = new NpgsqlCommand($"""
            WITH box AS (
              SELECT ST_Transform(ST_Segmentize(ST_MakeEnvelope(@minX, @minY, @maxX, @maxY, @srid),
                                                greatest(@maxX - @minX, @maxY - @minY, 1) / 16), 3857) AS g
            ), zoom AS (
              SELECT z, 2 * {TileAddress.HalfWorld} / (1 << z) AS size FROM generate_series(0, {TileLayers.MaxZoom}) AS z
            ), ranges AS (
              SELECT zoom.z,
                     floor((ST_XMin(box.g) + {TileAddress.HalfWorld}) / zoom.size - @margin)::int AS x0,
                     floor((ST_XMax(box.g) + {TileAddress.HalfWorld}) / zoom.size + @margin)::int AS x1,
                     floor(({TileAddress.HalfWorld} - ST_YMax(box.g)) / zoom.size - @margin)::int AS y0,
                     floor(({TileAddress.HalfWorld} - ST_YMin(box.g)) / zoom.size + @margin)::int AS y1
              FROM box, zoom
            )
            DELETE FROM tiles.tile_cache t USING ranges r
            WHERE t.z = r.z AND t.x BETWEEN r.x0 AND r.x1 AND t.y BETWEEN r.y0 AND r.y1
            """, connection, transaction);
        delete.Parameters.AddWithValue("minX", extent.MinX);
        delete.Parameters.AddWithValue("minY", extent.MinY);
        delete.Parameters.AddWithValue("maxX", extent.MaxX);
        delete.Parameters.AddWithValue("maxY", extent.MaxY);
        delete.Parameters.AddWithValue("srid", extent.Srid);
        // A tile holds geometry up to its MVT buffer beyond its edge (and strokes of raster tiles reach as far).
        delete.Parameters.AddWithValue("margin", (double)VectorTileSql.Buffer / VectorTileSql.Extent);
        await delete.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The extents an event names: <c>extent</c> (fabric transactions) and <c>extents</c> (old and new rows of a direct edit).</summary>
    internal static IReadOnlyList<Extent> Extents(string payload)
    {
        using var document = JsonDocument.Parse(payload);
        var root = document.RootElement;
        var found = new List<Extent>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            return found;
        }

        if (root.TryGetProperty("extent", out var single) && Extent.From(single) is { } one)
        {
            found.Add(one);
        }

        if (root.TryGetProperty("extents", out var many) && many.ValueKind == JsonValueKind.Array)
        {
            found.AddRange(many.EnumerateArray().Select(Extent.From).OfType<Extent>());
        }

        return found;
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }

    internal sealed record Extent(int Srid, double MinX, double MinY, double MaxX, double MaxY)
    {
        public static Extent? From(JsonElement e)
        {
            if (e.ValueKind != JsonValueKind.Object
                || !e.TryGetProperty("srid", out var srid) || srid.ValueKind != JsonValueKind.Number
                || !Number(e, "minX", out var minX) || !Number(e, "minY", out var minY)
                || !Number(e, "maxX", out var maxX) || !Number(e, "maxY", out var maxY)
                || maxX < minX || maxY < minY)
            {
                return null;
            }

            return new Extent(srid.GetInt32(), minX, minY, maxX, maxY);
        }

        private static bool Number(JsonElement e, string name, out double value)
        {
            value = 0;
            return e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetDouble(out value) && double.IsFinite(value);
        }
    }
}
