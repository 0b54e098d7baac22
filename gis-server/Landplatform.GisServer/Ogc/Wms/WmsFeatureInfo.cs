using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using Npgsql;

namespace Landplatform.GisServer.Ogc.Wms;

/// <summary>GetFeatureInfo: the features under a pixel of a map, nearest first, with their public attributes.</summary>
public static class WmsFeatureInfo
{
    public const int MaxFeatureCount = 50;

    /// <summary>How far from the pixel's centre a line or point still counts as "under" it, in pixels; a polygon must hold the point itself.</summary>
    private const double SearchRadiusPixels = 3;

    private const int MaxCandidates = 500;

    private sealed record Hit(double Distance, string Id, object?[] Values);

    private sealed record LayerHits(FeatureCollectionDefinition Collection, IReadOnlyList<FeatureProperty> Properties, IReadOnlyList<Hit> Hits);

    public static async Task WriteAsync(HttpContext http, WmsParameters parameters, NpgsqlDataSource db, CancellationToken ct)
    {
        var mapLayers = parameters.Layers();
        var view = parameters.View();
        var asOf = parameters.Time();
        var queryLayers = parameters.Required("QUERY_LAYERS").Split(',').Select(n => WmsParameters.Collection(n, "QUERY_LAYERS")).ToList();
        if (queryLayers.FirstOrDefault(q => mapLayers.All(l => l.Collection.Id != q.Id)) is { } notInMap)
        {
            throw new WmsException("LayerNotDefined", "QUERY_LAYERS", $"Layer {notInMap.Id} is queried but not in LAYERS.");
        }

        var format = parameters.Required("INFO_FORMAT").Trim().ToLowerInvariant() switch
        {
            "application/json" or "application/geo+json" => "application/json",
            "text/html" => "text/html",
            "text/plain" => "text/plain",
            var other => throw new WmsException("InvalidFormat", "INFO_FORMAT",
                $"{WmsException.Quote(other)} is not offered; use application/json, text/html or text/plain."),
        };
        var i = Pixel(parameters, parameters.IsVersion111 ? "X" : "I", view.Width);
        var j = Pixel(parameters, parameters.IsVersion111 ? "Y" : "J", view.Height);
        var count = FeatureCount(parameters);

        var (x, y) = view.ToMap(i, j);
        var point = new Point(x, y);
        var radius = SearchRadiusPixels * Math.Max(view.PixelWidth, view.PixelHeight);
        var searchView = view with { MinX = x - radius, MinY = y - radius, MaxX = x + radius, MaxY = y + radius };
        var results = new List<LayerHits>();
        foreach (var collection in queryLayers.DistinctBy(c => c.Id))
        {
            results.Add(await FindAsync(db, collection, searchView, point, radius, asOf, count, ct));
        }

        http.Response.ContentType = format + "; charset=utf-8";
        switch (format)
        {
            case "application/json":
                await WriteJsonAsync(http, results, ct);
                break;
            case "text/html":
                await WriteTextAsync(http, Html(results), ct);
                break;
            default:
                await WriteTextAsync(http, Plain(results), ct);
                break;
        }
    }

    private static int Pixel(WmsParameters parameters, string name, int size)
    {
        var text = parameters.Required(name);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value < size
            ? value
            : throw new WmsException("InvalidPoint", name, $"{name} must be a pixel of the map, 0 to {size - 1}, not {WmsException.Quote(text)}.");
    }

    private static int FeatureCount(WmsParameters parameters)
    {
        var text = parameters["FEATURE_COUNT"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return 1;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= MaxFeatureCount
            ? count
            : throw new WmsException(null, "FEATURE_COUNT", $"FEATURE_COUNT is 1 to {MaxFeatureCount}, not {WmsException.Quote(text)}.");
    }

    private static async Task<LayerHits> FindAsync(
        NpgsqlDataSource db, FeatureCollectionDefinition collection, MapView searchView, Point point, double radius,
        DateTimeOffset? asOf, int count, CancellationToken ct)
    {
        var properties = collection.Properties;
        if (MapRegion.Clip(searchView) is not { } box)
        {
            return new LayerHits(collection, properties, []);
        }

        var query = new FeatureQuery(collection)
        {
            Bbox = new BboxFilter(box.MinX, box.MinY, box.MaxX, box.MaxY, searchView.Srid),
            AsOf = collection.IsTemporal ? asOf : null,
            Limit = MaxCandidates,
            OutputSrid = searchView.Srid,
            Geometry = GeometryEncoding.Wkb,
        };
        var hits = new List<Hit>();
        var reader = new WKBReader();
        // Polygons answer only where the pixel's centre lies in them (or on their edge), never a neighbour metres away.
        var reach = collection.GeometryType.EndsWith("Polygon", StringComparison.Ordinal) ? 0 : radius;
        await using var command = FeatureSql.Select(db, query);
        await using var rows = await command.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
        {
            var distance = reader.Read(rows.GetFieldValue<byte[]>(properties.Count + 1)).Distance(point);
            if (distance > reach)
            {
                continue;
            }

            var values = new object?[properties.Count];
            for (var p = 0; p < properties.Count; p++)
            {
                values[p] = rows.IsDBNull(p + 1) ? null : rows.GetValue(p + 1);
            }

            hits.Add(new Hit(distance, rows.GetString(0), values));
        }

        return new LayerHits(collection, properties, hits.OrderBy(h => h.Distance).ThenBy(h => h.Id, StringComparer.Ordinal).Take(count).ToList());
    }

    private static async Task WriteJsonAsync(HttpContext http, List<LayerHits> results, CancellationToken ct)
    {
        await using var json = new Utf8JsonWriter(http.Response.BodyWriter);
        json.WriteStartObject();
        json.WriteString("type", "FeatureCollection");
        json.WriteStartArray("features");
        foreach (var layer in results)
        {
            foreach (var hit in layer.Hits)
            {
                json.WriteStartObject();
                json.WriteString("type", "Feature");
                json.WriteString("id", hit.Id);
                json.WriteString("layer", layer.Collection.Id);
                json.WriteNull("geometry");
                json.WriteStartObject("properties");
                for (var p = 0; p < layer.Properties.Count; p++)
                {
                    json.WritePropertyName(layer.Properties[p].Name);
                    FeatureValues.WriteJson(json, hit.Values[p]);
                }

                json.WriteEndObject();
                json.WriteEndObject();
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(ct);
    }

    private static string Text(object? value) => value switch
    {
        null => string.Empty,
        DateTime t => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        double d => Math.Round(d, 2).ToString(CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    private static string Plain(List<LayerHits> results)
    {
        var text = new StringBuilder();
        foreach (var layer in results)
        {
            text.Append(CultureInfo.InvariantCulture, $"Layer '{layer.Collection.Id}': {layer.Hits.Count} feature(s)\n");
            foreach (var hit in layer.Hits)
            {
                text.Append(CultureInfo.InvariantCulture, $"  Feature {hit.Id}\n");
                for (var p = 0; p < layer.Properties.Count; p++)
                {
                    text.Append(CultureInfo.InvariantCulture, $"    {layer.Properties[p].Name} = {Text(hit.Values[p])}\n");
                }
            }
        }

        return text.ToString();
    }

    private static string Html(List<LayerHits> results)
    {
        var html = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Feature info</title></head><body>\n");
        foreach (var layer in results)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2>{WebUtility.HtmlEncode(layer.Collection.Title)}</h2>\n");
            if (layer.Hits.Count == 0)
            {
                html.Append("<p>No feature here.</p>\n");
                continue;
            }

            html.Append("<table>\n<tr><th>id</th>");
            foreach (var property in layer.Properties)
            {
                html.Append(CultureInfo.InvariantCulture, $"<th>{WebUtility.HtmlEncode(property.Name)}</th>");
            }

            html.Append("</tr>\n");
            foreach (var hit in layer.Hits)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{WebUtility.HtmlEncode(hit.Id)}</td>");
                foreach (var value in hit.Values)
                {
                    html.Append(CultureInfo.InvariantCulture, $"<td>{WebUtility.HtmlEncode(Text(value))}</td>");
                }

                html.Append("</tr>\n");
            }

            html.Append("</table>\n");
        }

        return html.Append("</body></html>\n").ToString();
    }

    private static async Task WriteTextAsync(HttpContext http, string text, CancellationToken ct) =>
        await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
}
