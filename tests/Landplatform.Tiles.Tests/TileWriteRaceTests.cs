using Landplatform.Testing;

namespace Landplatform.Tiles.Tests;

/// <summary>
/// A server that writes rendered tiles to the cache only when asked (and applies outbox events only when
/// a request finds them), so a test can put a change between a tile's render and its write.
/// </summary>
public sealed class ServerWithHeldTileWrites : PlatformServer
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Identity:DemoMode"] = "true",
        ["Identity:PublicPermitsPerMinute"] = "100000",
        ["Tiles:ListenToOutbox"] = "false",
        ["Tiles:WriteDelayMilliseconds"] = "-1",
    };
}

/// <summary>
/// Tiles are written to the cache behind the requests that render them. A change that commits between a
/// tile's render and its write must never leave that tile served as fresh afterwards, whichever of the
/// write and the change's invalidation comes first. Each test edits its own parcel.
/// </summary>
public sealed class TileWriteRaceTests(ServerWithHeldTileWrites server) : IClassFixture<ServerWithHeldTileWrites>
{
    [Fact]
    public async Task A_tile_rendered_before_a_SQL_update_whose_invalidation_ran_first_is_not_written()
    {
        var (parcel, path, elsewhere) = await TileOfAsync(skip: 200);
        var before = await TileProbe.GetAsync(server.Client, path);
        Assert.Equal("miss", before.Cache);
        Assert.Equal("hit", (await TileProbe.GetAsync(server.Client, path)).Cache);   // held, not written yet

        var newUse = await SetOtherLandUseAsync(parcel);
        await TileProbe.GetAsync(server.Client, elsewhere);   // this request applies the update's event: the invalidation runs now
        await TileProbe.WrittenAsync(server);                 // then the old tile's write comes

        var after = await TileProbe.GetAsync(server.Client, path);
        Assert.Equal("miss", after.Cache);
        Assert.NotEqual(before.ETag, after.ETag);
        Assert.Equal(newUse, after.Features("parcels").Single(f => f.Text("upi") == parcel.Upi).Text("land_use"));
        Assert.Equal(0, await CachedRowsAsync(path));
    }

    [Fact]
    public async Task A_tile_written_after_a_SQL_update_it_did_not_see_is_never_served()
    {
        var (parcel, path, _) = await TileOfAsync(skip: 400);
        var before = await TileProbe.GetAsync(server.Client, path);

        var newUse = await SetOtherLandUseAsync(parcel);
        await TileProbe.WrittenAsync(server);   // the old tile is written before anyone applies the update's event
        Assert.Equal(1, await CachedRowsAsync(path));

        var after = await TileProbe.GetAsync(server.Client, path);
        var again = await TileProbe.GetAsync(server.Client, path);
        Assert.NotEqual(before.ETag, after.ETag);
        Assert.Equal(newUse, after.Features("parcels").Single(f => f.Text("upi") == parcel.Upi).Text("land_use"));
        Assert.Equal(after.ETag, again.ETag);
    }

    [Fact]
    public async Task Another_modules_event_does_not_stop_a_rendered_tile_from_being_cached()
    {
        var (_, path, _) = await TileOfAsync(skip: 600);
        var first = await TileProbe.GetAsync(server.Client, path);

        // An event without an extent, as the registry writes for every registration.
        await server.Database.ScalarAsync<int>("""
            INSERT INTO exchange.outbox (event_id, type, occurred_at, correlation_id, payload)
            VALUES (gen_random_uuid(), 'tests.unrelated', now(), gen_random_uuid(), '{"titles": ["T-1"]}')
            RETURNING 1
            """);
        var second = await TileProbe.GetAsync(server.Client, path);
        await TileProbe.WrittenAsync(server);

        Assert.Equal("hit", second.Cache);
        Assert.Equal(first.ETag, second.ETag);
        Assert.Equal(1, await CachedRowsAsync(path));
    }

    private async Task<(ParcelVersionInfo Parcel, string Path, string Elsewhere)> TileOfAsync(int skip)
    {
        var parcel = await server.Database.SplittableParcelAsync(skip);
        var path = TileProbe.Mvt("parcels", TileProbe.TileAt(await TileProbe.PointInAsync(server.Database, parcel.Upi), 17));
        var far = await TileProbe.FarthestParcelAsync(server.Database, parcel.Upi);
        var elsewhere = TileProbe.Mvt("parcels", TileProbe.TileAt(await TileProbe.PointInAsync(server.Database, far), 17));
        return (new ParcelVersionInfo(parcel.Upi, parcel.LandUse), path, elsewhere);
    }

    private async Task<string> SetOtherLandUseAsync(ParcelVersionInfo parcel)
    {
        var newUse = parcel.LandUse == "industrial" ? "commercial" : "industrial";
        await server.Database.ScalarAsync<int>(
            "WITH changed AS (UPDATE cadastre.parcel_versions SET land_use = @use WHERE upi = @upi AND status = 'current' RETURNING 1) SELECT count(*)::int FROM changed",
            ("use", newUse), ("upi", parcel.Upi));
        return newUse;
    }

    private Task<int> CachedRowsAsync(string path)
    {
        var parts = path.Split('/', '.');   // /tiles/parcels/z/x/y.mvt
        return server.Database.ScalarAsync<int>(
            "SELECT count(*)::int FROM tiles.tile_cache WHERE layer = 'parcels' AND format = 'mvt' AND variant = '' AND z = @z AND x = @x AND y = @y",
            ("z", int.Parse(parts[3])), ("x", int.Parse(parts[4])), ("y", int.Parse(parts[5])));
    }

    private sealed record ParcelVersionInfo(string Upi, string LandUse);
}
