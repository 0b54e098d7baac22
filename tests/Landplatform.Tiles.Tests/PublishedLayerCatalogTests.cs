using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using Landplatform.Cadastre.Contracts.Layers;
using Landplatform.Testing;

namespace Landplatform.Tiles.Tests;

/// <summary>
/// One catalog of published layers (issue #19): every service — OGC API Features and Tiles, WFS, WMS, WMTS, the tile
/// index and TileJSON, the MVT itself and the parcel API — lists the same layers, and each attribute under the same name
/// and type everywhere.
/// </summary>
public sealed class PublishedLayerCatalogTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    private static readonly string[] Ids = PublishedLayers.All.Select(l => l.Id).ToArray();
    private static readonly string[] TiledIds = PublishedLayers.All.Where(l => l.Tiling is not null).Select(l => l.Id).ToArray();

    [Fact]
    public async Task OGC_API_Features_WFS_and_WMS_list_every_layer_with_the_catalog_attributes()
    {
        var collections = await server.GetJsonAsync("/ogc/collections");
        Assert.Equal(Ids, collections.GetProperty("collections").EnumerateArray().Where(c => c.GetProperty("itemType").GetString() == "feature")
            .Select(c => c.GetProperty("id").GetString()!));

        var wfs = XDocument.Parse(await server.Client.GetStringAsync("/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetCapabilities"));
        Assert.Equal(Ids.Select(i => "lp:" + i), wfs.Descendants().Where(e => e.Name.LocalName == "FeatureType").Select(t => t.Elements().Single(e => e.Name.LocalName == "Name").Value));

        var wms = XDocument.Parse(await server.Client.GetStringAsync("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities"));
        var wmsLayers = wms.Descendants().Where(e => e.Name.LocalName == "Layer")
            .Select(l => l.Elements().FirstOrDefault(e => e.Name.LocalName == "Name")?.Value).OfType<string>().ToList();
        Assert.Equal(Ids, wmsLayers);

        foreach (var layer in PublishedLayers.All)
        {
            var queryables = await server.GetJsonAsync($"/ogc/collections/{layer.Id}/queryables");
            var properties = queryables.GetProperty("properties").EnumerateObject().Where(p => p.Name != "geometry").ToDictionary(p => p.Name, p => p.Value);
            Assert.Equal(layer.Attributes.Select(a => a.Name).Order(), properties.Keys.Order());
            foreach (var attribute in layer.Attributes)
            {
                Assert.Equal(JsonType(attribute.Type), properties[attribute.Name].GetProperty("type").GetString());
            }

            var schema = XDocument.Parse(await server.Client.GetStringAsync($"/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=DescribeFeatureType&TYPENAME=lp:{layer.Id}"));
            var elements = schema.Descendants().Where(e => e.Name.LocalName == "complexType").Single()
                .Descendants().Where(e => e.Name.LocalName == "element").Select(e => (string)e.Attribute("name")!).Where(n => n != "geometry");
            Assert.Equal(layer.Attributes.Select(a => a.Name).Order(), elements.Order());
        }
    }

    [Fact]
    public async Task Tiles_and_TileJSON_list_the_tiled_layers_WMTS_every_layer_with_the_catalog_names_and_types()
    {
        var index = await server.GetJsonAsync("/tiles");
        var listed = index.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(TiledIds, listed.Select(l => l.GetProperty("id").GetString()!));
        Assert.Equal(PublishedLayers.All.Where(l => l.Tiling is not null).Select(l => l.Tiling!.ShownAtStart), listed.Select(l => l.GetProperty("shownAtStart").GetBoolean()));

        var wmts = XDocument.Parse(await server.Client.GetStringAsync("/wmts?SERVICE=WMTS&REQUEST=GetCapabilities"));
        var wmtsLayers = wmts.Descendants().Where(e => e.Name.LocalName == "Layer")
            .Select(l => l.Elements().Single(e => e.Name.LocalName == "Identifier").Value).ToList();
        Assert.Equal(Ids, wmtsLayers); // WMTS serves the WMS's rendering of every layer, tiled or not

        foreach (var layer in PublishedLayers.All.Where(l => l.Tiling is not null))
        {
            var tileJson = await server.GetJsonAsync($"/tiles/{layer.Id}.json");
            var fields = tileJson.GetProperty("vector_layers")[0].GetProperty("fields").EnumerateObject().ToDictionary(f => f.Name, f => f.Value.GetString());
            Assert.Equal(layer.TileAttributes.Select(a => a.Name).Order(), fields.Keys.Order());
            foreach (var attribute in layer.TileAttributes)
            {
                Assert.Equal(attribute.Type is AttributeType.Integer or AttributeType.Number ? "Number" : "String", fields[attribute.Name]);
                Assert.NotNull(layer.FindAttribute(attribute.Name));
            }

            var tileset = await server.GetJsonAsync($"/ogc/collections/{layer.Id}/tiles/WebMercatorQuad");
            var schema = tileset.GetProperty("layers")[0].GetProperty("propertiesSchema").GetProperty("properties").EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
            Assert.Equal(fields.Keys.Order(), schema.Keys.Order());
            Assert.All(layer.TileAttributes, a => Assert.Equal(JsonType(a.Type), schema[a.Name].GetProperty("type").GetString()));
        }
    }

    [Fact]
    public async Task A_parcel_carries_the_same_words_and_types_in_its_tile_in_OGC_API_Features_and_in_the_parcel_API()
    {
        var upi = await server.Database.ScalarAsync<string>("SELECT min(upi) FROM cadastre.parcel_versions WHERE status = 'current' AND address IS NOT NULL");
        var parcels = PublishedLayers.Find("parcels")!;

        var tile = await TileProbe.GetAsync(server.Client, TileProbe.Mvt("parcels", TileProbe.TileAt(await TileProbe.PointInAsync(server.Database, upi), 16)));
        Assert.Equal(HttpStatusCode.OK, tile.Status);
        var inTile = tile.Features("parcels").Single(f => f.Text("upi") == upi).Attributes;
        Assert.Equal(parcels.TileAttributesAt(16).Select(a => a.Name).Order(), inTile.Keys.Order());

        var feature = await server.GetJsonAsync($"/ogc/collections/parcels/items/{upi}");
        var ogc = feature.GetProperty("properties");

        var api = (await server.GetJsonAsync($"/api/parcels/{upi}")).GetProperty("properties");
        foreach (var attribute in parcels.Attributes)
        {
            Assert.True(ogc.TryGetProperty(attribute.Name, out var ogcValue), $"OGC lacks {attribute.Name}");
            Assert.True(api.TryGetProperty(attribute.CamelName, out var apiValue), $"/api/parcels lacks {attribute.CamelName}");
            Assert.Equal(ogcValue.ValueKind, apiValue.ValueKind);
            if (ogcValue.ValueKind == JsonValueKind.String && attribute.Type != AttributeType.DateTime)
            {
                Assert.Equal(ogcValue.GetString(), apiValue.GetString());
            }

            if (inTile.TryGetValue(attribute.Name, out var tileValue))
            {
                // Numbers are numbers in the tile too (PostgreSQL's numeric would otherwise be written as a string).
                if (attribute.Type is AttributeType.Number or AttributeType.Integer)
                {
                    Assert.IsNotType<string>(tileValue);
                    Assert.Equal(ogcValue.GetDouble(), Convert.ToDouble(tileValue, System.Globalization.CultureInfo.InvariantCulture), 2);
                }
                else
                {
                    Assert.Equal(ogcValue.GetString(), tileValue);
                }
            }
        }
    }

    private static string JsonType(AttributeType type) => type switch
    {
        AttributeType.Integer => "integer",
        AttributeType.Number => "number",
        _ => "string",
    };
}
