using Landplatform.Testing;

namespace Landplatform.GisServer.Tests;

public sealed class FabricHistoryApiTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    [Fact]
    public async Task After_a_subdivision_the_API_shows_the_fabric_before_and_after_and_the_lineage_both_ways()
    {
        var effective = new DateTimeOffset(2023, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var parent = await server.Database.SplittableParcelAsync();
        var change = await server.Database.SubdivideInTwoAsync(parent, effective);
        var children = change.ChildUpis;

        var latest = await server.GetJsonAsync($"/api/parcels/{parent.Upi}");
        Assert.Equal("historic", latest.GetProperty("properties").GetProperty("status").GetString());
        Assert.Equal(effective, latest.GetProperty("properties").GetProperty("validTo").GetDateTimeOffset());

        var before = await server.GetJsonAsync($"/api/parcels/{parent.Upi}?asOf=2023-05-31");
        Assert.Equal(1, before.GetProperty("properties").GetProperty("version").GetInt32());
        Assert.Equal(effective, before.GetProperty("properties").GetProperty("validTo").GetDateTimeOffset());
        await server.GetProblemAsync($"/api/parcels/{children[0]}?asOf=2023-05-31", 404, "parcel-unknown");
        await server.GetJsonAsync($"/api/parcels/{children[0]}?asOf=2023-06-01T12:00:00Z");
        await server.GetProblemAsync($"/api/parcels/{parent.Upi}?asOf=2023-06-01T12:00:00Z", 404, "parcel-unknown");

        var bbox = await server.Database.ScalarAsync<string>(
            "SELECT concat_ws(',', ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)) FROM (SELECT boundary::box2d AS b FROM cadastre.parcel_versions WHERE upi = @upi) p",
            ("upi", parent.Upi));
        var now = await Upis($"/api/parcels?bbox={bbox}&bbox-crs=EPSG:2007&limit=1000");
        var then = await Upis($"/api/parcels?bbox={bbox}&bbox-crs=EPSG:2007&limit=1000&asOf=2023-05-31");
        Assert.DoesNotContain(parent.Upi, now);
        Assert.Subset(now.ToHashSet(), children.ToHashSet());
        Assert.Contains(parent.Upi, then);
        Assert.DoesNotContain(children[0], then);

        var childLineage = await server.GetJsonAsync($"/api/parcels/{children[0]}/lineage");
        var ancestor = Assert.Single(childLineage.GetProperty("ancestors").EnumerateArray());
        Assert.Equal(parent.Upi, ancestor.GetProperty("upi").GetString());
        Assert.Equal(1, ancestor.GetProperty("depth").GetInt32());
        Assert.Equal("subdivision", ancestor.GetProperty("transaction").GetProperty("kind").GetString());
        Assert.Equal(change.TransactionId, ancestor.GetProperty("transaction").GetProperty("id").GetGuid());

        var parentLineage = await server.GetJsonAsync($"/api/parcels/{parent.Upi}/lineage");
        Assert.Empty(parentLineage.GetProperty("ancestors").EnumerateArray());
        Assert.Equal(children.Order(StringComparer.Ordinal),
            parentLineage.GetProperty("descendants").EnumerateArray().Select(d => d.GetProperty("upi").GetString()!).Order(StringComparer.Ordinal));

        // A second generation: the grandchild's ancestors reach back to the original parcel.
        var child = await server.Database.SplittableChildAsync(children[0]);
        var grand = await server.Database.SubdivideInTwoAsync(child, effective.AddMonths(2));
        var grandLineage = await server.GetJsonAsync($"/api/parcels/{grand.ChildUpis[1]}/lineage");
        var ancestors = grandLineage.GetProperty("ancestors").EnumerateArray()
            .Select(a => (a.GetProperty("upi").GetString(), a.GetProperty("depth").GetInt32())).ToList();
        Assert.Equal([(children[0], 1), (parent.Upi, 2)], ancestors);
    }

    [Fact]
    public async Task Lineage_of_an_unknown_parcel_is_404_and_of_a_malformed_UPI_400()
    {
        await server.GetProblemAsync("/api/parcels/SP-99999-9999/lineage", 404, "parcel-unknown");
        await server.GetProblemAsync("/api/parcels/SP;DROP/lineage", 400, "upi-format", "upi");
    }

    [Fact]
    public async Task A_parcel_of_the_initial_load_has_no_ancestors_or_descendants()
    {
        var upi = await server.Database.ScalarAsync<string>("SELECT max(upi) FROM cadastre.parcel_versions WHERE status = 'current'");
        var lineage = await server.GetJsonAsync($"/api/parcels/{upi}/lineage");
        Assert.Empty(lineage.GetProperty("ancestors").EnumerateArray());
        Assert.Empty(lineage.GetProperty("descendants").EnumerateArray());
    }

    private async Task<List<string>> Upis(string path)
    {
        var page = await server.GetJsonAsync(path);
        return page.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()!).ToList();
    }
}
