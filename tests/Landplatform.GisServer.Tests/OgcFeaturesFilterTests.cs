using System.Text.Json;
using Landplatform.Testing;

namespace Landplatform.GisServer.Tests;

/// <summary>CQL2 filters over HTTP, each compared with the same question asked of PostGIS directly.</summary>
public sealed class OgcFeaturesFilterTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    private async Task<(long Matched, int Returned)> FilterAsync(string collection, string filter, string extra = "")
    {
        var page = await server.GetJsonAsync($"/ogc/collections/{collection}/items?limit=10000&properties=&filter={Uri.EscapeDataString(filter)}{extra}");
        return (page.GetProperty("numberMatched").GetInt64(), page.GetProperty("numberReturned").GetInt32());
    }

    [Theory]
    [InlineData("land_use = 'residential'", "land_use = 'residential'")]
    [InlineData("land_use <> 'residential' AND official_area >= 1000", "land_use <> 'residential' AND official_area >= 1000")]
    [InlineData("official_area BETWEEN 500 AND 800 OR land_use IN ('commercial', 'institutional')",
        "official_area BETWEEN 500 AND 800 OR land_use IN ('commercial', 'institutional')")]
    [InlineData("address LIKE '%Street%'", "address LIKE '%Street%'")]
    [InlineData("CASEI(address) LIKE CASEI('%street%')", "address ILIKE '%street%'")]
    [InlineData("NOT (district = 'CH') AND address IS NOT NULL", "NOT (district_code = 'CH') AND address IS NOT NULL")]
    [InlineData("address IS NULL", "address IS NULL")]
    [InlineData("S_INTERSECTS(geometry, BBOX(-61.25, 13.14, -61.20, 13.18))",
        "ST_Intersects(boundary, ST_Transform(ST_MakeEnvelope(-61.25, 13.14, -61.20, 13.18, 4326), 2007))")]
    [InlineData("S_WITHIN(geometry, POLYGON((-61.25 13.14, -61.20 13.14, -61.20 13.18, -61.25 13.18, -61.25 13.14)))",
        "ST_Within(boundary, ST_Transform(ST_MakeEnvelope(-61.25, 13.14, -61.20, 13.18, 4326), 2007))")]
    [InlineData("S_INTERSECTS(geometry, MULTIPOLYGON(((-61.25 13.14, -61.20 13.14, -61.20 13.18, -61.25 13.18, -61.25 13.14)), ((-61.23 13.15, -61.18 13.15, -61.18 13.19, -61.23 13.19, -61.23 13.15))))",
        "ST_Intersects(boundary, ST_Transform(ST_MakeValid(ST_GeomFromText('MULTIPOLYGON(((-61.25 13.14, -61.20 13.14, -61.20 13.18, -61.25 13.18, -61.25 13.14)), ((-61.23 13.15, -61.18 13.15, -61.18 13.19, -61.23 13.19, -61.23 13.15)))', 4326), 'method=structure'), 2007))")]
    [InlineData("S_WITHIN(geometry, POLYGON((-61.25 13.14, -61.20 13.14, -61.20 13.18, -61.22 13.16, -61.20 13.18, -61.25 13.18, -61.25 13.14)))",
        "ST_Within(boundary, ST_Transform(ST_MakeValid(ST_GeomFromText('POLYGON((-61.25 13.14, -61.20 13.14, -61.20 13.18, -61.22 13.16, -61.20 13.18, -61.25 13.18, -61.25 13.14))', 4326), 'method=structure'), 2007))")]
    [InlineData("S_CONTAINS(geometry, POINT(-61.2261 13.1579))",
        "ST_Contains(boundary, ST_Transform(ST_SetSRID(ST_MakePoint(-61.2261, 13.1579), 4326), 2007))")]
    [InlineData("T_AFTER(valid_from, TIMESTAMP('2009-12-31T00:00:00Z')) AND official_area < 300",
        "valid_from > '2009-12-31T00:00:00Z' AND official_area < 300")]
    public async Task A_CQL2_text_filter_returns_what_the_same_SQL_returns(string filter, string sql)
    {
        var expected = await server.Database.ScalarAsync<long>($"SELECT count(*) FROM cadastre.parcel_versions WHERE status = 'current' AND ({sql})");
        var (matched, returned) = await FilterAsync("parcels", filter);
        Assert.Equal(expected, matched);
        Assert.Equal(Math.Min(expected, 10_000), returned);
    }

    [Fact]
    public async Task The_same_filter_in_CQL2_JSON_matches_the_text_one()
    {
        var text = await FilterAsync("parcels", "land_use = 'residential' AND S_INTERSECTS(geometry, BBOX(-61.25, 13.14, -61.20, 13.18))");
        var json = await FilterAsync("parcels", """
            {"op":"and","args":[{"op":"=","args":[{"property":"land_use"},"residential"]},
              {"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[-61.25,13.14,-61.20,13.18]}]}]}
            """, "&filter-lang=cql2-json");
        Assert.True(text.Matched > 0);
        Assert.Equal(text, json);

        var latLon = await FilterAsync("parcels", "land_use = 'residential' AND S_INTERSECTS(geometry, BBOX(13.14, -61.25, 13.18, -61.20))",
            "&filter-crs=" + Uri.EscapeDataString("http://www.opengis.net/def/crs/EPSG/0/4326"));
        Assert.Equal(text, latLon);
    }

    [Fact]
    public async Task Filters_work_on_other_collections_and_with_bbox()
    {
        var expected = await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.buildings WHERE use = 'shop' AND storeys >= 2");
        Assert.Equal(expected, (await FilterAsync("buildings", "use = 'shop' AND storeys >= 2")).Matched);
        var high = await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.hazard_zones WHERE hazard = 'landslide' AND level = 'high'");
        Assert.Equal(high, (await FilterAsync("landslide-zones", "level = 'high'")).Matched);
    }

    [Theory]
    [InlineData("address = '''; DROP TABLE cadastre.buildings; --'")]
    [InlineData("address = '1'' OR ''1''=''1'")]
    [InlineData("land_use = 'x'' UNION SELECT upi FROM cadastre.parcel_records --'")]
    public async Task SQL_inside_a_filter_string_matches_nothing_and_changes_nothing(string filter)
    {
        var buildings = await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.buildings");
        Assert.Equal((0L, 0), await FilterAsync("parcels", filter));
        Assert.Equal(buildings, await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.buildings"));
    }

    [Theory]
    [InlineData("address = 'x'; DELETE FROM cadastre.buildings", "filter-syntax")]
    [InlineData("upi = 'x' OR 1=1", "filter-type")]
    [InlineData("owner_name = 'Smith'", "filter-property")]
    [InlineData("S_INTERSECTS(geometry, POLYGON((0 0, 1 1)))", "filter-geometry")]
    public async Task Hostile_filters_are_400_and_change_nothing(string filter, string rule)
    {
        var buildings = await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.buildings");
        await server.GetProblemAsync($"/ogc/collections/parcels/items?filter={Uri.EscapeDataString(filter)}", 400, rule, "filter");
        Assert.Equal(buildings, await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.buildings"));
    }

    [Fact]
    public async Task Queryables_are_a_JSON_schema_of_the_filterable_properties()
    {
        using var response = await server.Client.GetAsync("/ogc/collections/parcels/queryables");
        Assert.Equal("application/schema+json", response.Content.Headers.ContentType?.MediaType);
        var schema = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("object", schema.GetProperty("type").GetString());
        var properties = schema.GetProperty("properties");
        Assert.Equal("geometry-multipolygon", properties.GetProperty("geometry").GetProperty("format").GetString());
        Assert.Equal("number", properties.GetProperty("official_area").GetProperty("type").GetString());
        Assert.Equal("date-time", properties.GetProperty("valid_from").GetProperty("format").GetString());
        Assert.Equal("integer", properties.GetProperty("version").GetProperty("type").GetString());
    }
}
