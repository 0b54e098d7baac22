using System.Net;
using Landplatform.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Landplatform.Tiles.Tests;

/// <summary>
/// A server whose background outbox listener is off, so freshness can only come from the check every
/// request makes (the listener would otherwise often apply an event before the next request).
/// </summary>
public sealed class ServerWithoutOutboxListener : PlatformServer
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Identity:DemoMode"] = "true",
        ["Identity:PublicPermitsPerMinute"] = "100000",
        ["Tiles:ListenToOutbox"] = "false",
    };
}

/// <summary>
/// A committed change shows on the very next tile request, whatever wrote it, while tiles elsewhere keep
/// their cache and ETag. Each test edits its own parcels of the class's database.
/// </summary>
public sealed class TileFreshnessTests(ServerWithoutOutboxListener server) : IClassFixture<ServerWithoutOutboxListener>
{
    [Fact]
    public async Task A_cached_tile_answers_304_to_its_ETag_and_tells_clients_to_revalidate()
    {
        var parcel = await server.Database.SplittableParcelAsync(skip: 20);
        var path = TileProbe.Mvt("parcels", TileProbe.TileAt(await TileProbe.PointInAsync(server.Database, parcel.Upi), 16));

        var first = await TileProbe.GetAsync(server.Client, path);
        var second = await TileProbe.GetAsync(server.Client, path);
        var revalidated = await TileProbe.GetAsync(server.Client, path, ifNoneMatch: first.ETag);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal("hit", second.Cache);
        Assert.Equal(first.ETag, second.ETag);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.Status);
        Assert.Empty(revalidated.Body);
        Assert.Equal("public, no-cache", first.CacheControl);
        Assert.Equal(HttpStatusCode.OK, (await TileProbe.GetAsync(server.Client, path, ifNoneMatch: "\"stale\"")).Status);
    }

    [Fact]
    public async Task A_subdivision_changes_its_tiles_at_every_zoom_on_the_next_request_and_no_others()
    {
        var parent = await server.Database.SplittableParcelAsync(skip: 1);
        var point = await TileProbe.PointInAsync(server.Database, parent.Upi);
        var far = await TileProbe.PointInAsync(server.Database, await TileProbe.FarthestParcelAsync(server.Database, parent.Upi));
        var affected = new[] { 13, 15, 17 }.Select(z => TileProbe.Mvt("parcels", TileProbe.TileAt(point, z))).ToList();
        var elsewhere = TileProbe.Mvt("parcels", TileProbe.TileAt(far, 15));
        var before = new List<TileAnswer>();
        foreach (var path in affected)
        {
            before.Add(await TileProbe.GetAsync(server.Client, path));
        }

        var untouched = await TileProbe.GetAsync(server.Client, elsewhere);
        Assert.All(before, b => Assert.Contains(parent.Upi, b.Upis));
        await TileProbe.WrittenAsync(server);

        var change = await server.Database.SubdivideInTwoAsync(parent, DateTimeOffset.UtcNow);

        for (var i = 0; i < affected.Count; i++)
        {
            var after = await TileProbe.GetAsync(server.Client, affected[i]);
            Assert.NotEqual(before[i].ETag, after.ETag);
            Assert.DoesNotContain(parent.Upi, after.Upis);
            Assert.Subset(after.Upis.ToHashSet(), change.ChildUpis.ToHashSet());
        }

        var stillCached = await TileProbe.GetAsync(server.Client, elsewhere);
        Assert.Equal("hit", stillCached.Cache);
        Assert.Equal(untouched.ETag, stillCached.ETag);
    }

    [Fact]
    public async Task A_plain_SQL_update_changes_the_tile_on_the_next_request()
    {
        var parcel = await server.Database.SplittableParcelAsync(skip: 7);
        var point = await TileProbe.PointInAsync(server.Database, parcel.Upi);
        var path = TileProbe.Mvt("parcels", TileProbe.TileAt(point, 16));
        var elsewhere = TileProbe.Mvt("parcels", TileProbe.TileAt(await TileProbe.PointInAsync(server.Database, await TileProbe.FarthestParcelAsync(server.Database, parcel.Upi)), 16));
        var before = await TileProbe.GetAsync(server.Client, path);
        var untouched = await TileProbe.GetAsync(server.Client, elsewhere);
        Assert.Equal("hit", (await TileProbe.GetAsync(server.Client, path)).Cache);
        await TileProbe.WrittenAsync(server);
        var newUse = parcel.LandUse == "industrial" ? "commercial" : "industrial";

        await server.Database.ScalarAsync<int>(
            "WITH changed AS (UPDATE cadastre.parcel_versions SET land_use = @use WHERE upi = @upi AND status = 'current' RETURNING 1) SELECT count(*)::int FROM changed",
            ("use", newUse), ("upi", parcel.Upi));

        var after = await TileProbe.GetAsync(server.Client, path);
        Assert.NotEqual(before.ETag, after.ETag);
        Assert.Equal(newUse, after.Features("parcels").Single(f => f.Text("upi") == parcel.Upi).Text("land_use"));
        var stillCached = await TileProbe.GetAsync(server.Client, elsewhere);
        Assert.Equal("hit", stillCached.Cache);
        Assert.Equal(untouched.ETag, stillCached.ETag);
    }

    [Fact]
    public async Task A_moved_boundary_refreshes_the_tiles_of_its_old_place_and_of_its_new_one()
    {
        var parcel = await server.Database.SplittableParcelAsync(skip: 11);
        var oldPlace = await TileProbe.PointInAsync(server.Database, parcel.Upi);
        var oldTile = TileProbe.Mvt("parcels", TileProbe.TileAt(oldPlace, 17));
        var before = await TileProbe.GetAsync(server.Client, oldTile);
        Assert.Contains(parcel.Upi, before.Upis);

        // Shift the boundary 2 km north: a direct SQL edit of geometry (bypassing the fabric checks on purpose).
        await server.Database.ScalarAsync<int>(
            "WITH changed AS (UPDATE cadastre.parcel_versions SET boundary = ST_Translate(boundary, 0, 2000) WHERE upi = @upi AND status = 'current' RETURNING 1) SELECT count(*)::int FROM changed",
            ("upi", parcel.Upi));
        var newPlace = await TileProbe.PointInAsync(server.Database, parcel.Upi);

        var oldAfter = await TileProbe.GetAsync(server.Client, oldTile);
        var newAfter = await TileProbe.GetAsync(server.Client, TileProbe.Mvt("parcels", TileProbe.TileAt(newPlace, 17)));
        Assert.DoesNotContain(parcel.Upi, oldAfter.Upis);
        Assert.NotEqual(before.ETag, oldAfter.ETag);
        Assert.Contains(parcel.Upi, newAfter.Upis);
    }

    [Fact]
    public async Task Two_server_instances_on_one_database_never_serve_each_other_a_stale_tile()
    {
        await using var second = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b
            .UseEnvironment("Testing")
            .UseSetting("LP_CONNECTION_STRING", server.Database.RuntimeConnectionString)
            .UseSetting("Identity:DemoMode", "true")
            .UseSetting("DataProtection:KeyRingPath", server.KeyRing.Path)
            .UseSetting("DataProtection:MasterKey", server.KeyRing.MasterKey)
            .UseSetting("Tiles:ListenToOutbox", "false"));
        using var other = second.CreateClient();
        var parcel = await server.Database.SplittableParcelAsync(skip: 15);
        var path = TileProbe.Mvt("parcels", TileProbe.TileAt(await TileProbe.PointInAsync(server.Database, parcel.Upi), 16));

        var fromFirst = await TileProbe.GetAsync(server.Client, path);
        await TileProbe.WrittenAsync(server);
        var fromSecond = await TileProbe.GetAsync(other, path);
        Assert.Equal("hit", fromSecond.Cache);
        Assert.Equal(fromFirst.ETag, fromSecond.ETag);

        await server.Database.ScalarAsync<int>(
            "WITH changed AS (UPDATE cadastre.parcel_versions SET address = 'Harbour Road 1' WHERE upi = @upi AND status = 'current' RETURNING 1) SELECT count(*)::int FROM changed",
            ("upi", parcel.Upi));

        var secondAfter = await TileProbe.GetAsync(other, path);
        var firstAfter = await TileProbe.GetAsync(server.Client, path);
        Assert.Equal("Harbour Road 1", secondAfter.Features("parcels").Single(f => f.Text("upi") == parcel.Upi).Text("address"));
        Assert.NotEqual(fromFirst.ETag, secondAfter.ETag);
        Assert.Equal(secondAfter.ETag, firstAfter.ETag);
        Assert.Equal(HttpStatusCode.NotModified, (await TileProbe.GetAsync(server.Client, path, secondAfter.ETag)).Status);
    }

    [Fact]
    public async Task A_building_created_through_OGC_API_Features_Part_4_appears_in_the_next_tile()
    {
        var parcel = await server.Database.SplittableParcelAsync(skip: 33);
        var x = await server.Database.ScalarAsync<double>("SELECT ST_X(ST_PointOnSurface(boundary)) FROM cadastre.parcel_versions WHERE upi = @upi AND status = 'current'", ("upi", parcel.Upi));
        var y = await server.Database.ScalarAsync<double>("SELECT ST_Y(ST_PointOnSurface(boundary)) FROM cadastre.parcel_versions WHERE upi = @upi AND status = 'current'", ("upi", parcel.Upi));
        var path = TileProbe.Mvt("buildings", TileProbe.TileAt(await TileProbe.PointInAsync(server.Database, parcel.Upi), 17));
        var before = await TileProbe.GetAsync(server.Client, path);
        var token = await Tokens.AccessTokenForAsync(server.Client, "registrar");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/ogc/collections/buildings/items");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var side = 3.0;
        request.Content = new StringContent(System.Text.Json.JsonSerializer.Serialize(new
        {
            type = "Feature",
            properties = new { upi = parcel.Upi, use = "kiosk", storeys = 1 },
            geometry = new { type = "Polygon", coordinates = new[] { new[] { new[] { x, y }, new[] { x + side, y }, new[] { x + side, y + side }, new[] { x, y + side }, new[] { x, y } } } },
        }), System.Text.Encoding.UTF8, "application/geo+json");
        request.Content.Headers.Add("Content-Crs", "<http://www.opengis.net/def/crs/EPSG/0/2007>");
        using var created = await server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var after = await TileProbe.GetAsync(server.Client, path);
        Assert.NotEqual(before.ETag, after.ETag);
        Assert.Contains(after.Features("buildings"), f => f.Text("use") == "kiosk" && f.Text("upi") == parcel.Upi);
        Assert.Equal(before.Features("buildings").Count + 1, after.Features("buildings").Count);
    }

    [Fact]
    public async Task The_fabric_as_of_a_date_shows_the_parent_before_its_subdivision()
    {
        var parent = await server.Database.SplittableParcelAsync(skip: 25);
        var tile = TileProbe.TileAt(await TileProbe.PointInAsync(server.Database, parent.Upi), 16);
        var effective = DateTimeOffset.UtcNow;
        var change = await server.Database.SubdivideInTwoAsync(parent, effective);
        var before = effective.AddMinutes(-5).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

        var past = await TileProbe.GetAsync(server.Client, TileProbe.Mvt("parcels", tile, $"?datetime={before}"));
        var now = await TileProbe.GetAsync(server.Client, TileProbe.Mvt("parcels", tile));
        var ogcPast = await TileProbe.GetAsync(server.Client, $"/ogc/collections/parcels/tiles/WebMercatorQuad/{tile.Z}/{tile.Y}/{tile.X}?datetime={before}");

        Assert.Contains(parent.Upi, past.Upis);
        Assert.DoesNotContain(change.ChildUpis[0], past.Upis);
        Assert.Contains(change.ChildUpis[0], now.Upis);
        Assert.DoesNotContain(parent.Upi, now.Upis);
        Assert.Equal(past.ETag, ogcPast.ETag);
    }
}
