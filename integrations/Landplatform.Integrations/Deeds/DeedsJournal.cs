using System.Globalization;
using Npgsql;

namespace Landplatform.Integrations.Deeds;

/// <summary>What a check of the deeds journal found: the chain intact and every row matching its entry, or each finding.</summary>
public sealed record DeedsVerification(bool Intact, long Entries, IReadOnlyList<string> Findings);

/// <summary>
/// The deeds register's tamper evidence: one entry per recorded deed, parcel link, stored page, scan file and review, each
/// hash = SHA-256(previous hash ‖ newline ‖ the entry's canonical text), appended under one advisory lock in the
/// transaction that writes the rows. <see cref="VerifyAsync"/> recomputes the chain and rebuilds every entry's
/// text from the rows as they now stand: a row changed or added outside the platform no longer matches.
/// </summary>
public static class DeedsJournal
{
    private const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    public static string Recorded(Guid id, string number, DateOnly registered, DateOnly dated, string type, decimal? consideration, string? attorney, string land,
        string? releases, IReadOnlyList<string> grantors, IReadOnlyList<string> grantees, DateTimeOffset at, string by) =>
        DeedBook.JsonText(new object?[]
        {
            "recorded", id, number, registered.ToString("O", CultureInfo.InvariantCulture), dated.ToString("O", CultureInfo.InvariantCulture), type,
            DeedBook.Invariant(consideration), attorney, land, releases, grantors, grantees, Instant(at), by,
        });

    public static string Linked(Guid id, string upi, DateTimeOffset at, string by) => DeedBook.JsonText(new object[] { "linked", id, upi, Instant(at), by });

    public static string Paged(Guid id, int page, string sha256, DateTimeOffset at, string by) =>
        DeedBook.JsonText(new object[] { "page", id, page, sha256, Instant(at), by });

    public static string ScanFiled(Guid id, string sha256, string mediaType, int firstPage, int pageCount, DateTimeOffset at, string by) =>
        DeedBook.JsonText(new object[] { "scan-file", id, sha256, mediaType, firstPage, pageCount, Instant(at), by });

    public static string Reviewed(Guid id, int seq, string outcome, string disagreements, DateTimeOffset at, string by) =>
        DeedBook.JsonText(new object[] { "reviewed", id, seq, outcome, disagreements, Instant(at), by });

    /// <summary>Appends one entry after the last, in the caller's transaction (the lock is held to its commit).</summary>
    public static async Task AppendAsync(NpgsqlConnection connection, string kind, Guid deed, string content, DateTimeOffset at, CancellationToken ct)
    {
        await using (var lockTail = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('deeds.journal'))", connection))
        {
            await lockTail.ExecuteNonQueryAsync(ct);
        }

        long seq = 1;
        var previous = Genesis;
        await using (var tail = new NpgsqlCommand("SELECT seq, hash FROM deeds.journal ORDER BY seq DESC LIMIT 1", connection))
        await using (var row = await tail.ExecuteReaderAsync(ct))
        {
            if (await row.ReadAsync(ct))
            {
                seq = row.GetInt64(0) + 1;
                previous = row.GetString(1);
            }
        }

        await using var insert = new NpgsqlCommand(
            "INSERT INTO deeds.journal (seq, at, kind, deed_id, content, previous_hash, hash) VALUES (@seq, @at, @kind, @deed, @content, @previous, @hash)", connection);
        insert.Parameters.AddWithValue("seq", seq);
        insert.Parameters.AddWithValue("at", at);
        insert.Parameters.AddWithValue("kind", kind);
        insert.Parameters.AddWithValue("deed", deed);
        insert.Parameters.AddWithValue("content", content);
        insert.Parameters.AddWithValue("previous", previous);
        insert.Parameters.AddWithValue("hash", Link(previous, content));
        await insert.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Recomputes the chain and matches every deed, party list, parcel link and page against its entry.</summary>
    public static async Task<DeedsVerification> VerifyAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        var findings = new List<string>();
        var journaled = new Dictionary<string, long>(StringComparer.Ordinal);
        long entries = 0;
        await using (var command = dataSource.CreateCommand("SELECT seq, content, previous_hash, hash FROM deeds.journal ORDER BY seq"))
        await using (var rows = await command.ExecuteReaderAsync(ct))
        {
            var previous = Genesis;
            while (await rows.ReadAsync(ct))
            {
                entries++;
                var (seq, content, before, hash) = (rows.GetInt64(0), rows.GetString(1), rows.GetString(2), rows.GetString(3));
                if (seq != entries)
                {
                    findings.Add($"entry {seq} follows entry {entries - 1}: entries are missing from the chain");
                    entries = seq;
                }

                if (before != previous || Link(before, content) != hash)
                {
                    findings.Add($"entry {seq} does not link to the one before it: the chain was rewritten from here");
                }

                previous = hash;
                journaled[content] = seq;
            }
        }

        void Expect(string content, string what)
        {
            if (!journaled.Remove(content))
            {
                findings.Add($"{what} does not match any journal entry: it was changed or added outside the platform");
            }
        }

        await using (var command = dataSource.CreateCommand("""
            SELECT d.id, d.registration_number, d.registered_on, d.instrument_date, d.instrument_type, d.consideration, d.attorney, d.land_description, d.releases,
                   coalesce((SELECT array_agg(p.name ORDER BY p.position) FROM deeds.parties p WHERE p.deed_id = d.id AND p.role = 'grantor'), '{}'),
                   coalesce((SELECT array_agg(p.name ORDER BY p.position) FROM deeds.parties p WHERE p.deed_id = d.id AND p.role = 'grantee'), '{}'),
                   d.recorded_at, d.recorded_by
            FROM deeds.deeds d ORDER BY d.id
            """))
        await using (var rows = await command.ExecuteReaderAsync(ct))
        {
            while (await rows.ReadAsync(ct))
            {
                Expect(Recorded(rows.GetGuid(0), rows.GetString(1), rows.GetFieldValue<DateOnly>(2), rows.GetFieldValue<DateOnly>(3), rows.GetString(4),
                    rows.IsDBNull(5) ? null : rows.GetDecimal(5), rows.IsDBNull(6) ? null : rows.GetString(6), rows.GetString(7), rows.IsDBNull(8) ? null : rows.GetString(8),
                    rows.GetFieldValue<string[]>(9), rows.GetFieldValue<string[]>(10), rows.GetFieldValue<DateTimeOffset>(11), rows.GetString(12)), $"deed {rows.GetString(1)}");
            }
        }

        await using (var command = dataSource.CreateCommand("SELECT deed_id, upi, linked_at, linked_by FROM deeds.parcels ORDER BY deed_id, upi"))
        await using (var rows = await command.ExecuteReaderAsync(ct))
        {
            while (await rows.ReadAsync(ct))
            {
                Expect(Linked(rows.GetGuid(0), rows.GetString(1), rows.GetFieldValue<DateTimeOffset>(2), rows.GetString(3)), $"the link of deed {rows.GetGuid(0)} to {rows.GetString(1)}");
            }
        }

        await using (var command = dataSource.CreateCommand("SELECT deed_id, page_number, sha256, stored_at, stored_by, encode(sha256(content), 'hex') FROM deeds.pages ORDER BY deed_id, page_number"))
        await using (var rows = await command.ExecuteReaderAsync(ct))
        {
            while (await rows.ReadAsync(ct))
            {
                var what = $"page {rows.GetInt32(1)} of deed {rows.GetGuid(0)}";
                if (rows.GetString(2) != rows.GetString(5))
                {
                    findings.Add($"{what}: the stored scan no longer has the checksum it was stored with");
                }

                Expect(Paged(rows.GetGuid(0), rows.GetInt32(1), rows.GetString(2), rows.GetFieldValue<DateTimeOffset>(3), rows.GetString(4)), what);
            }
        }

        await using (var command = dataSource.CreateCommand(
            "SELECT deed_id, sha256, media_type, first_page, page_count, stored_at, stored_by, encode(sha256(content), 'hex') FROM deeds.scan_files ORDER BY deed_id, first_page"))
        await using (var rows = await command.ExecuteReaderAsync(ct))
        {
            while (await rows.ReadAsync(ct))
            {
                var what = $"the scan file {rows.GetString(1)} of deed {rows.GetGuid(0)}";
                if (rows.GetString(1) != rows.GetString(7))
                {
                    findings.Add($"{what}: the stored file no longer has the checksum it was stored with");
                }

                Expect(ScanFiled(rows.GetGuid(0), rows.GetString(1), rows.GetString(2), rows.GetInt32(3), rows.GetInt32(4), rows.GetFieldValue<DateTimeOffset>(5), rows.GetString(6)), what);
            }
        }

        await using (var command = dataSource.CreateCommand("SELECT deed_id, seq, outcome, disagreements::text, reviewed_at, reviewed_by FROM deeds.reviews ORDER BY deed_id, seq"))
        await using (var rows = await command.ExecuteReaderAsync(ct))
        {
            while (await rows.ReadAsync(ct))
            {
                Expect(Reviewed(rows.GetGuid(0), rows.GetInt32(1), rows.GetString(2), rows.GetString(3), rows.GetFieldValue<DateTimeOffset>(4), rows.GetString(5)),
                    $"review {rows.GetInt32(1)} of deed {rows.GetGuid(0)}");
            }
        }

        findings.AddRange(journaled.Values.Order().Select(seq => $"journal entry {seq} names a row the register no longer holds as journaled"));
        return new DeedsVerification(findings.Count == 0, entries, findings);
    }

    private static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static string Link(string previous, string content) => DeedBook.Sha256(previous + "\n" + content);
}
