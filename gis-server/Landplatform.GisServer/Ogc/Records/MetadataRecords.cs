using System.Globalization;
using System.Text.Json.Nodes;
using Landplatform.Cadastre.Api;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Layers;
using Landplatform.GisServer.Ogc.Features;

namespace Landplatform.GisServer.Ogc.Records;

/// <summary>
/// The spatial data infrastructure's metadata catalogue as OGC API – Records Part 1 at <c>/ogc/collections/metadata</c>:
/// one record per published collection (title and abstract from the layer catalog, keywords, topic, lineage, licence,
/// update frequency and contact from <see cref="DatasetCatalogue"/>, the extent and time span computed from the data),
/// searchable by free text (q), extent (bbox), time (datetime), type and ids, each record linking to the services that
/// serve the dataset. Each feature collection links to its record (<c>describedby</c>).
/// </summary>
public static class MetadataRecords
{
    public const string CatalogueId = "metadata";
    public const int MaxLimit = 100;

    /// <summary>The Records classes implemented: the record, the catalogue collection, the API and its core query parameters, GeoJSON.</summary>
    public static readonly string[] ConformanceClasses =
    [
        "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/record-core",
        "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/record-collection",
        "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/record-api",
        "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/record-core-query-parameters",
        "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/json",
    ];

    private const string RecordCore = "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/record-core";
    private const string TopicScheme = "https://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_TopicCategoryCode";
    private static readonly string[] QueryParameters = ["f", "q", "bbox", "datetime", "type", "ids", "externalIds", "limit", "offset"];

    public static void MapMetadataRecords(this IEndpointRouteBuilder app)
    {
        var reads = app.MapGroup("/ogc/collections/" + CatalogueId).WithTags("OGC API Records").AllowAnonymous().RequireRateLimiting(Landplatform.Integrations.Identity.RateLimits.Public);
        reads.MapGet("/", CatalogueAsync).WithName("RecordsCatalogue")
            .WithSummary("The metadata catalogue (OGC API Records): a collection of one dataset record per published collection.");
        reads.MapGet("/items", ItemsAsync).WithName("RecordsItems")
            .WithSummary("Dataset records: q (comma-separated terms, any in title, description or keywords), bbox (CRS84), datetime (instant or interval; records whose time span meets it), type, ids, externalIds, limit (1-100, default 10), offset.");
        reads.MapGet("/items/{recordId}", ItemAsync).WithName("RecordsItem")
            .WithSummary("One dataset record: title, abstract, keywords, topic, lineage, licence, update frequency, contact, extent, and links to the services.");
    }

    /// <summary>The catalogue as a collection, as <c>/ogc/collections</c> lists it.</summary>
    public static JsonObject CatalogueDocument(string root)
    {
        var self = $"{root}/collections/{CatalogueId}";
        return new JsonObject
        {
            ["id"] = CatalogueId,
            ["title"] = "Dataset metadata",
            ["description"] = "The catalogue of the platform's datasets: one record for each published collection, with its abstract, lineage, licence, update frequency, contact and extent.",
            ["itemType"] = "record",
            ["type"] = "Catalog",
            ["conformsTo"] = new JsonArray(ConformanceClasses.Select(c => (JsonNode)c!).ToArray()),
            ["keywords"] = new JsonArray("metadata", "catalogue", "spatial data infrastructure"),
            ["license"] = DatasetCatalogue.LicenceId,
            ["links"] = new JsonArray(
                FeaturesEndpoints.Link("self", self, FeaturesEndpoints.Json, "The metadata catalogue"),
                FeaturesEndpoints.Link("items", self + "/items", FeaturesEndpoints.GeoJson, "Dataset records"),
                FeaturesEndpoints.Link("license", DatasetCatalogue.LicenceUrl, "text/html", DatasetCatalogue.LicenceId)),
        };
    }

    /// <summary>The record's URL for a collection (the collection's <c>describedby</c> link).</summary>
    public static string RecordUrl(string root, string collectionId) => $"{root}/collections/{CatalogueId}/items/{Uri.EscapeDataString(collectionId)}";

    private static async Task CatalogueAsync(HttpContext http, CancellationToken ct)
    {
        ItemsParameters.RefuseUnknown(http.Request.Query, ["f"]);
        await FeaturesEndpoints.WriteAsync(http, CatalogueDocument(FeaturesEndpoints.BaseUrl(http.Request) + "/ogc"), "Dataset metadata", ct);
    }

    private static async Task ItemsAsync(HttpContext http, CollectionExtents extents, CancellationToken ct)
    {
        var query = http.Request.Query;
        ItemsParameters.RefuseUnknown(query, QueryParameters);
        var limit = Number(query["limit"], "limit", 1, MaxLimit) ?? 10;
        var offset = Number(query["offset"], "offset", 0, int.MaxValue) ?? 0;
        var terms = List(query["q"]);
        if (terms?.Any(t => t.Length > 100) == true)
        {
            throw new InvalidParameterException("q", "q-term", "Each search term is at most 100 characters.");
        }

        var box = ParcelQueryParameters.ParseBbox(query["bbox"].FirstOrDefault(), null);
        var (instant, period) = ItemsParameters.Datetime(query["datetime"].FirstOrDefault());
        var types = List(query["type"]);
        var ids = List(query["ids"]);
        var externalIds = List(query["externalIds"]);

        var root = FeaturesEndpoints.BaseUrl(http.Request) + "/ogc";
        var matched = new List<JsonObject>();
        foreach (var collection in FeatureCatalog.All)
        {
            var extent = await extents.ForAsync(collection, ct);
            var metadata = DatasetCatalogue.Find(collection.Id) ?? throw new InvalidOperationException($"no dataset metadata for {collection.Id}");
            if (ids is not null && !ids.Contains(collection.Id, StringComparer.Ordinal))
            {
                continue;
            }

            // No record carries an external identifier yet, so a search by one finds none; type is "dataset" for all.
            if (externalIds is not null || (types is not null && !types.Contains("dataset", StringComparer.OrdinalIgnoreCase)))
            {
                continue;
            }

            if (terms is not null && !terms.Any(t => Mentions(collection, metadata, t)))
            {
                continue;
            }

            if (box is not null && (extent.Bbox is not { } b || b[2] < box.MinX || b[0] > box.MaxX || b[3] < box.MinY || b[1] > box.MaxY))
            {
                continue;
            }

            if ((instant is not null || period is not null) && !During(extent, instant, period))
            {
                continue;
            }

            matched.Add(Record(root, collection, metadata, extent));
        }

        var page = matched.Skip(offset).Take(limit).ToList();
        var self = FeaturesEndpoints.SelfUrl(http.Request);
        var links = new JsonArray(
            FeaturesEndpoints.Link("self", self, FeaturesEndpoints.GeoJson, "This page"),
            FeaturesEndpoints.Link("collection", $"{root}/collections/{CatalogueId}", FeaturesEndpoints.Json, "The metadata catalogue"));
        if (offset + page.Count < matched.Count)
        {
            links.Add(FeaturesEndpoints.Link("next", FeaturesEndpoints.WithQuery(http.Request, new Dictionary<string, string?>
            {
                ["offset"] = (offset + page.Count).ToString(CultureInfo.InvariantCulture),
                ["limit"] = limit.ToString(CultureInfo.InvariantCulture),
            }), FeaturesEndpoints.GeoJson, "Next page"));
        }

        var document = new JsonObject
        {
            ["type"] = "FeatureCollection",
            ["features"] = new JsonArray(page.Select(r => (JsonNode)r).ToArray()),
            ["numberMatched"] = matched.Count,
            ["numberReturned"] = page.Count,
            ["timeStamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["links"] = links,
        };
        await FeaturesEndpoints.WriteAsync(http, document, "Dataset records", ct, FeaturesEndpoints.GeoJson);
    }

    private static async Task ItemAsync(string recordId, HttpContext http, CollectionExtents extents, CancellationToken ct)
    {
        ItemsParameters.RefuseUnknown(http.Request.Query, ["f"]);
        var collection = FeatureCatalog.Find(recordId)
            ?? throw new ResourceNotFoundException("record-unknown", $"The catalogue has no record '{recordId}'; its records are {string.Join(", ", FeatureCatalog.All.Select(c => c.Id))}.");
        var metadata = DatasetCatalogue.Find(collection.Id) ?? throw new InvalidOperationException($"no dataset metadata for {collection.Id}");
        var record = Record(FeaturesEndpoints.BaseUrl(http.Request) + "/ogc", collection, metadata, await extents.ForAsync(collection, ct));
        await FeaturesEndpoints.WriteAsync(http, record, collection.Title, ct, FeaturesEndpoints.GeoJson);
    }

    private static bool Mentions(FeatureCollectionDefinition collection, DatasetMetadata metadata, string term) =>
        collection.Title.Contains(term, StringComparison.OrdinalIgnoreCase)
        || collection.Description.Contains(term, StringComparison.OrdinalIgnoreCase)
        || metadata.Keywords.Any(k => k.Contains(term, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether the dataset's time span meets the instant or interval; a dataset with no time span meets none.</summary>
    private static bool During(CollectionExtent extent, DateTimeOffset? instant, TimePeriod? period)
    {
        if (extent.From is not { } from)
        {
            return false;
        }

        var to = extent.OpenEnded ? DateTimeOffset.MaxValue : extent.To ?? DateTimeOffset.MaxValue;
        return instant is { } at
            ? from <= at && at <= to
            : (period!.Start is null || period.Start <= to) && (period.End is null || period.End >= from);
    }

    private static JsonObject Record(string root, FeatureCollectionDefinition collection, DatasetMetadata metadata, CollectionExtent extent)
    {
        var self = RecordUrl(root, collection.Id);
        var data = $"{root}/collections/{collection.Id}";
        var server = root[..^"/ogc".Length];
        var links = new JsonArray(
            FeaturesEndpoints.Link("self", self, FeaturesEndpoints.GeoJson, collection.Title + " (record)"),
            FeaturesEndpoints.Link("collection", $"{root}/collections/{CatalogueId}", FeaturesEndpoints.Json, "The metadata catalogue"),
            FeaturesEndpoints.Link("describes", data, FeaturesEndpoints.Json, collection.Title + " (OGC API Features collection)"),
            FeaturesEndpoints.Link("items", data + "/items", FeaturesEndpoints.GeoJson, collection.Title + " as GeoJSON"),
            FeaturesEndpoints.Link("enclosure", data + "/items?f=gpkg", GeoPackageDownload.MediaType, collection.Title + " as a GeoPackage"),
            FeaturesEndpoints.Link("service", $"{server}/wfs?SERVICE=WFS&REQUEST=GetCapabilities", "application/xml", "WFS 2.0 (type lp:" + collection.Id + ")"),
            FeaturesEndpoints.Link("service", $"{server}/wms?SERVICE=WMS&REQUEST=GetCapabilities", "application/xml", "WMS 1.3.0 (layer " + collection.Id + ")"),
            FeaturesEndpoints.Link("license", DatasetCatalogue.LicenceUrl, "text/html", DatasetCatalogue.LicenceId));
        if (Landplatform.Tiles.Vector.TileLayers.Find(collection.Id) is not null)
        {
            links.Add(FeaturesEndpoints.Link("service", $"{server}/tiles/{collection.Id}.json", "application/json", collection.Title + " vector tiles (TileJSON)"));
            links.Add(FeaturesEndpoints.Link("service", $"{server}/wmts?SERVICE=WMTS&REQUEST=GetCapabilities", "application/xml", "WMTS (layer " + collection.Id + ")"));
        }

        JsonNode? geometry = null;
        if (extent.Bbox is { } b)
        {
            geometry = new JsonObject
            {
                ["type"] = "Polygon",
                ["coordinates"] = new JsonArray(new JsonArray(
                    Position(b[0], b[1]), Position(b[2], b[1]), Position(b[2], b[3]), Position(b[0], b[3]), Position(b[0], b[1]))),
            };
        }

        JsonNode? time = extent.From is { } from
            ? new JsonObject { ["interval"] = new JsonArray(Stamp(from), extent.OpenEnded || extent.To is null ? ".." : Stamp(extent.To.Value)) }
            : null;
        var contact = DatasetCatalogue.Contact;
        return new JsonObject
        {
            ["id"] = collection.Id,
            ["type"] = "Feature",
            ["conformsTo"] = new JsonArray(RecordCore),
            ["geometry"] = geometry,
            ["time"] = time,
            ["properties"] = new JsonObject
            {
                ["type"] = "dataset",
                ["title"] = collection.Title,
                ["description"] = collection.Description,
                ["keywords"] = new JsonArray(metadata.Keywords.Select(k => (JsonNode)k!).ToArray()),
                ["themes"] = new JsonArray(new JsonObject
                {
                    ["concepts"] = new JsonArray(new JsonObject { ["id"] = metadata.TopicCategory }),
                    ["scheme"] = TopicScheme,
                }),
                ["language"] = new JsonObject { ["code"] = "en" },
                ["created"] = metadata.Created.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["updated"] = extent.To is { } to && !extent.OpenEnded ? Stamp(to) : null,
                ["contacts"] = new JsonArray(new JsonObject
                {
                    ["organization"] = contact.Organization,
                    ["emails"] = new JsonArray(new JsonObject { ["value"] = contact.Email }),
                    ["addresses"] = new JsonArray(new JsonObject { ["deliveryPoint"] = new JsonArray(contact.Address), ["country"] = "Saint Vincent and the Grenadines" }),
                    ["roles"] = new JsonArray(contact.Roles.Select(r => (JsonNode)r!).ToArray()),
                }),
                ["license"] = DatasetCatalogue.LicenceId,
                ["rights"] = DatasetCatalogue.Rights,
                ["formats"] = new JsonArray(
                    new JsonObject { ["name"] = "GeoJSON", ["mediaType"] = FeaturesEndpoints.GeoJson },
                    new JsonObject { ["name"] = "GeoPackage", ["mediaType"] = GeoPackageDownload.MediaType },
                    new JsonObject { ["name"] = "CSV", ["mediaType"] = "text/csv" },
                    new JsonObject { ["name"] = "GML 3.2 (WFS)", ["mediaType"] = "application/gml+xml; version=3.2" }),
                ["lineage"] = metadata.Lineage,
                ["updateFrequency"] = metadata.UpdateFrequency,
            },
            ["links"] = links,
        };
    }

    private static JsonArray Position(double x, double y) => new(x, y);

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static List<string>? List(Microsoft.Extensions.Primitives.StringValues values)
    {
        var text = values.FirstOrDefault();
        return string.IsNullOrWhiteSpace(text) ? null : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }

    private static int? Number(Microsoft.Extensions.Primitives.StringValues values, string name, int min, int max)
    {
        var text = values.FirstOrDefault();
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new InvalidParameterException(name, name + "-range", $"{name} is a whole number from {min} to {max}.");
    }
}
