using Landplatform.Testing;
using Npgsql;

namespace Landplatform.Cadastre.Tests;

public sealed class MigrationTests : IAsyncLifetime
{
    private readonly string name = SampleIslandDatabase.NewName();

    public async Task InitializeAsync()
    {
        await using var admin = new NpgsqlConnection(TemplateDatabase.Server().ConnectionString);
        await admin.OpenAsync();
        await TemplateDatabase.CreateEmptyAsync(admin, name, "template0", CancellationToken.None);
    }

    [Fact]
    public async Task Migrations_apply_to_an_empty_database_and_a_second_run_changes_nothing()
    {
        // As ./lp migrates: the owner role, not a superuser.
        var connectionString = TemplateDatabase.OwnerConnectionStringFor(name);
        await TemplateDatabase.MigrateAndLoadAsync(connectionString, sampleDirectory: null, CancellationToken.None);
        await TemplateDatabase.MigrateAndLoadAsync(connectionString, sampleDirectory: null, CancellationToken.None);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var tables = new NpgsqlCommand(
            "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'cadastre'", connection);
        var names = ((string)(await tables.ExecuteScalarAsync())!).Split(',');
        Assert.Equal(
            ["__migrations", "blocks", "buildings", "districts", "fabric_transactions", "hazard_zones", "lineage_edges",
             "parcel_records", "parcel_versions", "road_reserves", "survey_lots", "survey_revisions", "surveys"],
            names);

        await using var geometry = new NpgsqlCommand(
            "SELECT type || ':' || srid FROM geometry_columns WHERE f_table_schema = 'cadastre' AND f_table_name = 'parcel_versions'", connection);
        Assert.Equal("MULTIPOLYGON:2007", await geometry.ExecuteScalarAsync());

        await using var history = new NpgsqlCommand("SELECT count(*) FROM cadastre.__migrations", connection);
        Assert.True((long)(await history.ExecuteScalarAsync())! >= 1);
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(TemplateDatabase.Server().ConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
