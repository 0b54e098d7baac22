using System.Diagnostics;
using Landplatform.Testing;
using Npgsql;
using static Landplatform.Registry.Tests.RegistryCounter;

namespace Landplatform.Registry.Tests;

/// <summary>Runs the host's <c>registry-verify</c> command against a database, as <c>./lp registry verify</c> does.</summary>
internal static class RegistryVerify
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string connectionString, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Landplatform.GisServer.dll"), "registry-verify", .. arguments])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["LP_CONNECTION_STRING"] = connectionString;
        start.Environment["ASPNETCORE_CONTENTROOT"] = AppContext.BaseDirectory;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>The database itself keeps the journal and the rights append-only.</summary>
public sealed class RegisterJournalTests(SampleIslandDatabase database) : IClassFixture<SampleIslandDatabase>
{
    // TRUNCATE of the journal is refused before its trigger runs: every register row's foreign key points at it (0A000).
    [Theory]
    [InlineData("UPDATE registry.journal SET content = content || ' ' WHERE seq = 1", "LPH02")]
    [InlineData("DELETE FROM registry.journal WHERE seq = 1", "LPH02")]
    [InlineData("TRUNCATE registry.journal", PostgresErrorCodes.FeatureNotSupported)]
    [InlineData("UPDATE registry.rights SET party_id = party_id + 1 WHERE id = (SELECT min(id) FROM registry.rights)", "LPH02")]
    [InlineData("DELETE FROM registry.rights WHERE id = (SELECT min(id) FROM registry.rights)", "LPH02")]
    [InlineData("UPDATE registry.title_parcels SET title_number = (SELECT max(title_number) FROM registry.titles) WHERE upi = (SELECT min(upi) FROM registry.title_parcels)", "LPH02")]
    [InlineData("DELETE FROM registry.title_parcels WHERE upi = (SELECT min(upi) FROM registry.title_parcels)", "LPH02")]
    [InlineData("UPDATE registry.titles SET opened_at = opened_at - interval '1 day' WHERE title_number = (SELECT min(title_number) FROM registry.titles)", "LPH02")]
    [InlineData("UPDATE registry.transactions SET lodged_by = 'someone else' WHERE kind = 'initial_load'", "LPH02")]
    [InlineData("DELETE FROM registry.transactions WHERE kind = 'initial_load'", "LPH02")]
    public async Task The_database_refuses_to_rewrite_the_journal_or_a_right(string sql, string state)
    {
        var refused = await Assert.ThrowsAsync<PostgresException>(() => RegistryVerify.ExecuteAsync(database.ConnectionString, sql));
        Assert.Equal(state, refused.SqlState);
        var (exitCode, output) = await RegistryVerify.RunAsync(database.ConnectionString);
        Assert.True(exitCode == 0, output);
        Assert.Contains("journal intact: 1 entries", output);
    }
}

/// <summary>An edit made around the triggers, as a superuser can, is found and named.</summary>
public sealed class JournalTamperTests(SingleWindowServer server) : IClassFixture<SingleWindowServer>
{
    [Fact]
    public async Task A_journal_row_edited_directly_in_SQL_is_named_by_registry_verify()
    {
        var counter = new RegistryCounter(server);
        var title = await SingleOwnerTitleAsync(server.Database, 40);
        var seq = (await counter.RegisterThroughAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]), "deed")).GetProperty("journalEntry").GetInt64();
        var other = await SingleOwnerTitleAsync(server.Database, 41);
        await counter.RegisterThroughAsync(Transfer(other, [new { partyId = other.OwnerId + 1, share = "1/1" }]), "deed");
        var (intact, before) = await RegistryVerify.RunAsync(server.Database.ConnectionString);
        Assert.True(intact == 0, before);
        Assert.Contains("journal intact: 3 entries", before);

        await RegistryVerify.ExecuteAsync(server.Database.ConnectionString, $"""
            SET session_replication_role = replica;
            UPDATE registry.journal SET content = replace(content, '{title.TitleNumber}', 'T-XX-99999-9999') WHERE seq = {seq};
            """);
        var (exitCode, output) = await RegistryVerify.RunAsync(server.Database.ConnectionString);
        Assert.Equal(1, exitCode);
        Assert.Contains($"journal entry {seq} ", output);
        Assert.Contains("altered", output);

        var verification = Ok(await counter.GetAsync("/api/registry/journal/verification", "registrar"));
        Assert.False(verification.GetProperty("intact").GetBoolean());
        Assert.Equal(seq, verification.GetProperty("firstBadEntry").GetInt64());
    }
}

/// <summary>A right rewritten around its trigger no longer matches the digest its journal entry recorded.</summary>
public sealed class RightTamperTests(SampleIslandDatabase database) : IClassFixture<SampleIslandDatabase>
{
    [Fact]
    public async Task A_right_rewritten_by_a_superuser_is_named_through_the_entry_that_made_it()
    {
        await RegistryVerify.ExecuteAsync(database.ConnectionString, """
            ALTER TABLE registry.rights DISABLE TRIGGER rights_guard;
            UPDATE registry.rights SET party_id = 1 WHERE id = (SELECT min(id) FROM registry.rights WHERE party_id <> 1);
            ALTER TABLE registry.rights ENABLE TRIGGER rights_guard;
            """);
        var (exitCode, output) = await RegistryVerify.RunAsync(database.ConnectionString);
        Assert.Equal(1, exitCode);
        Assert.Contains("journal entry 1 ", output);
        Assert.Contains("no longer match the digest", output);
    }
}
