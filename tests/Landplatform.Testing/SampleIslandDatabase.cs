using Landplatform.Cadastre;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace Landplatform.Testing;

/// <summary>
/// A test class's own PostGIS database: a clone of the template with the sample island, dropped when
/// the class is done, so tests that change the fabric never see each other's changes.
/// </summary>
public sealed class SampleIslandDatabase : IAsyncLifetime
{
    public string Name { get; } = NewName();

    /// <summary>
    /// A test database name that carries its creation time, so a later run can tell an abandoned
    /// database (hours old) from one another run is using right now.
    /// </summary>
    public static string NewName() =>
        $"lp_test_{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}_{Guid.NewGuid().ToString("N")[..12]}";

    /// <summary>A superuser's connection, for the test side (tampering needs <c>SET session_replication_role</c>).</summary>
    public string ConnectionString => TemplateDatabase.ConnectionStringFor(Name);

    /// <summary>The runtime role's connection: what the host under test is given, as <c>./lp run</c> gives the server.</summary>
    public string RuntimeConnectionString => TemplateDatabase.RuntimeConnectionStringFor(Name);

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var template = await TemplateDatabase.EnsureAsync(CancellationToken.None);
        await using var admin = new NpgsqlConnection(TemplateDatabase.Server().ConnectionString);
        await admin.OpenAsync();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await TemplateDatabase.ExecuteAsync(admin, $"CREATE DATABASE {Name} TEMPLATE {template} OWNER \"{TemplateDatabase.Owner().Username}\"", CancellationToken.None);
                break;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 20)
            {
                // Another process is cloning or just finished building the template; its session ends shortly.
                await Task.Delay(250 * attempt);
            }
        }

        DataSource = Landplatform.GisServer.PlatformDatabase.Open(ConnectionString);
    }

    /// <summary>A service scope with the cadastre module over this database, for calling module code directly.</summary>
    public ServiceProvider CadastreServices() =>
        new ServiceCollection().AddSingleton(DataSource).AddCadastre().BuildServiceProvider();

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var (n, v) in parameters)
        {
            command.Parameters.AddWithValue(n, v);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(TemplateDatabase.Server().ConnectionString);
        await admin.OpenAsync();
        await TemplateDatabase.ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", CancellationToken.None);
    }
}
