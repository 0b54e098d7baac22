using System.Net.Http.Headers;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Landplatform.Testing;
using Npgsql;

namespace Landplatform.GisServer.Tests;

/// <summary>
/// The role the server runs as (LP_CONNECTION_STRING) is refused by PostgreSQL itself whatever it tries beyond reading
/// and writing rows: DDL, switching triggers off, rewriting or removing history; the host works with no more.
/// </summary>
public sealed class RuntimeRoleTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    private const string InsufficientPrivilege = "42501";

    public static TheoryData<string> Ddl { get; } = new()
    {
        "CREATE TABLE cadastre.intruder (id int)",
        "CREATE TABLE public.intruder (id int)",
        "CREATE SCHEMA intruder",
        "CREATE FUNCTION public.intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "ALTER TABLE registry.journal ADD COLUMN note text",
        "ALTER TABLE registry.journal DISABLE TRIGGER journal_append_only",
        "DROP TRIGGER journal_append_only ON registry.journal",
        "DROP TABLE identity.audit_events",
        "CREATE INDEX ix_intruder ON cadastre.parcel_versions (land_use)",
    };

    /// <summary>Each history table with each statement its rule refuses (append-only: UPDATE, DELETE, TRUNCATE).</summary>
    public static TheoryData<string, string> RefusedChanges()
    {
        var data = new TheoryData<string, string>();
        foreach (var table in RuntimeGrants.HistoryTables)
        {
            if (table.Rule == HistoryRule.AppendOnly)
            {
                data.Add(table.Name, "UPDATE");
            }

            data.Add(table.Name, "DELETE");
            data.Add(table.Name, "TRUNCATE");
        }

        return data;
    }

    [Fact]
    public async Task The_runtime_role_is_not_a_superuser_and_owns_nothing()
    {
        await using var runtime = await OpenRuntimeAsync();
        Assert.Equal(TemplateDatabase.Runtime().Username, await ScalarAsync<string>(runtime, "SELECT current_user"));
        Assert.NotEqual(TemplateDatabase.Owner().Username, await ScalarAsync<string>(runtime, "SELECT current_user"));
        Assert.Equal("f f f f f", await ScalarAsync<string>(runtime,
            "SELECT concat_ws(' ', rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls) FROM pg_roles WHERE rolname = current_user"));
        // pg_shdepend records every owner: of objects in this database and of databases, roles' shared objects.
        Assert.Equal(0L, await ScalarAsync<long>(runtime, """
            SELECT count(*) FROM pg_shdepend
            WHERE deptype = 'o' AND refobjid = (SELECT oid FROM pg_roles WHERE rolname = current_user)
              AND dbid IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
            """));
    }

    [Theory]
    [MemberData(nameof(Ddl))]
    public async Task The_runtime_role_cannot_change_the_schema(string statement)
    {
        await using var runtime = await OpenRuntimeAsync();
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(runtime, statement));
        Assert.Equal(InsufficientPrivilege, refused.SqlState);

        await using var admin = await OpenAdminAsync();
        Assert.Equal(0L, await ScalarAsync<long>(admin, "SELECT count(*) FROM pg_class WHERE relname IN ('intruder', 'ix_intruder')"));
        Assert.Equal(0L, await ScalarAsync<long>(admin, "SELECT count(*) FROM pg_namespace WHERE nspname = 'intruder'"));
        Assert.Equal(0L, await ScalarAsync<long>(admin, "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'registry' AND table_name = 'journal' AND column_name = 'note'"));
        Assert.Equal("O", await ScalarAsync<string>(admin, "SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'journal_append_only'"));
        Assert.Equal(1L, await ScalarAsync<long>(admin, "SELECT count(*) FROM pg_class WHERE oid = 'identity.audit_events'::regclass"));
    }

    [Fact]
    public async Task The_runtime_role_cannot_switch_triggers_off_for_its_session()
    {
        await using var runtime = await OpenRuntimeAsync();
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(runtime, "SET session_replication_role = replica"));
        Assert.Equal(InsufficientPrivilege, refused.SqlState);
        Assert.Equal("origin", await ScalarAsync<string>(runtime, "SHOW session_replication_role"));
    }

    [Theory]
    [MemberData(nameof(RefusedChanges))]
    public async Task The_runtime_role_cannot_rewrite_or_remove_history(string table, string operation)
    {
        await using var admin = await OpenAdminAsync();
        var column = await FirstColumnAsync(admin, table);
        var before = await FingerprintAsync(admin, table);

        await using var runtime = await OpenRuntimeAsync();
        var statement = operation switch
        {
            "UPDATE" => $"UPDATE {table} SET \"{column}\" = \"{column}\"",
            "DELETE" => $"DELETE FROM {table}",
            _ => $"TRUNCATE {table}",
        };
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(runtime, statement));
        Assert.Equal(InsufficientPrivilege, refused.SqlState);
        Assert.Equal(before, await FingerprintAsync(admin, table));
    }

    [Fact]
    public async Task The_register_journal_and_the_identity_audit_hold_rows_the_runtime_role_cannot_touch()
    {
        // A refused sign-in writes an audit event; the sample register's journal has entries from its load.
        var (status, _) = await Tokens.RequestAsync(server.Client, ("grant_type", "password"), ("client_id", "lp-cli"),
            ("username", "registrar"), ("password", "not-the-password"), ("scope", "openid"));
        Assert.Equal(400, status);
        await using var admin = await OpenAdminAsync();
        foreach (var table in new[] { "registry.journal", "identity.audit_events" })
        {
            var before = await FingerprintAsync(admin, table);
            Assert.NotEqual("0:", before);
            await using var runtime = await OpenRuntimeAsync();
            var column = await FirstColumnAsync(admin, table);
            foreach (var statement in new[] { $"UPDATE {table} SET \"{column}\" = \"{column}\"", $"DELETE FROM {table}", $"TRUNCATE {table}" })
            {
                Assert.Equal(InsufficientPrivilege, (await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(runtime, statement))).SqlState);
            }

            Assert.Equal(before, await FingerprintAsync(admin, table));
        }
    }

    [Fact]
    public async Task Every_table_a_guard_trigger_protects_is_declared_as_history()
    {
        // A BEFORE DELETE or TRUNCATE trigger keeps rows; a BEFORE UPDATE trigger calling a refuse_* function keeps them unchanged.
        await using var admin = await OpenAdminAsync();
        await using var command = new NpgsqlCommand("""
            SELECT DISTINCT c.relnamespace::regnamespace::text || '.' || c.relname,
                   bool_or(t.tgtype & 16 <> 0 AND p.proname LIKE 'refuse%') OVER (PARTITION BY c.oid)
            FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
            WHERE NOT t.tgisinternal AND t.tgtype & 2 <> 0 AND (t.tgtype & 40 <> 0 OR p.proname LIKE 'refuse%')
            """, admin);
        await using var rows = await command.ExecuteReaderAsync();
        var declared = RuntimeGrants.HistoryTables.ToDictionary(t => t.Name, t => t.Rule);
        var guarded = 0;
        while (await rows.ReadAsync())
        {
            guarded++;
            var table = rows.GetString(0);
            Assert.True(declared.TryGetValue(table, out var rule), $"{table} has guard triggers but no module declares it in its HistoryTables");
            if (rows.GetBoolean(1))
            {
                Assert.True(rule == HistoryRule.AppendOnly, $"{table} refuses every UPDATE: declare it AppendOnly");
            }
        }

        Assert.Equal(declared.Count, guarded);
    }

    [Fact]
    public async Task Requests_that_write_work_through_the_host_running_as_the_runtime_role()
    {
        var surveyor = await Tokens.AccessTokenForAsync(server.Client, "surveyor");
        var examiner = await Tokens.AccessTokenForAsync(server.Client, "examiner");
        var registrar = await Tokens.AccessTokenForAsync(server.Client, "registrar");
        var (lodgedStatus, lodged) = await SendAsync(surveyor, "/api/surveys", LodgementForm());
        Assert.True(lodgedStatus == 201 || lodgedStatus == 200, lodged.ToString());
        var id = lodged.GetProperty("survey").GetProperty("id").GetString();
        var (examined, examination) = await SendAsync(examiner, $"/api/surveys/{id}/examination", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.True(examined == 200, examination.ToString());
        var (approved, approval) = await SendAsync(registrar, $"/api/surveys/{id}/approval", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.True(approved == 200, approval.ToString());

        foreach (var child in approval.GetProperty("newParcels").EnumerateArray())
        {
            var parcel = await server.GetJsonAsync($"/api/parcels/{child.GetString()}");
            Assert.Equal("current", parcel.GetProperty("properties").GetProperty("status").GetString());
        }

        await using var admin = await OpenAdminAsync();
        Assert.Equal(TemplateDatabase.Runtime().Username, await ScalarAsync<string>(admin,
            "SELECT DISTINCT usename::text FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'landplatform' LIMIT 1"));
    }

    private static MultipartFormDataContent LodgementForm()
    {
        var file = Path.Combine(RepositoryRoot(), "data-samples", "surveys", "clean-subdivision.xml");
        var content = new ByteArrayContent(File.ReadAllBytes(file));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return new MultipartFormDataContent { { content, "file", "clean-subdivision.xml" } };
    }

    private async Task<(int Status, JsonElement Body)> SendAsync(string token, string path, HttpContent content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    // An identity column would be refused for being one (428C9) before the privilege is looked at.
    private static Task<string> FirstColumnAsync(NpgsqlConnection admin, string table) =>
        ScalarAsync<string>(admin,
            """
            SELECT column_name::text FROM information_schema.columns
            WHERE table_schema = @schema AND table_name = @name AND is_identity = 'NO' AND is_generated = 'NEVER'
            ORDER BY ordinal_position LIMIT 1
            """,
            ("schema", table.Split('.')[0]), ("name", table.Split('.')[1]));

    // The rows' count and a digest of their text: any change, removal or addition shows.
    private static Task<string> FingerprintAsync(NpgsqlConnection admin, string table) =>
        ScalarAsync<string>(admin, $"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {table} t");

    private async Task<NpgsqlConnection> OpenRuntimeAsync()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.Database.RuntimeConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private async Task<NpgsqlConnection> OpenAdminAsync()
    {
        var connection = new NpgsqlConnection(server.Database.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (n, v) in parameters)
        {
            command.Parameters.AddWithValue(n, v);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Landplatform.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Landplatform.slnx not found above the test binaries.");
    }
}
