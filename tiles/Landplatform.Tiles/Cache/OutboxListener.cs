using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Landplatform.Tiles.Cache;

/// <summary>
/// Applies outbox events as soon as <c>NOTIFY lp_outbox</c> announces them (and every half minute, to
/// pass rolled-back ids), so requests rarely find work pending. Freshness does not depend on it: each
/// request checks the outbox itself (<see cref="TileCache"/>).
/// </summary>
public sealed class OutboxListener(NpgsqlDataSource db, OutboxFollower follower, ILogger<OutboxListener> log) : BackgroundService
{
    private static readonly TimeSpan Sweep = TimeSpan.FromSeconds(30);

    /// <summary>How long a wake-up waits for more notifications, so a burst of events costs one run.</summary>
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(50);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand("LISTEN lp_outbox", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                await follower.ApplyPendingAsync(stoppingToken);
                while (!stoppingToken.IsCancellationRequested)
                {
                    if (await connection.WaitAsync(Sweep, stoppingToken))
                    {
                        // Another module at work (the registry registering transfers, say) notifies once per
                        // event: gather what arrives meanwhile and apply it in one run, not one run per event.
                        await Task.Delay(Gather, stoppingToken);
                        for (var drained = 0; drained < 10_000 && await connection.WaitAsync(TimeSpan.FromMilliseconds(1), stoppingToken); drained++)
                        {
                        }
                    }

                    await follower.ApplyPendingAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // The database went away or is not migrated yet: requests still check the outbox themselves; try again shortly.
                log.LogWarning(e, "tiles: outbox listener stopped; retrying in 5 s");
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}
