using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
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
    string? Note,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? DigestVersion = null);

/// <summary>An entry as appended: its place in the chain and what it says.</summary>
public sealed record JournalAppend(long Seq, JournalContent Content);

/// <summary>What a registered transaction asks the journal to record.</summary>
public sealed record JournalRequest(Guid TransactionId, string Kind, string? TitleNumber, IReadOnlyList<string> Titles, DateTimeOffset RecordedAt, string? Note);

/// <summary>The outcome of recomputing the journal's chain and checking the register against it.</summary>
/// <param name="FirstBadSeq">The first entry that fails, or null when every entry holds.</param>
/// <param name="Findings">Every discrepancy, each naming the entry, the title or the table row (empty when intact).</param>
public sealed record JournalVerification(long Entries, long? FirstBadSeq, string Message, IReadOnlyList<string> Findings)
{
    public bool Intact => Findings.Count == 0;
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

    /// <summary>The digest new entries record: v2 (<c>registry.transaction_digest_v2</c>) covers the whole transaction; entries without a version were v1 (its rights only).</summary>
    public const int CurrentDigestVersion = 2;

    /// <summary>At most this many findings are listed; the count says how many more there were.</summary>
    private const int FindingsListed = 10_000;

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
        await using (var digestCommand = new NpgsqlCommand("SELECT registry.transaction_digest_v2(@tx)", connection) { CommandTimeout = 0 })
        {
            digestCommand.Parameters.AddWithValue("tx", transactionId);
            digest = (string)(await digestCommand.ExecuteScalarAsync(ct))!;
        }

        var content = new JournalContent(transactionId, kind, titleNumber, recordedAt.ToUniversalTime(), titles, digest, note, CurrentDigestVersion);
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
            new JournalContent(r.TransactionId, r.Kind, r.TitleNumber, r.RecordedAt.ToUniversalTime(), r.Titles, DigestPlaceholder, r.Note, CurrentDigestVersion), Canonical)).ToArray();
        await using var link = before ?? new NpgsqlBatch(connection);

        // The digests cover only the batch's own rights, written by now: computed before the lock (kept in a
        // transaction-local setting for the linking statement), so the lock covers the link and the commit alone.
        var digests = new NpgsqlBatchCommand("""
            SELECT set_config('lp.journal_digests',
                (SELECT json_agg(registry.transaction_digest_v2(i.tx) ORDER BY i.n) FROM unnest(@txs) WITH ORDINALITY AS i(tx, n))::text, true)
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
    /// Recomputes the whole chain in one streaming read (sequence without gaps, each entry's link to the one before, its
    /// own hash, the digest of its transaction in the version it recorded), then finds every register row and every
    /// registered transaction that no journal entry vouches for, then checks the chain against the signed checkpoints
    /// given (a truncated tail or a recomputed chain no longer has the hash a checkpoint signed). Lists every finding.
    /// </summary>
    public async Task<JournalVerification> VerifyAsync(IReadOnlyList<JournalCheckpoint>? checkpoints, IProgress<string>? progress, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var findings = new List<string>();
        var more = 0L;
        void Find(string finding)
        {
            if (findings.Count < FindingsListed)
            {
                findings.Add(finding);
            }
            else
            {
                more++;
            }
        }

        var wanted = (checkpoints ?? []).GroupBy(c => c.Seq).ToDictionary(g => g.Key, g => g.ToList());
        var chainAt = new Dictionary<long, string>();
        long? firstBad = null;
        var entries = 0L;
        var lastSeq = 0L;
        var expectedPrevious = GenesisPreviousHash;

        // The version is read with a regex on the text, not by parsing it as jsonb: the digest is what costs, not the choice.
        await using (var command = new NpgsqlCommand("""
            SELECT seq, transaction_id, content, previous_hash, hash,
                   CASE WHEN content ~ '"digestVersion"\s*:\s*2\s*[,}]' THEN registry.transaction_digest_v2(transaction_id)
                        ELSE registry.transaction_digest(transaction_id) END
            FROM registry.journal ORDER BY seq
            """, connection) { CommandTimeout = 0 })
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var (seq, tx, text, previous, hash, digest) = (reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), (byte[])reader[3], (byte[])reader[4], reader.GetString(5));
                entries++;
                var failures = Check(seq, tx, text, previous, hash, digest, lastSeq + 1, expectedPrevious);
                foreach (var failure in failures)
                {
                    Find($"journal entry {seq} (transaction {tx}): {failure}");
                }

                if (failures.Count > 0)
                {
                    firstBad ??= seq;
                }

                if (wanted.ContainsKey(seq))
                {
                    chainAt[seq] = Convert.ToHexStringLower(hash);
                }

                if (seq % 1000 == 0)
                {
                    progress?.Report($"{seq} entries verified");
                }

                lastSeq = seq;
                expectedPrevious = hash;
            }
        }

        progress?.Report($"{entries} entries verified; looking for register rows no entry vouches for");
        await using (var command = new NpgsqlCommand(UnjournaledRowsSql, connection) { CommandTimeout = 0 })
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var title = reader.IsDBNull(2) ? null : reader.GetString(2);
                Find($"registry.{reader.GetString(0)} row {reader.GetString(1)}{(title is null ? "" : $" (title {title})")}: " +
                     $"{reader.GetString(3)} by transaction {reader.GetGuid(4)}, which has no journal entry");
            }
        }

        foreach (var (seq, signed) in wanted.OrderBy(w => w.Key))
        {
            foreach (var checkpoint in signed)
            {
                if (!chainAt.TryGetValue(seq, out var actual))
                {
                    Find($"checkpoint at journal entry {seq} (signed {checkpoint.At}): the journal {(lastSeq < seq ? $"ends at entry {lastSeq}" : "has no such entry")}: entries were removed from its tail");
                }
                else if (!string.Equals(actual, checkpoint.Hash, StringComparison.OrdinalIgnoreCase))
                {
                    Find($"checkpoint at journal entry {seq} (signed {checkpoint.At}): journal entry {seq} no longer has the hash the checkpoint signed: the chain was rewritten or recomputed");
                }
            }
        }

        var total = findings.Count + more;
        if (more > 0)
        {
            findings.Add($"... and {more} more findings");
        }

        var checkedAgainst = wanted.Count == 0 ? "no checkpoint given" : $"{wanted.Values.Sum(v => v.Count)} signed checkpoints matched, the latest at entry {wanted.Keys.Max()}";
        var message = findings.Count == 0
            ? $"journal intact: {entries} entries, chain and digests recomputed, every register row journaled, {checkedAgainst}"
            : $"journal NOT intact: {total} findings over {entries} entries" + Environment.NewLine + string.Join(Environment.NewLine, findings);
        return new JournalVerification(entries, firstBad, message, findings);
    }

    // Every register row names the transaction that made or ended it; the deferred foreign keys enforce a journal entry
    // for it, and this finds any row written around them (a superuser with the triggers off).
    private const string UnjournaledRowsSql = """
        SELECT 'rights', r.id::text, r.title_number, 'created', r.created_by_transaction_id FROM registry.rights r
        WHERE NOT EXISTS (SELECT 1 FROM registry.journal j WHERE j.transaction_id = r.created_by_transaction_id)
        UNION ALL
        SELECT 'rights', r.id::text, r.title_number, 'ended', r.ended_by_transaction_id FROM registry.rights r
        WHERE r.ended_by_transaction_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM registry.journal j WHERE j.transaction_id = r.ended_by_transaction_id)
        UNION ALL
        SELECT 'titles', t.title_number, t.title_number, 'opened', t.opened_by_transaction_id FROM registry.titles t
        WHERE NOT EXISTS (SELECT 1 FROM registry.journal j WHERE j.transaction_id = t.opened_by_transaction_id)
        UNION ALL
        SELECT 'titles', t.title_number, t.title_number, 'closed', t.closed_by_transaction_id FROM registry.titles t
        WHERE t.closed_by_transaction_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM registry.journal j WHERE j.transaction_id = t.closed_by_transaction_id)
        UNION ALL
        SELECT 'title_parcels', tp.title_number || ' ' || tp.upi, tp.title_number, 'linked', tp.created_by_transaction_id FROM registry.title_parcels tp
        WHERE NOT EXISTS (SELECT 1 FROM registry.journal j WHERE j.transaction_id = tp.created_by_transaction_id)
        UNION ALL
        SELECT 'transactions', t.id::text, t.title_number, 'registered', t.id FROM registry.transactions t
        WHERE t.state = 'registered' AND NOT EXISTS (SELECT 1 FROM registry.journal j WHERE j.transaction_id = t.id)
        ORDER BY 1, 2
        """;

    private static List<string> Check(long seq, Guid tx, string text, byte[] previous, byte[] hash, string digest, long expectedSeq, byte[] expectedPrevious)
    {
        var failures = new List<string>();
        if (seq != expectedSeq)
        {
            failures.Add(seq > expectedSeq
                ? $"expected entry {expectedSeq} here: entries {expectedSeq}..{seq - 1} are missing"
                : $"expected entry {expectedSeq} here: entries are out of order");
        }

        if (!previous.AsSpan().SequenceEqual(expectedPrevious))
        {
            failures.Add("its previous-hash does not match the hash of the entry before it");
        }

        if (!HashOf(previous, text).AsSpan().SequenceEqual(hash))
        {
            failures.Add("its hash does not match its content: the entry was altered");
        }

        JournalContent? content;
        try
        {
            content = JsonSerializer.Deserialize<JournalContent>(text, Canonical);
        }
        catch (JsonException)
        {
            failures.Add("its content is not a journal entry");
            return failures;
        }

        if (content is null || content.TransactionId != tx)
        {
            failures.Add("its content names another transaction than its columns");
        }
        else if (content.Digest != digest)
        {
            failures.Add($"the register rows its transaction wrote (rights created or ended{(content.DigestVersion is >= 2 ? ", titles, parcels, the instrument, steps, documents, payments" : "")}) no longer match the digest it recorded: the register was altered");
        }

        return failures;
    }
}
