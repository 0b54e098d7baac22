using System.Globalization;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using NetTopologySuite.Geometries;

namespace Landplatform.Cadastre.Surveys.Formats;

/// <summary>
/// GeoJSON: a FeatureCollection of lots (Polygon; properties <c>label</c>, <c>area</c>) and, optionally,
/// features with <c>role: "parent"</c> and <c>upi</c>. The CRS is the legacy <c>crs</c> member (as GDAL
/// writes for the national grid) or, without it, WGS 84 as RFC 7946 defines.
/// </summary>
internal static class GeoJsonSurveyFormat
{
    public static SurveyPlan Read(byte[] content, int? declaredSrid, SurveyTolerances tolerances)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(content, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw SurveyUnreadableException.Because($"The GeoJSON does not parse: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.GetString() != "FeatureCollection" ||
                !root.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
            {
                throw SurveyUnreadableException.Because("A GeoJSON survey is a FeatureCollection with a features array.");
            }

            var fileSrid = FileSrid(root);
            var srid = SurveyCrs.Resolve(fileSrid, declaredSrid, rfcDefault: 4326);
            var lots = new SurveyFeatureSet(srid, tolerances);
            var index = 0;
            foreach (var feature in features.EnumerateArray())
            {
                index++;
                var properties = feature.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
                var read = new SurveyFeature(index, Text(properties, "role"), Text(properties, "upi"), Text(properties, "label"), Text(properties, "name"), null);
                if (read.Role != "parent")
                {
                    read = read with { Area = Number(properties, "area") };
                }

                lots.Add(read, label =>
                {
                    if (!feature.TryGetProperty("geometry", out var geometry) || geometry.ValueKind != JsonValueKind.Object)
                    {
                        return null;
                    }

                    return PolygonRings(geometry, label);
                });
            }

            return lots.ToPlan("geojson");
        }
    }

    private static int? FileSrid(JsonElement root)
    {
        if (!root.TryGetProperty("crs", out var crs) || !crs.TryGetProperty("properties", out var properties) ||
            !properties.TryGetProperty("name", out var name))
        {
            return null;
        }

        var text = name.ValueKind == JsonValueKind.String ? name.GetString() ?? string.Empty : string.Empty;
        return SurveyCrs.ParseName(text)
            ?? throw SurveyUnreadableException.Because($"The file's crs '{SurveyFeatureSet.Printable(text)}' names no EPSG code; write it as urn:ogc:def:crs:EPSG::2007 or EPSG:2007.");
    }

    private static List<List<Coordinate>> PolygonRings(JsonElement geometry, string label)
    {
        var kind = geometry.TryGetProperty("type", out var t) ? t.GetString() : null;
        var coordinates = geometry.TryGetProperty("coordinates", out var c) ? c : default;
        if (kind == "MultiPolygon" && coordinates.ValueKind == JsonValueKind.Array && coordinates.GetArrayLength() == 1)
        {
            coordinates = coordinates[0];
            kind = "Polygon";
        }

        if (kind != "Polygon" || coordinates.ValueKind != JsonValueKind.Array || coordinates.GetArrayLength() == 0)
        {
            throw SurveyUnreadableException.Because($"{label}: a lot is one Polygon; got {kind ?? "nothing"}.");
        }

        var rings = new List<List<Coordinate>>();
        foreach (var ring in coordinates.EnumerateArray())
        {
            var points = new List<Coordinate>();
            foreach (var position in ring.EnumerateArray())
            {
                if (position.ValueKind != JsonValueKind.Array || position.GetArrayLength() < 2 ||
                    !position[0].TryGetDouble(out var x) || !position[1].TryGetDouble(out var y) || !double.IsFinite(x) || !double.IsFinite(y))
                {
                    throw SurveyUnreadableException.Because($"{label}: a position is not a pair of numbers.");
                }

                points.Add(new Coordinate(x, y));
            }

            rings.Add(points);
        }

        return rings;
    }

    private static string? Text(JsonElement properties, string name) =>
        properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static decimal? Number(JsonElement properties, string name) =>
        properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.Number => v.GetDecimal(),
                JsonValueKind.String when decimal.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
                _ => null,
            }
            : null;
}
