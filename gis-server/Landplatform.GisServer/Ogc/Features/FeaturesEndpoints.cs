using Landplatform.Cadastre.Contracts.Layers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Fabric;
using Landplatform.Integrations.Identity;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.WebUtilities;
using Npgsql;

namespace Landplatform.GisServer.Ogc.Features;

/// <summary>OGC API – Features at <c>/ogc</c>: Part 1 (core, GeoJSON, HTML, OpenAPI), Part 2 (CRS), Part 3 (CQL2 filters), Part 4 (buildings).</summary>
public static class FeaturesEndpoints
{
    public const string GeoJson = "application/geo+json";
    public const string Json = "application/json";

    /// <summary>
    /// Exactly what is implemented. Not declared: Part 1's oas30 (the API description is OpenAPI 3.1), CQL2's
    /// property-property, functions, arithmetic, array-functions and temporal-functions (the temporal functions work
    /// between a property, or the INTERVAL of two properties, and a literal; between two properties they do not).
    /// Parts 4 and 5 are drafts; their classes are named as the drafts name them. Sorting (sortby) and free text (q) are
    /// drafts without settled classes: they work and are described in the API description, but are not declared.
    /// </summary>
    public static readonly string[] ConformanceClasses =
    [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
        "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
        "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
        "http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
        "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
        "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas",
        "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/sortables",
        .. Landplatform.Tiles.Api.OgcTiles.ConformanceClasses,
        .. Records.MetadataRecords.ConformanceClasses,
    ];

    private const string QueryablesRel = "http://www.opengis.net/def/rel/ogc/1.0/queryables";
    private const string NumberMatchedNote =
        "numberMatched is given when it is cheap: always on the page that holds the last match, otherwise the exact count when PostgreSQL plans it as cheap (fewer than 50,000 rows and no costly spatial test over many of them); otherwise it is left out.";

    /// <summary>The services of the Features API (collection extents, the building register).</summary>
    public static IServiceCollection AddOgcFeatures(this IServiceCollection services)
    {
        services.AddScoped<BuildingRegister>();
        return services;
    }

    public static RouteGroupBuilder MapOgcFeatures(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/ogc").WithTags("OGC API Features");
        var reads = app.MapGroup("/ogc").WithTags("OGC API Features").AllowAnonymous().RequireRateLimiting(RateLimits.Public);

        reads.MapGet("/", LandingAsync).WithName("OgcLanding")
            .WithSummary("OGC API landing page: links to the API description, conformance and the collections (f=json|html).")
            .Produces(StatusCodes.Status200OK, contentType: Json);
        reads.MapGet("/conformance", ConformanceAsync).WithName("OgcConformance")
            .WithSummary("The conformance classes this API implements (Features Parts 1-4, CQL2).")
            .Produces(StatusCodes.Status200OK, contentType: Json);
        reads.MapGet("/collections", CollectionsAsync).WithName("OgcCollections")
            .WithSummary("Every feature collection: parcels, buildings, roads, hazard zones, districts, blocks.")
            .Produces(StatusCodes.Status200OK, contentType: Json);
        reads.MapGet("/collections/{collectionId}", CollectionAsync).WithName("OgcCollection")
            .WithSummary("One collection: extent (CRS84 box, time span of parcels), CRSs offered, storage CRS EPSG:2007.")
            .Produces(StatusCodes.Status200OK, contentType: Json).ProducesProblem(StatusCodes.Status404NotFound);
        reads.MapGet("/collections/{collectionId}/queryables", QueryablesAsync).WithName("OgcQueryables")
            .WithSummary("The properties a filter may use, as a JSON Schema.")
            .Produces(StatusCodes.Status200OK, contentType: "application/schema+json").ProducesProblem(StatusCodes.Status404NotFound);
        reads.MapGet("/collections/{collectionId}/sortables", SortablesAsync).WithName("OgcSortables")
            .WithSummary("The properties sortby may name, as a JSON Schema.")
            .Produces(StatusCodes.Status200OK, contentType: "application/schema+json").ProducesProblem(StatusCodes.Status404NotFound);
        reads.MapGet("/collections/{collectionId}/schema", SchemaAsync).WithName("OgcSchema")
            .WithSummary("The schema of the collection's features (OGC API Features Part 5): every property, its type and its role.")
            .Produces(StatusCodes.Status200OK, contentType: "application/schema+json").ProducesProblem(StatusCodes.Status404NotFound);
        reads.MapGet("/collections/{collectionId}/items", FeatureItems.ItemsAsync).WithName("OgcItems")
            .WithSummary("Features of a collection: bbox, bbox-crs, datetime, filter (CQL2 text or JSON), properties, crs, limit, cursor or offset paging.")
            .WithDescription("limit 1-10000 (default 1000; larger values are answered with 10000); next links page by keyset (cursor), so deep pages cost what the first does; offset pages too; prev links. "
                + "datetime: an instant gives the parcel fabric as of that moment, an interval start/end ('..' open) every parcel version in force "
                + "at any time within it; other collections have no time. crs/bbox-crs/filter-crs: CRS84 (default), EPSG:4326 (latitude first), "
                + "EPSG:3857, EPSG:2007. filter-lang cql2-text (default) or cql2-json. f=json (GeoJSON), html or csv (geometry as WKT). "
                + NumberMatchedNote)
            .WithItemsParameters()
            .Produces(StatusCodes.Status200OK, contentType: GeoJson).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        reads.MapGet("/collections/{collectionId}/items/{featureId}", FeatureItems.ItemAsync).WithName("OgcItem")
            .WithSummary("One feature, with a strong ETag derived from the stored row (If-None-Match answers 304); for parcels datetime= or version= address a historic version.")
            .Produces(StatusCodes.Status200OK, contentType: GeoJson).ProducesProblem(StatusCodes.Status404NotFound);

        BuildingEdits.Map(group);
        return group;
    }

    public static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";

    private static async Task LandingAsync(HttpContext http, CancellationToken ct)
    {
        ItemsParameters.RefuseUnknown(http.Request.Query, ["f"]);
        var root = BaseUrl(http.Request) + "/ogc";
        var document = new JsonObject
        {
            ["title"] = "Landplatform OGC API – Features",
            ["description"] = "The parcel fabric of the sample island and the layers around it (buildings, roads, hazard zones, districts, blocks).",
            ["links"] = new JsonArray(
                Link("self", root, Json, "This document"),
                Link("alternate", root + "?f=html", "text/html", "This document as HTML"),
                Link("service-desc", BaseUrl(http.Request) + "/openapi/v1.json", "application/vnd.oai.openapi+json;version=3.1", "The API definition"),
                Link("conformance", root + "/conformance", Json, "Conformance classes"),
                Link("http://www.opengis.net/def/rel/ogc/1.0/conformance", root + "/conformance", Json, "Conformance classes"),
                Link("data", root + "/collections", Json, "Collections"),
                Link("http://www.opengis.net/def/rel/ogc/1.0/data", root + "/collections", Json, "Collections"),
                Link(Landplatform.Tiles.Api.OgcTiles.TilingSchemeRel, root + "/tileMatrixSets", Json, "Tile matrix sets")),
        };
        await WriteAsync(http, document, "Landplatform OGC API – Features", ct);
    }

    private static async Task ConformanceAsync(HttpContext http, CancellationToken ct)
    {
        ItemsParameters.RefuseUnknown(http.Request.Query, ["f"]);
        var document = new JsonObject { ["conformsTo"] = new JsonArray(ConformanceClasses.Select(c => (JsonNode)c!).ToArray()) };
        await WriteAsync(http, document, "Conformance", ct);
    }

    private static async Task CollectionsAsync(HttpContext http, CollectionExtents extents, CancellationToken ct)
    {
        ItemsParameters.RefuseUnknown(http.Request.Query, ["f"]);
        var root = BaseUrl(http.Request) + "/ogc";
        var collections = new JsonArray();
        foreach (var collection in FeatureCatalog.All)
        {
            collections.Add(await CollectionDocumentAsync(root, collection, extents, ct));
        }

        collections.Add(Records.MetadataRecords.CatalogueDocument(root));

        var document = new JsonObject
        {
            ["links"] = new JsonArray(
                Link("self", root + "/collections", Json, "This document"),
                Link("alternate", root + "/collections?f=html", "text/html", "This document as HTML")),
            ["crs"] = CrsList(),
            ["collections"] = collections,
        };
        await WriteAsync(http, document, "Collections", ct);
    }

    private static async Task CollectionAsync(string collectionId, HttpContext http, CollectionExtents extents, CancellationToken ct)
    {
        ItemsParameters.RefuseUnknown(http.Request.Query, ["f"]);
        var collection = Find(collectionId);
        var document = await CollectionDocumentAsync(BaseUrl(http.Request) + "/ogc", collection, extents, ct);
        await WriteAsync(http, document, collection.Title, ct);
    }

    private static Task QueryablesAsync(string collectionId, HttpContext http, CancellationToken ct) =>
        PropertySchemaAsync(http, Find(collectionId), "queryables", "Queryables", withGeometry: true, withRoles: false, ct);

    private static Task SortablesAsync(string collectionId, HttpContext http, CancellationToken ct) =>
        PropertySchemaAsync(http, Find(collectionId), "sortables", "Sortables", withGeometry: false, withRoles: false, ct);

    private static Task SchemaAsync(string collectionId, HttpContext http, CancellationToken ct) =>
        PropertySchemaAsync(http, Find(collectionId), "schema", "Schema", withGeometry: true, withRoles: true, ct);

    /// <summary>
    /// A JSON Schema of the collection's properties: the queryables (with the geometry), the sortables, or the feature
    /// schema of Part 5, which also names the id and each property's role (primary geometry, start and end of validity).
    /// </summary>
    private static async Task PropertySchemaAsync(HttpContext http, FeatureCollectionDefinition collection, string resource, string heading,
        bool withGeometry, bool withRoles, CancellationToken ct)
    {
        ItemsParameters.RefuseUnknown(http.Request.Query, ["f"]);
        var properties = new JsonObject();
        if (withRoles)
        {
            properties["id"] = new JsonObject
            {
                ["title"] = "Feature id",
                ["type"] = collection.IdIsNumeric ? "integer" : "string",
                ["x-ogc-role"] = "id",
                ["readOnly"] = true,
            };
        }

        if (withGeometry)
        {
            var geometry = new JsonObject { ["title"] = "Geometry", ["format"] = "geometry-" + collection.GeometryType.ToLowerInvariant() };
            if (withRoles)
            {
                geometry["x-ogc-role"] = "primary-geometry";
            }

            properties[FilterContext.GeometryProperty] = geometry;
        }

        foreach (var property in collection.Properties)
        {
            var schema = new JsonObject { ["title"] = property.Title };
            switch (property.Type)
            {
                case AttributeType.String:
                    schema["type"] = "string";
                    break;
                case AttributeType.Integer:
                    schema["type"] = "integer";
                    break;
                case AttributeType.Number:
                    schema["type"] = "number";
                    break;
                case AttributeType.DateTime:
                    schema["type"] = "string";
                    schema["format"] = "date-time";
                    break;
            }

            if (withRoles && property.Column == collection.ValidFrom)
            {
                schema["x-ogc-role"] = "primary-interval-start";
            }
            else if (withRoles && property.Column == collection.ValidTo)
            {
                schema["x-ogc-role"] = "primary-interval-end";
            }

            properties[property.Name] = schema;
        }

        var document = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = $"{BaseUrl(http.Request)}/ogc/collections/{collection.Id}/{resource}",
            ["type"] = "object",
            ["title"] = collection.Title,
            ["properties"] = properties,
            ["additionalProperties"] = false,
        };
        await WriteAsync(http, document, $"{heading} of {collection.Title}", ct, "application/schema+json");
    }

    private static async Task<JsonObject> CollectionDocumentAsync(string root, FeatureCollectionDefinition collection, CollectionExtents extents, CancellationToken ct)
    {
        var extent = await extents.ForAsync(collection, ct);
        var spatial = new JsonObject { ["crs"] = CoordinateReferenceSystem.Crs84.Uri.ToString() };
        if (extent.Bbox is { } box)
        {
            spatial["bbox"] = new JsonArray(new JsonArray(box.Select(v => (JsonNode)v!).ToArray()));
        }

        var extentNode = new JsonObject { ["spatial"] = spatial };
        if (collection.IsTemporal)
        {
            extentNode["temporal"] = new JsonObject
            {
                ["interval"] = new JsonArray(new JsonArray(
                    extent.From?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                    extent.OpenEnded ? null : extent.To?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))),
                ["trs"] = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
            };
        }

        var self = $"{root}/collections/{collection.Id}";
        var document = new JsonObject
        {
            ["id"] = collection.Id,
            ["title"] = collection.Title,
            ["description"] = collection.Description + (collection.Id == "buildings" ? " Registrars and administrators may create, replace, update and delete buildings." : string.Empty),
            ["itemType"] = "feature",
            ["extent"] = extentNode,
            ["crs"] = CrsList(),
            ["storageCrs"] = CoordinateReferenceSystem.NationalGrid.Uri.ToString(),
            ["links"] = new JsonArray(
                Link("self", self, Json, collection.Title),
                Link("alternate", self + "?f=html", "text/html", collection.Title + " as HTML"),
                Link("items", self + "/items", GeoJson, collection.Title + " as GeoJSON"),
                Link("items", self + "/items?f=html", "text/html", collection.Title + " as HTML"),
                Link("items", self + "/items?f=csv", "text/csv", collection.Title + " as CSV"),
                Link("enclosure", self + "/items?f=gpkg", GeoPackageDownload.MediaType, collection.Title + " as a GeoPackage (the whole collection)"),
                Link(QueryablesRel, self + "/queryables", "application/schema+json", "Queryables"),
                Link("http://www.opengis.net/def/rel/ogc/1.0/sortables", self + "/sortables", "application/schema+json", "Sortables"),
                Link("describedby", self + "/schema", "application/schema+json", "Schema of the features"),
                Link("http://www.opengis.net/def/rel/ogc/1.0/schema", self + "/schema", "application/schema+json", "Schema of the features"),
                Link("describedby", Records.MetadataRecords.RecordUrl(root, collection.Id), GeoJson, "Dataset metadata (OGC API Records)")),
        };
        if (Landplatform.Tiles.Vector.TileLayers.Find(collection.Id) is not null)
        {
            ((JsonArray)document["links"]!).Add(Link(Landplatform.Tiles.Api.OgcTiles.TilesetsRel, self + "/tiles", Json, collection.Title + " vector tiles"));
        }

        return document;
    }

    private static JsonArray CrsList() =>
        new(CoordinateReferenceSystem.Supported.Select(c => (JsonNode)c.Uri.ToString()!).ToArray());

    public static FeatureCollectionDefinition Find(string collectionId) =>
        FeatureCatalog.Find(collectionId)
        ?? throw new ResourceNotFoundException("collection-unknown",
            $"There is no collection '{collectionId}'; the collections are {string.Join(", ", FeatureCatalog.All.Select(c => c.Id))}.");

    public static JsonObject Link(string rel, string href, string type, string title) =>
        new() { ["rel"] = rel, ["type"] = type, ["title"] = title, ["href"] = href };

    internal static async Task WriteAsync(HttpContext http, JsonObject document, string title, CancellationToken ct, string jsonType = Json)
    {
        if (ItemsParameters.Format(http.Request, csvAllowed: false) == OutputFormat.Html)
        {
            http.Response.ContentType = HtmlPage.ContentType;
            await http.Response.WriteAsync(HtmlPage.Document(title, document), ct);
            return;
        }

        http.Response.ContentType = jsonType;
        await using var json = new Utf8JsonWriter(http.Response.Body);
        document.WriteTo(json);
        await json.FlushAsync(ct);
    }

    /// <summary>The same URL with some query parameters replaced (paging links, alternates).</summary>
    public static string WithQuery(HttpRequest request, IReadOnlyDictionary<string, string?> replace)
    {
        var query = QueryHelpers.ParseQuery(request.QueryString.Value)
            .Where(p => !replace.ContainsKey(p.Key))
            .SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v)))
            .Concat(replace.Where(r => r.Value is not null));
        return QueryHelpers.AddQueryString($"{BaseUrl(request)}{request.Path}", query);
    }

    public static string SelfUrl(HttpRequest request) => request.GetEncodedUrl();
}
