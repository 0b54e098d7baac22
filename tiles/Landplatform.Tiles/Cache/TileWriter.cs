using System.Collections.Concurrent;
using Landplatform.Cadastre.Contracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Landplatform.Tiles.Cache;

/// <summary>A rendered tile waiting to be written to the cache, with the cursor epoch its render saw.</summary>
public sealed record QueuedTile(TileContent Content, long Epoch);

/// <summary>
/// Writes rendered tiles to <c>tiles.tile_cache</c> behind the requests that rendered them: a request
/// answers with its tile and queues it here, and the queue is written every 20 ms or so in one
/// multi-row statement, so that storing costs neither the request a round trip nor PostgreSQL a
/// statement per tile.
/// </summary>
/// <remarks>
/// A tile is written only if the cursor's epoch is still the one its render saw (read in the render's
/// own snapshot), checked under the shared advisory lock that invalidation takes exclusively. Every
/// invalidation bumps the epoch in the transaction that deletes the tiles, so a tile rendered before a
/// change whose invalidation ran since is dropped, and an invalidation that runs later deletes what was
/// written. Until it is written, a queued tile answers lookups of this instance (<see cref="Find"/>) on
/// the same condition. Losing the queue (a crash) loses only cached copies.
/// </remarks>
public sealed class TileWriter : IAsyncDisposable
{
    /// <summary>More queued tiles than this and new ones are not queued (they are rendered again when asked).</summary>
    private const int MaxQueued = 4096;

    private readonly NpgsqlDataSource db;
    private readonly ILogger<TileWriter> log;
    private readonly TimeSpan delay;
    private readonly ConcurrentDictionary<TileKey, QueuedTile> queued = new();
    private readonly SemaphoreSlim wake = new(0, 1);
    private readonly SemaphoreSlim writing = new(1, 1);
    private readonly CancellationTokenSource stopping = new();
    private readonly Task loop;

    public TileWriter([FromKeyedServices(DataSourceKeys.Stateless)] NpgsqlDataSource db, IConfiguration configuration, ILogger<TileWriter> log)
    {
        this.db = db;
        this.log = log;
        // Tiles:WriteDelayMilliseconds: how long a queued tile waits for others to share its statement; a
        // negative value writes only on FlushAsync (tests that need a render and its write apart).
        var milliseconds = configuration.GetValue("Tiles:WriteDelayMilliseconds", 20);
        delay = milliseconds < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(milliseconds);
        loop = Task.Run(RunAsync);
    }

    /// <summary>The tile of this key rendered by this instance and not written yet, if any.</summary>
    public QueuedTile? Find(TileKey key) => queued.TryGetValue(key, out var tile) ? tile : null;

    /// <summary>Queues a rendered tile for writing, if the render saw the cursor at <paramref name="epoch"/>.</summary>
    public void Enqueue(TileKey key, TileContent content, long epoch)
    {
        if (queued.Count >= MaxQueued)
        {
            return;
        }

        queued[key] = new QueuedTile(content with { FromCache = true }, epoch);
        if (wake.CurrentCount == 0)
        {
            try
            {
                wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another request woke the writer first.
            }
        }
    }

    /// <summary>Writes every tile queued before this call (the seeder, and tests, wait for the writes).</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        await writing.WaitAsync(ct);
        try
        {
            await WriteQueuedAsync(ct);
        }
        finally
        {
            writing.Release();
        }
    }

    private async Task RunAsync()
    {
        var ct = stopping.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await wake.WaitAsync(ct);
                if (delay == Timeout.InfiniteTimeSpan)
                {
                    continue;
                }

                await Task.Delay(delay, ct);
                await FlushAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // A cache write that failed loses cached copies only; the tiles are rendered again when asked.
                log.LogWarning(e, "tiles: writing {Count} cached tiles failed", queued.Count);
            }
        }
    }

    private async Task WriteQueuedAsync(CancellationToken ct)
    {
        var batch = queued.ToArray();
        if (batch.Length == 0)
        {
            return;
        }

        try
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var write = new NpgsqlBatch(connection);
            // One round trip, one implicit transaction; the INSERT is a new statement, so its snapshot sees
            // every invalidation that committed before the shared lock was granted.
            write.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_advisory_xact_lock_shared({TileCache.LockKey})"));
            var insert = new NpgsqlBatchCommand("""
                INSERT INTO tiles.tile_cache (z, x, y, layer, format, variant, etag, data, rendered_at)
                SELECT u.z, u.x, u.y, u.layer, u.format, u.variant, u.etag, u.data, now()
                FROM unnest(@z, @x, @y, @layer, @format, @variant, @etag, @data, @epoch)
                       AS u(z, x, y, layer, format, variant, etag, data, epoch)
                JOIN tiles.outbox_cursor c ON c.id = 1 AND c.epoch = u.epoch
                ON CONFLICT (z, x, y, layer, format, variant)
                  DO UPDATE SET etag = excluded.etag, data = excluded.data, rendered_at = excluded.rendered_at
                """);
            insert.Parameters.AddWithValue("z", NpgsqlDbType.Array | NpgsqlDbType.Integer, batch.Select(t => t.Key.Tile.Z).ToArray());
            insert.Parameters.AddWithValue("x", NpgsqlDbType.Array | NpgsqlDbType.Integer, batch.Select(t => t.Key.Tile.X).ToArray());
            insert.Parameters.AddWithValue("y", NpgsqlDbType.Array | NpgsqlDbType.Integer, batch.Select(t => t.Key.Tile.Y).ToArray());
            insert.Parameters.AddWithValue("layer", NpgsqlDbType.Array | NpgsqlDbType.Text, batch.Select(t => t.Key.Layer).ToArray());
            insert.Parameters.AddWithValue("format", NpgsqlDbType.Array | NpgsqlDbType.Text, batch.Select(t => t.Key.Format).ToArray());
            insert.Parameters.AddWithValue("variant", NpgsqlDbType.Array | NpgsqlDbType.Text, batch.Select(t => t.Key.Variant).ToArray());
            insert.Parameters.AddWithValue("etag", NpgsqlDbType.Array | NpgsqlDbType.Text, batch.Select(t => t.Value.Content.ETag).ToArray());
            insert.Parameters.AddWithValue("data", NpgsqlDbType.Array | NpgsqlDbType.Bytea, batch.Select(t => t.Value.Content.Data).ToArray());
            insert.Parameters.AddWithValue("epoch", NpgsqlDbType.Array | NpgsqlDbType.Bigint, batch.Select(t => t.Value.Epoch).ToArray());
            write.BatchCommands.Add(insert);
            await write.PrepareAsync(ct);
            await write.ExecuteNonQueryAsync(ct);
        }
        finally
        {
            // Written or dropped (stale, or the write failed): either way no longer this instance's to answer with.
            foreach (var item in batch)
            {
                queued.TryRemove(item);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await FlushAsync(timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
        {
            // Shutting down: unwritten tiles are only cached copies.
        }

        stopping.Dispose();
        wake.Dispose();
        writing.Dispose();
    }
}
