using Npgsql;

namespace Landplatform.Integrations.Tax;

/// <summary>
/// The valuation roll, kept in set-based SQL so the whole island (a million parcels) is valued in one
/// statement. Every change appends a version per parcel; nothing on the roll is ever rewritten.
/// Reads the cadastre's current parcels and buildings and the registry's owners (never writes them).
/// </summary>
public sealed class TaxRoll(NpgsqlDataSource dataSource, TimeProvider clock)
{
    // The model (README, Tax): land value = official area × land-use rate × location factor of the district;
    // building value = Σ footprint area × storeys × rate of the building's use, for the buildings whose
    // footprint (a point on its surface) lies in the parcel; value = land value + building value.
    // {0} is the choice of parcels, one of the constant filters below (never caller text).
    private const string ValuationSql = """
        WITH rate AS (
            SELECT DISTINCT ON (category, code) category, code, rate FROM tax.rates
            WHERE valid_from <= @on ORDER BY category, code, valid_from DESC),
        parcel AS MATERIALIZED (
            SELECT v.upi, v.official_area, v.land_use, v.district_code, v.boundary
            FROM cadastre.parcel_versions v WHERE v.status = 'current' AND {0}),
        -- Per parcel, index lookups (GiST for buildings, B-tree for titles, lineage and the roll): linear in the
        -- parcels whatever the planner believes about their number.
        valued AS (
            SELECT p.upi, coalesce(l.version, 0) + 1 AS version, p.official_area, p.land_use, p.district_code,
                   lu.rate AS land_rate, loc.rate AS location_factor,
                   round(p.official_area * lu.rate * loc.rate, 2) AS land_value,
                   round(coalesce(b.floor_area, 0)::numeric, 2) AS floor_area,
                   round(coalesce(b.building_value, 0)::numeric, 2) AS building_value,
                   coalesce(reg.title_number, inh.title_number) AS title_number,
                   coalesce(reg.owners, inh.owners, '[]'::jsonb) AS owners
            FROM parcel p
            JOIN rate lu ON lu.category = 'land-use' AND lu.code = p.land_use
            JOIN rate loc ON loc.category = 'location' AND loc.code = p.district_code
            LEFT JOIN LATERAL (
                SELECT sum(ST_Area(b.footprint) * b.storeys) AS floor_area,
                       sum(ST_Area(b.footprint) * b.storeys * coalesce(
                           (SELECT r.rate FROM rate r WHERE r.category = 'building' AND r.code = b.use),
                           (SELECT r.rate FROM rate r WHERE r.category = 'building' AND r.code = 'other'))::double precision) AS building_value
                FROM cadastre.buildings b
                WHERE b.footprint && p.boundary AND ST_Contains(p.boundary, ST_PointOnSurface(b.footprint))) b ON true
            LEFT JOIN LATERAL (
                SELECT min(o.title_number) AS title_number,
                       jsonb_agg(jsonb_build_object('partyId', o.party_id, 'name', o.name, 'uin', o.uin, 'registrationNumber', o.registration_number,
                                                    'share', o.share_numerator || '/' || o.share_denominator) ORDER BY o.right_id) AS owners
                FROM registry.parcel_owners o
                WHERE o.upi = p.upi) reg ON true
            LEFT JOIN LATERAL (
                SELECT prior.title_number, prior.owners
                FROM cadastre.lineage_edges e
                JOIN LATERAL (SELECT x.title_number, x.owners FROM tax.roll_entries x WHERE x.upi = e.parent_upi ORDER BY x.version DESC LIMIT 1) prior ON true
                WHERE e.child_upi = p.upi ORDER BY e.parent_upi LIMIT 1) inh ON reg.owners IS NULL
            LEFT JOIN LATERAL (SELECT max(x.version) AS version FROM tax.roll_entries x WHERE x.upi = p.upi) l ON true)
        INSERT INTO tax.roll_entries (upi, version, status, official_area, land_use, district_code, land_rate, location_factor, land_value,
                                      floor_area, building_value, value, basis, title_number, owners, reason, source_event_id, valued_on, recorded_at)
        SELECT upi, version, 'valued', official_area, land_use, district_code, land_rate, location_factor, land_value,
               floor_area, building_value, land_value + building_value,
               format('land %s m² × %s XCD/m² (%s) × location %s (%s) = %s; buildings %s m² of floor = %s; value %s XCD',
                      official_area, trim_scale(land_rate), land_use, trim_scale(location_factor), district_code, land_value,
                      floor_area, building_value, land_value + building_value),
               title_number, owners, @reason, @event, @on, @now
        FROM valued
        ON CONFLICT (upi, source_event_id) DO NOTHING
        """;

    /// <summary>Values every current parcel that is not on the roll yet (the initial roll of a loaded sample); returns how many.</summary>
    public Task<int> BuildAsync(CancellationToken ct) =>
        ValueAsync("NOT EXISTS (SELECT 1 FROM tax.roll_entries x WHERE x.upi = v.upi)", [], "initial-roll", null, ct);

    /// <summary>Adds a new valued version for each of these current parcels (e.g. the children of a subdivision).</summary>
    public Task<int> RevalueAsync(IReadOnlyList<string> upis, string reason, Guid? sourceEvent, CancellationToken ct) =>
        ValueAsync("v.upi = ANY(@upis)", upis.ToArray(), reason, sourceEvent, ct);

    /// <summary>Retired parcels leave the roll: a <c>retired</c> version repeating the last figures.</summary>
    public async Task<int> RetireAsync(IReadOnlyList<string> upis, Guid sourceEvent, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO tax.roll_entries (upi, version, status, official_area, land_use, district_code, land_rate, location_factor, land_value,
                                          floor_area, building_value, value, basis, title_number, owners, reason, source_event_id, valued_on, recorded_at)
            SELECT e.upi, e.version + 1, 'retired', e.official_area, e.land_use, e.district_code, e.land_rate, e.location_factor, e.land_value,
                   e.floor_area, e.building_value, e.value, 'retired from the fabric; last ' || e.basis, e.title_number, e.owners, 'retired', @event, e.valued_on, @now
            FROM (SELECT DISTINCT ON (upi) * FROM tax.roll_entries WHERE upi = ANY(@upis) ORDER BY upi, version DESC) e
            WHERE e.status = 'valued'
            ON CONFLICT (upi, source_event_id) DO NOTHING
            """);
        command.Parameters.AddWithValue("upis", upis.ToArray());
        command.Parameters.AddWithValue("event", sourceEvent);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The register named new owners: each parcel's entry gets a version with them, the valuation unchanged.</summary>
    public async Task<int> ChangeOwnersAsync(IReadOnlyList<string> upis, string? titleNumber, string ownersJson, Guid sourceEvent, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO tax.roll_entries (upi, version, status, official_area, land_use, district_code, land_rate, location_factor, land_value,
                                          floor_area, building_value, value, basis, title_number, owners, reason, source_event_id, valued_on, recorded_at)
            SELECT e.upi, e.version + 1, 'valued', e.official_area, e.land_use, e.district_code, e.land_rate, e.location_factor, e.land_value,
                   e.floor_area, e.building_value, e.value, e.basis, coalesce(@title, e.title_number), @owners::jsonb, 'new-owner', @event, e.valued_on, @now
            FROM (SELECT DISTINCT ON (upi) * FROM tax.roll_entries WHERE upi = ANY(@upis) ORDER BY upi, version DESC) e
            WHERE e.status = 'valued'
            ON CONFLICT (upi, source_event_id) DO NOTHING
            """);
        command.Parameters.AddWithValue("upis", upis.ToArray());
        command.Parameters.Add(new NpgsqlParameter("title", NpgsqlTypes.NpgsqlDbType.Varchar) { Value = (object?)titleNumber ?? DBNull.Value });
        command.Parameters.AddWithValue("owners", ownersJson);
        command.Parameters.AddWithValue("event", sourceEvent);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        return await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<int> ValueAsync(string filter, string[] upis, string reason, Guid? sourceEvent, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var command = dataSource.CreateCommand(string.Format(System.Globalization.CultureInfo.InvariantCulture, ValuationSql, filter));
        command.CommandTimeout = 0;
        command.Parameters.AddWithValue("on", DateOnly.FromDateTime(now.UtcDateTime));
        command.Parameters.AddWithValue("upis", upis);
        command.Parameters.AddWithValue("reason", reason);
        command.Parameters.Add(new NpgsqlParameter("event", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = (object?)sourceEvent ?? DBNull.Value });
        command.Parameters.AddWithValue("now", now);
        return await command.ExecuteNonQueryAsync(ct);
    }
}
