using Landplatform.Cadastre.Contracts;
using Landplatform.Integrations.Identity;
using Landplatform.Registry;
using Landplatform.Registry.Transactions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Landplatform.Continuity.Tests;

/// <summary>
/// Registered transfers through the registry's own <see cref="TransactionDesk"/>, composed alone as the
/// registry bench composes it (its own fee schedule, a registrar-recorded payment): each title held by one
/// person passes to the next party of the register, with its journal entry.
/// </summary>
public sealed class RegistryTransfers : IRegisterChanges
{
    public const string By = "continuity-drill";

    public string Kind => "registry transfer";

    public async Task<IReadOnlyList<string>> MakeAsync(NpgsqlDataSource primary, int count, CancellationToken ct)
    {
        await using var services = new ServiceCollection()
            .AddSingleton(primary)
            .AddSingleton<IUinScheme>(new VerhoeffUinScheme())
            .AddLogging()
            .AddRegistry()
            .BuildServiceProvider();
        var made = new List<string>();
        foreach (var (title, owner, buyer) in await UntouchedTitlesAsync(primary, count, ct))
        {
            await using var scope = services.CreateAsyncScope();
            var desk = scope.ServiceProvider.GetRequiredService<TransactionDesk>();
            var lodged = await desk.LodgeAsync(new Lodgement("transfer", title, DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-1)), "gift",
                [new PartyReference(owner, null, null, null, null)], [new PartyReference(buyer, null, null, null, "1/1")], null, null, null, null), By, ct);
            await desk.AttachAsync(lodged.Id, new DocumentUpload("deed", "deed.pdf", new MemoryStream(System.Text.Encoding.UTF8.GetBytes($"drill deed {title}"))), By, ct);
            var submitted = await desk.SubmitAsync(lodged.Id, By, ct);
            await desk.RecordPaymentAsync(lodged.Id, submitted.Fee!.Value, "DRILL", By, ct);
            await desk.ExamineAsync(lodged.Id, By, ct);
            await desk.RegisterAsync(lodged.Id, By, ct);
            made.Add(lodged.Id.ToString());
        }

        Assert.Equal(count, made.Count);
        return made;
    }

    public Task<IReadOnlySet<string>> RecordedAsync(NpgsqlDataSource database, CancellationToken ct) =>
        RegisterChanges.IdsAsync(database, "SELECT id::text FROM registry.transactions WHERE kind = 'transfer' AND state = 'registered'", ct);

    public async Task VerifyIntegrityAsync(NpgsqlDataSource restored, DrillClusters clusters, CancellationToken ct)
    {
        // Every registered transfer has its journal entry, and the chain recomputes on the restored copy.
        await using (var command = restored.CreateCommand("""
            SELECT count(*) FROM registry.transactions t
            WHERE t.kind = 'transfer' AND t.state = 'registered' AND NOT EXISTS (SELECT 1 FROM registry.journal j WHERE j.transaction_id = t.id)
            """))
        {
            Assert.Equal(0L, (long)(await command.ExecuteScalarAsync(ct))!);
        }

        Assert.Contains("intact", await clusters.LpOnRestoredAsync("registry", "verify"), StringComparison.OrdinalIgnoreCase);

        // ./lp may restart the restored cluster to configure its WAL archiving: connections pooled before are gone.
        restored.Clear();
    }

    /// <summary>Titles held by one person that no transaction has touched since the load, each with the next party as buyer.</summary>
    private static async Task<List<(string Title, long Owner, long Buyer)>> UntouchedTitlesAsync(NpgsqlDataSource db, int count, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            SELECT r.title_number, min(r.party_id)
            FROM registry.rights r JOIN registry.titles t ON t.title_number = r.title_number AND t.closed_at IS NULL
            WHERE r.valid_to IS NULL
              AND NOT EXISTS (SELECT 1 FROM registry.transactions x WHERE x.title_number = r.title_number)
            GROUP BY r.title_number HAVING count(*) = 1 AND bool_and(r.kind = 'ownership')
            ORDER BY r.title_number LIMIT @count
            """);
        command.Parameters.AddWithValue("count", count);
        var titles = new List<(string, long, long)>();
        await using var rows = await command.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
        {
            var owner = rows.GetInt64(1);
            titles.Add((rows.GetString(0), owner, owner + 1));
        }

        return titles;
    }
}
