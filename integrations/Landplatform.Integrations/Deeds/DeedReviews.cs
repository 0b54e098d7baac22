using System.Globalization;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Npgsql;

namespace Landplatform.Integrations.Deeds;

/// <summary>What the reviewer sends: a sign-off (<c>confirm: true</c>), or the fields they read differently on the scan.</summary>
public sealed record DeedReviewBody(bool? Confirm, IReadOnlyList<ReviewedField>? Disagreements);

/// <summary>One field the reviewer disputes: what they read on the scan, and why.</summary>
public sealed record ReviewedField(string? Field, string? Reading, string? Note);

/// <summary>A disputed field as recorded: what the keyer keyed beside what the reviewer read.</summary>
public sealed record FieldDisagreement(string Field, string Keyed, string Reading, string? Note);

/// <summary>One review of a deed's index.</summary>
public sealed record DeedReview(int Seq, string Outcome, IReadOnlyList<FieldDisagreement> Disagreements, DateTimeOffset ReviewedAt, string ReviewedBy);

/// <summary>A deed's review state: pending (never reviewed), signed or disputed (its latest review), with that review.</summary>
public sealed record DeedReviewState(Guid DeedId, string RegistrationNumber, string KeyedBy, string Status, DeedReview? Latest);

/// <summary>
/// The index keyed once and reviewed: a second deeds clerk — never the one who keyed the deed — compares the keyed
/// index with the scan and either signs it off or lists, field by field, what they read differently. A deed signed
/// off takes no further review; a disputed one is reviewed again once the office has settled it. Reviews are
/// append-only and each is an entry of the deeds journal.
/// </summary>
public sealed class DeedReviews(DeedBook book, NpgsqlDataSource dataSource, TimeProvider clock)
{
    /// <summary>The index fields a reviewer may dispute, as the API names them.</summary>
    public static readonly IReadOnlyList<string> Fields =
        ["registrationNumber", "registeredOn", "instrumentDate", "instrumentType", "grantors", "grantees", "landDescription", "upis", "consideration", "attorney", "releases"];

    public static readonly IReadOnlyList<string> Statuses = ["pending", "signed", "disputed"];

    private const int MaxRows = 500;

    public async Task<DeedReviewState> ReviewAsync(Guid id, DeedReviewBody? body, string reviewer, CancellationToken ct)
    {
        var disputed = Check(body);
        var deed = await book.FindAsync(id, ct);
        if (string.Equals(deed.RecordedBy, reviewer, StringComparison.Ordinal))
        {
            throw new ActionNotPermittedException("review-own-deed", $"You keyed deed {deed.RegistrationNumber}: its index is reviewed by another clerk.");
        }

        var disagreements = disputed.Select(d => new FieldDisagreement(d.Field!, Keyed(deed, d.Field!), d.Reading!.Trim(), string.IsNullOrWhiteSpace(d.Note) ? null : d.Note.Trim())).ToList();
        var outcome = disagreements.Count == 0 ? "signed" : "disputed";
        var now = DeedBook.Micro(clock.GetUtcNow());
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var lockDeed = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('deeds.reviews:' || @id::text))", connection))
        {
            lockDeed.Parameters.AddWithValue("id", id);
            await lockDeed.ExecuteNonQueryAsync(ct);
        }

        int seq;
        await using (var latest = new NpgsqlCommand("SELECT seq, outcome, reviewed_by FROM deeds.reviews WHERE deed_id = @id ORDER BY seq DESC LIMIT 1", connection))
        {
            latest.Parameters.AddWithValue("id", id);
            await using var row = await latest.ExecuteReaderAsync(ct);
            seq = 1;
            if (await row.ReadAsync(ct))
            {
                if (row.GetString(1) == "signed")
                {
                    throw new DomainRuleViolationException("review-signed", $"Deed {deed.RegistrationNumber} was signed off by {row.GetString(2)}: its index takes no further review.");
                }

                seq = row.GetInt32(0) + 1;
            }
        }

        string stored;
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO deeds.reviews (deed_id, seq, outcome, disagreements, reviewed_at, reviewed_by)
            VALUES (@id, @seq, @outcome, @disagreements::jsonb, @now, @reviewer) RETURNING disagreements::text
            """, connection))
        {
            insert.Parameters.AddWithValue("id", id);
            insert.Parameters.AddWithValue("seq", seq);
            insert.Parameters.AddWithValue("outcome", outcome);
            insert.Parameters.AddWithValue("disagreements", JsonSerializer.Serialize(disagreements, JsonSerializerOptions.Web));
            insert.Parameters.AddWithValue("now", now);
            insert.Parameters.AddWithValue("reviewer", reviewer);
            stored = (string)(await insert.ExecuteScalarAsync(ct))!;
        }

        await DeedsJournal.AppendAsync(connection, "reviewed", id, DeedsJournal.Reviewed(id, seq, outcome, stored, now, reviewer), now, ct);
        await transaction.CommitAsync(ct);
        return new DeedReviewState(id, deed.RegistrationNumber, deed.RecordedBy, outcome, new DeedReview(seq, outcome, disagreements, now, reviewer));
    }

    /// <summary>The deeds in a review state, oldest recorded first: the office's list of pending work or of disputes to settle.</summary>
    public async Task<List<DeedReviewState>> ListAsync(string? status, int? limit, CancellationToken ct)
    {
        var wanted = Status(status, "status") ?? throw new InvalidParameterException("status", "review-status", $"Name the status: {string.Join(", ", Statuses)}.");
        var rows = limit ?? 100;
        if (rows is < 1 or > MaxRows)
        {
            throw new InvalidParameterException("limit", "limit-range", $"limit is from 1 to {MaxRows}.");
        }

        await using var command = dataSource.CreateCommand($"""
            SELECT d.id, d.registration_number, d.recorded_by, r.seq, r.outcome, r.disagreements::text, r.reviewed_at, r.reviewed_by
            FROM deeds.deeds d
            LEFT JOIN LATERAL (SELECT * FROM deeds.reviews x WHERE x.deed_id = d.id ORDER BY x.seq DESC LIMIT 1) r ON true
            WHERE coalesce(r.outcome, 'pending') = @status
            ORDER BY d.recorded_at, d.registration_number LIMIT {rows}
            """);
        command.Parameters.AddWithValue("status", wanted);
        var states = new List<DeedReviewState>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var review = reader.IsDBNull(3) ? null : new DeedReview(reader.GetInt32(3), reader.GetString(4),
                JsonSerializer.Deserialize<List<FieldDisagreement>>(reader.GetString(5), JsonSerializerOptions.Web)!, reader.GetFieldValue<DateTimeOffset>(6), reader.GetString(7));
            states.Add(new DeedReviewState(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), wanted, review));
        }

        return states;
    }

    /// <summary>A review status as the API spells it (pending, signed, disputed); blank is none.</summary>
    internal static string? Status(string? text, string parameter)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var status = text.Trim().ToLowerInvariant();
        return Statuses.Contains(status) ? status
            : throw new InvalidParameterException(parameter, "review-status", $"'{text}' is not a review status: {string.Join(", ", Statuses)}.");
    }

    // Every disagreement names a known field once and says what the reviewer read; a sign-off lists none.
    private static List<ReviewedField> Check(DeedReviewBody? body)
    {
        var listed = body?.Disagreements ?? [];
        if (body?.Confirm == true)
        {
            return listed.Count == 0 ? []
                : throw new InvalidParameterException("disagreements", "review-outcome", "A sign-off (confirm: true) lists no disagreements.");
        }

        if (listed.Count == 0)
        {
            throw new InvalidParameterException("confirm", "review-outcome", "Sign the index off (confirm: true) or list the fields you read differently (disagreements).");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < listed.Count; i++)
        {
            var item = listed[i];
            if (item?.Field is not { } field || !Fields.Contains(field))
            {
                throw new InvalidParameterException($"disagreements[{i}].field", "review-field", $"'{item?.Field}' is not a field of the index: {string.Join(", ", Fields)}.");
            }

            if (!seen.Add(field))
            {
                throw new InvalidParameterException($"disagreements[{i}].field", "review-field", $"{field} is listed twice: one disagreement per field.");
            }

            if (string.IsNullOrWhiteSpace(item.Reading) || item.Reading.Length > 2000 || item.Reading.Any(char.IsControl))
            {
                throw new InvalidParameterException($"disagreements[{i}].reading", "review-reading", "Say what the scan reads for the field (2000 characters at most, no control characters).");
            }

            if (item.Note is { Length: > 2000 } || (item.Note?.Any(char.IsControl) ?? false))
            {
                throw new InvalidParameterException($"disagreements[{i}].note", "review-reading", "A note is 2000 characters at most, no control characters.");
            }
        }

        return [.. listed];
    }

    private static string Keyed(RecordedDeed deed, string field) => field switch
    {
        "registrationNumber" => deed.RegistrationNumber,
        "registeredOn" => deed.RegisteredOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        "instrumentDate" => deed.InstrumentDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        "instrumentType" => deed.InstrumentType,
        "grantors" => string.Join("; ", deed.Grantors),
        "grantees" => string.Join("; ", deed.Grantees),
        "landDescription" => deed.LandDescription,
        "upis" => string.Join("; ", deed.Upis),
        "consideration" => deed.Consideration?.ToString("0.00", CultureInfo.InvariantCulture) ?? string.Empty,
        "attorney" => deed.Attorney ?? string.Empty,
        _ => deed.Releases ?? string.Empty,
    };
}
