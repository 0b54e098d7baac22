using Landplatform.Cadastre.Surveys.Formats;

namespace Landplatform.Cadastre.Surveys;

/// <summary>Reads a lodged file by its extension into a <see cref="SurveyPlan"/>; S-SCHEMA failures throw <see cref="SurveyUnreadableException"/>.</summary>
public sealed class SurveyReader(SurveyTolerances tolerances)
{
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

        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        var plan = extension switch
        {
            ".xml" or ".landxml" => LandXmlSurveyFormat.Read(content, declaredSrid, tolerances),
            ".geojson" or ".json" => GeoJsonSurveyFormat.Read(content, declaredSrid, tolerances),
            ".csv" => CsvSurveyFormat.Read(content, declaredSrid, declaredParents, tolerances),
            ".zip" => ShapefileSurveyFormat.Read(content, declaredSrid, tolerances),
            ".gpkg" => await GeoPackageSurveyFormat.ReadAsync(content, declaredSrid, tolerances, ct),
            ".dxf" => await DxfSurveyFormat.ReadAsync(content, declaredSrid, tolerances, ct),
            _ => throw SurveyUnreadableException.Because(
                $"'{extension}' is not a survey format; lodge LandXML (.xml), GeoJSON, CSV, zipped Shapefile (.zip), GeoPackage (.gpkg) or DXF."),
        };
        var parents = plan.ParentUpis.Concat(declaredParents).Select(p => p.Trim().ToUpperInvariant()).Distinct(StringComparer.Ordinal).ToList();
        return plan with { ParentUpis = parents };
    }
}
