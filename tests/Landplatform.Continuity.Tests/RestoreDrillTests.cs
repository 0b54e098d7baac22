using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Xunit.Abstractions;

namespace Landplatform.Continuity.Tests;

/// <summary>
/// The restore drill: register-grade changes before a base backup, after it, and after a chosen moment; a
/// point-in-time restore into a fresh cluster with <c>./lp restore</c> holds exactly those before the moment.
/// </summary>
public sealed class RestoreDrillTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly DrillClusters clusters = new();

    public async Task InitializeAsync()
    {
        await clusters.InitializeAsync();
        await clusters.LoadSampleIslandAsync();
    }

    public Task DisposeAsync() => clusters.DisposeAsync();

    [Fact]
    public async Task A_point_in_time_restore_holds_exactly_the_changes_made_before_that_moment()
    {
        var ct = CancellationToken.None;
        await using var primary = clusters.Open(clusters.PrimaryPort);
        var kinds = RegisterChanges.All();
        var expected = new Dictionary<IRegisterChanges, HashSet<string>>();
        var after = new Dictionary<IRegisterChanges, IReadOnlyList<string>>();
        foreach (var kind in kinds)
        {
            expected[kind] = [.. await kind.RecordedAsync(primary, ct)];
            expected[kind].UnionWith(await kind.MakeAsync(primary, 3, ct));
        }

        var backup = await clusters.LpAsync("backup");
        Assert.Contains("verified against its manifest", backup);
        // ./lp restore picks a base backup that ended before the target; its end is stamped to the next whole second.
        await Task.Delay(TimeSpan.FromSeconds(2.1));
        foreach (var kind in kinds)
        {
            expected[kind].UnionWith(await kind.MakeAsync(primary, 3, ct));
        }

        var moment = await ScalarAsync<DateTime>(primary, "SELECT clock_timestamp()");
        await Task.Delay(200);
        foreach (var kind in kinds)
        {
            after[kind] = await kind.MakeAsync(primary, 3, ct);
        }

        await ArchiveCurrentWalAsync(primary);
        Assert.Contains(Path.GetFileName(Directory.GetDirectories(Path.Combine(clusters.BackupDirectory, "base")).Single()), await clusters.LpAsync("backup", "list"));

        var target = moment.ToString("yyyy-MM-dd HH:mm:ss.ffffff'+00'", CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();
        var restore = await clusters.LpAsync("restore", "--to", target, "--into", clusters.RestoredName, "--port", clusters.RestoredPort.ToString(CultureInfo.InvariantCulture));
        clock.Stop();
        output.WriteLine($"./lp restore --to '{target}' --into a new cluster: {clock.Elapsed.TotalSeconds:F1} s wall clock (database {await ScalarAsync<long>(primary, "SELECT pg_database_size('landplatform')") / 1024 / 1024} MB)");
        output.WriteLine(restore);

        await using var restored = clusters.Open(clusters.RestoredPort);
        foreach (var kind in kinds)
        {
            var recorded = await kind.RecordedAsync(restored, ct);
            Assert.True(recorded.SetEquals(expected[kind]),
                $"{kind.Kind}: the restored copy holds {recorded.Count}, expected {expected[kind].Count}; missing {string.Join(", ", expected[kind].Except(recorded))}; "
                + $"unexpected {string.Join(", ", recorded.Except(expected[kind]))}");
            Assert.Empty(recorded.Intersect(after[kind]));
            await kind.VerifyIntegrityAsync(restored, clusters, ct);

            // The copy is a primary of its own on a new timeline: it takes register changes again.
            Assert.Single(await kind.MakeAsync(restored, 1, ct));
        }

        // The primary itself still has everything: the restore went into a new cluster.
        foreach (var kind in kinds)
        {
            Assert.Superset(expected[kind].Concat(after[kind]).ToHashSet(), (await kind.RecordedAsync(primary, ct)).ToHashSet());
        }
    }

    /// <summary>Closes the current WAL segment and waits until the archiver has copied it.</summary>
    internal static async Task ArchiveCurrentWalAsync(NpgsqlDataSource primary)
    {
        var segment = await ScalarAsync<string>(primary, "SELECT pg_walfile_name(pg_switch_wal())");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (string.CompareOrdinal(await ScalarAsync<string?>(primary, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver") ?? "", segment) < 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"WAL segment {segment} was not archived within a minute");
            await Task.Delay(100);
        }
    }

    internal static async Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
