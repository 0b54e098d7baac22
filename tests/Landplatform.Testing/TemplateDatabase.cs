using System.Security.Cryptography;
using System.Text;
using Landplatform.Cadastre;
using Landplatform.Cadastre.Data;
using Landplatform.Cadastre.Loading;
using Landplatform.Integrations.Exchange;
using Landplatform.Integrations.Identity;
using Landplatform.Registry;
using Landplatform.Registry.Data;
using Landplatform.Registry.Loading;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Landplatform.Testing;

/// <summary>
/// The migrated database holding the sample island, built once per change of migrations or sample and
/// then cloned (CREATE DATABASE ... TEMPLATE) for each test class. Several test processes may race to
/// build it; a PostgreSQL advisory lock lets exactly one do so.
/// </summary>
public static class TemplateDatabase
{
    private const long BuildLockKey = 0x4C50_5445_4D50; // "LPTEMP"
    private static readonly SemaphoreSlim InProcess = new(1, 1);
    private static string? readyName;

    /// <summary>The superuser the harness and tamper tests connect as (peer, over the Unix socket), set by <c>./lp test</c>.</summary>
    public const string SuperuserVariable = "LP_TEST_SUPERUSER_CONNECTION_STRING";

    /// <summary>
    /// The server every test database lives on, as a superuser: <c>LP_TEST_SUPERUSER_CONNECTION_STRING</c>, else
    /// <c>LP_CONNECTION_STRING</c> (an external server given as one superuser connection).
    /// </summary>
    public static NpgsqlConnectionStringBuilder Server() =>
        new(Environment.GetEnvironmentVariable(SuperuserVariable) is { Length: > 0 } superuser ? superuser : Required("LP_CONNECTION_STRING")) { Pooling = false };

    /// <summary>The owner role migrations run as: <c>LP_OWNER_CONNECTION_STRING</c>, else the superuser.</summary>
    public static NpgsqlConnectionStringBuilder Owner() =>
        Environment.GetEnvironmentVariable(Landplatform.GisServer.PlatformDatabase.OwnerEnvironmentVariable) is { Length: > 0 } owner
            ? new NpgsqlConnectionStringBuilder(owner)
            : Server();

    /// <summary>The runtime role the host under test runs as: <c>LP_CONNECTION_STRING</c>.</summary>
    public static NpgsqlConnectionStringBuilder Runtime() => new(Required("LP_CONNECTION_STRING"));

    private static string Required(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } text && !string.IsNullOrWhiteSpace(text)
            ? text
            : throw new InvalidOperationException($"{variable} is not set: run the tests with ./lp test, which starts PostGIS and sets it.");

    /// <summary>The folder of the generated sample the template holds, from <c>LP_SAMPLE_DIR</c>.</summary>
    public static string SampleDirectory()
    {
        var dir = Environment.GetEnvironmentVariable("LP_SAMPLE_DIR");
        if (string.IsNullOrWhiteSpace(dir) || !File.Exists(Path.Combine(dir, "manifest.json")))
        {
            throw new InvalidOperationException("LP_SAMPLE_DIR does not name a generated sample: run the tests with ./lp test, which generates it.");
        }

        return dir;
    }

    public static string ConnectionStringFor(string database)
    {
        var builder = Server();
        builder.Database = database;
        return builder.ConnectionString;
    }

    public static string OwnerConnectionStringFor(string database)
    {
        var builder = Owner();
        builder.Database = database;
        return builder.ConnectionString;
    }

    public static string RuntimeConnectionStringFor(string database)
    {
        var builder = Runtime();
        builder.Database = database;
        return builder.ConnectionString;
    }

    /// <summary>
    /// An empty database owned by the owner role, with the extensions only a superuser may create (as <c>./lp</c>
    /// creates them in the embedded database), ready for the owner's migrations.
    /// </summary>
    public static async Task CreateEmptyAsync(NpgsqlConnection admin, string name, string template, CancellationToken ct)
    {
        await ExecuteAsync(admin, $"CREATE DATABASE {name} TEMPLATE {template} OWNER \"{Owner().Username}\"", ct);
        await using var database = new NpgsqlConnection(ConnectionStringFor(name));
        await database.OpenAsync(ct);
        await ExecuteAsync(database, "CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS btree_gist; CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE EXTENSION IF NOT EXISTS fuzzystrmatch", ct);
    }

    public static async Task<string> EnsureAsync(CancellationToken ct)
    {
        await InProcess.WaitAsync(ct);
        try
        {
            return readyName ??= await BuildOnceAsync(ct);
        }
        finally
        {
            InProcess.Release();
        }
    }

    private static async Task<string> BuildOnceAsync(CancellationToken ct)
    {
        var sample = SampleDirectory();
        var name = "lp_template_" + Fingerprint(sample);
        await using var admin = new NpgsqlConnection(Server().ConnectionString);
        await admin.OpenAsync(ct);
        await ExecuteAsync(admin, $"SELECT pg_advisory_lock({BuildLockKey})", ct);
        try
        {
            var comment = await ScalarAsync(admin,
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = @name", ct, ("name", name));
            if (comment is string text && text.StartsWith("ready", StringComparison.Ordinal))
            {
                return name;
            }

            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)", ct);
            await CreateEmptyAsync(admin, name, "template0", ct);
            await MigrateAndLoadAsync(OwnerConnectionStringFor(name), sample, ct);
            await ExecuteAsync(admin, $"COMMENT ON DATABASE {name} IS 'ready {DateTimeOffset.UtcNow.ToUnixTimeSeconds()}'", ct);

            // Templates of other checkouts (other fingerprints) may be in use right now; only old or unfinished ones go.
            var stale = new List<string>();
            await using (var command = new NpgsqlCommand("""
                SELECT datname FROM pg_database
                WHERE datname LIKE 'lp\_template\_%' AND datname <> @name
                  AND coalesce(substring(shobj_description(oid, 'pg_database') FROM '^ready (\d+)$')::bigint, 0) < @cutoff
                """, admin))
            {
                command.Parameters.AddWithValue("name", name);
                command.Parameters.AddWithValue("cutoff", DateTimeOffset.UtcNow.AddHours(-6).ToUnixTimeSeconds());
                await using var rows = await command.ExecuteReaderAsync(ct);
                while (await rows.ReadAsync(ct))
                {
                    stale.Add(rows.GetString(0));
                }
            }

            foreach (var old in stale)
            {
                await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {old} WITH (FORCE)", ct);
            }

            return name;
        }
        finally
        {
            await ExecuteAsync(admin, $"SELECT pg_advisory_unlock({BuildLockKey})", CancellationToken.None);
        }
    }

    /// <summary>
    /// Applies every module's migrations and the runtime role's grants (when <paramref name="connectionString"/> is
    /// another role's) and, given a sample, loads it and seeds the demo accounts, as <c>./lp run</c> does.
    /// </summary>
    public static async Task MigrateAndLoadAsync(string connectionString, string? sampleDirectory, CancellationToken ct)
    {
        await using var dataSource = Landplatform.GisServer.PlatformDatabase.Open(connectionString);
        await using var services = PlatformServices(dataSource);
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<CadastreDbContext>().Database.MigrateAsync(ct);
        await scope.ServiceProvider.GetRequiredService<IdentityStore>().Database.MigrateAsync(ct);
        await scope.ServiceProvider.GetRequiredService<ExchangeStore>().Database.MigrateAsync(ct);
        await scope.ServiceProvider.GetRequiredService<Landplatform.Integrations.Payments.PaymentsStore>().Database.MigrateAsync(ct);
        await scope.ServiceProvider.GetRequiredService<Landplatform.Integrations.Documents.DocumentsStore>().Database.MigrateAsync(ct);
        await scope.ServiceProvider.GetRequiredService<Landplatform.Integrations.Deeds.DeedsStore>().Database.MigrateAsync(ct);
        await scope.ServiceProvider.GetRequiredService<RegistryDbContext>().Database.MigrateAsync(ct);
        await scope.ServiceProvider.GetRequiredService<Landplatform.Tiles.Data.TilesDbContext>().Database.MigrateAsync(ct);
        await scope.ServiceProvider.GetRequiredService<Landplatform.Integrations.Tax.TaxStore>().Database.MigrateAsync(ct);
        await scope.ServiceProvider.GetRequiredService<Landplatform.Integrations.Permits.PermitsStore>().Database.MigrateAsync(ct);
        await scope.ServiceProvider.GetRequiredService<Landplatform.Integrations.Customs.CustomsStore>().Database.MigrateAsync(ct);
        var runtime = Runtime().Username;
        if (!string.IsNullOrEmpty(runtime) && runtime != new NpgsqlConnectionStringBuilder(connectionString).Username)
        {
            await Landplatform.GisServer.RuntimeGrants.ApplyAsync(dataSource, runtime, ct);
        }

        if (sampleDirectory is not null)
        {
            await scope.ServiceProvider.GetRequiredService<SampleFabricLoader>().LoadAsync(sampleDirectory, new Progress<string>(), ct);
            await scope.ServiceProvider.GetRequiredService<RegisterLoader>().LoadAsync(sampleDirectory, new Progress<string>(), ct);
            await scope.ServiceProvider.GetRequiredService<Landplatform.Integrations.Tax.TaxRoll>().BuildAsync(ct);
            await DemoAccounts.SeedAsync(services, new Uri("http://127.0.0.1:8080/"), ct);
        }
    }

    /// <summary>The modules' services over one data source, configured as the embedded demo.</summary>
    public static ServiceProvider PlatformServices(NpgsqlDataSource dataSource)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Identity:DemoMode"] = "true" })
            .Build();
        var services = new ServiceCollection()
            .AddSingleton(dataSource)
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddCadastre();
        services.AddDataProtection();
        services.AddPlatformIdentity(configuration);
        services.AddExchange();
        Landplatform.Integrations.Payments.PaymentsModule.AddPayments(services, configuration);
        Landplatform.Integrations.Documents.DocumentsModule.AddDocuments(services);
        Landplatform.Integrations.Deeds.DeedsModule.AddDeeds(services, configuration);
        services.AddRegistry();
        Landplatform.Tiles.TilesModule.AddTiles(services, followOutbox: false);
        Landplatform.Integrations.Tax.TaxModule.AddTax(services);
        Landplatform.Integrations.Permits.PermitsModule.AddPermits(services);
        Landplatform.Integrations.Customs.CustomsModule.AddCustoms(services);
        return services.BuildServiceProvider();
    }

    // Changes whenever a migration or the sample changes, so a stale template is never reused.
    private static string Fingerprint(string sample)
    {
        var migrations = typeof(CadastreDbContext).Assembly.GetTypes()
            .Concat(typeof(IdentityStore).Assembly.GetTypes())
            .Concat(typeof(RegistryDbContext).Assembly.GetTypes())
            .Concat(typeof(Landplatform.Tiles.Data.TilesDbContext).Assembly.GetTypes())
            .Where(t => t.IsSubclassOf(typeof(Migration)))
            .Select(t => t.FullName)
            .Order(StringComparer.Ordinal);
        var text = string.Join("|", migrations) + "|" + File.ReadAllText(Path.Combine(sample, "manifest.json"))
            + "|" + typeof(CadastreDbContext).Assembly.ManifestModule.ModuleVersionId
            + "|" + typeof(IdentityStore).Assembly.ManifestModule.ModuleVersionId
            + "|" + typeof(RegistryDbContext).Assembly.ManifestModule.ModuleVersionId
            + "|" + typeof(Landplatform.Tiles.Data.TilesDbContext).Assembly.ManifestModule.ModuleVersionId
            + "|" + Landplatform.GisServer.RuntimeGrants.Script(Runtime().Username ?? "landplatform_app");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    internal static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        foreach (var (n, v) in parameters)
        {
            command.Parameters.AddWithValue(n, v);
        }

        await command.ExecuteNonQueryAsync(ct);
    }

    internal static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (n, v) in parameters)
        {
            command.Parameters.AddWithValue(n, v);
        }

        return await command.ExecuteScalarAsync(ct);
    }
}
