using System.Globalization;
using Landplatform.Cadastre.Contracts;
using Npgsql;

namespace Landplatform.Integrations.Permits;

/// <summary>One finding of the automatic check: <c>blocking</c> (the officer cannot approve as proposed), <c>condition</c>, or <c>advice</c>.</summary>
public sealed record PermitFinding(string Id, string Severity, string Message);

/// <summary>
/// The automatic check of an application against what the cadastre records: the hazard zones (river and
/// coastal flood, storm surge, landslide) the footprint lies in, by share of its area, and the parcel's land
/// use. The sample has no planning zones (no zoning layer exists in the cadastre yet): the check says so
/// and falls back on the land use.
/// </summary>
public sealed class PermitCheck(NpgsqlDataSource dataSource)
{
    /// <summary>Minimum height of the lowest habitable floor above existing ground (m), by hazard level.</summary>
    private static readonly Dictionary<string, decimal> FloodFloor = new() { ["high"] = 1.00m, ["medium"] = 0.60m, ["low"] = 0.30m };
    private static readonly Dictionary<string, decimal> SurgeFloor = new() { ["high"] = 1.50m, ["medium"] = 1.00m, ["low"] = 0.50m };

    /// <summary>Checks a footprint (GeoJSON polygon in EPSG:2007, or null for the whole parcel) on a current parcel.</summary>
    public async Task<IReadOnlyList<PermitFinding>> RunAsync(string upi, string? footprint, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        string landUse;
        await using (var parcel = new NpgsqlCommand("""
            WITH p AS (SELECT boundary, land_use FROM cadastre.parcel_versions WHERE upi = @upi AND status = 'current'),
                 f AS (SELECT CASE WHEN @footprint::text IS NULL THEN (SELECT boundary FROM p)
                                   ELSE ST_SetSRID(ST_GeomFromGeoJSON(@footprint::text), 2007) END AS g)
            SELECT p.land_use, ST_IsValid(f.g) AND GeometryType(f.g) IN ('POLYGON', 'MULTIPOLYGON') AND ST_Area(f.g) > 0,
                   ST_CoveredBy(f.g, ST_Buffer(p.boundary, 0.05))
            FROM p, f
            """, connection))
        {
            parcel.Parameters.AddWithValue("upi", upi);
            parcel.Parameters.Add(new NpgsqlParameter("footprint", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)footprint ?? DBNull.Value });
            await using var row = await ReadAsync(parcel, ct);
            if (!await row.ReadAsync(ct))
            {
                throw new DomainRuleViolationException("P-PARCEL", $"Parcel {upi} is not a current parcel of the fabric.");
            }

            if (!row.GetBoolean(1))
            {
                throw new InvalidParameterException("footprint", "P-FOOTPRINT", "The footprint must be a valid GeoJSON polygon with an area, in EPSG:2007 metres.");
            }

            if (!row.GetBoolean(2))
            {
                throw new InvalidParameterException("footprint", "P-FOOTPRINT", $"The footprint reaches outside parcel {upi}.");
            }

            landUse = row.GetString(0);
        }

        var findings = new List<PermitFinding>();
        await using (var hazards = new NpgsqlCommand("""
            WITH f AS (SELECT CASE WHEN @footprint::text IS NULL
                                   THEN (SELECT boundary FROM cadastre.parcel_versions WHERE upi = @upi AND status = 'current')
                                   ELSE ST_SetSRID(ST_GeomFromGeoJSON(@footprint::text), 2007) END AS g)
            SELECT z.hazard, z.level, ST_Area(ST_Intersection(f.g, ST_Union(z.boundary))) / ST_Area(f.g) AS share
            FROM f JOIN cadastre.hazard_zones z ON ST_Intersects(z.boundary, f.g)
            GROUP BY z.hazard, z.level, f.g
            ORDER BY z.hazard, CASE z.level WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END
            """, connection))
        {
            hazards.Parameters.AddWithValue("upi", upi);
            hazards.Parameters.Add(new NpgsqlParameter("footprint", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)footprint ?? DBNull.Value });
            await using var rows = await hazards.ExecuteReaderAsync(ct);
            while (await rows.ReadAsync(ct))
            {
                var share = rows.GetDouble(2);
                if (share < 0.0005)
                {
                    continue;
                }

                findings.Add(Hazard(rows.GetString(0), rows.GetString(1), share, footprint is null));
            }
        }

        if (findings.Count == 0)
        {
            findings.Add(new PermitFinding("P-HAZARD-NONE", "advice", $"The {(footprint is null ? "parcel" : "footprint")} lies in no recorded hazard zone."));
        }

        findings.Add(new PermitFinding("P-PLANNING-NONE", "advice",
            "No planning zones are recorded for the island yet; the check applied the parcel's recorded land use instead."));
        findings.Add(landUse switch
        {
            "conservation" => new PermitFinding("P-LANDUSE", "blocking", "The parcel is conservation land: new buildings are not permitted on it."),
            "forest" => new PermitFinding("P-LANDUSE", "condition", "The parcel is forest: clearing beyond the footprint needs the Forestry Department's consent."),
            _ => new PermitFinding("P-LANDUSE", "advice", $"The parcel's land use is {landUse}; a building consistent with it is expected."),
        });
        return findings;
    }

    private static async Task<NpgsqlDataReader> ReadAsync(NpgsqlCommand command, CancellationToken ct)
    {
        try
        {
            return await command.ExecuteReaderAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState is "XX000" or "22023" or "22P02")
        {
            throw new InvalidParameterException("footprint", "P-FOOTPRINT", $"The footprint is not a GeoJSON polygon PostGIS can read: {e.MessageText}");
        }
    }

    private static PermitFinding Hazard(string hazard, string level, double share, bool wholeParcel)
    {
        var percent = (share * 100).ToString(share >= 0.1 ? "0" : "0.#", CultureInfo.InvariantCulture);
        var what = wholeParcel ? "parcel" : "footprint";
        return hazard switch
        {
            "flood_river" or "flood_coastal" => new PermitFinding("P-FLOOD", level == "low" ? "advice" : "condition",
                $"The {what} lies {percent} % in a {(hazard == "flood_river" ? "river" : "coastal")} flood zone ({level}); the lowest habitable floor must be at least {FloodFloor[level]:0.00} m above existing ground."),
            "storm_surge" => new PermitFinding("P-SURGE", level == "low" ? "advice" : "condition",
                $"The {what} lies {percent} % in a storm-surge zone ({level}); the lowest habitable floor must be at least {SurgeFloor[level]:0.00} m above existing ground."),
            "landslide" => new PermitFinding("P-LANDSLIDE", level == "high" ? "blocking" : "condition",
                $"The {what} lies {percent} % in a landslide zone ({level}); " + (level == "high"
                    ? "building is refused unless a geotechnical report shows the slope stable."
                    : "a geotechnical report must accompany the application.")),
            _ => new PermitFinding("P-HAZARD", "advice", $"The {what} lies {percent} % in a {hazard} zone ({level})."),
        };
    }
}
