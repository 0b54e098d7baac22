using System.Collections.Concurrent;
using System.Diagnostics;
using Landplatform.Cadastre.Fabric;
using Npgsql;

namespace Landplatform.Continuity.Tests;

/// <summary>What a takeover drill saw: the writes the client was told were committed, and what the promoted standby holds.</summary>
public sealed record TakeoverOutcome(
    IReadOnlyDictionary<string, TimeSpan> Acknowledged, IReadOnlySet<string> OnPromotedStandby, TimeSpan Crash, int Interrupted, TimeSpan Promotion, string Summary)
{
    /// <summary>Acknowledged writes the promoted standby does not hold, with how long before the crash each was acknowledged.</summary>
    public IReadOnlyList<TimeSpan> LostAcknowledgedAgo =>
        Acknowledged.Where(a => !OnPromotedStandby.Contains(a.Key)).Select(a => Crash - a.Value).ToList();
}

/// <summary>
/// Four writers subdivide parcels on the primary; the primary is killed (immediate stop: no checkpoint, connections
/// cut) while they write; <c>./lp db standby promote</c> makes the standby the primary. Then: which acknowledged
/// subdivisions it holds, and whether it takes the next one.
/// </summary>
public static class Takeover
{
    public static async Task<TakeoverOutcome> RunAsync(DrillClusters clusters, bool synchronous)
    {
        var ct = CancellationToken.None;
        var started = synchronous
            ? await clusters.LpAsync("db", "standby", "start", "--sync")
            : await clusters.LpAsync("db", "standby", "start");
        Assert.Contains(synchronous ? "| sync" : "| async", started);
        await using var primary = clusters.Open(clusters.PrimaryPort);
        await using var services = FabricSubdivisions.Services(primary);

        // Each writer works on parcels of its own blocks, so they do not compete for lot numbers.
        var parents = await FabricSubdivisions.SplittableParcelsAsync(services, 400, ct);
        var queues = parents.GroupBy(p => p.BlockCode).Select((g, i) => (g, i))
            .GroupBy(x => x.i % 4, x => x.g)
            .Select(w => new Queue<ParcelVersion>(w.SelectMany(g => g)))
            .ToList();
        var acknowledged = new ConcurrentDictionary<string, TimeSpan>();
        var since = Stopwatch.StartNew();
        var failedBeforeCrash = 0;
        var interrupted = 0;
        var crashing = false;
        var writers = queues.Select(queue => Task.Run(async () =>
        {
            // The writers keep writing until the crash cuts them off: it hits them mid-transaction or mid-commit.
            while (queue.TryDequeue(out var parent))
            {
                try
                {
                    var made = await FabricSubdivisions.SubdivideAsync(services, parent, "Drill load", ct);
                    acknowledged[made.TransactionId.ToString()] = since.Elapsed;
                }
                catch (Exception) when (Volatile.Read(ref crashing))
                {
                    Interlocked.Increment(ref interrupted);
                    return;
                }
                catch (NpgsqlException)
                {
                    Interlocked.Increment(ref failedBeforeCrash);
                }
            }
        })).ToList();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (acknowledged.Count < 40 && DateTime.UtcNow < deadline && !writers.All(w => w.IsCompleted))
        {
            await Task.Delay(50);
        }

        Assert.True(acknowledged.Count >= 10, $"the load made only {acknowledged.Count} subdivisions before the crash ({failedBeforeCrash} failed)");
        Assert.Equal(0, failedBeforeCrash);
        Volatile.Write(ref crashing, true);
        var beforeCrash = acknowledged.Count;
        var crash = since.Elapsed;
        await clusters.CrashPrimaryAsync();
        await Task.WhenAll(writers);
        Assert.True(interrupted > 0, "the crash hit no writer mid-write: the drill did not kill the primary under load");
        var acked = acknowledged.Keys.ToHashSet();

        var clock = Stopwatch.StartNew();
        var promotion = await clusters.LpAsync("db", "standby", "promote");
        clock.Stop();
        Assert.Contains("promoted", promotion);

        await using var promoted = clusters.Open(clusters.StandbyPort);
        var onStandby = new HashSet<string>();
        await using (var command = promoted.CreateCommand("SELECT id::text FROM cadastre.fabric_transactions WHERE reference LIKE 'Drill load of %'"))
        await using (var rows = await command.ExecuteReaderAsync(ct))
        {
            while (await rows.ReadAsync(ct))
            {
                onStandby.Add(rows.GetString(0));
            }
        }

        // Whatever it holds, it holds whole, and it is the primary now: it takes the next subdivision.
        await new FabricSubdivisions().VerifyIntegrityAsync(promoted, clusters, ct);
        await using var promotedServices = FabricSubdivisions.Services(promoted);
        var next = (await FabricSubdivisions.SplittableParcelsAsync(promotedServices, 1, ct)).Single();
        Assert.Equal(2, (await FabricSubdivisions.SubdivideAsync(promotedServices, next, "After takeover", ct)).ChildUpis.Count);

        var summary = $"{(synchronous ? "synchronous" : "asynchronous")} standby: {acked.Count} subdivisions acknowledged "
            + $"({acked.Count - beforeCrash} while the crash was under way), {interrupted} writers cut off mid-write, "
            + $"{onStandby.Count} on the promoted standby, {acked.Except(onStandby).Count()} acknowledged but lost; "
            + $"./lp db standby promote {clock.Elapsed.TotalMilliseconds:F0} ms wall clock ({promotion.Split('\n')[0].Trim()})";
        return new TakeoverOutcome(acknowledged, onStandby, crash, interrupted, clock.Elapsed, summary);
    }
}
