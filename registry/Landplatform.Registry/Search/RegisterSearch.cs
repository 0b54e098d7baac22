using System.Security.Claims;
using System.Text.Json.Serialization;
using Landplatform.Cadastre.Contracts;
using Npgsql;

namespace Landplatform.Registry.Search;

/// <summary>A holder of a title as a search or extract shows them; the UIN only where the disclosure rule allows.</summary>
public sealed record HolderView(
    long PartyId,
    string Kind,
    string? Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Uin,
    string? RegistrationNumber,
    string Share,
    DateTimeOffset From,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? To);

/// <summary>A title found by a search: its parcels and its owners (and, when asked, its past owners).</summary>
public sealed record TitleHit(string TitleNumber, string Status, IReadOnlyList<ParcelRef> Parcels, IReadOnlyList<HolderView> Owners,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<HolderView>? PastOwners);

/// <summary>A parcel of a title, with its address.</summary>
public sealed record ParcelRef(string Upi, string? Address);

/// <summary>How a search finds titles.</summary>
public enum SearchBy
{
    Upi,
    Name,
    Address,
    Uin,
}

/// <summary>
/// The register's search, in SQL that PostgreSQL runs with its indexes: UPI prefix (text_pattern_ops),
/// owner name (pg_trgm similarity), address (pg_trgm on the cadastre's current parcels), UIN (unique index).
/// </summary>
public sealed class RegisterSearch(NpgsqlDataSource dataSource, IPersonalDataDisclosure disclosure)
{
    public const int MaxLimit = 100;

    public async Task<IReadOnlyList<TitleHit>> FindAsync(SearchBy by, string text, bool history, int limit, ClaimsPrincipal caller, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var titles = new List<string>();
        await using (var command = new NpgsqlCommand(TitlesSql(by), connection))
        {
            command.Parameters.AddWithValue("q", by == SearchBy.Address ? "%" + EscapeLike(text) + "%" : by == SearchBy.Upi ? EscapeLike(text) + "%" : text);
            command.Parameters.AddWithValue("limit", limit);
            command.Parameters.AddWithValue("history", history);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                titles.Add(reader.GetString(0));
            }
        }

        return await DescribeAsync(connection, titles, history, caller, ct);
    }

    // Only these four statements ever run; the request chooses among them, never writes into them.
    private static string TitlesSql(SearchBy by) => by switch
    {
        SearchBy.Upi => """
            SELECT title_number FROM (
              SELECT DISTINCT ON (tp.title_number) tp.title_number, tp.upi FROM registry.title_parcels tp
              JOIN registry.titles t ON t.title_number = tp.title_number
              WHERE tp.upi LIKE @q AND (@history OR t.closed_at IS NULL)
              ORDER BY tp.title_number) hits
            ORDER BY upi LIMIT @limit
            """,
        SearchBy.Name => """
            SELECT r.title_number FROM (
              SELECT p.id, similarity(p.name, @q) AS score FROM registry.parties p WHERE p.name % @q
              ORDER BY score DESC, p.id LIMIT 500) p
            JOIN registry.rights r ON r.party_id = p.id AND r.kind = 'ownership' AND (@history OR r.valid_to IS NULL)
            GROUP BY r.title_number ORDER BY max(p.score) DESC, r.title_number LIMIT @limit
            """,
        SearchBy.Address => """
            SELECT tp.title_number FROM cadastre.parcel_versions v
            JOIN registry.title_parcels tp ON tp.upi = v.upi
            JOIN registry.titles t ON t.title_number = tp.title_number AND t.closed_at IS NULL
            WHERE v.status = 'current' AND v.address ILIKE @q
            ORDER BY v.upi LIMIT @limit
            """,
        _ => """
            SELECT r.title_number FROM registry.parties p
            JOIN registry.rights r ON r.party_id = p.id AND r.kind = 'ownership' AND (@history OR r.valid_to IS NULL)
            WHERE p.uin = @q
            GROUP BY r.title_number ORDER BY r.title_number LIMIT @limit
            """,
    };

    private async Task<IReadOnlyList<TitleHit>> DescribeAsync(NpgsqlConnection connection, IReadOnlyList<string> titles, bool history, ClaimsPrincipal caller, CancellationToken ct)
    {
        if (titles.Count == 0)
        {
            return [];
        }

        var numbers = titles.ToArray();
        var parcels = new Dictionary<string, List<ParcelRef>>();
        var status = new Dictionary<string, string>();
        await using (var command = new NpgsqlCommand($$"""
            SELECT t.title_number, CASE WHEN t.closed_at IS NOT NULL THEN 'closed' WHEN {{Conversions.FirstRegistrations.ProvisionalSql("t.title_number")}} THEN 'provisional' ELSE 'open' END, tp.upi, v.address
            FROM registry.titles t
            JOIN registry.title_parcels tp ON tp.title_number = t.title_number
            LEFT JOIN LATERAL (SELECT address FROM cadastre.parcel_versions pv WHERE pv.upi = tp.upi ORDER BY pv.version DESC LIMIT 1) v ON true
            WHERE t.title_number = ANY(@titles) ORDER BY tp.upi
            """, connection))
        {
            command.Parameters.AddWithValue("titles", numbers);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var title = reader.GetString(0);
                status[title] = reader.GetString(1);
                (parcels.TryGetValue(title, out var list) ? list : parcels[title] = []).Add(new ParcelRef(reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
        }

        var holders = await HoldersAsync(connection, numbers, history, caller, ct);
        return titles.Select(t => new TitleHit(
                t,
                status.GetValueOrDefault(t, "open"),
                parcels.GetValueOrDefault(t) ?? [],
                holders.Where(h => h.Title == t && h.View.To is null).Select(h => h.View).ToList(),
                history ? holders.Where(h => h.Title == t && h.View.To is not null).Select(h => h.View).ToList() : null))
            .ToList();
    }

    /// <summary>The ownership holders of titles, current and (when asked) past, shown as the disclosure rule allows this caller.</summary>
    public async Task<List<(string Title, HolderView View)>> HoldersAsync(NpgsqlConnection connection, string[] titles, bool history, ClaimsPrincipal caller, CancellationToken ct)
    {
        var holders = new List<(string, HolderView)>();
        await using var command = new NpgsqlCommand("""
            SELECT r.title_number, p.id, p.kind, p.name, p.uin, p.registration_number, r.share_numerator, r.share_denominator, r.valid_from, r.valid_to
            FROM registry.rights r JOIN registry.parties p ON p.id = r.party_id
            WHERE r.title_number = ANY(@titles) AND r.kind = 'ownership' AND (@history OR r.valid_to IS NULL)
            ORDER BY r.title_number, r.valid_from, r.id
            """, connection);
        command.Parameters.AddWithValue("titles", titles);
        command.Parameters.AddWithValue("history", history);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var uin = reader.IsDBNull(4) ? null : reader.GetString(4);
            var view = disclosure.For(caller, uin);
            holders.Add((reader.GetString(0), new HolderView(
                reader.GetInt64(1),
                reader.GetString(2),
                view.Name ? reader.GetString(3) : null,
                view.Identifiers ? uin : null,
                reader.IsDBNull(5) ? null : reader.GetString(5),
                $"{reader.GetInt64(6)}/{reader.GetInt64(7)}",
                reader.GetFieldValue<DateTimeOffset>(8),
                reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9))));
        }

        return holders;
    }

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
