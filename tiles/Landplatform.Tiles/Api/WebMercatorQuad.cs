using System.Text.Json.Nodes;
using Landplatform.Tiles.Vector;

namespace Landplatform.Tiles.Api;

/// <summary>The one tile matrix set served: OGC WebMercatorQuad (EPSG:3857, 256 px, origin top left).</summary>
public static class WebMercatorQuad
{
    public const string Id = "WebMercatorQuad";
    public const string Uri = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";
    public const string Crs = "http://www.opengis.net/def/crs/EPSG/0/3857";

    /// <summary>The OGC standardized rendering pixel, 0.28 mm.</summary>
    public const double PixelSize = 0.00028;

    public static double CellSize(int z) => 2 * TileAddress.HalfWorld / 256 / (1L << z);

    public static double ScaleDenominator(int z) => CellSize(z) / PixelSize;

    /// <summary>The tile matrix set as OGC Two Dimensional Tile Matrix Set 2.0 JSON.</summary>
    public static JsonObject Definition(string self) => new()
    {
        ["id"] = Id,
        ["title"] = "Google Maps compatible for the World",
        ["uri"] = Uri,
        ["crs"] = Crs,
        ["orderedAxes"] = new JsonArray("X", "Y"),
        ["wellKnownScaleSet"] = "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        ["tileMatrices"] = new JsonArray(Enumerable.Range(0, TileLayers.MaxZoom + 1).Select(z => (JsonNode)new JsonObject
        {
            ["id"] = z.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["scaleDenominator"] = ScaleDenominator(z),
            ["cellSize"] = CellSize(z),
            ["cornerOfOrigin"] = "topLeft",
            ["pointOfOrigin"] = new JsonArray(-TileAddress.HalfWorld, TileAddress.HalfWorld),
            ["tileWidth"] = 256,
            ["tileHeight"] = 256,
            ["matrixWidth"] = 1L << z,
            ["matrixHeight"] = 1L << z,
        }).ToArray()),
        ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["type"] = "application/json", ["href"] = self }),
    };
}
