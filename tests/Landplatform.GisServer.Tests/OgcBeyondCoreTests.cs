using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using Landplatform.Testing;

namespace Landplatform.GisServer.Tests;

/// <summary>
/// What the best servers offer beyond the core (issue #26, item 4 and 5): sorting, sortables, the Part 5 schema, free text,
/// 6-number boxes, historic versions at their own URL, conformance as implemented; WFS COUNT capped, SORTBY and
/// PropertyIsNil; GetFeatureInfo on polygons answering only the polygon under the pixel.
/// </summary>
public sealed class OgcBeyondCoreTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    private const string Current = "FROM cadastre.parcel_versions t WHERE t.status = 'current'";

    private async Task<List<string>> IdsAsync(string sql)
    {
        var ids = new List<string>();
        await using var command = server.Database.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static List<string> FeatureIds(JsonElement page) =>
        page.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").ToString()).ToList();

    private static string? Next(JsonElement page) =>
        page.GetProperty("links").EnumerateArray().Where(l => l.GetProperty("rel").GetString() == "next")
            .Select(l => new Uri(l.GetProperty("href").GetString()!).PathAndQuery).FirstOrDefault();

    [Fact]
    public async Task Sortby_orders_the_items_as_PostGIS_does_and_pages_on_by_offset()
    {
        var expected = await IdsAsync($"SELECT t.upi {Current} ORDER BY t.official_area DESC, t.upi, t.version LIMIT 10");
        var first = await server.GetJsonAsync("/ogc/collections/parcels/items?sortby=-official_area&limit=5&properties=official_area");
        Assert.Equal(expected.Take(5).ToList(), FeatureIds(first));
        var next = Next(first)!;
        Assert.Contains("offset=5", next, StringComparison.Ordinal);
        Assert.DoesNotContain("cursor=", next, StringComparison.Ordinal);
        Assert.Equal(expected.Skip(5).ToList(), FeatureIds(await server.GetJsonAsync(next)));

        var byTwo = await server.GetJsonAsync("/ogc/collections/parcels/items?sortby=%2Bland_use,-upi&limit=3&properties=land_use");
        Assert.Equal(await IdsAsync($"SELECT t.upi {Current} ORDER BY t.land_use, t.upi DESC LIMIT 3"), FeatureIds(byTwo));

        await server.GetProblemAsync("/ogc/collections/parcels/items?sortby=owner_name", 400, "sortby-property", "sortby");
        await server.GetProblemAsync("/ogc/collections/parcels/items?sortby=upi;DROP%20TABLE%20x", 400, "sortby-property", "sortby");
    }

    [Fact]
    public async Task Sortables_and_the_Part_5_schema_describe_the_properties_and_their_roles()
    {
        var sortables = await server.GetJsonAsync("/ogc/collections/parcels/sortables");
        Assert.Contains("official_area", sortables.GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.DoesNotContain("geometry", sortables.GetProperty("properties").EnumerateObject().Select(p => p.Name));

        var schema = await server.GetJsonAsync("/ogc/collections/parcels/schema");
        var properties = schema.GetProperty("properties");
        Assert.Equal("id", properties.GetProperty("id").GetProperty("x-ogc-role").GetString());
        Assert.Equal("primary-geometry", properties.GetProperty("geometry").GetProperty("x-ogc-role").GetString());
        Assert.Equal("geometry-multipolygon", properties.GetProperty("geometry").GetProperty("format").GetString());
        Assert.Equal("primary-interval-start", properties.GetProperty("valid_from").GetProperty("x-ogc-role").GetString());
        Assert.Equal("primary-interval-end", properties.GetProperty("valid_to").GetProperty("x-ogc-role").GetString());
        Assert.Equal("number", properties.GetProperty("official_area").GetProperty("type").GetString());
        Assert.Equal("integer", (await server.GetJsonAsync("/ogc/collections/buildings/schema")).GetProperty("properties").GetProperty("id").GetProperty("type").GetString());

        var collection = await server.GetJsonAsync("/ogc/collections/parcels");
        var rels = collection.GetProperty("links").EnumerateArray().Select(l => l.GetProperty("rel").GetString()).ToList();
        Assert.Contains("describedby", rels);
        Assert.Contains("http://www.opengis.net/def/rel/ogc/1.0/sortables", rels);
        await server.GetProblemAsync("/ogc/collections/owners/schema", 404, "collection-unknown");
    }

    [Fact]
    public async Task Q_finds_the_parcels_whose_text_holds_any_of_the_terms()
    {
        var address = await server.Database.ScalarAsync<string>($"SELECT t.address {Current} AND t.address IS NOT NULL ORDER BY t.upi LIMIT 1");
        var word = address.Split(' ', StringSplitOptions.RemoveEmptyEntries).OrderByDescending(w => w.Length).First();
        var expected = await server.Database.ScalarAsync<long>(
            $"SELECT count(*) {Current} AND (t.address ILIKE @a OR t.upi ILIKE @a OR t.land_use ILIKE @a OR t.status ILIKE @a OR t.district_code ILIKE @a OR t.block_code ILIKE @a OR t.address ILIKE '%no-such-words%')",
            ("a", $"%{word}%"));
        Assert.True(expected > 0);
        var page = await server.GetJsonAsync($"/ogc/collections/parcels/items?q={Uri.EscapeDataString(word.ToUpperInvariant())},no-such-words&limit=1&properties=upi");
        Assert.Equal(expected, page.GetProperty("numberMatched").GetInt64());

        // A term is text: a percent sign in it is a percent sign.
        Assert.Equal(0, (await server.GetJsonAsync("/ogc/collections/parcels/items?q=%25&limit=1")).GetProperty("numberReturned").GetInt32());
        await server.GetProblemAsync($"/ogc/collections/parcels/items?q={new string('x', 201)}", 400, "q-terms", "q");
    }

    [Fact]
    public async Task A_bbox_of_six_numbers_is_the_same_box_with_heights()
    {
        var flat = await server.GetJsonAsync("/ogc/collections/parcels/items?bbox=-61.25,13.14,-61.20,13.18&limit=10000&properties=upi");
        var tall = await server.GetJsonAsync("/ogc/collections/parcels/items?bbox=-61.25,13.14,-100,-61.20,13.18,3000&limit=10000&properties=upi");
        Assert.True(flat.GetProperty("numberReturned").GetInt32() > 0);
        Assert.Equal(FeatureIds(flat), FeatureIds(tall));
        await server.GetProblemAsync("/ogc/collections/parcels/items?bbox=-61.25,13.14,100,-61.20,13.18,0", 400, "bbox-order", "bbox");
        await server.GetProblemAsync("/ogc/collections/parcels/items?bbox=1,2,3,4,5", 400, "bbox-format", "bbox");
    }

    [Fact]
    public async Task A_historic_version_is_addressable_at_its_own_URL_by_datetime_and_by_version()
    {
        var parent = await server.Database.SplittableParcelAsync(3);
        var before = DateTimeOffset.UtcNow.AddDays(-5);
        await server.Database.SubdivideInTwoAsync(parent, DateTimeOffset.UtcNow.AddDays(-1));
        var stamp = before.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        using (var gone = await server.Client.GetAsync($"/ogc/collections/parcels/items/{parent.Upi}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        var then = await server.GetJsonAsync($"/ogc/collections/parcels/items/{parent.Upi}?datetime={stamp}");
        Assert.Equal(parent.Upi, then.GetProperty("id").GetString());
        Assert.Equal("historic", then.GetProperty("properties").GetProperty("status").GetString());
        var self = then.GetProperty("links").EnumerateArray().First(l => l.GetProperty("rel").GetString() == "self").GetProperty("href").GetString()!;
        Assert.EndsWith($"/items/{parent.Upi}?version={parent.Version}", self, StringComparison.Ordinal);

        using var byDate = await server.Client.GetAsync($"/ogc/collections/parcels/items/{parent.Upi}?datetime={stamp}");
        using var byVersion = await server.Client.GetAsync(new Uri(self).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, byVersion.StatusCode);
        Assert.Equal(byDate.Headers.ETag, byVersion.Headers.ETag);

        await server.GetProblemAsync($"/ogc/collections/parcels/items/{parent.Upi}?version=0", 400, "version-format", "version");
        await server.GetProblemAsync($"/ogc/collections/parcels/items/{parent.Upi}?datetime=2020-01-01/..", 400, "datetime-instant", "datetime");
        await server.GetProblemAsync("/ogc/collections/buildings/items/1?version=1", 400, "version-format", "version");
    }

    [Fact]
    public async Task Conformance_declares_what_is_implemented_and_the_API_description_is_labelled_3_1()
    {
        var classes = (await server.GetJsonAsync("/ogc/conformance")).GetProperty("conformsTo").EnumerateArray().Select(c => c.GetString()).ToList();
        foreach (var declared in (string[])[
                     "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
                     "http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",
                     "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
                     "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas"])
        {
            Assert.Contains(declared, classes);
        }

        Assert.DoesNotContain("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30", classes);
        Assert.DoesNotContain("http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions", classes);
        Assert.DoesNotContain("http://www.opengis.net/spec/cql2/1.0/conf/property-property", classes);

        var landing = await server.GetJsonAsync("/ogc");
        var desc = landing.GetProperty("links").EnumerateArray().First(l => l.GetProperty("rel").GetString() == "service-desc");
        Assert.Equal("application/vnd.oai.openapi+json;version=3.1", desc.GetProperty("type").GetString());
        Assert.StartsWith("3.1", (await server.GetJsonAsync("/openapi/v1.json")).GetProperty("openapi").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CASEI_compares_case_insensitively_only_where_both_sides_are_folded()
    {
        var landUse = await server.Database.ScalarAsync<string>($"SELECT t.land_use {Current} GROUP BY 1 ORDER BY count(*) DESC LIMIT 1");
        var shouted = landUse.ToUpperInvariant();
        var expected = await server.Database.ScalarAsync<long>($"SELECT count(*) {Current} AND t.land_use = @l", ("l", landUse));
        async Task<long> MatchedAsync(string filter) =>
            (await server.GetJsonAsync($"/ogc/collections/parcels/items?limit=1&filter={Uri.EscapeDataString(filter)}")).GetProperty("numberMatched").GetInt64();

        Assert.Equal(expected, await MatchedAsync($"CASEI(land_use) = CASEI('{shouted}')"));
        Assert.Equal(0, await MatchedAsync($"CASEI(land_use) = '{shouted}'"));
        Assert.Equal(expected, await MatchedAsync($"ACCENTI(CASEI(land_use)) IN (CASEI(ACCENTI('{shouted}')))"));
        var total = await server.Database.ScalarAsync<long>($"SELECT count(*) {Current}");
        Assert.Equal(total - expected, await MatchedAsync($"CASEI(land_use) <> CASEI('{shouted}')"));
        Assert.Equal(total, await MatchedAsync("TRUE"));
        await server.GetProblemAsync($"/ogc/collections/parcels/items?filter={Uri.EscapeDataString("CASEI(official_area) = 5")}", 400, "filter-type", "filter");
    }

    private const string GetFeature = "/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature";
    private static readonly XNamespace Wfs = "http://www.opengis.net/wfs/2.0";
    private static readonly XNamespace Lp = "https://landplatform.example/wfs";

    private async Task<XDocument> XmlAsync(string path)
    {
        using var response = await server.Client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return XDocument.Parse(body);
    }

    [Fact]
    public async Task WFS_COUNT_above_the_maximum_is_answered_with_the_maximum()
    {
        var page = await XmlAsync($"{GetFeature}&TYPENAMES=lp:parcels&COUNT=99999999999999&PROPERTYNAME=upi");
        Assert.Equal("10000", page.Root!.Attribute("numberReturned")!.Value);
    }

    [Fact]
    public async Task WFS_SORTBY_orders_by_KVP_and_by_XML_as_PostGIS_does()
    {
        var expected = await IdsAsync($"SELECT 'parcels.' || t.upi {Current} ORDER BY t.official_area DESC, t.upi LIMIT 4");
        var kvp = await XmlAsync($"{GetFeature}&TYPENAMES=lp:parcels&COUNT=4&PROPERTYNAME=official_area&SORTBY=official_area%20DESC");
        Assert.Equal(expected, Members(kvp));

        using var post = await server.Client.PostAsync("/wfs", new StringContent($"""
            <wfs:GetFeature service="WFS" version="2.0.0" count="4" xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:fes="http://www.opengis.net/fes/2.0">
              <wfs:Query typeNames="lp:parcels"><fes:SortBy><fes:SortProperty><fes:ValueReference>official_area</fes:ValueReference><fes:SortOrder>DESC</fes:SortOrder></fes:SortProperty></fes:SortBy></wfs:Query>
            </wfs:GetFeature>
            """, System.Text.Encoding.UTF8, "text/xml"));
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal(expected, Members(XDocument.Parse(await post.Content.ReadAsStringAsync())));

        using var bad = await server.Client.GetAsync($"{GetFeature}&TYPENAMES=lp:parcels&SORTBY=owner%20DESC");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("locator=\"SORTBY\"", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        static List<string> Members(XDocument collection) =>
            collection.Root!.Elements(Wfs + "member").Select(m => m.Elements().First().Attribute(XName.Get("id", "http://www.opengis.net/gml/3.2"))!.Value).ToList();
    }

    [Fact]
    public async Task WFS_PropertyIsNil_matches_the_missing_values_as_PropertyIsNull_does()
    {
        var expected = await server.Database.ScalarAsync<long>($"SELECT count(*) {Current} AND t.address IS NULL");
        var filter = Uri.EscapeDataString("<fes:Filter xmlns:fes=\"http://www.opengis.net/fes/2.0\"><fes:Not><fes:PropertyIsNil><fes:ValueReference>address</fes:ValueReference></fes:PropertyIsNil></fes:Not></fes:Filter>");
        var total = await server.Database.ScalarAsync<long>($"SELECT count(*) {Current}");
        var hits = await XmlAsync($"{GetFeature}&TYPENAMES=lp:parcels&RESULTTYPE=hits&FILTER={filter}");
        Assert.Equal(total - expected, long.Parse(hits.Root!.Attribute("numberMatched")!.Value, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task GetFeatureInfo_on_polygons_answers_only_the_parcel_under_the_pixel()
    {
        // A 10 km map 1000 pixels wide: the old 3-pixel reach was 30 m, enough to pick up the neighbours.
        var point = (await server.Database.ScalarAsync<string>(
            $"SELECT ST_X(p) || ' ' || ST_Y(p) FROM (SELECT ST_PointOnSurface(ST_Buffer(t.boundary, -6)) p {Current} AND t.computed_area BETWEEN 500 AND 1500 AND NOT ST_IsEmpty(ST_Buffer(t.boundary, -6)) ORDER BY t.upi LIMIT 1) x"))
            .Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var (minX, minY) = (Math.Floor(point[0]) - 5000, Math.Floor(point[1]) - 5000);
        var (i, j) = ((int)Math.Floor(point[0] - minX) / 10, (int)Math.Floor(minY + 10000 - point[1]) / 10);
        var (cx, cy) = (minX + ((i + 0.5) * 10), minY + 10000 - ((j + 0.5) * 10));
        var bbox = string.Create(CultureInfo.InvariantCulture, $"{minX},{minY},{minX + 10000},{minY + 10000}");
        var info = await server.GetJsonAsync(
            $"/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS=parcels&STYLES=&CRS=EPSG:2007&BBOX={bbox}&WIDTH=1000&HEIGHT=1000" +
            $"&FORMAT=image/png&QUERY_LAYERS=parcels&INFO_FORMAT=application/json&I={i}&J={j}&FEATURE_COUNT=50");
        var expected = await IdsAsync(string.Create(CultureInfo.InvariantCulture,
            $"SELECT t.upi {Current} AND ST_Intersects(t.boundary, ST_SetSRID(ST_MakePoint({cx}, {cy}), 2007)) ORDER BY t.upi"));
        Assert.NotEmpty(expected);
        Assert.Equal(expected, info.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()!).Order(StringComparer.Ordinal).ToList());
    }
}
