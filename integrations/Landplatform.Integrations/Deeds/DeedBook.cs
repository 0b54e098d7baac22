using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Npgsql;

namespace Landplatform.Integrations.Deeds;

/// <summary>A deed as the clerk keys it from the Index of Deeds and the instrument.</summary>
public sealed record DeedEntry(
    string? RegistrationNumber, DateOnly? RegisteredOn, DateOnly? InstrumentDate, string? InstrumentType,
    IReadOnlyList<string>? Grantors, IReadOnlyList<string>? Grantees, string? LandDescription, IReadOnlyList<string>? Upis,
    decimal? Consideration, string? Attorney, string? Releases);

/// <summary>A recorded deed as the register shows it.</summary>
public sealed record RecordedDeed(
    Guid Id, string RegistrationNumber, DateOnly RegisteredOn, DateOnly InstrumentDate, string InstrumentType,
    IReadOnlyList<string> Grantors, IReadOnlyList<string> Grantees, string LandDescription, IReadOnlyList<string> Upis,
    decimal? Consideration, string? Attorney, string? Releases, DateTimeOffset RecordedAt, string RecordedBy, int Pages);

/// <summary>
/// The register of deeds (schema <c>deeds</c>): deeds are recorded as the office's Index of Deeds holds them, linked to
/// parcels once identified, and their scanned pages kept. Every entry is append-only and linked into the deeds journal
/// (SHA-256 over the previous link and the entry's canonical text), so a row changed behind the platform's back no
/// longer matches its journal entry (<see cref="VerifyAsync"/>).
/// </summary>
public sealed class DeedBook(NpgsqlDataSource dataSource, TimeProvider clock)
{
    /// <summary>The instruments the office records.</summary>
    public static readonly IReadOnlyList<string> InstrumentTypes =
        ["conveyance", "gift", "mortgage", "release", "assent", "vesting", "lease", "power-of-attorney", "court-order", "other"];

    /// <summary>The instruments that pass the land itself from grantor to grantee (the links of a chain of title).</summary>
    public static readonly IReadOnlyList<string> PassingTitle = ["conveyance", "gift", "assent", "vesting", "court-order"];

    /// <summary>No deed in the office's books is older than this: an earlier date is a keying error.</summary>
    public static readonly DateOnly EarliestRecord = new(1800, 1, 1);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Records a deed: every field checked first (a bad one refused naming it, nothing stored), then the deed, its parties, its parcels and its journal entry in one transaction.</summary>
    public async Task<RecordedDeed> RecordAsync(DeedEntry entry, string clerk, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var number = Text(entry.RegistrationNumber, "registrationNumber", "deed-number", 40, "the registration number as the office writes it, e.g. 1234/1987 or B12/P345")!.ToUpperInvariant();
        var registered = Date(entry.RegisteredOn, "registeredOn", today);
        var dated = Date(entry.InstrumentDate, "instrumentDate", today);
        if (dated > registered)
        {
            throw new InvalidParameterException("instrumentDate", "deed-date", $"The instrument is dated {dated:yyyy-MM-dd}, after its registration on {registered:yyyy-MM-dd}.");
        }

        var type = entry.InstrumentType?.Trim().ToLowerInvariant();
        if (type is null || !InstrumentTypes.Contains(type))
        {
            throw new InvalidParameterException("instrumentType", "instrument-type", $"'{entry.InstrumentType}' is not an instrument the office records: {string.Join(", ", InstrumentTypes)}.");
        }

        var grantors = Names(entry.Grantors, "grantors", required: type is not ("vesting" or "court-order"));
        var grantees = Names(entry.Grantees, "grantees", required: true);
        var land = Text(entry.LandDescription, "landDescription", "land-description", 2000, "the land as the deed describes it")!;
        var attorney = entry.Attorney is null ? null : Text(entry.Attorney, "attorney", "attorney-name", 200, "the attorney-at-law who prepared the deed");
        if (entry.Consideration is < 0 or > 10_000_000_000m || (entry.Consideration is { } paid && decimal.Round(paid, 2) != paid))
        {
            throw new InvalidParameterException("consideration", "consideration-range", "The consideration is an amount in XCD, at least 0, in cents at most.");
        }

        var upis = (entry.Upis ?? []).Select((u, i) => ParcelIdentifier.Parse(u ?? string.Empty, $"upis[{i}]")).Distinct().ToList();
        var releases = type == "release"
            ? Text(entry.Releases, "releases", "release-of", 40, "the registration number of the mortgage this release discharges")!.ToUpperInvariant()
            : entry.Releases is null ? null
            : throw new InvalidParameterException("releases", "release-of", "Only a release names the mortgage it discharges.");

        var now = Micro(clock.GetUtcNow());
        var id = Guid.CreateVersion7(now);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await CheckParcelsAsync(connection, upis, "upis", ct);
        if (releases is not null && await ScalarAsync<string>(connection, "SELECT instrument_type FROM deeds.deeds WHERE registration_number = @n", ct, ("n", releases)) is not "mortgage")
        {
            throw new InvalidParameterException("releases", "release-of", $"{releases} is not a mortgage recorded in the register of deeds.");
        }

        await using (var insert = new NpgsqlCommand("""
            INSERT INTO deeds.deeds (id, registration_number, registered_on, instrument_date, instrument_type, consideration, attorney, land_description, releases, recorded_at, recorded_by)
            VALUES (@id, @number, @registered, @dated, @type, @consideration, @attorney, @land, @releases, @now, @clerk)
            ON CONFLICT (registration_number) DO NOTHING
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue("id", id);
            insert.Parameters.AddWithValue("number", number);
            insert.Parameters.AddWithValue("registered", registered);
            insert.Parameters.AddWithValue("dated", dated);
            insert.Parameters.AddWithValue("type", type);
            insert.Parameters.Add(new NpgsqlParameter<decimal?>("consideration", entry.Consideration));
            insert.Parameters.Add(new NpgsqlParameter<string?>("attorney", attorney));
            insert.Parameters.AddWithValue("land", land);
            insert.Parameters.Add(new NpgsqlParameter<string?>("releases", releases));
            insert.Parameters.AddWithValue("now", now);
            insert.Parameters.AddWithValue("clerk", clerk);
            if (await insert.ExecuteNonQueryAsync(ct) == 0)
            {
                throw new DomainRuleViolationException("deed-number-taken", $"Deed {number} is already recorded: a registration number is given once.");
            }
        }

        await using (var parties = new NpgsqlCommand("""
            INSERT INTO deeds.parties (deed_id, role, position, name, sounds)
            SELECT @id, p.role, p.position, p.name, deeds_sounds(p.name)
            FROM unnest(@roles, @positions, @names) AS p(role, position, name)
            """.Replace("deeds_sounds(p.name)", SoundsSql("p.name"), StringComparison.Ordinal), connection, transaction))
        {
            parties.Parameters.AddWithValue("id", id);
            parties.Parameters.AddWithValue("roles", grantors.Select(_ => "grantor").Concat(grantees.Select(_ => "grantee")).ToArray());
            parties.Parameters.AddWithValue("positions", grantors.Select((_, i) => i).Concat(grantees.Select((_, i) => i)).ToArray());
            parties.Parameters.AddWithValue("names", grantors.Concat(grantees).ToArray());
            await parties.ExecuteNonQueryAsync(ct);
        }

        await InsertLinksAsync(connection, id, upis, now, clerk, ct);
        await DeedsJournal.AppendAsync(connection, "recorded", id, DeedsJournal.Recorded(id, number, registered, dated, type, entry.Consideration, attorney, land, releases, grantors, grantees, now, clerk), now, ct);
        foreach (var upi in upis)
        {
            await DeedsJournal.AppendAsync(connection, "linked", id, DeedsJournal.Linked(id, upi, now, clerk), now, ct);
        }

        await transaction.CommitAsync(ct);
        return await FindAsync(id, ct);
    }

    /// <summary>Links a recorded deed to a parcel once the land it describes is identified on the fabric.</summary>
    public async Task<RecordedDeed> LinkAsync(Guid id, string? upiText, string clerk, CancellationToken ct)
    {
        var upi = ParcelIdentifier.Parse(upiText ?? string.Empty, "upi");
        var now = Micro(clock.GetUtcNow());
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await RequireDeedAsync(connection, id, ct);
        await CheckParcelsAsync(connection, [upi], "upi", ct);
        if (await InsertLinksAsync(connection, id, [upi], now, clerk, ct) == 1)
        {
            await DeedsJournal.AppendAsync(connection, "linked", id, DeedsJournal.Linked(id, upi, now, clerk), now, ct);
        }

        await transaction.CommitAsync(ct);
        return await FindAsync(id, ct);
    }

    public async Task<RecordedDeed> FindAsync(Guid id, CancellationToken ct) =>
        (await ViewsAsync("d.id = @id", [new NpgsqlParameter("id", id)], ct)).SingleOrDefault()
        ?? throw new ResourceNotFoundException("deed-unknown", $"There is no deed {id} in the register of deeds.");

    /// <summary>The deeds matching a condition on <c>deeds.deeds d</c>, with their parties, parcels and page counts.</summary>
    internal async Task<List<RecordedDeed>> ViewsAsync(string where, IReadOnlyList<NpgsqlParameter> parameters, CancellationToken ct, string order = "d.registered_on, d.registration_number", int limit = 1000)
    {
        await using var command = dataSource.CreateCommand($$"""
            SELECT d.id, d.registration_number, d.registered_on, d.instrument_date, d.instrument_type,
                   coalesce((SELECT array_agg(p.name ORDER BY p.position) FROM deeds.parties p WHERE p.deed_id = d.id AND p.role = 'grantor'), '{}'),
                   coalesce((SELECT array_agg(p.name ORDER BY p.position) FROM deeds.parties p WHERE p.deed_id = d.id AND p.role = 'grantee'), '{}'),
                   d.land_description,
                   coalesce((SELECT array_agg(l.upi ORDER BY l.upi) FROM deeds.parcels l WHERE l.deed_id = d.id), '{}'),
                   d.consideration, d.attorney, d.releases, d.recorded_at, d.recorded_by,
                   (SELECT count(*)::int FROM deeds.pages g WHERE g.deed_id = d.id)
            FROM deeds.deeds d WHERE {{where}} ORDER BY {{order}} LIMIT {{limit}}
            """);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter);
        }
        var views = new List<RecordedDeed>();
        await using var rows = await command.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
        {
            views.Add(new RecordedDeed(rows.GetGuid(0), rows.GetString(1), rows.GetFieldValue<DateOnly>(2), rows.GetFieldValue<DateOnly>(3), rows.GetString(4),
                rows.GetFieldValue<string[]>(5), rows.GetFieldValue<string[]>(6), rows.GetString(7), rows.GetFieldValue<string[]>(8),
                rows.IsDBNull(9) ? null : rows.GetDecimal(9), rows.IsDBNull(10) ? null : rows.GetString(10), rows.IsDBNull(11) ? null : rows.GetString(11),
                rows.GetFieldValue<DateTimeOffset>(12), rows.GetString(13), rows.GetInt32(14)));
        }

        return views;
    }

    /// <summary>SQL for a name's sound keys: the Double Metaphone code of each word (so Jon Smyth finds John Smith).</summary>
    internal static string SoundsSql(string name) =>
        $"coalesce((SELECT array_agg(dmetaphone(w.word)) FROM regexp_split_to_table(lower({name}), '[^a-z]+') AS w(word) WHERE w.word <> ''), '{{}}')";

    internal static async Task RequireDeedAsync(NpgsqlConnection connection, Guid id, CancellationToken ct)
    {
        if (await ScalarAsync<Guid?>(connection, "SELECT id FROM deeds.deeds WHERE id = @id", ct, ("id", id)) is null)
        {
            throw new ResourceNotFoundException("deed-unknown", $"There is no deed {id} in the register of deeds.");
        }
    }

    /// <summary>A day as the API and the index write it, YYYY-MM-DD; blank is none.</summary>
    internal static DateOnly? ParseDay(string? text, string parameter, string rule) =>
        string.IsNullOrWhiteSpace(text) ? null
        : DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day
        : throw new InvalidParameterException(parameter, rule, $"'{text}' is not a date: write YYYY-MM-DD.");

    internal static DateTimeOffset Micro(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % 10), TimeSpan.Zero);

    private static async Task<int> InsertLinksAsync(NpgsqlConnection connection, Guid id, IReadOnlyList<string> upis, DateTimeOffset now, string clerk, CancellationToken ct)
    {
        if (upis.Count == 0)
        {
            return 0;
        }

        await using var links = new NpgsqlCommand(
            "INSERT INTO deeds.parcels (deed_id, upi, linked_at, linked_by) SELECT @id, u, @now, @clerk FROM unnest(@upis) AS u ON CONFLICT DO NOTHING", connection);
        links.Parameters.AddWithValue("id", id);
        links.Parameters.AddWithValue("upis", upis.ToArray());
        links.Parameters.AddWithValue("now", now);
        links.Parameters.AddWithValue("clerk", clerk);
        return await links.ExecuteNonQueryAsync(ct);
    }

    // A deed is linked only to a parcel the fabric knows (current or retired: an old deed may name a parcel since subdivided).
    private static async Task CheckParcelsAsync(NpgsqlConnection connection, IReadOnlyList<string> upis, string parameter, CancellationToken ct)
    {
        if (upis.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand("SELECT u FROM unnest(@upis) AS u WHERE NOT EXISTS (SELECT 1 FROM cadastre.parcel_versions v WHERE v.upi = u)", connection);
        command.Parameters.AddWithValue("upis", upis.ToArray());
        if (await command.ExecuteScalarAsync(ct) is string unknown)
        {
            throw new InvalidParameterException(parameter, "upi-unknown", $"Parcel {unknown} is not in the cadastral fabric: link a deed to the parcel as the fabric knows it.");
        }

        // A parcel brought onto the title register by first registration takes no more deeds: its dealings are lodged against its title.
        await using var registered = new NpgsqlCommand(
            "SELECT upi, title_number, state FROM registry.first_registrations WHERE upi = ANY(@upis) AND state IN ('provisional', 'absolute') ORDER BY upi LIMIT 1", connection);
        registered.Parameters.AddWithValue("upis", upis.ToArray());
        await using var row = await registered.ExecuteReaderAsync(ct);
        if (await row.ReadAsync(ct))
        {
            throw new DomainRuleViolationException("deeds-parcel-on-title-register",
                $"Parcel {row.GetString(0)} is on the title register ({row.GetString(2)} title {row.GetString(1)}, by first registration): it takes no new deeds; lodge its dealings against the title at /api/registry/transactions.");
        }
    }

    private static async Task<T?> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var result = await command.ExecuteScalarAsync(ct);
        return result is null or DBNull ? default : (T)result;
    }

    private static DateOnly Date(DateOnly? value, string parameter, DateOnly today) =>
        value is not { } date ? throw new InvalidParameterException(parameter, "deed-date", $"{parameter} (YYYY-MM-DD) is required.")
        : date < EarliestRecord ? throw new InvalidParameterException(parameter, "deed-date", $"{date:yyyy-MM-dd} is before the office's earliest books ({EarliestRecord:yyyy}): a keying error.")
        : date > today ? throw new InvalidParameterException(parameter, "deed-date", $"{date:yyyy-MM-dd} is in the future.")
        : date;

    private static string? Text(string? value, string parameter, string rule, int max, string what)
    {
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > max || text.Any(char.IsControl))
        {
            throw new InvalidParameterException(parameter, rule, $"Give {what} ({max} characters at most, no control characters).");
        }

        return text;
    }

    private static List<string> Names(IReadOnlyList<string>? names, string parameter, bool required)
    {
        if ((names is null || names.Count == 0) && required)
        {
            throw new InvalidParameterException(parameter, "parties-required", $"The deed names no {parameter}: key them as the deed writes them.");
        }

        return [.. (names ?? []).Select((n, i) => string.Join(' ', Text(n, $"{parameter}[{i}]", "party-name", 200, "the name as the deed writes it")!
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)))];
    }

    internal static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    internal static string Sha256(string text) => Hex(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    internal static string Invariant(decimal? value) => value?.ToString("0.00", CultureInfo.InvariantCulture) ?? "null";

    internal static string JsonText(object value) => JsonSerializer.Serialize(value, Json);
}
