using System.Text.Json;
using NetTopologySuite.Geometries;

namespace Landplatform.DataSamples;

/// <summary>The coastline polygon read from a GeoJSON file in EPSG:2007 metres.</summary>
internal static class IslandOutline
{
    public static Polygon Read(string path, GeometryFactory factory)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        var polygons = new List<Polygon>();
        CollectPolygons(document.RootElement, factory, polygons);
        if (polygons.Count == 0)
        {
            throw new InvalidDataException($"{path} holds no Polygon or MultiPolygon geometry.");
        }

        // An outline with offshore rocks keeps the main island only.
        var island = polygons.OrderByDescending(p => p.Area).First();
        if (!island.IsValid)
        {
            throw new InvalidDataException($"The island polygon in {path} is not valid.");
        }

        return island;
    }

    private static void CollectPolygons(JsonElement element, GeometryFactory factory, List<Polygon> polygons)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var type = element.TryGetProperty("type", out var typeElement) ? typeElement.GetString() : null;
        switch (type)
        {
            case "FeatureCollection":
                foreach (var feature in element.GetProperty("features").EnumerateArray())
                {
                    CollectPolygons(feature, factory, polygons);
                }

                break;
            case "Feature":
                if (element.TryGetProperty("geometry", out var geometry))
                {
                    CollectPolygons(geometry, factory, polygons);
                }

                break;
            case "Polygon":
                polygons.Add(ReadPolygon(element.GetProperty("coordinates"), factory));
                break;
            case "MultiPolygon":
                foreach (var polygon in element.GetProperty("coordinates").EnumerateArray())
                {
                    polygons.Add(ReadPolygon(polygon, factory));
                }

                break;
            default:
                break;
        }
    }

    private static Polygon ReadPolygon(JsonElement rings, GeometryFactory factory)
    {
        var linearRings = new List<LinearRing>();
        foreach (var ring in rings.EnumerateArray())
        {
            var coordinates = new List<Coordinate>();
            foreach (var position in ring.EnumerateArray())
            {
                var x = Millimetres.ToMetres(Millimetres.FromMetres(position[0].GetDouble()));
                var y = Millimetres.ToMetres(Millimetres.FromMetres(position[1].GetDouble()));
                var coordinate = new Coordinate(x, y);
                if (coordinates.Count == 0 || !coordinates[^1].Equals2D(coordinate))
                {
                    coordinates.Add(coordinate);
                }
            }

            if (!coordinates[0].Equals2D(coordinates[^1]))
            {
                coordinates.Add(coordinates[0].Copy());
            }

            linearRings.Add(factory.CreateLinearRing(coordinates.ToArray()));
        }

        return factory.CreatePolygon(linearRings[0], linearRings.Skip(1).ToArray());
    }
}
