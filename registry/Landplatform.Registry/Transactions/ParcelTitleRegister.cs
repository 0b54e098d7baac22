using System.Data.Common;
using Landplatform.Cadastre.Contracts.Register;
using Landplatform.Registry.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Landplatform.Registry.Transactions;

/// <summary>
/// The register as the fabric may see it (<see cref="IParcelTitles"/>): titles, owners, burdens and pending dealings
/// for the survey checks, and an approved survey registered on its parents' titles through <see cref="TransactionDesk"/>.
/// </summary>
internal sealed class ParcelTitleRegister(NpgsqlDataSource dataSource, IServiceScopeFactory scopes) : IParcelTitles
{
    public async Task<IReadOnlyList<ParcelTitle>> ReadAsync(IReadOnlyList<string> upis, CancellationToken ct)
    {
        const string Held = """
            WITH held AS (
                SELECT tp.upi, tp.title_number FROM registry.title_parcels tp
                JOIN registry.titles t ON t.title_number = tp.title_number AND t.closed_at IS NULL
                WHERE tp.upi = ANY(@upis))
            """;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        NpgsqlBatchCommand Add(string sql)
        {
            var command = new NpgsqlBatchCommand(Held + sql);
            command.Parameters.AddWithValue("upis", upis.Distinct(StringComparer.Ordinal).ToArray());
            batch.BatchCommands.Add(command);
            return command;
        }

        Add("""
             SELECT h.upi, h.title_number, array_agg(all_parcels.upi ORDER BY all_parcels.upi) FROM held h
            JOIN registry.title_parcels all_parcels ON all_parcels.title_number = h.title_number
            GROUP BY h.upi, h.title_number ORDER BY h.upi, h.title_number
            """);
        Add("""
             SELECT r.title_number, r.id, r.kind, r.party_id, r.share_numerator, r.share_denominator, r.valid_from
            FROM registry.rights r WHERE r.title_number IN (SELECT title_number FROM held) AND r.valid_to IS NULL ORDER BY r.id
            """);
        Add("""
             SELECT x.title_number, x.id, x.kind, x.state, x.lodged_at FROM registry.transactions x
            WHERE x.title_number IN (SELECT title_number FROM held) AND x.state = ANY(@pending) ORDER BY x.lodged_at, x.id
            """).Parameters.AddWithValue("pending", Priority.Pending.Select(TitleReads.Stored).ToArray());

        await using var reader = await batch.ExecuteReaderAsync(ct);
        var held = new List<(string Upi, string Title, string[] Parcels)>();
        while (await reader.ReadAsync(ct))
        {
            held.Add((reader.GetString(0), reader.GetString(1), reader.GetFieldValue<string[]>(2)));
        }

        var owners = new Dictionary<string, List<TitleOwner>>();
        var burdens = new Dictionary<string, List<TitleBurden>>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var title = reader.GetString(0);
            if (reader.GetString(2) == "ownership")
            {
                Group(owners, title).Add(new TitleOwner(reader.GetInt64(3), $"{reader.GetInt64(4)}/{reader.GetInt64(5)}"));
            }
            else
            {
                Group(burdens, title).Add(new TitleBurden(reader.GetInt64(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(6)));
            }
        }

        var pending = new Dictionary<string, List<PendingDealing>>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            Group(pending, reader.GetString(0)).Add(new PendingDealing(reader.GetGuid(1), reader.GetString(2).Replace('_', '-'),
                reader.GetString(3).Replace('_', '-'), reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return [.. held.Select(h => new ParcelTitle(h.Upi, h.Title, h.Parcels,
            [.. (owners.GetValueOrDefault(h.Title) ?? []).OrderBy(o => o.PartyId).ThenBy(o => o.Share, StringComparer.Ordinal)],
            burdens.GetValueOrDefault(h.Title) ?? [], pending.GetValueOrDefault(h.Title) ?? []))];
    }

    public async Task<CarriedTitles> CarryForwardAsync(ApprovedFabricChange change, DbTransaction transaction, CancellationToken ct)
    {
        // The register's own context, on the caller's connection and in its transaction: the fabric change and the
        // titles commit together, or neither does.
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RegistryDbContext>();
        db.Database.SetDbConnection(transaction.Connection, contextOwnsConnection: false);
        var joined = await db.Database.UseTransactionAsync(transaction, ct)
            ?? throw new InvalidOperationException("The register could not join the approval's database transaction.");
        var desk = scope.ServiceProvider.GetRequiredService<TransactionDesk>();
        var results = await desk.RegisterApprovedSurveyAsync(change, joined, ct);
        return new CarriedTitles([.. results.Select(r => r.TransactionId)], [.. results.Select(r => r.JournalSeq)],
            [.. results.SelectMany(r => r.Titles).Distinct(StringComparer.Ordinal)]);
    }

    private static List<TValue> Group<TKey, TValue>(Dictionary<TKey, List<TValue>> groups, TKey key) where TKey : notnull =>
        groups.TryGetValue(key, out var list) ? list : groups[key] = [];
}
