using System.Text.Json;
using Landplatform.Registry.Journal;
using Npgsql;

namespace Landplatform.Registry.Loading;

/// <summary>
/// Loads the parties and ownership the generator writes next to the parcels (<c>parties.csv</c>,
/// <c>ownership.csv</c>) as registered titles: one title per parcel, one ownership right per holder and
/// share, all made by one initial-load transaction whose journal entry (the genesis of the chain)
/// carries the digest of every right it created.
/// </summary>
public sealed class RegisterLoader(NpgsqlDataSource db, TimeProvider clock)
{
    /// <summary>When the sample's titles take effect: the same day as the sample fabric.</summary>
    public static readonly DateTimeOffset SampleEffectiveAt = new(2010, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Loads the sample's register into an empty registry; returns the titles loaded, 0 when the register already holds titles.</summary>
    public async Task<long> LoadAsync(string directory, IProgress<string> progress, CancellationToken ct)
    {
        foreach (var file in (string[])["parties.csv", "ownership.csv", "manifest.json"])
        {
            if (!File.Exists(Path.Combine(directory, file)))
            {
                throw new FileNotFoundException($"{file} is missing in {directory}: generate the sample first (./lp data generate).", file);
            }
        }

        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "manifest.json"), ct));
        var seed = manifest.RootElement.GetProperty("seed").GetInt64();

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, "LOCK TABLE registry.titles IN EXCLUSIVE MODE", ct);
        if (await ScalarAsync(connection, "SELECT count(*) FROM registry.titles", ct) is long existing && existing > 0)
        {
            progress.Report($"the register already holds {existing} titles; nothing loaded");
            return 0;
        }

        var transactionId = Guid.CreateVersion7();
        var now = clock.GetUtcNow();
        await ExecuteAsync(connection, """
            INSERT INTO registry.transactions (id, kind, state, title_number, instrument, instrument_date, lodged_at, lodged_by, registered_at)
            VALUES (@id, 'initial_load', 'registered', NULL, @instrument::jsonb, @date, @now, 'lp data load', @now)
            """, ct, ("id", transactionId), ("instrument", JsonSerializer.Serialize(new { source = "lp-datagen", seed, directory = Path.GetFileName(directory) })),
            ("date", DateOnly.FromDateTime(SampleEffectiveAt.UtcDateTime)), ("now", now));

        await StageAsync(connection, directory, "parties.csv", "party_id bigint, kind text, uin text, registration_number text, name text, date_of_birth text", progress, ct);
        var parties = await ExecuteAsync(connection, """
            INSERT INTO registry.parties (id, kind, uin, registration_number, name, date_of_birth, recorded_at)
            SELECT party_id, kind, NULLIF(uin, ''), NULLIF(registration_number, ''), name, NULLIF(date_of_birth, '')::date, @at
            FROM staging_parties ORDER BY party_id
            """, ct, ("at", SampleEffectiveAt));
        await ExecuteAsync(connection, "SELECT setval(pg_get_serial_sequence('registry.parties', 'id'), (SELECT max(id) FROM registry.parties))", ct);
        progress.Report($"parties: {parties}");

        await StageAsync(connection, directory, "ownership.csv", "upi text, party_id bigint, share_numerator bigint, share_denominator bigint", progress, ct);
        var titles = await ExecuteAsync(connection, """
            INSERT INTO registry.titles (title_number, opened_at, opened_by_transaction_id)
            SELECT DISTINCT 'T-' || upi, @at, @tx FROM staging_ownership ORDER BY 1
            """, ct, ("at", SampleEffectiveAt), ("tx", transactionId));
        await ExecuteAsync(connection, """
            INSERT INTO registry.title_parcels (title_number, upi, created_by_transaction_id)
            SELECT DISTINCT 'T-' || upi, upi, @tx::uuid FROM staging_ownership ORDER BY 1
            """, ct, ("tx", transactionId));
        var rights = await ExecuteAsync(connection, """
            INSERT INTO registry.rights (title_number, kind, party_id, share_numerator, share_denominator, valid_from, created_by_transaction_id)
            SELECT 'T-' || upi, 'ownership', party_id, share_numerator, share_denominator, @at, @tx FROM staging_ownership ORDER BY upi, party_id
            """, ct, ("at", SampleEffectiveAt), ("tx", transactionId));
        progress.Report($"titles: {titles}, ownership rights: {rights}");

        var unbalanced = await ScalarAsync(connection, """
            SELECT count(*) FROM (SELECT upi FROM staging_ownership
                                  GROUP BY upi HAVING sum(share_numerator * 720720 / share_denominator) <> 720720) unbalanced
            """, ct);
        if (unbalanced is long bad && bad > 0)
        {
            throw new InvalidDataException($"{bad} titles in ownership.csv have shares that do not add up to one.");
        }

        progress.Report("journal: hashing the loaded register into the genesis entry");
        var entry = await RegisterJournal.AppendAsync(connection, transactionId, "initial-load", null, [], now,
            $"Sample register from lp-datagen seed {seed}: {titles} titles, {rights} ownership rights, {parties} parties", ct);
        await transaction.CommitAsync(ct);
        await ExecuteAsync(connection, "ANALYZE registry.parties; ANALYZE registry.titles; ANALYZE registry.title_parcels; ANALYZE registry.rights", ct);
        progress.Report($"journal entry {entry.Seq}: digest {entry.Content.Digest[..16]}…");
        return titles;
    }

    private static async Task StageAsync(NpgsqlConnection connection, string directory, string file, string columns, IProgress<string> progress, CancellationToken ct)
    {
        var table = "staging_" + Path.GetFileNameWithoutExtension(file);
        await ExecuteAsync(connection, $"CREATE TEMP TABLE {table} ({columns}) ON COMMIT DROP", ct);
        var path = Path.Combine(directory, file);
        using (var source = new StreamReader(path, System.Text.Encoding.UTF8))
        await using (var copy = await connection.BeginTextImportAsync($"COPY {table} FROM STDIN (FORMAT csv, HEADER true)", ct))
        {
            var buffer = new char[64 * 1024];
            int read;
            while ((read = await source.ReadAsync(buffer, ct)) > 0)
            {
                await copy.WriteAsync(buffer.AsMemory(0, read), ct);
            }
        }

        progress.Report($"{file}: {new FileInfo(path).Length / 1024} KiB staged");
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return await command.ExecuteScalarAsync(ct);
    }
}
