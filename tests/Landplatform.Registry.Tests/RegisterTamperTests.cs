using Landplatform.Registry.Journal;
using Landplatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;
using static Landplatform.Registry.Tests.RegistryCounter;

namespace Landplatform.Registry.Tests;

/// <summary>What the base register holds after its registrations: the rows the tamper cases alter.</summary>
public sealed record TamperFacts(
    Guid GenesisTx, Guid TransferTx, long TransferOwnerRight, long TransferOwnerParty, string TransferTitle,
    Guid MortgageTx, long MortgageRight, long DischargedRight, Guid DischargeTx,
    string UntouchedTitle, long UntouchedOwnerRight, long UntouchedOwnerParty, string OtherTitle, long StrangerParty);

/// <summary>
/// One base register, made by a real server: the sample's genesis, a transfer with a signed deed, a mortgage, a second
/// mortgage and its discharge, another transfer (entries 1-6), then a signed checkpoint. The host is stopped, and each
/// tamper case alters its own clone (CREATE DATABASE ... TEMPLATE) as a superuser.
/// </summary>
public sealed class TamperedRegisterBase : IAsyncLifetime
{
    public SingleWindowServer Server { get; } = new();

    public TamperFacts Facts { get; private set; } = null!;

    public string CheckpointLog => Path.Combine(Server.CheckpointDirectory, JournalCheckpointLog.LogFileName);

    public string PublicKey => Path.Combine(Server.CheckpointDirectory, JournalCheckpointLog.PublicKeyFileName);

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        var counter = new RegistryCounter(Server);
        var sold = await SingleOwnerTitleAsync(Server.Database, 60);
        await counter.RegisterThroughAsync(Transfer(sold, [new { partyId = sold.OwnerId + 1, share = "1/1" }]), "deed");
        var mortgaged = await SingleOwnerTitleAsync(Server.Database, 61);
        await counter.RegisterThroughAsync(Mortgage(mortgaged, "C-1990-55555", "Bank of Saint Vincent", 180000.50m), "deed");
        var discharged = await SingleOwnerTitleAsync(Server.Database, 62);
        await counter.RegisterThroughAsync(Mortgage(discharged, "C-1990-55556", "First Island Bank", 50000m), "deed");
        var right = Assert.Single(Ok(await counter.GetAsync($"/api/registry/titles/{discharged.TitleNumber}")).GetProperty("restrictions").EnumerateArray()).GetProperty("id").GetInt64();
        await counter.RegisterThroughAsync(new { kind = "discharge", titleNumber = discharged.TitleNumber, instrumentDate = Today, rightId = right }, "deed");
        var again = await SingleOwnerTitleAsync(Server.Database, 63);
        await counter.RegisterThroughAsync(Transfer(again, [new { partyId = again.OwnerId + 1, share = "1/1" }]), "deed");
        Assert.Equal(6, (await Server.Services.GetRequiredService<JournalCheckpointLog>().WriteAsync(force: true, CancellationToken.None))!.Seq);

        var untouched = await SingleOwnerTitleAsync(Server.Database, 64);
        var other = await SingleOwnerTitleAsync(Server.Database, 65);
        var tx = new List<Guid>();
        await using (var command = Server.Database.DataSource.CreateCommand("SELECT transaction_id FROM registry.journal ORDER BY seq"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tx.Add(reader.GetGuid(0));
            }
        }

        Assert.Equal(6, tx.Count);
        Facts = new TamperFacts(
            tx[0], tx[1],
            await Server.Database.ScalarAsync<long>("SELECT id FROM registry.rights WHERE created_by_transaction_id = @tx", ("tx", tx[1])),
            sold.OwnerId + 1, sold.TitleNumber,
            tx[2], await Server.Database.ScalarAsync<long>("SELECT id FROM registry.rights WHERE created_by_transaction_id = @tx", ("tx", tx[2])),
            right, tx[4],
            untouched.TitleNumber,
            await Server.Database.ScalarAsync<long>("SELECT id FROM registry.rights WHERE title_number = @t AND valid_to IS NULL", ("t", untouched.TitleNumber)),
            untouched.OwnerId, other.TitleNumber, other.OwnerId);

        await Server.StopHostAsync();
    }

    private static object Mortgage(SampleTitle title, string bank, string name, decimal amount) => new
    {
        kind = "mortgage", titleNumber = title.TitleNumber, instrumentDate = Today,
        grantors = new[] { new { partyId = title.OwnerId } },
        beneficiary = new { registrationNumber = bank, name }, amount,
    };

    /// <summary>A clone of the base for one case, as the owner role owns it; the caller drops it.</summary>
    public async Task<string> CloneAsync()
    {
        var name = SampleIslandDatabase.NewName();
        await using var admin = new NpgsqlConnection(TemplateDatabase.Server().ConnectionString);
        await admin.OpenAsync();
        for (var attempt = 1; ; attempt++)
        {
            // Whatever still holds a connection to the base (an idle pool) would keep it from being a template.
            await using (var terminate = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @db AND pid <> pg_backend_pid()", admin))
            {
                terminate.Parameters.AddWithValue("db", Server.Database.Name);
                await terminate.ExecuteScalarAsync();
            }

            try
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE {Server.Database.Name} OWNER \"{TemplateDatabase.Owner().Username}\"", admin);
                await create.ExecuteNonQueryAsync();
                return name;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 20)
            {
                await Task.Delay(100 * attempt);
            }
        }
    }

    public static async Task DropAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(TemplateDatabase.Server().ConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}

/// <summary>
/// Issue #20's tamper suite: each alteration a superuser can make around the triggers, on its own clone of a register
/// built by a real server, is found by <c>registry-verify</c> (run as a process, with the checkpoint log and public key
/// an agency would keep), which exits 1 and names the entry, the title or the row.
/// </summary>
public sealed class RegisterTamperTests(TamperedRegisterBase register) : IClassFixture<TamperedRegisterBase>
{
    private const string AroundTheTriggers = "SET session_replication_role = replica;\n";

    public static TheoryData<string> Cases => [.. Tampering.Keys];

    // Each case: the SQL that alters the clone, and what the output must name.
    private static readonly Dictionary<string, Func<TamperFacts, (string Sql, string[] Named)>> Tampering = new()
    {
        ["journal row edited"] = f => (
            "UPDATE registry.journal SET content = replace(content, '\"kind\":\"mortgage\"', '\"kind\":\"caveat\"') WHERE seq = 3",
            ["journal entry 3 ", "altered"]),
        ["journal row edited and rehashed"] = f => (
            $"UPDATE registry.journal SET content = replace(content, '\"note\":null', '\"note\":\"nothing to see\"') WHERE seq = 3;" +
            "UPDATE registry.journal SET hash = sha256(previous_hash || convert_to(content, 'UTF8')) WHERE seq = 3",
            ["journal entry 4 ", "previous-hash does not match"]),
        ["whole chain recomputed after an edit"] = f => (
            $"UPDATE registry.journal SET content = replace(content, '\"note\":null', '\"note\":\"nothing to see\"') WHERE seq = 3;" + RecomputeChainFrom(3),
            ["checkpoint at journal entry 6 ", "rewritten or recomputed"]),
        ["a journal row deleted"] = f => (
            "DELETE FROM registry.journal WHERE seq = 4",
            ["journal entry 5 ", "entries 4..4 are missing", "which has no journal entry"]),
        ["the tail truncated"] = f => (
            "DELETE FROM registry.journal WHERE seq > 3",
            ["checkpoint at journal entry 6 ", "ends at entry 3"]),
        ["two journal rows swapped"] = f => (
            "UPDATE registry.journal SET seq = -3 WHERE seq = 3; UPDATE registry.journal SET seq = 3 WHERE seq = 4; UPDATE registry.journal SET seq = 4 WHERE seq = -3",
            ["journal entry 3 ", "previous-hash does not match"]),
        ["a right re-pointed to another party"] = f => (
            $"UPDATE registry.rights SET party_id = {f.StrangerParty} WHERE id = {f.TransferOwnerRight}",
            ["journal entry 2 ", "no longer match the digest"]),
        ["an owner's name edited"] = f => (
            $"UPDATE registry.parties SET name = 'Somebody Else' WHERE id = {f.TransferOwnerParty}",
            ["journal entry 2 ", "no longer match the digest"]),
        ["a genesis right edited"] = f => (
            $"UPDATE registry.rights SET valid_from = valid_from - interval '1 year' WHERE id = {f.UntouchedOwnerRight}",
            ["journal entry 1 ", "no longer match the digest"]),
        ["an ended right un-ended"] = f => (
            $"UPDATE registry.rights SET valid_to = NULL, ended_by_transaction_id = NULL WHERE id = {f.DischargedRight}",
            ["journal entry 5 ", "no longer match the digest"]),
        ["a mortgage amount edited"] = f => (
            $"UPDATE registry.rights SET amount = 1.00 WHERE id = {f.MortgageRight}",
            ["journal entry 3 ", "no longer match the digest"]),
        ["a ghost transfer under an unjournaled transaction id"] = f => (
            $"""
             INSERT INTO registry.transactions (id, kind, state, title_number, instrument, instrument_date, lodged_at, lodged_by, registered_at)
             VALUES ('{Ghost}', 'transfer', 'registered', '{f.UntouchedTitle}', '{"{}"}', current_date, now(), 'notary', now());
             UPDATE registry.rights SET valid_to = now(), ended_by_transaction_id = '{Ghost}' WHERE id = {f.UntouchedOwnerRight};
             INSERT INTO registry.rights (title_number, kind, party_id, share_numerator, share_denominator, valid_from, created_by_transaction_id)
             VALUES ('{f.UntouchedTitle}', 'ownership', {f.StrangerParty}, 1, 1, now(), '{Ghost}');
             """,
            [$"registry.rights row {f.UntouchedOwnerRight} (title {f.UntouchedTitle}): ended by transaction {Ghost}, which has no journal entry",
             $"(title {f.UntouchedTitle}): created by transaction {Ghost}", $"registry.transactions row {Ghost}"]),
        ["an extra ownership row"] = f => (
            $"""
             INSERT INTO registry.rights (title_number, kind, party_id, share_numerator, share_denominator, valid_from, created_by_transaction_id)
             VALUES ('{f.UntouchedTitle}', 'ownership', {f.StrangerParty}, 1, 2, '2010-01-01', '{f.GenesisTx}')
             """,
            ["journal entry 1 ", "no longer match the digest"]),
        ["a parcel moved to another title"] = f => (
            $"UPDATE registry.title_parcels SET title_number = '{f.OtherTitle}' WHERE title_number = '{f.UntouchedTitle}'",
            ["journal entry 1 ", "no longer match the digest"]),
        ["an instrument's consideration edited"] = f => (
            $"UPDATE registry.transactions SET instrument = jsonb_set(instrument, '{{amount}}', '1') WHERE id = '{f.TransferTx}'",
            ["journal entry 2 ", "no longer match the digest"]),
        ["an instrument's lodger edited"] = f => (
            $"UPDATE registry.transactions SET lodged_by = 'another-notary' WHERE id = '{f.MortgageTx}'",
            ["journal entry 3 ", "no longer match the digest"]),
        ["steps deleted"] = f => (
            $"DELETE FROM registry.transaction_steps WHERE transaction_id = '{f.DischargeTx}' AND state IN ('examined', 'registered')",
            ["journal entry 5 ", "no longer match the digest"]),
        ["a deed hash swapped"] = f => (
            $"UPDATE registry.transaction_documents SET sha256 = repeat('ab', 32) WHERE transaction_id = '{f.TransferTx}' AND kind = 'deed'",
            ["journal entry 2 ", "no longer match the digest"]),
    };

    private static readonly Guid Ghost = Guid.Parse("0190a0a0-0000-7000-8000-00000000dead");

    // As an attacker with the whole database would: every hash from the edited entry on recomputed, so the chain links.
    private static string RecomputeChainFrom(int seq) => $"""
        WITH RECURSIVE chain AS (
            SELECT seq, hash FROM registry.journal WHERE seq = {seq - 1}
            UNION ALL
            SELECT j.seq, sha256(c.hash || convert_to(j.content, 'UTF8')) FROM chain c JOIN registry.journal j ON j.seq = c.seq + 1)
        UPDATE registry.journal j SET previous_hash = p.hash, hash = c.hash
        FROM chain c JOIN chain p ON p.seq = c.seq - 1
        WHERE j.seq = c.seq AND j.seq >= {seq};
        """;

    [Fact]
    public async Task The_untouched_register_verifies_against_its_checkpoints()
    {
        var clone = await register.CloneAsync();
        try
        {
            var (exitCode, output) = await RegistryVerify.RunAsync(TemplateDatabase.ConnectionStringFor(clone), "--checkpoints", register.CheckpointLog, "--public-key", register.PublicKey);
            Assert.True(exitCode == 0, output);
            Assert.Contains("journal intact: 6 entries", output);
            Assert.Contains("the latest at entry 6", output);
        }
        finally
        {
            await TamperedRegisterBase.DropAsync(clone);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Registry_verify_names_the_alteration(string alteration)
    {
        var (sql, named) = Tampering[alteration](register.Facts);
        var clone = await register.CloneAsync();
        try
        {
            var connection = TemplateDatabase.ConnectionStringFor(clone);
            await RegistryVerify.ExecuteAsync(connection, AroundTheTriggers + sql);
            var (exitCode, output) = await RegistryVerify.RunAsync(connection, "--checkpoints", register.CheckpointLog, "--public-key", register.PublicKey);
            Assert.True(exitCode == 1, $"{alteration}: exit {exitCode}\n{output}");
            Assert.Contains("journal NOT intact", output);
            foreach (var text in named)
            {
                Assert.True(output.Contains(text, StringComparison.Ordinal), $"{alteration}: expected '{text}' in\n{output}");
            }
        }
        finally
        {
            await TamperedRegisterBase.DropAsync(clone);
        }
    }

    [Fact]
    public async Task A_recomputed_chain_passes_without_the_checkpoints_and_fails_with_them()
    {
        var clone = await register.CloneAsync();
        try
        {
            var connection = TemplateDatabase.ConnectionStringFor(clone);
            await RegistryVerify.ExecuteAsync(connection, AroundTheTriggers +
                "UPDATE registry.journal SET content = replace(content, '\"note\":null', '\"note\":\"nothing to see\"') WHERE seq = 2;" + RecomputeChainFrom(2));
            var (alone, withoutCheckpoints) = await RegistryVerify.RunAsync(connection);
            Assert.True(alone == 0, withoutCheckpoints);
            var (exitCode, output) = await RegistryVerify.RunAsync(connection, "--checkpoints", register.CheckpointLog, "--public-key", register.PublicKey);
            Assert.Equal(1, exitCode);
            Assert.Contains("checkpoint at journal entry 6 ", output);
        }
        finally
        {
            await TamperedRegisterBase.DropAsync(clone);
        }
    }

    [Fact]
    public async Task A_checkpoint_rewritten_to_match_a_tampered_chain_is_named_by_its_signature()
    {
        var clone = await register.CloneAsync();
        var forged = Path.Combine(register.Server.CheckpointDirectory, "forged.jsonl");
        try
        {
            var connection = TemplateDatabase.ConnectionStringFor(clone);
            await RegistryVerify.ExecuteAsync(connection, AroundTheTriggers + "DELETE FROM registry.journal WHERE seq > 3");
            var lines = await File.ReadAllLinesAsync(register.CheckpointLog);
            var last = System.Text.Json.JsonSerializer.Deserialize<JournalCheckpoint>(lines[^1], new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;
            string head;
            await using (var database = new NpgsqlConnection(connection))
            {
                await database.OpenAsync();
                await using var read = new NpgsqlCommand("SELECT hash FROM registry.journal WHERE seq = 3", database);
                head = Convert.ToHexStringLower((byte[])(await read.ExecuteScalarAsync())!);
            }

            await File.WriteAllLinesAsync(forged, [System.Text.Json.JsonSerializer.Serialize(last with { Seq = 3, Hash = head }, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))]);

            var (exitCode, output) = await RegistryVerify.RunAsync(connection, "--checkpoints", forged, "--public-key", register.PublicKey);
            Assert.Equal(1, exitCode);
            Assert.Contains("checkpoint at journal entry 3 ", output);
            Assert.Contains("signature does not verify", output);
        }
        finally
        {
            File.Delete(forged);
            await TamperedRegisterBase.DropAsync(clone);
        }
    }
}
