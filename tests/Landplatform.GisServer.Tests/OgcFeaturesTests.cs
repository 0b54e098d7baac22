using System.Globalization;
using System.Net;
using System.Text.Json;
using Landplatform.Testing;

namespace Landplatform.GisServer.Tests;

public sealed class OgcFeaturesTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    private const string KingstownBox = "-61.25,13.14,-61.20,13.18";

    private Task<long> CountAsync(string sql, params (string, object)[] parameters) => server.Database.ScalarAsync<long>(sql, parameters);

    [Fact]
    public async Task The_landing_page_links_the_API_description_conformance_and_collections()
    {
        var landing = await server.GetJsonAsync("/ogc");
        var rels = landing.GetProperty("links").EnumerateArray().ToDictionary(l => l.GetProperty("rel").GetString()!, l => l.GetProperty("href").GetString()!);
        Assert.EndsWith("/openapi/v1.json", rels["service-desc"], StringComparison.Ordinal);
        Assert.EndsWith("/ogc/conformance", rels["conformance"], StringComparison.Ordinal);
        Assert.EndsWith("/ogc/collections", rels["data"], StringComparison.Ordinal);

        var conformance = await server.GetJsonAsync("/ogc/conformance");
        var classes = conformance.GetProperty("conformsTo").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core", classes);
        Assert.Contains("http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs", classes);
        Assert.Contains("http://www.opengis.net/spec/cql2/1.0/conf/cql2-text", classes);
        Assert.Contains("http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete", classes);

        var openApi = await server.GetJsonAsync("/openapi/v1.json");
        var paths = openApi.GetProperty("paths");
        foreach (var path in (string[])["/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/{collectionId}", "/ogc/collections/{collectionId}/items",
                     "/ogc/collections/{collectionId}/items/{featureId}", "/ogc/collections/{collectionId}/queryables", "/ogc/collections/buildings/items"])
        {
            Assert.True(paths.TryGetProperty(path, out var operations) || paths.TryGetProperty(path + "/", out operations), $"{path} missing from OpenAPI");
            Assert.False(string.IsNullOrEmpty(operations.EnumerateObject().First().Value.GetProperty("summary").GetString()));
        }
    }

    [Fact]
    public async Task Collections_list_every_catalog_collection_with_a_CRS84_extent_computed_from_the_data()
    {
        var collections = await server.GetJsonAsync("/ogc/collections");
        var ids = collections.GetProperty("collections").EnumerateArray().Where(c => c.GetProperty("itemType").GetString() == "feature")
            .Select(c => c.GetProperty("id").GetString()).ToList();
        Assert.Equal(["parcels", "buildings", "roads", "flood-zones", "landslide-zones", "storm-surge-zones", "districts", "blocks"], ids);
        // Beside them, the metadata catalogue (MetadataRecordsTests).
        Assert.Equal(["metadata"], collections.GetProperty("collections").EnumerateArray().Where(c => c.GetProperty("itemType").GetString() == "record")
            .Select(c => c.GetProperty("id").GetString()));

        var parcels = await server.GetJsonAsync("/ogc/collections/parcels");
        var box = parcels.GetProperty("extent").GetProperty("spatial").GetProperty("bbox")[0].EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var expected = await server.Database.ScalarAsync<double>(
            "SELECT ST_XMin(ST_Transform(ST_SetSRID(ST_Extent(boundary)::geometry, 2007), 4326)) FROM cadastre.parcel_versions WHERE status = 'current'");
        Assert.Equal(expected, box[0], 4);
        Assert.InRange(box[1], 12.9, 13.5);
        Assert.True(box[2] > box[0] && box[3] > box[1]);
        Assert.Equal("2010-01-01T00:00:00Z", parcels.GetProperty("extent").GetProperty("temporal").GetProperty("interval")[0][0].GetString());
        Assert.Equal(JsonValueKind.Null, parcels.GetProperty("extent").GetProperty("temporal").GetProperty("interval")[0][1].ValueKind);
        Assert.Equal("http://www.opengis.net/def/crs/EPSG/0/2007", parcels.GetProperty("storageCrs").GetString());
        Assert.Equal(4, parcels.GetProperty("crs").GetArrayLength());
        Assert.Equal("feature", parcels.GetProperty("itemType").GetString());

        await server.GetProblemAsync("/ogc/collections/owners", 404, "collection-unknown");
        await server.GetProblemAsync("/ogc/collections/parcels;DROP", 404, "collection-unknown");
    }

    [Fact]
    public async Task Items_page_with_limit_and_offset_and_count_exactly_when_cheap()
    {
        var total = await CountAsync("SELECT count(*) FROM cadastre.parcel_versions WHERE status = 'current'");
        using var response = await server.Client.GetAsync("/ogc/collections/parcels/items");
        Assert.Equal("application/geo+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>", response.Headers.GetValues("Content-Crs").Single());
        var first = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        // The default page is 1000 (issue #26: bulk clients keep the default, and 10 a page broke their downloads).
        Assert.Equal(1000, first.GetProperty("numberReturned").GetInt32());
        Assert.Equal(1000, first.GetProperty("features").GetArrayLength());
        Assert.Equal(total, first.GetProperty("numberMatched").GetInt64());
        Assert.True(DateTimeOffset.TryParse(first.GetProperty("timeStamp").GetString(), CultureInfo.InvariantCulture, out _));

        var next = Link(first, "next")!;
        Assert.Contains("cursor=", next, StringComparison.Ordinal);
        var second = await server.GetJsonAsync(next);
        Assert.Equal(1000, second.GetProperty("numberReturned").GetInt32());
        Assert.NotNull(Link(second, "prev"));
        var firstIds = first.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()).ToList();
        var secondIds = second.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()).ToList();
        Assert.Empty(firstIds.Intersect(secondIds));
        Assert.Equal(await server.Database.ScalarAsync<string>("SELECT upi FROM cadastre.parcel_versions WHERE status = 'current' ORDER BY upi OFFSET 1000 LIMIT 1"), secondIds[0]);

        var last = await server.GetJsonAsync($"/ogc/collections/parcels/items?limit=100&offset={total - 5}");
        Assert.Equal(5, last.GetProperty("numberReturned").GetInt32());
        Assert.Null(Link(last, "next"));

        var big = await server.GetJsonAsync("/ogc/collections/parcels/items?limit=99999999999&properties=upi");
        Assert.Equal(10_000, big.GetProperty("numberReturned").GetInt32());
    }

    [Fact]
    public async Task numberMatched_is_the_true_total_on_the_last_page_and_past_the_end()
    {
        const string window = "S_INTERSECTS(geometry, BBOX(-61.25, 13.14, -61.20, 13.18))";
        var total = await CountAsync("""
            SELECT count(*) FROM cadastre.parcel_versions WHERE status = 'current'
            AND ST_Intersects(boundary, ST_Transform(ST_MakeEnvelope(-61.25, 13.14, -61.20, 13.18, 4326), 2007))
            """);
        Assert.True(total > 20, "the window must hold more than one page");

        var last = await server.GetJsonAsync($"/ogc/collections/parcels/items?limit=10&offset={total - 3}&filter={Uri.EscapeDataString(window)}");
        Assert.Equal(3, last.GetProperty("numberReturned").GetInt32());
        Assert.Equal(total, last.GetProperty("numberMatched").GetInt64());

        var all = await CountAsync("SELECT count(*) FROM cadastre.parcel_versions WHERE status = 'current'");
        var beyond = await server.GetJsonAsync($"/ogc/collections/parcels/items?limit=10&offset={all + 50}");
        Assert.Equal(0, beyond.GetProperty("numberReturned").GetInt32());
        Assert.Equal(all, beyond.GetProperty("numberMatched").GetInt64());
    }

    [Fact]
    public async Task A_bbox_returns_exactly_the_parcels_PostGIS_finds_in_it()
    {
        var expected = await CountAsync("""
            SELECT count(*) FROM cadastre.parcel_versions WHERE status = 'current'
            AND ST_Intersects(boundary, ST_Transform(ST_MakeEnvelope(-61.25, 13.14, -61.20, 13.18, 4326), 2007))
            """);
        Assert.True(expected > 10);
        var page = await server.GetJsonAsync($"/ogc/collections/parcels/items?bbox={KingstownBox}&limit=10000");
        Assert.Equal(expected, page.GetProperty("numberReturned").GetInt32());
        Assert.Equal(expected, page.GetProperty("numberMatched").GetInt64());

        var latLon = await server.GetJsonAsync("/ogc/collections/parcels/items?bbox=13.14,-61.25,13.18,-61.20&bbox-crs=EPSG:4326&limit=10000&properties=upi");
        Assert.Equal(expected, latLon.GetProperty("numberReturned").GetInt32());
    }

    [Theory]
    [InlineData("", -61.5, -61.0, 13.0, 13.5, "http://www.opengis.net/def/crs/OGC/1.3/CRS84")]
    [InlineData("http://www.opengis.net/def/crs/EPSG/0/4326", 13.0, 13.5, -61.5, -61.0, "http://www.opengis.net/def/crs/EPSG/0/4326")]
    [InlineData("http://www.opengis.net/def/crs/EPSG/0/3857", -6_847_000, -6_790_000, 1_459_000, 1_517_000, "http://www.opengis.net/def/crs/EPSG/0/3857")]
    [InlineData("http://www.opengis.net/def/crs/EPSG/0/2007", 470_000, 520_000, 1_440_000, 1_490_000, "http://www.opengis.net/def/crs/EPSG/0/2007")]
    public async Task Features_come_in_the_CRS_asked_for_with_EPSG_4326_latitude_first(string crs, double minA, double maxA, double minB, double maxB, string contentCrs)
    {
        using var response = await server.Client.GetAsync($"/ogc/collections/parcels/items?limit=3{(crs.Length > 0 ? "&crs=" + Uri.EscapeDataString(crs) : string.Empty)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"<{contentCrs}>", response.Headers.GetValues("Content-Crs").Single());
        var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        foreach (var feature in page.GetProperty("features").EnumerateArray())
        {
            foreach (var ring in feature.GetProperty("geometry").GetProperty("coordinates").EnumerateArray().SelectMany(p => p.EnumerateArray()))
            {
                foreach (var position in ring.EnumerateArray())
                {
                    Assert.InRange(position[0].GetDouble(), minA, maxA);
                    Assert.InRange(position[1].GetDouble(), minB, maxB);
                }
            }
        }
    }

    [Fact]
    public async Task One_feature_has_a_strong_ETag_and_unknown_ones_are_404()
    {
        var upi = await server.Database.ScalarAsync<string>("SELECT min(upi) FROM cadastre.parcel_versions WHERE status = 'current'");
        using var response = await server.Client.GetAsync($"/ogc/collections/parcels/items/{upi}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tag = response.Headers.ETag;
        Assert.NotNull(tag);
        Assert.False(tag.IsWeak);
        var feature = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(upi, feature.GetProperty("id").GetString());
        Assert.Equal("current", feature.GetProperty("properties").GetProperty("status").GetString());

        using var again = new HttpRequestMessage(HttpMethod.Get, $"/ogc/collections/parcels/items/{upi}");
        again.Headers.IfNoneMatch.Add(tag);
        using var notModified = await server.Client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        var buildingId = await server.Database.ScalarAsync<long>("SELECT min(id) FROM cadastre.buildings");
        var building = await server.GetJsonAsync($"/ogc/collections/buildings/items/{buildingId}");
        Assert.Equal(buildingId, building.GetProperty("id").GetInt64());
        Assert.Equal("Polygon", building.GetProperty("geometry").GetProperty("type").GetString());

        await server.GetProblemAsync("/ogc/collections/parcels/items/CH-99999-9999", 404, "feature-unknown");
        await server.GetProblemAsync("/ogc/collections/buildings/items/not-a-number", 404, "feature-unknown");
        await server.GetProblemAsync("/ogc/collections/buildings/items/99999999999999999999", 404, "feature-unknown");
    }

    [Fact]
    public async Task GeoJSON_carries_the_stored_values_exactly_even_text_that_needs_escaping()
    {
        // A quote, a backslash, a tab, a control character and text beyond ASCII, in one address.
        const string address = "Lot \"7\" \\ Rue\tdu Marché \u0001 – Ñandú 漢字";
        var upi = await server.Database.ScalarAsync<string>(
            "UPDATE cadastre.parcel_versions SET address = @address WHERE id = (SELECT max(id) FROM cadastre.parcel_versions WHERE status = 'current') RETURNING upi",
            ("address", address));
        var computed = await server.Database.ScalarAsync<decimal>("SELECT round(computed_area::numeric, 3) FROM cadastre.parcel_versions WHERE upi = @upi AND status = 'current'", ("upi", upi));
        var official = await server.Database.ScalarAsync<decimal>("SELECT official_area FROM cadastre.parcel_versions WHERE upi = @upi AND status = 'current'", ("upi", upi));
        var version = await server.Database.ScalarAsync<int>("SELECT version FROM cadastre.parcel_versions WHERE upi = @upi AND status = 'current'", ("upi", upi));
        var from = await server.Database.ScalarAsync<DateTime>("SELECT valid_from FROM cadastre.parcel_versions WHERE upi = @upi AND status = 'current'", ("upi", upi));

        var item = await server.GetJsonAsync($"/ogc/collections/parcels/items/{upi}");
        var page = (await server.GetJsonAsync($"/ogc/collections/parcels/items?filter={Uri.EscapeDataString($"upi = '{upi}'")}")).GetProperty("features")[0];
        var wfs = (await server.GetJsonAsync($"/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&RESOURCEID=parcels.{upi}&OUTPUTFORMAT=application/json")).GetProperty("features")[0];
        Assert.Equal($"parcels.{upi}", wfs.GetProperty("id").GetString());
        foreach (var feature in new[] { item, page, wfs })
        {
            var properties = feature.GetProperty("properties");
            Assert.Equal(address, properties.GetProperty("address").GetString());
            Assert.Equal(upi, properties.GetProperty("upi").GetString());
            Assert.Equal(version, properties.GetProperty("version").GetInt32());
            Assert.Equal(official, properties.GetProperty("official_area").GetDecimal());
            Assert.Equal(computed, properties.GetProperty("computed_area").GetDecimal());
            Assert.Equal(DateTime.SpecifyKind(from, DateTimeKind.Utc), properties.GetProperty("valid_from").GetDateTime().ToUniversalTime());
            Assert.Equal(JsonValueKind.Null, properties.GetProperty("valid_to").ValueKind);
            Assert.Equal("MultiPolygon", feature.GetProperty("geometry").GetProperty("type").GetString());
        }

        Assert.Equal(upi, item.GetProperty("id").GetString());
        Assert.Equal(upi, page.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Datetime_gives_the_fabric_as_of_an_instant_and_every_version_within_an_interval()
    {
        var parent = await server.Database.SplittableParcelAsync(skip: 3);
        var change = await server.Database.SubdivideInTwoAsync(parent, new DateTimeOffset(2020, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var filter = Uri.EscapeDataString($"upi IN ('{parent.Upi}', '{change.ChildUpis[0]}', '{change.ChildUpis[1]}')");

        async Task<List<string>> UpisAsync(string datetime) =>
            (await server.GetJsonAsync($"/ogc/collections/parcels/items?filter={filter}{datetime}")).GetProperty("features").EnumerateArray()
            .Select(f => f.GetProperty("id").GetString()!).Order(StringComparer.Ordinal).ToList();

        Assert.Equal([parent.Upi], await UpisAsync("&datetime=2019-01-01"));
        Assert.Equal(change.ChildUpis.Order(StringComparer.Ordinal).ToList(), await UpisAsync("&datetime=2021-01-01T00:00:00Z"));
        Assert.Equal(change.ChildUpis.Order(StringComparer.Ordinal).ToList(), await UpisAsync(string.Empty));
        Assert.Equal(3, (await UpisAsync("&datetime=2019-01-01/2021-01-01")).Count);
        Assert.Equal(3, (await UpisAsync("&datetime=../2021-01-01")).Count);
        Assert.Equal([parent.Upi], await UpisAsync("&datetime=../2019-12-31"));
        Assert.Equal(2, (await UpisAsync("&datetime=2020-06-02T00:00:00Z/..")).Count);
    }

    [Fact]
    public async Task Properties_selects_the_columns_and_CSV_and_HTML_show_the_same_rows()
    {
        var page = await server.GetJsonAsync("/ogc/collections/parcels/items?limit=2&properties=upi,land_use");
        var names = page.GetProperty("features")[0].GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(["upi", "land_use"], names);

        using var csv = await server.Client.GetAsync("/ogc/collections/parcels/items?limit=3&properties=upi,official_area&f=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,upi,official_area,wkt", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.Contains("MULTIPOLYGON", lines[1], StringComparison.Ordinal);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/ogc/collections/parcels/items?limit=5");
        request.Headers.Accept.ParseAdd("text/html");
        using var html = await server.Client.SendAsync(request);
        Assert.Equal("text/html", html.Content.Headers.ContentType?.MediaType);
        var body = await html.Content.ReadAsStringAsync();
        Assert.Contains("<table>", body, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"col\">upi</th>", body, StringComparison.Ordinal);
        Assert.Contains("rel=\"next\"", body, StringComparison.Ordinal);
        Assert.Contains(page.GetProperty("features")[0].GetProperty("id").GetString()!, body, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", body, StringComparison.Ordinal);

        var landing = await server.Client.GetStringAsync("/ogc?f=html");
        Assert.Contains("href=\"http://localhost/ogc/collections\"", landing, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("crs=EPSG:9999", "crs", "supported-crs")]
    [InlineData("bbox-crs=EPSG:27700&bbox=1,2,3,4", "bbox-crs", "supported-crs")]
    [InlineData("filter-crs=EPSG:1&filter=version=1", "filter-crs", "supported-crs")]
    [InlineData("bbox=1,2,3", "bbox", "bbox-format")]
    [InlineData("bbox=3,3,1,1", "bbox", "bbox-order")]
    [InlineData("limit=0", "limit", "limit-range")]
    [InlineData("limit=ten", "limit", "limit-range")]
    [InlineData("offset=-1", "offset", "offset-range")]
    [InlineData("offset=999999999999999999999999", "offset", "offset-range")]
    [InlineData("datetime=yesterday", "datetime", "datetime-format")]
    [InlineData("datetime=2021-01-01/2020-01-01", "datetime", "datetime-order")]
    [InlineData("datetime=../..", "datetime", "datetime-format")]
    [InlineData("properties=upi,owner", "properties", "property-known")]
    [InlineData("f=xml", "f", "format-supported")]
    [InlineData("filter-lang=sql&filter=1", "filter-lang", "filter-lang-supported")]
    [InlineData("orderby=upi", "orderby", "parameter-known")]
    [InlineData("sortby=owner", "sortby", "sortby-property")]
    [InlineData("filter=owner%20%3D%20%27x%27", "filter", "filter-property")]
    [InlineData("filter=version%20%3D%20%27one%27", "filter", "filter-type")]
    [InlineData("filter=version%20%3D", "filter", "filter-syntax")]
    public async Task Bad_parameters_are_400_naming_the_parameter_and_rule(string query, string parameter, string rule)
    {
        var problem = await server.GetProblemAsync($"/ogc/collections/parcels/items?{query}", 400, rule, parameter);
        if (rule == "filter-property")
        {
            Assert.Contains("land_use", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Zoom_level_simplifies_geometries_for_maps_keeping_every_feature_and_its_type()
    {
        var full = await server.GetJsonAsync("/ogc/collections/flood-zones/items?limit=100");
        var coarse = await server.GetJsonAsync("/ogc/collections/flood-zones/items?limit=100&zoom-level=10");
        var fine = await server.GetJsonAsync("/ogc/collections/flood-zones/items?limit=100&zoom-level=24");
        static int Vertices(JsonElement page) => page.GetProperty("features").EnumerateArray().Sum(f => Count(f.GetProperty("geometry").GetProperty("coordinates")));
        static int Count(JsonElement node) => node[0].ValueKind == JsonValueKind.Number ? 1 : node.EnumerateArray().Sum(Count);
        Assert.Equal(full.GetProperty("features").GetArrayLength(), coarse.GetProperty("features").GetArrayLength());
        static string[] Types(JsonElement page) => page.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("geometry").GetProperty("type").GetString()!).ToArray();
        Assert.Equal(Types(full), Types(coarse));
        Assert.True(Vertices(coarse) < Vertices(full) / 2, $"zoom 10 kept {Vertices(coarse)} of {Vertices(full)} vertices");
        Assert.True(Vertices(fine) > Vertices(coarse), "zoom 24 should keep more than zoom 10");
        var invalid = await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM cadastre.hazard_zones WHERE hazard LIKE 'flood%' AND NOT ST_IsValid(ST_SimplifyPreserveTopology(boundary, 76.4))");
        Assert.Equal(0L, invalid);
        await server.GetProblemAsync("/ogc/collections/flood-zones/items?zoom-level=25", 400, "zoom-level-range", "zoom-level");
        await server.GetProblemAsync("/ogc/collections/flood-zones/items?zoom-level=ten", 400, "zoom-level-range", "zoom-level");
    }

    private static string? Link(JsonElement document, string rel) =>
        document.GetProperty("links").EnumerateArray().FirstOrDefault(l => l.GetProperty("rel").GetString() == rel) is { ValueKind: JsonValueKind.Object } link
            ? new Uri(link.GetProperty("href").GetString()!).PathAndQuery
            : null;
}
