using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using Landplatform.Cadastre.Contracts;
using Npgsql;

namespace Landplatform.Registry.Search;

/// <summary>A parcel of a title as the extract shows it, boundary as GeoJSON in CRS84.</summary>
public sealed record ExtractParcel(string Upi, string Status, string? Address, string LandUse, decimal OfficialArea, JsonElement Boundary);

/// <summary>A right or restriction other than ownership (lease, easement, mortgage, caveat, covenant).</summary>
public sealed record ExtractRight(long Id, string Kind, string? Holder, decimal? Amount, string? Terms, DateTimeOffset From, Guid Transaction);

/// <summary>A hazard zone that touches one of the title's parcels.</summary>
public sealed record ExtractHazard(string Hazard, string Level, IReadOnlyList<string> Parcels);

/// <summary>The title extract: what the register says about a title today.</summary>
public sealed record TitleExtract(
    string TitleNumber,
    string Status,
    DateTimeOffset OpenedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? ClosedAt,
    IReadOnlyList<ExtractParcel> Parcels,
    IReadOnlyList<HolderView> Owners,
    IReadOnlyList<ExtractRight> Rights,
    IReadOnlyList<ExtractRight> Restrictions,
    IReadOnlyList<ExtractHazard> Hazards,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<HolderView>? PastOwners,
    DateTimeOffset ExtractedAt);

/// <summary>Builds title extracts from the register and (read only) the cadastre's parcels and hazard zones.</summary>
public sealed class TitleExtracts(NpgsqlDataSource dataSource, RegisterSearch search, TimeProvider clock)
{
    private static readonly string[] RightKinds = ["lease", "easement"];

    public async Task<string> TitleOfParcelAsync(string upi, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT tp.title_number FROM registry.title_parcels tp JOIN registry.titles t ON t.title_number = tp.title_number
            WHERE tp.upi = @upi ORDER BY t.closed_at IS NULL DESC, t.opened_at DESC LIMIT 1
            """);
        command.Parameters.AddWithValue("upi", upi);
        return await command.ExecuteScalarAsync(ct) as string
            ?? throw new ResourceNotFoundException("title-unknown", $"No title in the register covers parcel {upi}.");
    }

    public async Task<TitleExtract> BuildAsync(string titleNumber, bool history, ClaimsPrincipal caller, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        DateTimeOffset opened;
        DateTimeOffset? closed;
        bool provisional;
        await using (var command = new NpgsqlCommand($"SELECT opened_at, closed_at, {Conversions.FirstRegistrations.ProvisionalSql("title_number")} FROM registry.titles WHERE title_number = @t", connection))
        {
            command.Parameters.AddWithValue("t", titleNumber);
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                throw new ResourceNotFoundException("title-unknown", $"There is no title {titleNumber} in the register.");
            }

            opened = reader.GetFieldValue<DateTimeOffset>(0);
            closed = reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1);
            provisional = reader.GetBoolean(2);
        }

        var parcels = new List<ExtractParcel>();
        await using (var command = new NpgsqlCommand("""
            SELECT v.upi, v.status, v.address, v.land_use, v.official_area, ST_AsGeoJSON(ST_Transform(v.boundary, 4326), 7)
            FROM registry.title_parcels tp
            JOIN LATERAL (SELECT * FROM cadastre.parcel_versions pv WHERE pv.upi = tp.upi ORDER BY pv.version DESC LIMIT 1) v ON true
            WHERE tp.title_number = @t ORDER BY v.upi
            """, connection))
        {
            command.Parameters.AddWithValue("t", titleNumber);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                parcels.Add(new ExtractParcel(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.GetString(3), reader.GetDecimal(4), JsonDocument.Parse(reader.GetString(5)).RootElement.Clone()));
            }
        }

        var others = new List<ExtractRight>();
        await using (var command = new NpgsqlCommand("""
            SELECT r.id, r.kind, p.name, r.amount, r.terms, r.valid_from, r.created_by_transaction_id
            FROM registry.rights r JOIN registry.parties p ON p.id = r.party_id
            WHERE r.title_number = @t AND r.valid_to IS NULL AND r.kind <> 'ownership' ORDER BY r.valid_from, r.id
            """, connection))
        {
            command.Parameters.AddWithValue("t", titleNumber);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                others.Add(new ExtractRight(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetDecimal(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetGuid(6)));
            }
        }

        var hazards = new List<ExtractHazard>();
        await using (var command = new NpgsqlCommand("""
            SELECT h.hazard, h.level, array_agg(DISTINCT v.upi ORDER BY v.upi)
            FROM registry.title_parcels tp
            JOIN LATERAL (SELECT * FROM cadastre.parcel_versions pv WHERE pv.upi = tp.upi ORDER BY pv.version DESC LIMIT 1) v ON true
            JOIN cadastre.hazard_zones h ON h.boundary && v.boundary AND ST_Intersects(h.boundary, v.boundary)
            WHERE tp.title_number = @t GROUP BY h.hazard, h.level ORDER BY h.hazard, h.level
            """, connection))
        {
            command.Parameters.AddWithValue("t", titleNumber);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                hazards.Add(new ExtractHazard(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<string[]>(2)));
            }
        }

        var holders = await search.HoldersAsync(connection, [titleNumber], history, caller, ct);
        return new TitleExtract(titleNumber, closed is not null ? "closed" : provisional ? "provisional" : "open", opened, closed, parcels,
            holders.Where(h => h.View.To is null).Select(h => h.View).ToList(),
            others.Where(r => RightKinds.Contains(r.Kind)).ToList(),
            others.Where(r => !RightKinds.Contains(r.Kind)).ToList(),
            hazards,
            history ? holders.Where(h => h.View.To is not null).Select(h => h.View).ToList() : null,
            clock.GetUtcNow());
    }
}
