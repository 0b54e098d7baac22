using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Landplatform.Cadastre.Fabric;
using Landplatform.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Landplatform.Continuity.Tests;

/// <summary>A throw-away primary holding the sample island, for the standby drills.</summary>
public sealed class ReplicatedIsland : IAsyncLifetime
{
    public DrillClusters Clusters { get; } = new();

    public async Task InitializeAsync()
    {
        await Clusters.InitializeAsync();
        await Clusters.LoadSampleIslandAsync();
    }

    public Task DisposeAsync() => Clusters.DisposeAsync();
}

/// <summary>
/// A streaming standby made by <c>./lp db standby start</c>: the server's read paths read from it and see what the
/// primary committed once replayed; when the primary dies mid-load, <c>./lp db standby promote</c> makes it the primary
/// with every acknowledged write on it. The second test kills the primary, so the tests run in name order.
/// </summary>
[TestCaseOrderer(ByMethodName.TypeName, ByMethodName.AssemblyName)]
public sealed class StandbyTests(ReplicatedIsland island, ITestOutputHelper output) : IClassFixture<ReplicatedIsland>
{
    private DrillClusters Clusters => island.Clusters;

    [Fact]
    public async Task Reads_from_the_standby_return_what_the_primary_committed_once_replayed()
    {
        var ct = CancellationToken.None;
        Assert.Contains("streaming", await Clusters.LpAsync("db", "standby", "start"));
        await using var primary = Clusters.Open(Clusters.PrimaryPort);
        await using var standby = Clusters.Open(Clusters.StandbyPort);
        using var keyRing = TestKeyRing.Create();
        await using var host = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b
            .UseEnvironment("Testing")
            .UseSetting("DataProtection:KeyRingPath", keyRing.Path)
            .UseSetting("DataProtection:MasterKey", keyRing.MasterKey)
            .UseSetting("LP_CONNECTION_STRING", DrillClusters.RuntimeConnectionString(Clusters.PrimaryPort))
            .UseSetting("LP_REPLICA_CONNECTION_STRING", DrillClusters.RuntimeConnectionString(Clusters.StandbyPort))
            .UseSetting("Identity:DemoMode", "true")
            .UseSetting("Identity:PublicPermitsPerMinute", "100000")
            .UseSetting("Identity:TokenPermitsPerMinute", "1000"));
        using var client = host.CreateClient();

        // Replay held: what the primary commits now is not on the standby yet, so a read that sees it came from the primary.
        await Execute(standby, "SELECT pg_wal_replay_pause()");
        await using var services = FabricSubdivisions.Services(primary);
        var parent = (await FabricSubdivisions.SplittableParcelsAsync(services, 1, ct)).Single();
        var change = await FabricSubdivisions.SubdivideAsync(services, parent, "Replica read", ct);
        var child = change.ChildUpis[0];

        Assert.Equal(0, await SearchCountAsync(client, child, fromPrimary: false));
        Assert.Equal(0, await ItemsCountAsync(client, child, fromPrimary: false));
        Assert.Equal(1, await SearchCountAsync(client, child, fromPrimary: true));
        Assert.Equal(1, await ItemsCountAsync(client, child, fromPrimary: true));

        // /health says the replica is behind: paused, with WAL received and not replayed (streamed within moments).
        var behind = await ReplicaHealthAsync(client, r => r.GetProperty("replayLagBytes").GetInt64() > 0);
        Assert.Equal("standby", behind.GetProperty("role").GetString());
        Assert.True(behind.GetProperty("replayPaused").GetBoolean());
        Assert.True(behind.GetProperty("replayLagSeconds").GetDouble() >= 0);

        // Writes never go to the replica: a token grant records the token and an audit entry on the primary.
        var token = await Tokens.AccessTokenForAsync(client, "registrar");
        Assert.False(string.IsNullOrEmpty(token));

        await Execute(standby, "SELECT pg_wal_replay_resume()");
        await WaitForReplayAsync(primary, standby);
        Assert.Equal(1, await SearchCountAsync(client, child, fromPrimary: false));
        Assert.Equal(1, await ItemsCountAsync(client, child, fromPrimary: false));
        Assert.Equal(0, await ItemsCountAsync(client, parent.Upi, fromPrimary: false));
        var caughtUp = await ReplicaHealthAsync(client, r => r.GetProperty("replayLagBytes").GetInt64() == 0);
        Assert.False(caughtUp.GetProperty("replayPaused").GetBoolean());
        Assert.Equal(0, caughtUp.GetProperty("replayLagSeconds").GetDouble());

        // How far behind the standby runs, unpaused: from a commit on the primary to its replay on the standby.
        var lags = new List<double>();
        foreach (var next in await FabricSubdivisions.SplittableParcelsAsync(services, 5, ct))
        {
            await FabricSubdivisions.SubdivideAsync(services, next, "Replica lag", ct);
            var clock = Stopwatch.StartNew();
            await WaitForReplayAsync(primary, standby);
            lags.Add(clock.Elapsed.TotalMilliseconds);
        }

        output.WriteLine($"replay lag after a subdivision, 5 samples: {string.Join(", ", lags.Select(l => l.ToString("F1", CultureInfo.InvariantCulture)))} ms");
    }

    [Fact]
    public async Task Takeover_after_the_primary_dies_mid_load_keeps_every_acknowledged_subdivision()
    {
        var outcome = await Takeover.RunAsync(Clusters, synchronous: true);
        output.WriteLine(outcome.Summary);
        Assert.Empty(outcome.LostAcknowledgedAgo);
    }

    // The replica part of /health once it meets the condition (waiting 10 s at most).
    private static async Task<JsonElement> ReplicaHealthAsync(HttpClient client, Func<JsonElement, bool> condition)
    {
        JsonElement replica = default;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            using var response = await client.GetAsync("/health");
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            replica = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("replica").Clone();
            if (condition(replica))
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.True(condition(replica), $"/health never showed the replica in the state awaited; last: {replica}");
        return replica;
    }

    private static async Task<int> SearchCountAsync(HttpClient client, string upi, bool fromPrimary) =>
        (await GetJsonAsync(client, $"/api/parcels?q={upi}", fromPrimary)).GetProperty("features").GetArrayLength();

    private static async Task<int> ItemsCountAsync(HttpClient client, string upi, bool fromPrimary) =>
        (await GetJsonAsync(client, $"/ogc/collections/parcels/items?filter={Uri.EscapeDataString($"upi = '{upi}'")}", fromPrimary))
            .GetProperty("numberReturned").GetInt32();

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path, bool fromPrimary)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (fromPrimary)
        {
            request.Headers.Add(Landplatform.GisServer.PrimaryReads.Header, "primary");
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Waits until the standby has replayed everything the primary has written so far.</summary>
    private static async Task WaitForReplayAsync(NpgsqlDataSource primary, NpgsqlDataSource standby)
    {
        var lsn = await RestoreDrillTests.ScalarAsync<string>(primary, "SELECT pg_current_wal_lsn()::text");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var command = standby.CreateCommand("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), @lsn::pg_lsn) >= 0");
            command.Parameters.AddWithValue("lsn", lsn);
            if ((bool)(await command.ExecuteScalarAsync())!)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the standby did not replay up to {lsn} within 30 s");
            await Task.Delay(2);
        }
    }

    private static async Task Execute(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
