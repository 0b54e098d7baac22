using Landplatform.Cadastre.Contracts.Layers;
using System.Text.Json.Nodes;
using Landplatform.Cadastre.Contracts;
using Landplatform.Tiles.Cache;
using Landplatform.Tiles.Raster;
using Landplatform.Tiles.Vector;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Landplatform.Tiles.Api;

/// <summary>XYZ vector and raster tiles and TileJSON 3.0 under <c>/tiles</c>.</summary>
public static class TileEndpoints
{
    private static readonly (string, string, string) XyzNames = ("z", "x", "y");

    public static RouteGroupBuilder MapXyzTiles(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/tiles").WithTags("Tiles").AllowAnonymous();
        group.MapGet("/", Index).WithName("TileLayers")
            .WithSummary("The tile layers, each with its TileJSON.");
        group.MapGet("/{layer}.json", TileJsonAsync).WithName("TileJson")
            .WithSummary("TileJSON 3.0 of a vector tile layer (for MapLibre, OpenLayers).");
        group.MapGet("/{layer}/{z}/{x}/{y}.mvt", VectorTileAsync).WithName("VectorTile")
            .WithSummary("A Mapbox Vector Tile (WebMercatorQuad, y from the top); datetime= the parcel fabric as of an instant. 204 when empty; ETag, 304.")
            .Produces(StatusCodes.Status200OK, contentType: VectorTiles.MediaType).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{layer}/{z}/{x}/{y}.png", RasterTileAsync).WithName("RasterTile")
            .WithSummary("A 256 px PNG tile drawn by the WMS renderer; style= a WMS style, datetime= as of an instant. ETag, 304.")
            .Produces(StatusCodes.Status200OK, contentType: "image/png").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    public static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";

    private static IResult Index(HttpRequest request)
    {
        var root = BaseUrl(request);
        return Results.Ok(new
        {
            layers = TileLayers.All.Select(l => new
            {
                id = l.Id,
                title = l.Title,
                shownAtStart = l.Tiling.ShownAtStart,
                tilejson = $"{root}/tiles/{l.Id}.json",
                vector = $"{root}/tiles/{l.Id}/{{z}}/{{x}}/{{y}}.mvt",
                raster = $"{root}/tiles/{l.Id}/{{z}}/{{x}}/{{y}}.png",
                ogc = $"{root}/ogc/collections/{l.Id}/tiles/WebMercatorQuad",
            }),
        });
    }

    private static async Task<IResult> TileJsonAsync(string layer, HttpRequest request, LayerBounds bounds, CancellationToken ct)
    {
        TileRequest.RefuseUnknown(request, ["datetime"]);
        var definition = TileLayers.Get(layer);
        var asOf = TileRequest.AsOf(request);
        var query = asOf is null ? string.Empty : "?datetime=" + Uri.EscapeDataString(request.Query["datetime"].ToString());
        var box = await bounds.ForAsync(definition, ct);
        var fields = new JsonObject();
        foreach (var attribute in definition.Attributes)
        {
            fields[attribute.Name] = attribute.Type is AttributeType.Integer or AttributeType.Number ? "Number" : "String";
        }

        var document = new JsonObject
        {
            ["tilejson"] = "3.0.0",
            ["name"] = definition.Title,
            ["description"] = definition.Description,
            ["scheme"] = "xyz",
            ["tiles"] = new JsonArray($"{BaseUrl(request)}/tiles/{definition.Id}/{{z}}/{{x}}/{{y}}.mvt{query}"),
            ["minzoom"] = definition.MinZoom,
            ["maxzoom"] = TileLayers.MaxZoom,
            ["vector_layers"] = new JsonArray(new JsonObject
            {
                ["id"] = definition.Id,
                ["description"] = definition.Description,
                ["minzoom"] = definition.MinZoom,
                ["maxzoom"] = TileLayers.MaxZoom,
                ["fields"] = fields,
            }),
            ["attribution"] = "Landplatform sample island (synthetic)",
        };
        if (box is not null)
        {
            document["bounds"] = new JsonArray(box.Select(v => (JsonNode)v!).ToArray());
            document["center"] = new JsonArray((box[0] + box[2]) / 2, (box[1] + box[3]) / 2, Math.Max(definition.MinZoom, 12));
        }

        return Results.Text(document.ToJsonString(), "application/json");
    }

    private static async Task VectorTileAsync(string layer, string z, string x, string y, HttpContext http, VectorTiles tiles, CancellationToken ct)
    {
        TileRequest.RefuseUnknown(http.Request, ["datetime"]);
        var definition = TileLayers.Get(layer);
        var tile = TileAddress.Parse(z, x, y, XyzNames);
        var content = await tiles.GetAsync(definition, tile, TileRequest.AsOf(http.Request), ct);
        await TileRequest.WriteAsync(http, content, VectorTiles.MediaType, ct);
    }

    private static async Task RasterTileAsync(string layer, string z, string x, string y, HttpContext http, RasterTiles tiles, CancellationToken ct)
    {
        TileRequest.RefuseUnknown(http.Request, ["datetime", "style"]);
        var tile = TileAddress.Parse(z, x, y, XyzNames);
        var content = await tiles.GetAsync(layer, http.Request.Query["style"].ToString(), "style", tile, TileRequest.AsOf(http.Request), ct);
        await TileRequest.WriteAsync(http, content, RasterTiles.MediaType, ct);
    }
}
