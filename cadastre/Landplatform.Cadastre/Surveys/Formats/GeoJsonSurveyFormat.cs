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
            var findings = new List<SurveyFinding>();
            var parcels = new List<SurveyedParcel>();
            var parents = new List<string>();
            var vertices = 0;
            var index = 0;
            foreach (var feature in features.EnumerateArray())
            {
                index++;
                var properties = feature.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
                if (Text(properties, "role") == "parent")
                {
                    parents.Add(Text(properties, "upi") ?? throw SurveyUnreadableException.Because($"Feature {index} is a parent without a upi."));
                    continue;
                }

                var label = Text(properties, "label") ?? Text(properties, "name") ?? $"Lot {index}";
                if (!feature.TryGetProperty("geometry", out var geometry) || geometry.ValueKind != JsonValueKind.Object)
                {
                    throw SurveyUnreadableException.Because($"{label} has no geometry.");
                }

                var rings = PolygonRings(geometry, label);
                vertices += rings.Sum(r => r.Count);
                if (vertices > tolerances.MaxVertices)
                {
                    throw SurveyUnreadableException.Because($"The survey has more than {tolerances.MaxVertices} vertices; split it into smaller plans.");
                }

                var polygon = RingBuilder.Build(label, rings[0], srid, closeImplicitly: false, tolerances.DuplicateVertex, findings);
                if (polygon is not null && rings.Count > 1)
                {
                    var holes = rings.Skip(1).Select(r => polygon.Factory.CreateLinearRing(Closed(r))).ToArray();
                    polygon = polygon.Factory.CreatePolygon(polygon.Shell, holes);
                }

                if (polygon is not null)
                {
                    parcels.Add(new SurveyedParcel(label, polygon, Number(properties, "area")));
                }
            }

            SurveyCrs.CheckRange(srid, parcels);
            return new SurveyPlan("geojson", srid, parcels, [], parents) { ReadFindings = findings };
        }
    }

    private static int? FileSrid(JsonElement root)
    {
        if (!root.TryGetProperty("crs", out var crs) || !crs.TryGetProperty("properties", out var properties) ||
            !properties.TryGetProperty("name", out var name))
        {
            return null;
        }

        try
        {
            return CoordinateReferenceSystem.Parse(name.GetString() ?? string.Empty, "crs").Srid;
        }
        catch (InvalidParameterException e)
        {
            throw SurveyUnreadableException.Because($"The file's CRS is not one the platform knows: {e.Message}");
        }
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

    private static Coordinate[] Closed(List<Coordinate> ring) =>
        ring.Count > 0 && !ring[0].Equals2D(ring[^1]) ? [.. ring, ring[0].Copy()] : [.. ring];

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
