using Landplatform.Cadastre.Contracts.Layers;
using System.Globalization;
using System.Text.Json.Nodes;
using Landplatform.Cadastre.Contracts;
using Landplatform.Tiles.Vector;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Landplatform.Tiles.Api;

/// <summary>OGC API – Tiles 1.0 (vector tilesets of the collections) and the tile matrix sets, under <c>/ogc</c>.</summary>
public static class OgcTiles
{
    public const string TilesetsRel = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector";
    public const string TilingSchemeRel = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes";

    public static readonly string[] ConformanceClasses =
    [
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/datetime",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
        "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
        "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
        "http://www.opengis.net/spec/tms/2.0/conf/tilesetmetadata",
        "http://www.opengis.net/spec/tms/2.0/conf/json-tilesetmetadata",
    ];

    private static readonly (string, string, string) OgcNames = ("tileMatrix", "tileCol", "tileRow");

    public static RouteGroupBuilder MapOgcTiles(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/ogc").WithTags("OGC API Tiles").AllowAnonymous();
        group.MapGet("/tileMatrixSets", TileMatrixSets).WithName("OgcTileMatrixSets")
            .WithSummary("The tile matrix sets offered: WebMercatorQuad.");
        group.MapGet("/tileMatrixSets/{tileMatrixSetId}", TileMatrixSet).WithName("OgcTileMatrixSet")
            .WithSummary("A tile matrix set definition (OGC TMS 2.0 JSON).");
        group.MapGet("/collections/{collectionId}/tiles", Tilesets).WithName("OgcTilesets")
            .WithSummary("The vector tilesets of a collection.");
        group.MapGet("/collections/{collectionId}/tiles/{tileMatrixSetId}", TilesetAsync).WithName("OgcTileset")
            .WithSummary("Tileset metadata: the tile URL template, the tile matrix set, the limits per zoom, the layer.");
        group.MapGet("/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}", TileAsync).WithName("OgcTile")
            .WithSummary("A Mapbox Vector Tile; datetime= the parcel fabric as of an instant. 204 when empty; ETag, 304.")
            .Produces(StatusCodes.Status200OK, contentType: VectorTiles.MediaType).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static IResult TileMatrixSets(HttpRequest request)
    {
        TileRequest.RefuseUnknown(request, ["f"]);
        var root = TileEndpoints.BaseUrl(request) + "/ogc/tileMatrixSets";
        return Json(new JsonObject
        {
            ["tileMatrixSets"] = new JsonArray(new JsonObject
            {
                ["id"] = WebMercatorQuad.Id,
                ["title"] = "Google Maps compatible for the World",
                ["uri"] = WebMercatorQuad.Uri,
                ["crs"] = WebMercatorQuad.Crs,
                ["links"] = new JsonArray(Link("self", $"{root}/{WebMercatorQuad.Id}", "application/json", "WebMercatorQuad")),
            }),
            ["links"] = new JsonArray(Link("self", root, "application/json", "Tile matrix sets")),
        });
    }

    private static IResult TileMatrixSet(string tileMatrixSetId, HttpRequest request)
    {
        TileRequest.RefuseUnknown(request, ["f"]);
        KnownMatrixSet(tileMatrixSetId);
        return Json(WebMercatorQuad.Definition($"{TileEndpoints.BaseUrl(request)}/ogc/tileMatrixSets/{WebMercatorQuad.Id}"));
    }

    private static IResult Tilesets(string collectionId, HttpRequest request)
    {
        TileRequest.RefuseUnknown(request, ["f"]);
        var layer = TileLayers.Get(collectionId);
        var root = $"{TileEndpoints.BaseUrl(request)}/ogc/collections/{layer.Id}/tiles";
        return Json(new JsonObject
        {
            ["tilesets"] = new JsonArray(new JsonObject
            {
                ["title"] = layer.Title,
                ["dataType"] = "vector",
                ["crs"] = WebMercatorQuad.Crs,
                ["tileMatrixSetURI"] = WebMercatorQuad.Uri,
                ["links"] = new JsonArray(
                    Link("self", $"{root}/{WebMercatorQuad.Id}", "application/json", layer.Title + " tileset"),
                    Link("http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", $"{TileEndpoints.BaseUrl(request)}/ogc/tileMatrixSets/{WebMercatorQuad.Id}", "application/json", "WebMercatorQuad")),
            }),
            ["links"] = new JsonArray(Link("self", root, "application/json", layer.Title + " tilesets")),
        });
    }

    private static async Task<IResult> TilesetAsync(string collectionId, string tileMatrixSetId, HttpRequest request, LayerBounds bounds, CancellationToken ct)
    {
        TileRequest.RefuseUnknown(request, ["f", "datetime"]);
        var layer = TileLayers.Get(collectionId);
        KnownMatrixSet(tileMatrixSetId);
        var base_ = TileEndpoints.BaseUrl(request);
        var self = $"{base_}/ogc/collections/{layer.Id}/tiles/{WebMercatorQuad.Id}";
        var box = await bounds.ForAsync(layer, ct);
        var limits = new JsonArray();
        if (box is not null)
        {
            var (west, south) = TileAddress.FromLonLat(box[0], box[1]);
            var (east, north) = TileAddress.FromLonLat(box[2], box[3]);
            for (var z = layer.MinZoom; z <= TileLayers.MaxZoom; z++)
            {
                var (minX, minY, maxX, maxY) = TileAddress.Cover(z, west, south, east, north);
                limits.Add(new JsonObject
                {
                    ["tileMatrix"] = z.ToString(CultureInfo.InvariantCulture),
                    ["minTileRow"] = minY,
                    ["maxTileRow"] = maxY,
                    ["minTileCol"] = minX,
                    ["maxTileCol"] = maxX,
                });
            }
        }

        var document = new JsonObject
        {
            ["title"] = layer.Title,
            ["description"] = layer.Description,
            ["dataType"] = "vector",
            ["crs"] = WebMercatorQuad.Crs,
            ["tileMatrixSetURI"] = WebMercatorQuad.Uri,
            ["tileMatrixSetLimits"] = limits,
            ["layers"] = new JsonArray(new JsonObject
            {
                ["id"] = layer.Id,
                ["title"] = layer.Title,
                ["dataType"] = "vector",
                ["geometryDimension"] = 2,
                ["minTileMatrix"] = layer.MinZoom.ToString(CultureInfo.InvariantCulture),
                ["maxTileMatrix"] = TileLayers.MaxZoom.ToString(CultureInfo.InvariantCulture),
                ["propertiesSchema"] = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject(layer.Attributes
                        .Select(a => KeyValuePair.Create(a.Name, (JsonNode?)new JsonObject
                        {
                            ["type"] = a.Type switch { AttributeType.Integer => "integer", AttributeType.Number => "number", _ => "string" },
                            ["title"] = a.Title,
                        }))),
                },
            }),
            ["links"] = new JsonArray(
                Link("self", self, "application/json", layer.Title + " tileset"),
                Link("http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", $"{base_}/ogc/tileMatrixSets/{WebMercatorQuad.Id}", "application/json", "WebMercatorQuad"),
                Link("http://www.opengis.net/def/rel/ogc/1.0/geodata", $"{base_}/ogc/collections/{layer.Id}", "application/json", layer.Title),
                Templated("item", self + "/{tileMatrix}/{tileRow}/{tileCol}", VectorTiles.MediaType, layer.Title + " vector tiles"),
                Link("alternate", $"{base_}/tiles/{layer.Id}.json", "application/json", "TileJSON")),
        };
        if (box is not null)
        {
            document["boundingBox"] = new JsonObject
            {
                ["lowerLeft"] = new JsonArray(box[0], box[1]),
                ["upperRight"] = new JsonArray(box[2], box[3]),
                ["crs"] = "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
            };
        }

        return Json(document);
    }

    private static async Task TileAsync(string collectionId, string tileMatrixSetId, string tileMatrix, string tileRow, string tileCol, HttpContext http, VectorTiles tiles, CancellationToken ct)
    {
        TileRequest.RefuseUnknown(http.Request, ["f", "datetime"]);
        var layer = TileLayers.Get(collectionId);
        KnownMatrixSet(tileMatrixSetId);
        var f = http.Request.Query["f"].ToString();
        if (f.Length > 0 && f != "mvt")
        {
            throw new InvalidParameterException("f", "format-unsupported", "Tiles are encoded as Mapbox Vector Tiles only (f=mvt).");
        }

        var tile = TileAddress.Parse(tileMatrix, tileCol, tileRow, OgcNames);
        var content = await tiles.GetAsync(layer, tile, TileRequest.AsOf(http.Request), ct);
        await TileRequest.WriteAsync(http, content, VectorTiles.MediaType, ct);
    }

    private static void KnownMatrixSet(string id)
    {
        if (id != WebMercatorQuad.Id)
        {
            throw new ResourceNotFoundException("tile-matrix-set-unknown", $"No tile matrix set '{id}'; this server offers {WebMercatorQuad.Id}.");
        }
    }

    private static IResult Json(JsonObject document) => Results.Text(document.ToJsonString(), "application/json");

    public static JsonObject Link(string rel, string href, string type, string title) =>
        new() { ["rel"] = rel, ["type"] = type, ["title"] = title, ["href"] = href };

    private static JsonObject Templated(string rel, string href, string type, string title) =>
        new() { ["rel"] = rel, ["type"] = type, ["title"] = title, ["href"] = href, ["templated"] = true };
}
