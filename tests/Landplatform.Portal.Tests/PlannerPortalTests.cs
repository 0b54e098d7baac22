using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace Landplatform.Portal.Tests;

/// <summary>A planner draws an area over a flood zone and gets the parcels and buildings it touches, counted, listed and exported.</summary>
[Collection("portal")]
public sealed class PlannerPortalTests(PortalServer server) : IClassFixture<PortalServer>
{
    private const string Exposed = """
        WITH box AS (SELECT ST_Transform(ST_MakeEnvelope(@x1, @y1, @x2, @y2, 4326), 2007) AS g)
        SELECT count(*) FROM {0} t, box
        WHERE {1} AND EXISTS (SELECT 1 FROM cadastre.hazard_zones z
          WHERE z.hazard IN ('flood_coastal', 'flood_river') AND ST_Intersects(t.{2}, ST_Intersection(z.boundary, box.g)))
        """;

    [Fact]
    public async Task A_planner_draws_an_area_and_gets_the_parcels_and_buildings_a_flood_zone_touches_and_exports_them()
    {
        var centre = await server.Database.ScalarAsync<string>(
            """
            SELECT ST_X(c)::text || ' ' || ST_Y(c)::text FROM (
              SELECT ST_Transform(ST_Centroid(ST_Intersection(z.boundary, p.boundary)), 4326) AS c
              FROM cadastre.hazard_zones z JOIN cadastre.parcel_versions p ON p.status = 'current' AND ST_Intersects(z.boundary, p.boundary)
              JOIN cadastre.buildings b ON b.upi = p.upi
              WHERE z.hazard = 'flood_river' ORDER BY p.upi LIMIT 1) s
            """);
        var (lon, lat) = (centre.Split(' ')[0], centre.Split(' ')[1]);
        await using var browser = await PortalBrowser.StartAsync();
        var page = await browser.OpenAsync(server.BaseAddress, "#/planner");
        await PortalBrowser.SignInAsync(page, "planner");
        await page.WaitForSelectorAsync("#draw-area");
        Assert.True(await page.IsCheckedAsync("input[name='flood-zones']"), "the flood layer is not shown over the parcels");
        await page.EvaluateAsync($"() => window.landplatform.centreOn({lon}, {lat}, 16)");
        await page.WaitForTimeoutAsync(2000);

        // Drag a box on the map: one corner, then the opposite one.
        await page.ClickAsync("#draw-area");
        var map = (await page.Locator("#map").BoundingBoxAsync())!;
        var (cx, cy) = (map.X + (map.Width / 2), map.Y + (map.Height / 2));
        await page.Mouse.ClickAsync(cx - 250, cy - 180);
        await page.Mouse.MoveAsync(cx + 250, cy + 180, new MouseMoveOptions { Steps = 5 });
        await page.Mouse.ClickAsync(cx + 250, cy + 180);
        var counts = await page.WaitForSelectorAsync("#counts", new PageWaitForSelectorOptions { Timeout = 60_000 });
        var box = await page.EvaluateAsync<double[]>("() => window.landplatform.area()");
        var corners = new (string, object)[] { ("x1", box[0]), ("y1", box[1]), ("x2", box[2]), ("y2", box[3]) };
        var parcels = await server.Database.ScalarAsync<long>(string.Format(CultureInfo.InvariantCulture, Exposed, "cadastre.parcel_versions", "t.status = 'current'", "boundary"), corners);
        var buildings = await server.Database.ScalarAsync<long>(string.Format(CultureInfo.InvariantCulture, Exposed, "cadastre.buildings", "true", "footprint"), corners);
        Assert.True(parcels > 0 && buildings > 0, "the drawn area touches no flood-exposed parcel or building");
        Assert.Equal($"{parcels} parcels and {buildings} buildings in the area touch a hazard zone.", await counts!.TextContentAsync());
        Assert.Equal((int)(parcels + buildings), await page.EvaluateAsync<int>("() => window.landplatform.overlay('hit')"));
        var firstRows = await page.Locator("#analysis table").First.Locator("tbody tr").CountAsync();
        Assert.Equal((int)Math.Min(parcels, 20), firstRows);
        await PortalBrowser.ShotAsync(page, "planner-analysis.png");

        // Exports: a CSV row and a GeoJSON feature per parcel and building.
        var csv = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-csv"));
        var lines = (await File.ReadAllLinesAsync((await csv.PathAsync())!)).Where(l => l.Length > 0).ToList();
        Assert.Equal("layer,id,land_use_or_use,address,hazards", lines[0]);
        Assert.Equal(parcels, lines.Count(l => l.StartsWith("parcel,", StringComparison.Ordinal)));
        Assert.Equal(buildings, lines.Count(l => l.StartsWith("building,", StringComparison.Ordinal)));
        var geojson = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-geojson"));
        using var collection = JsonDocument.Parse(await File.ReadAllTextAsync((await geojson.PathAsync())!));
        var features = collection.RootElement.GetProperty("features").EnumerateArray().ToList();
        Assert.Equal(parcels + buildings, features.Count);
        Assert.All(features, f => Assert.Contains("flood", f.GetProperty("properties").GetProperty("hazards")[0].GetString(), StringComparison.Ordinal));
        Assert.Empty(browser.Failures);
    }
}
