using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Landplatform.Testing;
using Landplatform.Tiles.Vector;

namespace Landplatform.Tiles.Tests;

public sealed class VectorTileTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    [Fact]
    public async Task A_parcel_tile_holds_the_parcels_there_with_their_public_attributes()
    {
        var parcel = await server.Database.SplittableParcelAsync(skip: 3);
        var tile = TileProbe.TileAt(await TileProbe.PointInAsync(server.Database, parcel.Upi), 17);

        var answer = await TileProbe.GetAsync(server.Client, TileProbe.Mvt("parcels", tile));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var layer = Assert.Single(answer.Layers);
        Assert.Equal("parcels", layer.Name);
        Assert.Equal(4096, layer.Extent);
        var feature = Assert.Single(layer.Features, f => f.Text("upi") == parcel.Upi);
        Assert.Equal(3, feature.Type);
        Assert.Equal(parcel.LandUse, feature.Text("land_use"));
        Assert.Equal(parcel.Address, feature.Text("address"));
        Assert.Equal(parcel.Version, Convert.ToInt32(feature.Attributes["version"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain("computed_area", feature.Attributes.Keys);
        // Coordinates stay within the tile and its 64-unit buffer, which holds every parcel that reaches into it.
        Assert.All(feature.Rings.SelectMany(r => r), p => Assert.InRange(p.X, -64, 4096 + 64));
        var expected = await server.Database.ScalarAsync<long>("""
            SELECT count(*) FROM cadastre.parcel_versions
            WHERE status = 'current' AND ST_Intersects(ST_Transform(boundary, 3857), ST_TileEnvelope(@z, @x, @y, margin => 64.0 / 4096))
            """, ("z", tile.Z), ("x", tile.X), ("y", tile.Y));
        Assert.Equal(expected, layer.Features.Count);
    }

    [Fact]
    public async Task Coarse_tiles_carry_fewer_attributes_and_leave_out_parcels_smaller_than_a_pixel()
    {
        var parcel = await server.Database.SplittableParcelAsync();
        var point = await TileProbe.PointInAsync(server.Database, parcel.Upi);

        var fine = await TileProbe.GetAsync(server.Client, TileProbe.Mvt("parcels", TileProbe.TileAt(point, 16)));
        var middle = await TileProbe.GetAsync(server.Client, TileProbe.Mvt("parcels", TileProbe.TileAt(point, 13)));
        var coarse = await TileProbe.GetAsync(server.Client, TileProbe.Mvt("parcels", TileProbe.TileAt(point, 10)));

        Assert.Contains("address", fine.Features("parcels")[0].Attributes.Keys);
        Assert.Equal(["land_use", "upi"], middle.Features("parcels").SelectMany(f => f.Attributes.Keys).Distinct().Order());
        Assert.Equal(["land_use"], coarse.Features("parcels").SelectMany(f => f.Attributes.Keys).Distinct().Order());
        var current = await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.parcel_versions WHERE status = 'current'");
        Assert.InRange(coarse.Features("parcels").Count, 1, current - 1);
    }

    [Fact]
    public async Task GDAL_reads_our_tile_with_the_same_features()
    {
        var parcel = await server.Database.SplittableParcelAsync(skip: 5);
        var tile = TileProbe.TileAt(await TileProbe.PointInAsync(server.Database, parcel.Upi), 16);
        var answer = await TileProbe.GetAsync(server.Client, TileProbe.Mvt("parcels", tile));
        var file = Path.Combine(Path.GetTempPath(), $"lp-tile-{Guid.NewGuid():N}.mvt");
        await File.WriteAllBytesAsync(file, answer.Body);
        try
        {
            var info = new ProcessStartInfo("ogrinfo", ["-ro", "-al", "-q", file, "-oo", $"Z={tile.Z}", "-oo", $"X={tile.X}", "-oo", $"Y={tile.Y}", "-oo", "CLIP=NO"])
                { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.Equal(0, process.ExitCode);
            Assert.Contains($"upi (String) = {parcel.Upi}", output, StringComparison.Ordinal);
            var gdalUpis = output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("upi (String) = ", StringComparison.Ordinal))
                .Select(l => l["upi (String) = ".Length..]).Order().ToList();
            Assert.Equal(answer.Upis.Order(), gdalUpis);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Every_layer_has_features_somewhere_on_the_island()
    {
        foreach (var layer in TileLayers.All)
        {
            var tileJson = await server.GetJsonAsync($"/tiles/{layer.Id}.json");
            Assert.Equal("3.0.0", tileJson.GetProperty("tilejson").GetString());
            Assert.Equal(layer.Id, tileJson.GetProperty("vector_layers")[0].GetProperty("id").GetString());
            var lon = await server.Database.ScalarAsync<double>(
                $"SELECT ST_X(ST_Transform(ST_PointOnSurface({layer.GeometryColumn}), 4326)) FROM {layer.Table} WHERE {layer.Filter} ORDER BY {layer.IdColumn} LIMIT 1");
            var lat = await server.Database.ScalarAsync<double>(
                $"SELECT ST_Y(ST_Transform(ST_PointOnSurface({layer.GeometryColumn}), 4326)) FROM {layer.Table} WHERE {layer.Filter} ORDER BY {layer.IdColumn} LIMIT 1");
            var z = Math.Max(layer.MinZoom, 12);
            var answer = await TileProbe.GetAsync(server.Client, TileProbe.Mvt(layer.Id, TileProbe.TileAt((lon, lat), z)));
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            Assert.NotEmpty(answer.Features(layer.Id));
            // Null values are left out of a tile, so a feature carries at most the zoom's attributes.
            Assert.All(answer.Features(layer.Id), f => Assert.Subset(layer.AttributesAt(z).Select(a => a.Name).ToHashSet(), f.Attributes.Keys.ToHashSet()));
        }
    }

    [Fact]
    public async Task An_empty_tile_is_204_with_an_ETag_and_a_layer_below_its_zoom_range_is_empty_too()
    {
        var sea = await TileProbe.GetAsync(server.Client, "/tiles/parcels/16/0/0.mvt");
        Assert.Equal(HttpStatusCode.NoContent, sea.Status);
        Assert.Empty(sea.Body);
        Assert.NotNull(sea.ETag);

        var parcel = await server.Database.SplittableParcelAsync();
        var tooCoarse = await TileProbe.GetAsync(server.Client, TileProbe.Mvt("buildings", TileProbe.TileAt(await TileProbe.PointInAsync(server.Database, parcel.Upi), 12)));
        Assert.Equal(HttpStatusCode.NoContent, tooCoarse.Status);
    }

    [Theory]
    [InlineData("/tiles/parcels/23/0/0.mvt", "z")]
    [InlineData("/tiles/parcels/-1/0/0.mvt", "z")]
    [InlineData("/tiles/parcels/16/65536/0.mvt", "x")]
    [InlineData("/tiles/parcels/3/0/8.mvt", "y")]
    [InlineData("/tiles/parcels/3/a/0.mvt", "x")]
    [InlineData("/ogc/collections/parcels/tiles/WebMercatorQuad/16/0/70000", "tileCol")]
    [InlineData("/ogc/collections/parcels/tiles/WebMercatorQuad/16/70000/0", "tileRow")]
    [InlineData("/ogc/collections/parcels/tiles/WebMercatorQuad/30/0/0", "tileMatrix")]
    public async Task Out_of_range_tile_coordinates_are_a_400_naming_the_coordinate(string path, string parameter) =>
        await server.GetProblemAsync(path, 400, "tile-range", parameter);

    [Fact]
    public async Task Unknown_layers_datetimes_and_parameters_are_refused()
    {
        await server.GetProblemAsync("/tiles/owners/16/0/0.mvt", 404, "tile-layer-unknown");
        await server.GetProblemAsync("/ogc/collections/districts/tiles/WebMercatorQuad/16/0/0", 404, "tile-layer-unknown");
        await server.GetProblemAsync("/ogc/collections/parcels/tiles/WorldCRS84Quad/1/0/0", 404, "tile-matrix-set-unknown");
        await server.GetProblemAsync("/tiles/parcels/16/0/0.mvt?datetime=yesterday", 400, "datetime-format", "datetime");
        await server.GetProblemAsync("/tiles/parcels/16/0/0.mvt?datetime=2020-01-01/2021-01-01", 400, "datetime-format", "datetime");
        await server.GetProblemAsync("/tiles/parcels/16/0/0.mvt?colour=red", 400, "unknown-parameter", "colour");
    }

    [Fact]
    public async Task The_OGC_API_describes_the_tilesets_and_WebMercatorQuad()
    {
        var conformance = await server.GetJsonAsync("/ogc/conformance");
        var classes = conformance.GetProperty("conformsTo").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains("http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core", classes);
        Assert.Contains("http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt", classes);

        var landing = await server.GetJsonAsync("/ogc");
        Assert.Contains(landing.GetProperty("links").EnumerateArray(), l => l.GetProperty("href").GetString()!.EndsWith("/ogc/tileMatrixSets", StringComparison.Ordinal));
        var collection = await server.GetJsonAsync("/ogc/collections/parcels");
        var tilesLink = collection.GetProperty("links").EnumerateArray()
            .Single(l => l.GetProperty("rel").GetString() == "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector");

        var tilesets = await server.GetJsonAsync(new Uri(tilesLink.GetProperty("href").GetString()!).PathAndQuery);
        var tilesetHref = tilesets.GetProperty("tilesets")[0].GetProperty("links").EnumerateArray().Single(l => l.GetProperty("rel").GetString() == "self").GetProperty("href").GetString()!;
        var tileset = await server.GetJsonAsync(new Uri(tilesetHref).PathAndQuery);
        Assert.Equal("vector", tileset.GetProperty("dataType").GetString());
        Assert.Equal("http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad", tileset.GetProperty("tileMatrixSetURI").GetString());
        var limits16 = tileset.GetProperty("tileMatrixSetLimits").EnumerateArray().Single(l => l.GetProperty("tileMatrix").GetString() == "16");
        var template = tileset.GetProperty("links").EnumerateArray().Single(l => l.GetProperty("rel").GetString() == "item").GetProperty("href").GetString()!;

        // A tile inside the advertised limits, fetched through the advertised template, is the same tile as XYZ's.
        var parcel = await server.Database.SplittableParcelAsync();
        var tile = TileProbe.TileAt(await TileProbe.PointInAsync(server.Database, parcel.Upi), 16);
        Assert.InRange(tile.X, limits16.GetProperty("minTileCol").GetInt32(), limits16.GetProperty("maxTileCol").GetInt32());
        Assert.InRange(tile.Y, limits16.GetProperty("minTileRow").GetInt32(), limits16.GetProperty("maxTileRow").GetInt32());
        var url = template.Replace("{tileMatrix}", "16").Replace("{tileRow}", tile.Y.ToString()).Replace("{tileCol}", tile.X.ToString());
        var ogc = await TileProbe.GetAsync(server.Client, new Uri(url).PathAndQuery);
        var xyz = await TileProbe.GetAsync(server.Client, TileProbe.Mvt("parcels", tile));
        Assert.Contains(parcel.Upi, ogc.Upis);
        Assert.Equal(xyz.ETag, ogc.ETag);

        var matrixSet = await server.GetJsonAsync("/ogc/tileMatrixSets/WebMercatorQuad");
        var zero = matrixSet.GetProperty("tileMatrices")[0];
        Assert.Equal(559082264.0287178, zero.GetProperty("scaleDenominator").GetDouble(), 3);
        Assert.Equal(1, zero.GetProperty("matrixWidth").GetInt32());
        Assert.Equal(JsonValueKind.Array, (await server.GetJsonAsync("/ogc/tileMatrixSets")).GetProperty("tileMatrixSets").ValueKind);
    }

    [Fact]
    public async Task The_outbox_listener_applies_a_change_without_waiting_for_a_request()
    {
        var parcel = await server.Database.SplittableParcelAsync(skip: 30);
        var before = await server.Database.ScalarAsync<long>("SELECT coalesce(max(id), 0) FROM exchange.outbox");
        await server.Database.ScalarAsync<int>(
            "WITH changed AS (UPDATE cadastre.parcel_versions SET address = 'Listener Lane 3' WHERE upi = @upi AND status = 'current' RETURNING 1) SELECT count(*)::int FROM changed",
            ("upi", parcel.Upi));
        var latest = await server.Database.ScalarAsync<long>("SELECT max(id) FROM exchange.outbox WHERE type = 'cadastre.fabric.edited'");
        Assert.True(latest > before, "the SQL update wrote no outbox event");
        var applied = false;
        for (var i = 0; i < 100 && !applied; i++)
        {
            await Task.Delay(100);
            applied = await server.Database.ScalarAsync<bool>(
                "SELECT c.applied_through >= @id OR EXISTS (SELECT 1 FROM tiles.applied_events WHERE outbox_id = @id) FROM tiles.outbox_cursor c", ("id", latest));
        }

        Assert.True(applied, "the listener did not apply the outbox event within 10 s");
    }

    [Fact]
    public async Task The_map_page_is_at_the_root_and_links_the_service_index()
    {
        using var response = await server.Client.GetAsync("/");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("href=\"/services\"", html, StringComparison.Ordinal);
        Assert.Contains("/portal/app.js", html, StringComparison.Ordinal);
        using var script = await server.Client.GetAsync("/portal/app.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        var index = await server.GetJsonAsync("/services");
        Assert.Contains(index.GetProperty("links").EnumerateArray(), l => l.GetProperty("rel").GetString() == "tiles");
    }
}
