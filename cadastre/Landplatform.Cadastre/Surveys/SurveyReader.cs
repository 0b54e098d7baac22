using System.Globalization;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Surveys.Formats;
using NetTopologySuite.Geometries;
using Npgsql;

namespace Landplatform.Cadastre.Surveys;

/// <summary>
/// Reads a lodged file by its extension into a <see cref="SurveyPlan"/>; S-SCHEMA failures throw <see cref="SurveyUnreadableException"/>.
/// The CRS is any EPSG system PostGIS can transform (<see cref="SurveyCrsCatalog"/>); lot labels are unique.
/// </summary>
public sealed class SurveyReader(SurveyTolerances tolerances, SurveyCrsCatalog systems, NpgsqlDataSource db)
{
    /// <summary>The <c>crs</c> an upload declares, as an EPSG code; anything else is a 400 naming the field.</summary>
    public static int ParseDeclaredCrs(string value) =>
        SurveyCrs.ParseName(value)
        ?? throw new InvalidParameterException("crs", "survey-crs", $"crs '{SurveyFeatureSet.Printable(value)}' is not an EPSG code; write it as EPSG:2007, EPSG:32620, EPSG:4326 or an OGC CRS URI.");

    /// <summary>The largest upload accepted.</summary>
    public const long MaxBytes = 20L * 1024 * 1024;

    public static IReadOnlyList<string> Extensions { get; } = [".xml", ".landxml", ".geojson", ".json", ".csv", ".zip", ".gpkg", ".dxf"];

    public async Task<SurveyPlan> ReadAsync(byte[] content, string fileName, int? declaredSrid, IReadOnlyList<string> declaredParents, CancellationToken ct)
    {
        if (content.Length == 0)
        {
            throw SurveyUnreadableException.Because("The file is empty.");
        }

        if (content.Length > MaxBytes)
        {
            throw SurveyUnreadableException.Because($"The file is larger than {MaxBytes / (1024 * 1024)} MiB.");
        }

        var known = await systems.LoadAsync(ct);
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        var plan = extension switch
        {
            ".xml" or ".landxml" => LandXmlSurveyFormat.Read(content, declaredSrid, tolerances, known),
            ".geojson" or ".json" => GeoJsonSurveyFormat.Read(content, declaredSrid, tolerances),
            ".csv" => CsvSurveyFormat.Read(content, declaredSrid, declaredParents, tolerances),
            ".zip" => ShapefileSurveyFormat.Read(content, declaredSrid, tolerances),
            ".gpkg" => await GeoPackageSurveyFormat.ReadAsync(content, declaredSrid, tolerances, ct),
            ".dxf" => await DxfSurveyFormat.ReadAsync(content, declaredSrid, tolerances, ct),
            _ => throw SurveyUnreadableException.Because(
                $"'{extension}' is not a survey format; lodge LandXML (.xml), GeoJSON, CSV, zipped Shapefile (.zip), GeoPackage (.gpkg) or DXF."),
        };
        var crs = known.GetValueOrDefault(plan.Srid)
            ?? throw SurveyUnreadableException.Because($"EPSG:{plan.Srid} is not a coordinate reference system the platform can transform to the national grid.");
        foreach (var label in plan.Parcels.Concat(plan.Easements).GroupBy(p => p.Label.Trim(), StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).Take(1))
        {
            throw SurveyUnreadableException.Because($"The label '{SurveyFeatureSet.Printable(label)}' is given to {plan.Parcels.Concat(plan.Easements).Count(p => p.Label.Trim().Equals(label, StringComparison.OrdinalIgnoreCase))} parcels; every lot needs its own label.");
        }

        if (plan.Srid is not (2007 or 4326))
        {
            await CheckRangeAsync(plan, ct);
        }

        var parents = plan.ParentUpis.Concat(declaredParents).Select(p => p.Trim().ToUpperInvariant()).Distinct(StringComparer.Ordinal).ToList();
        return plan with { ParentUpis = parents, Crs = crs };
    }

    /// <summary>Coordinates that, transformed by PostGIS, do not fall in Saint Vincent are in another CRS than the one stated.</summary>
    private async Task CheckRangeAsync(SurveyPlan plan, CancellationToken ct)
    {
        if (plan.Parcels.Count == 0)
        {
            return;
        }

        await using var command = db.CreateCommand("""
            SELECT n, ST_X(p), ST_Y(p) FROM (
                SELECT n, ST_Transform(ST_Centroid(ST_Envelope(s)), 4326) AS p FROM unnest(@shapes) WITH ORDINALITY AS u(s, n)) t
            WHERE NOT (ST_X(p) BETWEEN -62.5 AND -60.5 AND ST_Y(p) BETWEEN 12.0 AND 14.0) OR p IS NULL
            LIMIT 1
            """);
        command.Parameters.AddWithValue("shapes", plan.Parcels.Select(p => (Geometry)p.Boundary).ToArray());
        try
        {
            await using var rows = await command.ExecuteReaderAsync(ct);
            if (await rows.ReadAsync(ct))
            {
                var parcel = plan.Parcels[(int)rows.GetInt64(0) - 1];
                var box = parcel.Boundary.EnvelopeInternal;
                throw SurveyUnreadableException.Because(string.Create(CultureInfo.InvariantCulture,
                    $"{parcel.Label} lies at {box.MinX:0.###},{box.MinY:0.###}, outside Saint Vincent in EPSG:{plan.Srid}: the coordinates are in another CRS than the one stated."));
            }
        }
        catch (PostgresException e) when (e.SqlState is "XX000" or "22023")
        {
            throw SurveyUnreadableException.Because($"The coordinates cannot be transformed from EPSG:{plan.Srid} to the national grid.");
        }
    }
}
