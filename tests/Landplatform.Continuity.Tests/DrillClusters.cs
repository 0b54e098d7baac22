using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Landplatform.GisServer;
using Landplatform.Testing;
using Npgsql;

namespace Landplatform.Continuity.Tests;

/// <summary>
/// A primary of its own, with its standby and restored copies, made and driven by the real <c>./lp</c> commands
/// (<c>LP_CLUSTER</c>, <c>LP_DB_PORT</c>, <c>LP_STANDBY_PORT</c>, <c>LP_BACKUP_DIR</c> point them here), so a drill never
/// touches the embedded cluster other tests share. Every cluster and the backup folder go when the drill ends,
/// failed or not; clusters of drills killed before they could clean up go at the next drill after six hours.
/// </summary>
public sealed partial class DrillClusters : IAsyncLifetime
{
    private const string Version = "15";
    private const string Prefix = "lpdrill_";

    public string Name { get; } = $"{Prefix}{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}_{Guid.NewGuid().ToString("N")[..8]}";

    public string StandbyName => Name + "_standby";

    public string RestoredName => Name + "_restored";

    public int PrimaryPort { get; } = FreePort();

    public int StandbyPort { get; } = FreePort();

    public int RestoredPort { get; } = FreePort();

    public string BackupDirectory { get; } = Path.Combine(Path.GetTempPath(), "lp-drill-backups-" + Guid.NewGuid().ToString("N")[..12]);

    public string PrimaryConnectionString => ConnectionString(PrimaryPort);

    /// <summary>A superuser's connection to a drill cluster (WAL switches, replay pauses), as the harness connects.</summary>
    public static string ConnectionString(int port) => OnPort(TemplateDatabase.Server(), port);

    /// <summary>The owner role's connection: ./lp db start made the roles on every cluster with the same passwords.</summary>
    public static string OwnerConnectionString(int port) => OnPort(TemplateDatabase.Owner(), port);

    /// <summary>The runtime role's connection, for a host serving from a drill cluster.</summary>
    public static string RuntimeConnectionString(int port) => OnPort(TemplateDatabase.Runtime(), port);

    private static string OnPort(NpgsqlConnectionStringBuilder builder, int port)
    {
        builder.Port = port;
        builder.Database = "landplatform";
        builder.Pooling = true;
        builder.Timeout = 5;
        return builder.ConnectionString;
    }

    public async Task InitializeAsync()
    {
        await DropAbandonedAsync();
        await LpAsync("db", "start");
    }

    /// <summary>Migrates the primary and loads the sample island into it, as <c>./lp run</c> does on a fresh machine.</summary>
    public Task LoadSampleIslandAsync() =>
        TemplateDatabase.MigrateAndLoadAsync(OwnerConnectionString(PrimaryPort), TemplateDatabase.SampleDirectory(), CancellationToken.None);

    public NpgsqlDataSource Open(int port) => PlatformDatabase.Open(ConnectionString(port), "lp-drill");

    /// <summary>Runs <c>./lp ARGS</c> against this drill's clusters and returns what it printed; a non-zero exit fails the test.</summary>
    public Task<string> LpAsync(params string[] args) => LpOnAsync(Name, PrimaryPort, args);

    /// <summary>Runs <c>./lp ARGS</c> with the restored copy as its cluster (e.g. a verification command on the restored data).</summary>
    public Task<string> LpOnRestoredAsync(params string[] args) => LpOnAsync(RestoredName, RestoredPort, args);

    private async Task<string> LpOnAsync(string cluster, int port, string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(RepositoryRoot(), "lp")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // ./lp test exports the embedded cluster's connection strings: here they would point ./lp at the wrong server.
        start.Environment.Remove("LP_CONNECTION_STRING");
        start.Environment.Remove("LP_REPLICA_CONNECTION_STRING");
        start.Environment.Remove("LP_OWNER_CONNECTION_STRING");
        start.Environment["LP_CLUSTER"] = cluster;
        start.Environment["LP_DB_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["LP_STANDBY_PORT"] = StandbyPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["LP_BACKUP_DIR"] = BackupDirectory;
        var (code, output) = await RunAsync(start);
        Assert.True(code == 0, $"./lp {string.Join(' ', args)} exited with {code}:\n{output}");
        return output;
    }

    /// <summary>The primary dies as in a power cut: no shutdown checkpoint, connections cut mid-transaction.</summary>
    public Task CrashPrimaryAsync() => PrivilegedAsync("pg_ctlcluster", Version, Name, "stop", "-m", "immediate");

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var cluster in new[] { RestoredName, StandbyName, Name })
        {
            await DropClusterAsync(cluster);
        }

        await PrivilegedAsync("rm", "-rf", BackupDirectory);
    }

    private static async Task DropClusterAsync(string cluster)
    {
        if (Directory.Exists($"/etc/postgresql/{Version}/{cluster}"))
        {
            await PrivilegedAsync("pg_dropcluster", Version, cluster, "--stop");
        }
    }

    private static async Task DropAbandonedAsync()
    {
        var cutoff = DateTimeOffset.UtcNow.AddHours(-6).ToUnixTimeSeconds();
        var root = $"/etc/postgresql/{Version}";
        if (!Directory.Exists(root))
        {
            return;
        }

        foreach (var dir in Directory.GetDirectories(root))
        {
            if (AbandonedName().Match(Path.GetFileName(dir)) is { Success: true } m && long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) < cutoff)
            {
                await DropClusterAsync(Path.GetFileName(dir));
            }
        }
    }

    // Runs as root, or through sudo for a user who runs ./lp with it.
    private static async Task PrivilegedAsync(string file, params string[] args)
    {
        var start = Environment.IsPrivilegedProcess ? new ProcessStartInfo(file) : new ProcessStartInfo("sudo") { ArgumentList = { "-n", file } };
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var (code, output) = await RunAsync(start);
        Assert.True(code == 0, $"{file} {string.Join(' ', args)} exited with {code}:\n{output}");
    }

    private static async Task<(int Code, string Output)> RunAsync(ProcessStartInfo start)
    {
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, output.ToString());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "lp")) && File.Exists(Path.Combine(dir.FullName, "Landplatform.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the lp script was not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex($"^{Prefix}(\\d+)_[0-9a-f]{{8}}(_standby|_restored)?$")]
    private static partial Regex AbandonedName();
}
