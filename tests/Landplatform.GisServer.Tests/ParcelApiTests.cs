using Landplatform.Testing;
using System.Globalization;
using System.Text.Json;

namespace Landplatform.GisServer.Tests;

public sealed class ParcelApiTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    // A box over Kingstown and its surroundings, in WGS 84 longitude/latitude.
    private const string KingstownBox = "-61.25,13.14,-61.20,13.18";

    private async Task<string> AnyUpiAsync() =>
        await server.Database.ScalarAsync<string>("SELECT min(upi) FROM cadastre.parcel_versions WHERE status = 'current'");

    [Fact]
    public async Task A_parcel_is_returned_with_its_attributes_and_boundary_in_the_national_grid()
    {
        var upi = await AnyUpiAsync();
        using var response = await server.Client.GetAsync($"/api/parcels/{upi}");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/geo+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("<http://www.opengis.net/def/crs/EPSG/0/2007>", response.Headers.GetValues("Content-Crs").Single());

        var feature = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Feature", feature.GetProperty("type").GetString());
        Assert.Equal(upi, feature.GetProperty("id").GetString());
        var properties = feature.GetProperty("properties");
        Assert.Equal("current", properties.GetProperty("status").GetString());
        Assert.Equal(1, properties.GetProperty("version").GetInt32());
        Assert.Equal(JsonValueKind.Null, properties.GetProperty("validTo").ValueKind);
        Assert.False(string.IsNullOrEmpty(properties.GetProperty("landUse").GetString()));
        // One vocabulary with the OGC services and tiles (issue #19): district and block are codes, the district's name is districtName.
        Assert.Equal(upi[..2], properties.GetProperty("district").GetString());
        Assert.Equal(upi[..8], properties.GetProperty("block").GetString());
        Assert.False(string.IsNullOrEmpty(properties.GetProperty("districtName").GetString()));
        var official = properties.GetProperty("officialArea").GetDouble();
        var computed = properties.GetProperty("computedArea").GetDouble();
        Assert.InRange(official, computed * 0.999, computed * 1.001);

        Assert.Equal("MultiPolygon", feature.GetProperty("geometry").GetProperty("type").GetString());
        foreach (var (x, y) in Coordinates(feature))
        {
            Assert.InRange(x, 470_000, 520_000);
            Assert.InRange(y, 1_440_000, 1_490_000);
        }
    }

    [Theory]
    [InlineData("EPSG:4326", -61.5, -61.0, 13.0, 13.5)]
    [InlineData("http://www.opengis.net/def/crs/OGC/1.3/CRS84", -61.5, -61.0, 13.0, 13.5)]
    [InlineData("EPSG:3857", -6_847_000, -6_790_000, 1_459_000, 1_517_000)]
    public async Task A_parcel_can_be_asked_for_in_WGS84_or_web_mercator(string crs, double minX, double maxX, double minY, double maxY)
    {
        var upi = await AnyUpiAsync();
        var feature = await server.GetJsonAsync($"/api/parcels/{upi}?crs={Uri.EscapeDataString(crs)}");
        foreach (var (x, y) in Coordinates(feature))
        {
            Assert.InRange(x, minX, maxX);
            Assert.InRange(y, minY, maxY);
        }
    }

    [Fact]
    public async Task An_unknown_UPI_is_404_and_a_malformed_one_is_400_naming_upi()
    {
        await server.GetProblemAsync("/api/parcels/CH-99999-9999", 404, "parcel-unknown");
        await server.GetProblemAsync("/api/parcels/not-a-upi", 400, "upi-format", "upi");
        await server.GetProblemAsync("/api/parcels/CH-00001-0001%27%20OR%201=1--", 400, "upi-format", "upi");
    }

    [Theory]
    [InlineData("crs=EPSG:9999", "crs", "supported-crs")]
    [InlineData("crs=EPSG:4326;DROP", "crs", "supported-crs")]
    [InlineData("asOf=yesterday", "asOf", "date-format")]
    [InlineData("asOf=2024-13-45", "asOf", "date-format")]
    [InlineData("asOf=2024-05-01T10:00", "asOf", "date-format")]
    public async Task Bad_parameters_of_one_parcel_are_400_naming_the_parameter(string query, string parameter, string rule)
    {
        var upi = await AnyUpiAsync();
        await server.GetProblemAsync($"/api/parcels/{upi}?{query}", 400, rule, parameter);
    }

    [Fact]
    public async Task Before_the_fabric_existed_a_parcel_has_no_version_in_force()
    {
        var upi = await AnyUpiAsync();
        var problem = await server.GetProblemAsync($"/api/parcels/{upi}?asOf=2005-06-30", 404, "parcel-unknown");
        Assert.Contains("2005-06-30", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bbox_search_returns_only_current_parcels_that_touch_the_box()
    {
        var page = await server.GetJsonAsync($"/api/parcels?bbox={KingstownBox}&limit=200");
        Assert.Equal("FeatureCollection", page.GetProperty("type").GetString());
        var features = page.GetProperty("features").EnumerateArray().ToList();
        Assert.NotEmpty(features);
        Assert.Equal(features.Count, page.GetProperty("numberReturned").GetInt32());
        foreach (var feature in features)
        {
            Assert.Equal("current", feature.GetProperty("properties").GetProperty("status").GetString());
            var points = Coordinates(feature).ToList();
            Assert.True(points.Min(p => p.X) <= -61.20 && points.Max(p => p.X) >= -61.25, "feature lies east or west of the box");
            Assert.True(points.Min(p => p.Y) <= 13.18 && points.Max(p => p.Y) >= 13.14, "feature lies north or south of the box");
        }

        var expected = await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM cadastre.parcel_versions WHERE status = 'current' AND "
            + "ST_Intersects(boundary, ST_Transform(ST_MakeEnvelope(-61.25, 13.14, -61.20, 13.18, 4326), 2007))");
        Assert.Equal(Math.Min(expected, 200), features.Count);
    }

    [Fact]
    public async Task The_same_box_in_the_national_grid_or_with_EPSG_4326_axis_order_finds_the_same_parcels()
    {
        var crs84 = await UpisAsync($"/api/parcels?bbox={KingstownBox}&limit=1000");
        var latFirst = await UpisAsync("/api/parcels?bbox=13.14,-61.25,13.18,-61.20&bbox-crs=EPSG:4326&limit=1000");
        Assert.Equal(crs84, latFirst);

        var grid = await server.Database.ScalarAsync<string>(
            "SELECT concat_ws(',', ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)) FROM "
            + "(SELECT ST_Transform(ST_MakeEnvelope(-61.235, 13.15, -61.225, 13.16, 4326), 2007)::box2d AS b) e");
        var inGrid = await UpisAsync($"/api/parcels?bbox={grid}&bbox-crs=EPSG:2007&limit=1000");
        Assert.NotEmpty(inGrid);
        var expected = await server.Database.ScalarAsync<string>(
            "SELECT string_agg(upi, ',' ORDER BY upi) FROM cadastre.parcel_versions WHERE status = 'current' AND "
            + "ST_Intersects(boundary, ST_SetSRID(ST_Transform(ST_MakeEnvelope(-61.235, 13.15, -61.225, 13.16, 4326), 2007)::box2d::geometry, 2007))");
        Assert.Equal(expected.Split(','), inGrid);
    }

    [Theory]
    [InlineData("bbox=1,2,3", "bbox", "bbox-format")]
    [InlineData("bbox=a,b,c,d", "bbox", "bbox-format")]
    [InlineData("bbox=-61.2,13.1,-61.25,13.18", "bbox", "bbox-order")]
    [InlineData("bbox=-200,13.1,-61.2,13.18", "bbox", "bbox-range")]
    [InlineData("bbox=-61.25,13.14,-61.20,13.18&bbox-crs=EPSG:27700", "bbox-crs", "supported-crs")]
    [InlineData("limit=0", "limit", "limit-range")]
    [InlineData("limit=1001", "limit", "limit-range")]
    [InlineData("limit=ten", "limit", "limit-range")]
    [InlineData("q=x", "q", "q-length")]
    [InlineData("after=zz", "after", "upi-format")]
    [InlineData("asOf=31/12/2020", "asOf", "date-format")]
    public async Task Bad_search_parameters_are_400_naming_the_parameter(string query, string parameter, string rule) =>
        await server.GetProblemAsync($"/api/parcels?{query}", 400, rule, parameter);

    [Fact]
    public async Task A_UPI_prefix_finds_the_parcels_of_that_block()
    {
        var upi = await AnyUpiAsync();
        var block = upi[..upi.LastIndexOf('-')];
        var found = await UpisAsync($"/api/parcels?q={block.ToLowerInvariant()}&limit=1000");
        var expected = await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM cadastre.parcel_versions WHERE status = 'current' AND block_code = @block", ("block", block));
        Assert.Equal(expected, found.Count);
        Assert.All(found, u => Assert.StartsWith(block + "-", u, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_address_search_matches_part_of_the_address_in_any_case()
    {
        var page = await server.GetJsonAsync("/api/parcels?q=kingstown&limit=50");
        var features = page.GetProperty("features").EnumerateArray().ToList();
        Assert.NotEmpty(features);
        Assert.All(features, f => Assert.Contains("kingstown", f.GetProperty("properties").GetProperty("address").GetString()!, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("'; DROP TABLE cadastre.parcel_versions; --")]
    [InlineData("%%")]
    [InlineData("__")]
    [InlineData("\\%")]
    public async Task Search_text_is_matched_literally_and_never_runs_as_SQL(string q)
    {
        var page = await server.GetJsonAsync($"/api/parcels?q={Uri.EscapeDataString(q)}");
        Assert.Equal(0, page.GetProperty("numberReturned").GetInt32());
        Assert.True(await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.parcel_versions") > 1000);
    }

    [Fact]
    public async Task Paging_by_next_links_walks_the_results_in_UPI_order_without_repeats()
    {
        var seen = new List<string>();
        var next = $"/api/parcels?bbox={KingstownBox}&limit=7";
        var pages = 0;
        while (next is not null && pages < 4)
        {
            var page = await server.GetJsonAsync(next);
            seen.AddRange(page.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()!));
            next = page.GetProperty("links").EnumerateArray()
                .Where(l => l.GetProperty("rel").GetString() == "next")
                .Select(l => new Uri(l.GetProperty("href").GetString()!).PathAndQuery)
                .FirstOrDefault();
            pages++;
        }

        Assert.Equal(28, seen.Count);
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        var all = await UpisAsync($"/api/parcels?bbox={KingstownBox}&limit=28");
        Assert.Equal(all, seen);
    }

    [Fact]
    public async Task The_last_page_has_no_next_link()
    {
        var upi = await AnyUpiAsync();
        var page = await server.GetJsonAsync($"/api/parcels?q={upi}&limit=5");
        Assert.Equal(1, page.GetProperty("numberReturned").GetInt32());
        Assert.DoesNotContain(page.GetProperty("links").EnumerateArray(), l => l.GetProperty("rel").GetString() == "next");
    }

    private async Task<List<string>> UpisAsync(string path)
    {
        var page = await server.GetJsonAsync(path);
        return page.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()!).ToList();
    }

    internal static IEnumerable<(double X, double Y)> Coordinates(JsonElement feature)
    {
        foreach (var polygon in feature.GetProperty("geometry").GetProperty("coordinates").EnumerateArray())
        {
            foreach (var ring in polygon.EnumerateArray())
            {
                foreach (var point in ring.EnumerateArray())
                {
                    yield return (point[0].GetDouble(), point[1].GetDouble());
                }
            }
        }
    }
}
