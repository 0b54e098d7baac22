using System.Globalization;
using System.Security.Claims;
using Landplatform.Cadastre.Contracts;
using Landplatform.Registry.Data;
using Landplatform.Registry.Transactions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Landplatform.Registry.Api;

/// <summary>One application in the day book: its number and place, the title(s) it acts on, its kind, when it was lodged (to the second) and where it stands.</summary>
public sealed record DayBookEntry(long Place, string ApplicationNumber, Guid TransactionId, IReadOnlyList<string> Titles, string Kind, string State,
    DateTimeOffset LodgedAt, string LodgedBy, DateTimeOffset? RequisitionDueAt);

/// <summary>The day book of one day, in the order the applications were lodged.</summary>
public sealed record DayBookView(DateOnly Date, IReadOnlyList<DayBookEntry> Entries);

/// <summary>The applications pending on one title, in day-book order (the order they will be decided in).</summary>
public sealed record PendingListView(string TitleNumber, IReadOnlyList<DayBookEntry> Pending);

/// <summary>The day book (staff) and a title's pending list (staff, the title's registered owners and the parties the pending applications name).</summary>
public static class DayBookEndpoints
{
    public static void MapDayBook(RouteGroupBuilder registry)
    {
        registry.MapGet("/day-book", async (string? date, RegistryDbContext db, TimeProvider clock, CancellationToken ct) =>
            {
                var day = date is null ? DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)
                    : DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) ? parsed
                    : throw new InvalidParameterException("date", "date-format", "date is a day as YYYY-MM-DD (UTC).");
                var from = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
                var rows = await EntriesAsync(db, "t.lodged_at >= @from AND t.lodged_at < @to", ct, from, from.AddDays(1));
                return TypedResults.Ok(new DayBookView(day, rows));
            })
            .RequireAuthorization(AccessPolicyNames.RegistryReaders)
            .WithSummary("The day book of date= (YYYY-MM-DD, UTC; today by default): every application lodged that day in day-book order, with its application number, title(s), kind, state and lodgement time to the second.");

        registry.MapGet("/titles/{titleNumber}/pending", async (string titleNumber, ClaimsPrincipal user, IAuthorizationService authorization, RegistryDbContext db, CancellationToken ct) =>
            {
                var title = titleNumber.Trim().ToUpperInvariant();
                var staff = (await authorization.AuthorizeAsync(user, AccessPolicyNames.RegistryReaders)).Succeeded;
                var uin = user.FindFirst(AccessPolicyNames.UinClaim)?.Value;

                // An owner of the title, or a party an application on it names, may see the list; anyone else learns nothing, not even that the title has one.
                var allowed = staff || (!string.IsNullOrEmpty(uin) && await db.Database.SqlQuery<bool>($"""
                    SELECT EXISTS (SELECT 1 FROM registry.rights r JOIN registry.parties p ON p.id = r.party_id
                                   WHERE r.title_number = {title} AND r.valid_to IS NULL AND r.kind = 'ownership' AND p.uin = {uin})
                        OR EXISTS (SELECT 1 FROM registry.transactions t
                                   CROSS JOIN LATERAL jsonb_array_elements(
                                     CASE WHEN jsonb_typeof(t.instrument -> 'grantees') = 'array' THEN t.instrument -> 'grantees' ELSE '[]'::jsonb END
                                     || CASE WHEN jsonb_typeof(t.instrument -> 'grantors') = 'array' THEN t.instrument -> 'grantors' ELSE '[]'::jsonb END
                                     || CASE WHEN jsonb_typeof(t.instrument -> 'beneficiary') = 'object' THEN jsonb_build_array(t.instrument -> 'beneficiary') ELSE '[]'::jsonb END) g
                                   WHERE t.title_number = {title} AND t.state IN ('lodged', 'fees_due', 'paid', 'examined', 'requisitioned')
                                     AND (g.value ->> 'uin' = {uin}
                                          OR (g.value ->> 'partyId') IN (SELECT p.id::text FROM registry.parties p WHERE p.uin = {uin}))) AS "Value"
                    """).SingleAsync(ct));
                if (!allowed)
                {
                    throw new ResourceNotFoundException("title-pending-hidden", $"No pending list of title {title} that you may see.");
                }

                var rows = await EntriesAsync(db, "t.title_number = @title AND t.state IN ('lodged', 'fees_due', 'paid', 'examined', 'requisitioned')", ct, title: title);
                return TypedResults.Ok(new PendingListView(title, rows));
            })
            .RequireAuthorization(AccessPolicyNames.SignedIn)
            .WithSummary("The applications pending on a title in day-book order (the order they are decided in): registry staff, the title's registered owners, and the parties those applications name.");
    }

    private static async Task<List<DayBookEntry>> EntriesAsync(RegistryDbContext db, string where, CancellationToken ct,
        DateTimeOffset? from = null, DateTimeOffset? to = null, string? title = null)
    {
        var connection = (Npgsql.NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = new Npgsql.NpgsqlCommand($"""
                SELECT t.day_book_seq, t.application_number, t.id, t.title_number, t.kind, t.state, t.lodged_at, t.lodged_by, t.requisition_due_at
                FROM registry.transactions t
                WHERE t.kind <> 'initial_load' AND t.day_book_seq IS NOT NULL AND {where}
                ORDER BY t.day_book_seq LIMIT 5000
                """, connection);
            command.Parameters.AddWithValue("from", (object?)from ?? DBNull.Value);
            command.Parameters.AddWithValue("to", (object?)to ?? DBNull.Value);
            command.Parameters.AddWithValue("title", (object?)title ?? DBNull.Value);
            await using var reader = await command.ExecuteReaderAsync(ct);
            var rows = new List<DayBookEntry>();
            while (await reader.ReadAsync(ct))
            {
                var lodged = reader.GetFieldValue<DateTimeOffset>(6);
                rows.Add(new DayBookEntry(reader.GetInt64(0), reader.GetString(1), reader.GetGuid(2), reader.IsDBNull(3) ? [] : [reader.GetString(3)],
                    reader.GetString(4).Replace('_', '-'), reader.GetString(5).Replace('_', '-'),
                    new DateTimeOffset(lodged.Ticks - (lodged.Ticks % TimeSpan.TicksPerSecond), lodged.Offset), reader.GetString(7),
                    reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8)));
            }

            return rows;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
