using System.Net;
using System.Xml.Linq;
using Landplatform.Testing;
using SkiaSharp;

namespace Landplatform.Tiles.Tests;

public sealed class RasterTileTests(ServerWithoutOutboxListener server) : IClassFixture<ServerWithoutOutboxListener>
{
    private static readonly XNamespace Wmts = "http://www.opengis.net/wmts/1.0";
    private static readonly XNamespace Ows = "http://www.opengis.net/ows/1.1";

    [Fact]
    public async Task WMTS_capabilities_list_the_layers_their_styles_and_WebMercatorQuad()
    {
        var xml = XDocument.Parse(await server.Client.GetStringAsync("/wmts?SERVICE=WMTS&REQUEST=GetCapabilities"));
        var layers = xml.Descendants(Wmts + "Layer").ToDictionary(l => l.Element(Ows + "Identifier")!.Value);
        Assert.Contains("parcels", layers.Keys);
        Assert.Contains("flood-zones", layers.Keys);
        Assert.Equal(["default", "land-use"], layers["parcels"].Elements(Wmts + "Style").Select(s => s.Element(Ows + "Identifier")!.Value));
        var matrixSet = xml.Descendants(Wmts + "TileMatrixSet").Single(e => e.Element(Ows + "Identifier") is not null);
        Assert.Equal(23, matrixSet.Elements(Wmts + "TileMatrix").Count());
        Assert.Contains("{TileMatrix}/{TileRow}/{TileCol}.png", layers["parcels"].Element(Wmts + "ResourceURL")!.Attribute("template")!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetTile_draws_the_parcels_there_and_REST_answers_the_same_tile()
    {
        var parcel = await server.Database.SplittableParcelAsync(skip: 2);
        var tile = TileProbe.TileAt(await TileProbe.PointInAsync(server.Database, parcel.Upi), 17);

        var kvp = await TileProbe.GetAsync(server.Client,
            $"/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=parcels&STYLE=land-use&FORMAT=image/png&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX={tile.Z}&TILEROW={tile.Y}&TILECOL={tile.X}");
        var rest = await TileProbe.GetAsync(server.Client, $"/wmts/1.0.0/parcels/land-use/WebMercatorQuad/{tile.Z}/{tile.Y}/{tile.X}.png");
        var xyz = await TileProbe.GetAsync(server.Client, $"/tiles/parcels/{tile.Z}/{tile.X}/{tile.Y}.png?style=land-use");

        Assert.Equal(HttpStatusCode.OK, kvp.Status);
        using var image = SKBitmap.Decode(kvp.Body);
        Assert.Equal(256, image.Width);
        Assert.Equal(256, image.Height);
        var painted = image.Pixels.Count(p => p.Alpha > 0);
        Assert.True(painted > 256 * 256 / 2, $"only {painted} painted pixels in a tile inside a parcel");
        Assert.Equal(kvp.ETag, rest.ETag);
        Assert.Equal(kvp.ETag, xyz.ETag);
        Assert.Equal("hit", rest.Cache);
    }

    [Fact]
    public async Task A_raster_tile_changes_on_the_next_request_after_a_SQL_update()
    {
        var parcel = await server.Database.SplittableParcelAsync(skip: 9);
        var tile = TileProbe.TileAt(await TileProbe.PointInAsync(server.Database, parcel.Upi), 18);
        var path = $"/wmts/1.0.0/parcels/land-use/WebMercatorQuad/{tile.Z}/{tile.Y}/{tile.X}.png";
        var before = await TileProbe.GetAsync(server.Client, path);
        Assert.Equal("hit", (await TileProbe.GetAsync(server.Client, path)).Cache);
        var newUse = parcel.LandUse == "agricultural" ? "commercial" : "agricultural";

        await server.Database.ScalarAsync<int>(
            "WITH changed AS (UPDATE cadastre.parcel_versions SET land_use = @use WHERE upi = @upi AND status = 'current' RETURNING 1) SELECT count(*)::int FROM changed",
            ("use", newUse), ("upi", parcel.Upi));

        var after = await TileProbe.GetAsync(server.Client, path);
        Assert.Equal("miss", after.Cache);
        Assert.NotEqual(before.ETag, after.ETag);
        Assert.NotEqual(before.Body, after.Body);
    }

    [Theory]
    [InlineData("/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=parcels&STYLE=default&FORMAT=image/png&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=25&TILEROW=0&TILECOL=0", "TILEMATRIX", "TileOutOfRange")]
    [InlineData("/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=parcels&STYLE=default&FORMAT=image/png&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=2&TILEROW=9&TILECOL=0", "TILEROW", "TileOutOfRange")]
    [InlineData("/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=owners&STYLE=default&FORMAT=image/png&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=2&TILEROW=0&TILECOL=0", "LAYER", "InvalidParameterValue")]
    [InlineData("/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=parcels&STYLE=default&FORMAT=image/png&TILEMATRIXSET=WebMercatorQuad&TILEROW=0&TILECOL=0", "TILEMATRIX", "MissingParameterValue")]
    [InlineData("/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=parcels&STYLE=pastel&FORMAT=image/png&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=2&TILEROW=0&TILECOL=0", "STYLE", "InvalidParameterValue")]
    public async Task WMTS_errors_are_exception_reports_locating_the_parameter(string path, string locator, string code)
    {
        using var response = await server.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var exception = XDocument.Parse(await response.Content.ReadAsStringAsync()).Descendants(Ows + "Exception").Single();
        Assert.Equal(locator, exception.Attribute("locator")?.Value);
        Assert.Equal(code, exception.Attribute("exceptionCode")?.Value);
    }
}
