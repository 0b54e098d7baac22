using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Landplatform.Registry.Journal;

/// <summary>What a journal entry says happened; serialised in this property order, it is the text that is hashed.</summary>
public sealed record JournalContent(
    Guid TransactionId,
    string Kind,
    string? TitleNumber,
    DateTimeOffset RecordedAt,
    IReadOnlyList<string> Titles,
    string Digest,
    string? Note);

/// <summary>An entry as appended: its place in the chain and what it says.</summary>
public sealed record JournalAppend(long Seq, JournalContent Content);

/// <summary>What a registered transaction asks the journal to record.</summary>
public sealed record JournalRequest(Guid TransactionId, string Kind, string? TitleNumber, IReadOnlyList<string> Titles, DateTimeOffset RecordedAt, string? Note);

/// <summary>The outcome of recomputing the journal's chain.</summary>
/// <param name="FirstBadSeq">The first entry that fails, or null when the chain holds.</param>
public sealed record JournalVerification(long Entries, long? FirstBadSeq, string Message)
{
    public bool Intact => FirstBadSeq is null;
}

/// <summary>
/// The register journal: one entry per registered transaction, each carrying SHA-256(previous hash ‖
/// its own canonical content). The database refuses UPDATE, DELETE and TRUNCATE; an edit made around
/// that (a superuser disabling the trigger) breaks the chain or the digest, and <see cref="VerifyAsync"/> names the entry.
/// </summary>
public sealed class RegisterJournal(NpgsqlDataSource dataSource)
{
    /// <summary>The advisory lock key that serialises appends (the tail of the chain is one place).</summary>
    private const long TailLockKey = 0x4C50_4A4F_5552; // "LPJOUR"

    public static readonly byte[] GenesisPreviousHash = new byte[32];

    private static readonly JsonSerializerOptions Canonical = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    /// <summary>
    /// Appends the entry for a transaction inside the caller's database transaction (the effects are
    /// already written, so the digest covers them). Appends queue on one lock, taken last, so they keep
    /// the order of commits.
    /// </summary>
    public static async Task<JournalAppend> AppendAsync(NpgsqlConnection connection, Guid transactionId, string kind, string? titleNumber,
        IReadOnlyList<string> titles, DateTimeOffset recordedAt, string? note, CancellationToken ct)
    {
        // The digest covers only this transaction's rights, already written: it is computed before the lock.
        string digest;
        await using (var digestCommand = new NpgsqlCommand("SELECT registry.transaction_digest(@tx)", connection) { CommandTimeout = 0 })
        {
            digestCommand.Parameters.AddWithValue("tx", transactionId);
            digest = (string)(await digestCommand.ExecuteScalarAsync(ct))!;
        }

        var content = new JournalContent(transactionId, kind, titleNumber, recordedAt.ToUniversalTime(), titles, digest, note);
        var text = JsonSerializer.Serialize(content, Canonical);

        // Only the link to the tail is made under the lock, in one round trip: the lock is held from
        // here to commit, so the less it covers, the more registrations per second the chain takes.
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_advisory_xact_lock({TailLockKey})"));
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO registry.journal (seq, recorded_at, transaction_id, content, previous_hash, hash)
            SELECT coalesce(tail.seq, 0) + 1, @at, @tx, @content, coalesce(tail.hash, @genesis),
                   sha256(coalesce(tail.hash, @genesis) || convert_to(@content, 'UTF8'))
            FROM (SELECT NULL) one LEFT JOIN LATERAL (SELECT seq, hash FROM registry.journal ORDER BY seq DESC LIMIT 1) tail ON true
            RETURNING seq
            """);
        insert.Parameters.AddWithValue("at", content.RecordedAt);
        insert.Parameters.AddWithValue("tx", transactionId);
        insert.Parameters.AddWithValue("content", text);
        insert.Parameters.AddWithValue("genesis", GenesisPreviousHash);
        batch.BatchCommands.Add(insert);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        return new JournalAppend(reader.GetInt64(0), content);
    }


    /// <summary>
    /// Appends the entries of a batch of transactions registered together in the caller's database
    /// transaction, chained in the order given, in one round trip with whatever the caller has to write first
    /// (<paramref name="before"/>: its rights and events, which the digests cover): the digests, then the tail lock,
    /// then one statement that reads the tail under the lock and links every entry, each hash from the one before.
    /// The lock is held from there to the commit.
    /// </summary>
    /// <remarks>
    /// Each entry's content is serialised here, as ever, with a placeholder for its digest, which the linking
    /// statement replaces by the digest the database computed: the text hashed and stored is the same canonical JSON as an entry
    /// whose digest was read first. The placeholder cannot match anything else in the text: a string value's
    /// quotes are escaped in JSON, so <c>"digest":"…"</c> with bare quotes is only ever the property itself.
    /// </remarks>
    /// <param name="commit">
    /// Commit the caller's transaction in the same round trip, so the tail lock is released by the commit itself and
    /// not one more round trip later (the caller's transaction object then reports itself complete: do not commit it again).
    /// </param>
    public static async Task<IReadOnlyList<JournalAppend>> AppendBatchAsync(NpgsqlConnection connection, IReadOnlyList<JournalRequest> requests,
        NpgsqlBatch? before, bool commit, CancellationToken ct)
    {
        if (requests.Count == 0)
        {
            return [];
        }

        var ids = requests.Select(r => r.TransactionId).ToArray();
        var texts = requests.Select(r => JsonSerializer.Serialize(
            new JournalContent(r.TransactionId, r.Kind, r.TitleNumber, r.RecordedAt.ToUniversalTime(), r.Titles, DigestPlaceholder, r.Note), Canonical)).ToArray();
        await using var link = before ?? new NpgsqlBatch(connection);

        // The digests cover only the batch's own rights, written by now: computed before the lock (kept in a
        // transaction-local setting for the linking statement), so the lock covers the link and the commit alone.
        var digests = new NpgsqlBatchCommand("""
            SELECT set_config('lp.journal_digests',
                (SELECT json_agg(registry.transaction_digest(i.tx) ORDER BY i.n) FROM unnest(@txs) WITH ORDINALITY AS i(tx, n))::text, true)
            """);
        digests.Parameters.AddWithValue("txs", ids);
        link.BatchCommands.Add(digests);
        link.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_advisory_xact_lock({TailLockKey})"));
        var insert = new NpgsqlBatchCommand("""
            WITH RECURSIVE input AS (
                SELECT i.tx, replace(i.content, @placeholder, '"digest":"' || (current_setting('lp.journal_digests')::json ->> (i.n - 1)::int) || '"') AS content, i.at, i.n
                FROM unnest(@txs, @contents, @ats) WITH ORDINALITY AS i(tx, content, at, n)),
            tail AS (
                SELECT coalesce(t.seq, 0) AS seq, coalesce(t.hash, @genesis) AS hash
                FROM (SELECT NULL) one LEFT JOIN LATERAL (SELECT seq, hash FROM registry.journal ORDER BY seq DESC LIMIT 1) t ON true),
            chain AS (
                SELECT i.n, tail.seq + 1 AS seq, i.tx, i.content, i.at, tail.hash AS previous_hash,
                       sha256(tail.hash || convert_to(i.content, 'UTF8')) AS hash
                FROM tail, input i WHERE i.n = 1
                UNION ALL
                SELECT i.n, c.seq + 1, i.tx, i.content, i.at, c.hash, sha256(c.hash || convert_to(i.content, 'UTF8'))
                FROM chain c JOIN input i ON i.n = c.n + 1)
            INSERT INTO registry.journal (seq, recorded_at, transaction_id, content, previous_hash, hash)
            SELECT seq, at, tx, content, previous_hash, hash FROM chain ORDER BY n
            RETURNING seq AS journal_seq, content AS journal_content
            """);
        insert.Parameters.AddWithValue("placeholder", $"\"digest\":\"{DigestPlaceholder}\"");
        insert.Parameters.AddWithValue("txs", ids);
        insert.Parameters.AddWithValue("contents", texts);
        insert.Parameters.AddWithValue("ats", requests.Select(r => r.RecordedAt.ToUniversalTime()).ToArray());
        insert.Parameters.AddWithValue("genesis", GenesisPreviousHash);
        link.BatchCommands.Add(insert);
        if (commit)
        {
            link.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        }

        var entries = new List<JournalAppend>(requests.Count);
        await link.PrepareAsync(ct);   // kept by the connection: later batches on it only execute
        await using (var reader = await link.ExecuteReaderAsync(ct))
        {
            while (reader.FieldCount == 0 || reader.GetName(0) != "journal_seq")
            {
                if (!await reader.NextResultAsync(ct))
                {
                    throw new InvalidOperationException("The journal returned no entries.");
                }
            }

            // Every check is the database's, before the commit in the same batch: a digest missing makes the content
            // null, which the journal refuses. Nothing here throws once the batch has committed.
            while (await reader.ReadAsync(ct))
            {
                entries.Add(new JournalAppend(reader.GetInt64(0), JsonSerializer.Deserialize<JournalContent>(reader.GetString(1), Canonical)!));
            }

            // Whatever follows (the commit) must have succeeded before anyone is told the entries exist.
            while (await reader.NextResultAsync(ct))
            {
            }
        }

        // RETURNING gives the rows in no promised order; the chain numbers them consecutively from the tail.
        return [.. entries.OrderBy(e => e.Seq)];
    }

    /// <summary>What a batch entry's digest reads until the linking statement puts the computed one in its place.</summary>
    private const string DigestPlaceholder = "digest-computed-under-the-tail-lock";


    /// <summary>SHA-256 of the previous entry's hash followed by this entry's content in UTF-8.</summary>
    public static byte[] HashOf(byte[] previous, string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        var buffer = new byte[previous.Length + bytes.Length];
        previous.CopyTo(buffer, 0);
        bytes.CopyTo(buffer, previous.Length);
        return SHA256.HashData(buffer);
    }

    /// <summary>
    /// Recomputes the whole chain: sequence without gaps, each entry's link to the one before, its own
    /// hash, and the digest of the rights its transaction created and ended. Names the first entry that fails.
    /// </summary>
    public async Task<JournalVerification> VerifyAsync(IProgress<string>? progress, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var entries = new List<(long Seq, Guid Tx, string Content, byte[] Previous, byte[] Hash)>();
        await using (var command = new NpgsqlCommand("SELECT seq, transaction_id, content, previous_hash, hash FROM registry.journal ORDER BY seq", connection))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                entries.Add((reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), (byte[])reader[3], (byte[])reader[4]));
            }
        }

        var expectedPrevious = GenesisPreviousHash;
        var expectedSeq = 1L;
        foreach (var entry in entries)
        {
            var failure = await CheckAsync(connection, entry, expectedSeq, expectedPrevious, ct);
            if (failure is not null)
            {
                return new JournalVerification(entries.Count, entry.Seq, $"journal entry {entry.Seq} (transaction {entry.Tx}): {failure}");
            }

            if (entry.Seq % 1000 == 0)
            {
                progress?.Report($"{entry.Seq} entries verified");
            }

            expectedPrevious = entry.Hash;
            expectedSeq++;
        }

        return new JournalVerification(entries.Count, null, $"journal intact: {entries.Count} entries, chain and digests recomputed");
    }

    private static async Task<string?> CheckAsync(NpgsqlConnection connection, (long Seq, Guid Tx, string Content, byte[] Previous, byte[] Hash) entry,
        long expectedSeq, byte[] expectedPrevious, CancellationToken ct)
    {
        if (entry.Seq != expectedSeq)
        {
            return $"expected entry {expectedSeq} here: entries are missing";
        }

        if (!entry.Previous.AsSpan().SequenceEqual(expectedPrevious))
        {
            return "its previous-hash does not match the hash of the entry before it";
        }

        if (!HashOf(entry.Previous, entry.Content).AsSpan().SequenceEqual(entry.Hash))
        {
            return "its hash does not match its content: the entry was altered";
        }

        JournalContent? content;
        try
        {
            content = JsonSerializer.Deserialize<JournalContent>(entry.Content, Canonical);
        }
        catch (JsonException)
        {
            return "its content is not a journal entry";
        }

        if (content is null || content.TransactionId != entry.Tx)
        {
            return "its content names another transaction than its columns";
        }

        await using var digest = new NpgsqlCommand("SELECT registry.transaction_digest(@tx)", connection) { CommandTimeout = 0 };
        digest.Parameters.AddWithValue("tx", entry.Tx);
        return (string)(await digest.ExecuteScalarAsync(ct))! == content.Digest
            ? null
            : "the rights its transaction created or ended no longer match the digest it recorded: the register was altered";
    }
}
