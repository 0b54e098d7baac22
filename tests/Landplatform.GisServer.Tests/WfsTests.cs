using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Landplatform.Testing;

namespace Landplatform.GisServer.Tests;

public sealed class WfsTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    private static readonly XNamespace Wfs = "http://www.opengis.net/wfs/2.0";
    private static readonly XNamespace Ows = "http://www.opengis.net/ows/1.1";
    private static readonly XNamespace Fes = "http://www.opengis.net/fes/2.0";
    private static readonly XNamespace Gml = "http://www.opengis.net/gml/3.2";
    private static readonly XNamespace Xsd = "http://www.w3.org/2001/XMLSchema";
    private static readonly XNamespace Lp = "https://landplatform.example/wfs";

    private const string GetFeature = "/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature";
    private const string FesOpen = "<fes:Filter xmlns:fes=\"http://www.opengis.net/fes/2.0\" xmlns:gml=\"http://www.opengis.net/gml/3.2\">";

    // Around Kingstown, in the national grid (EPSG:2007, easting/northing).
    private const double MinE = 480_000, MinN = 1_460_000, MaxE = 484_000, MaxN = 1_464_000;

    private async Task<XDocument> GetXmlAsync(string path, string mediaType = "application/gml+xml")
    {
        using var response = await server.Client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {body}");
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        return XDocument.Parse(body);
    }

    /// <summary>Asserts an OWS ExceptionReport with the HTTP status, exception code and locator.</summary>
    private async Task<XElement> GetExceptionAsync(string path, int status, string code, string? locator)
    {
        using var response = await server.Client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"GET {path}: expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/xml", response.Content.Headers.ContentType?.MediaType);
        var report = XDocument.Parse(body).Root!;
        Assert.Equal(Ows + "ExceptionReport", report.Name);
        var exception = report.Element(Ows + "Exception")!;
        Assert.Equal(code, (string?)exception.Attribute("exceptionCode"));
        Assert.Equal(locator, (string?)exception.Attribute("locator"));
        Assert.False(string.IsNullOrWhiteSpace(exception.Element(Ows + "ExceptionText")?.Value));
        return exception;
    }

    private static string Filter(string body) => Uri.EscapeDataString(FesOpen + body + "</fes:Filter>");

    private static long Matched(XDocument collection) => long.Parse(collection.Root!.Attribute("numberMatched")!.Value, CultureInfo.InvariantCulture);

    private static List<string> MemberIds(XDocument collection) =>
        collection.Root!.Elements(Wfs + "member").Select(m => (string)m.Elements().Single().Attribute(Gml + "id")!).ToList();

    private Task<long> CountAsync(string where, params (string, object)[] parameters) =>
        server.Database.ScalarAsync<long>($"SELECT count(*) FROM cadastre.parcel_versions WHERE status = 'current' AND ({where})", parameters);

    [Fact]
    public async Task A_page_before_the_end_of_a_costly_spatial_query_says_unknown_or_the_truth_and_the_last_page_says_the_truth()
    {
        var bbox = string.Create(CultureInfo.InvariantCulture, $"{MinE},{MinN},{MaxE},{MaxN},urn:ogc:def:crs:EPSG::2007");
        var total = await CountAsync("ST_Intersects(boundary, ST_MakeEnvelope(@x0, @y0, @x1, @y1, 2007))",
            ("x0", MinE), ("y0", MinN), ("x1", MaxE), ("y1", MaxN));
        Assert.True(total > 20, "the window must hold more than two pages");

        var first = await GetXmlAsync($"{GetFeature}&TYPENAMES=lp:parcels&COUNT=10&BBOX={bbox}");
        var matched = (string)first.Root!.Attribute("numberMatched")!;
        Assert.True(matched == "unknown" || matched == total.ToString(CultureInfo.InvariantCulture), $"numberMatched {matched}, the database counts {total}");
        Assert.Equal("10", (string?)first.Root.Attribute("numberReturned"));
        Assert.Equal(10, MemberIds(first).Count);
        Assert.NotNull(first.Root.Attribute("next"));

        var last = await GetXmlAsync($"{GetFeature}&TYPENAMES=lp:parcels&COUNT=10&STARTINDEX={total - 4}&BBOX={bbox}");
        Assert.Equal(total, Matched(last));
        Assert.Equal("4", (string?)last.Root!.Attribute("numberReturned"));
        Assert.Equal(4, MemberIds(last).Count);
        Assert.Null(last.Root.Attribute("next"));
    }

    [Fact]
    public async Task Capabilities_list_every_catalog_type_with_its_CRSs_data_extent_paging_and_filter_operators()
    {
        var capabilities = (await GetXmlAsync("/wfs?service=WFS&request=GetCapabilities&acceptversions=2.0.0", "application/xml")).Root!;
        Assert.Equal(Wfs + "WFS_Capabilities", capabilities.Name);
        Assert.Equal("2.0.0", (string?)capabilities.Attribute("version"));
        Assert.Equal("WFS", capabilities.Element(Ows + "ServiceIdentification")!.Element(Ows + "ServiceType")!.Value);
        Assert.NotNull(capabilities.Element(Ows + "ServiceProvider")!.Element(Ows + "ProviderName"));

        var types = capabilities.Element(Wfs + "FeatureTypeList")!.Elements(Wfs + "FeatureType").ToList();
        Assert.Equal(
            ["lp:parcels", "lp:buildings", "lp:roads", "lp:flood-zones", "lp:landslide-zones", "lp:storm-surge-zones", "lp:districts", "lp:blocks"],
            types.Select(t => t.Element(Wfs + "Name")!.Value));
        var parcels = types[0];
        Assert.Equal("urn:ogc:def:crs:EPSG::2007", parcels.Element(Wfs + "DefaultCRS")!.Value);
        Assert.Equal(["urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:EPSG::3857"], parcels.Elements(Wfs + "OtherCRS").Select(e => e.Value));

        // The advertised extent encloses every current parcel and is tight around the island.
        var box = parcels.Element(Ows + "WGS84BoundingBox")!;
        var lower = box.Element(Ows + "LowerCorner")!.Value.Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var upper = box.Element(Ows + "UpperCorner")!.Value.Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var outside = await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM cadastre.parcel_versions WHERE status = 'current' AND NOT ST_Within(ST_Transform(boundary, 4326), ST_MakeEnvelope(@a, @b, @c, @d, 4326))",
            ("a", lower[0]), ("b", lower[1]), ("c", upper[0]), ("d", upper[1]));
        Assert.Equal(0, outside);
        var west = await server.Database.ScalarAsync<double>("SELECT ST_XMin(ST_Extent(ST_Transform(boundary, 4326)))::float8 FROM cadastre.parcel_versions WHERE status = 'current'");
        Assert.InRange(lower[0], west - 0.001, west);

        var operations = capabilities.Element(Ows + "OperationsMetadata")!;
        Assert.Equal(["GetCapabilities", "DescribeFeatureType", "GetFeature", "GetPropertyValue", "ListStoredQueries", "DescribeStoredQueries"],
            operations.Elements(Ows + "Operation").Select(o => (string)o.Attribute("name")!));
        string Constraint(XElement parent, XNamespace ns, string name) =>
            parent.Elements(ns + "Constraint").Single(c => (string?)c.Attribute("name") == name).Element(Ows + "DefaultValue")!.Value;
        Assert.Equal("TRUE", Constraint(operations, Ows, "ImplementsResultPaging"));
        Assert.Equal("TRUE", Constraint(operations, Ows, "KVPEncoding"));
        Assert.Equal("FALSE", Constraint(operations, Ows, "ImplementsTransactionalWFS"));
        Assert.Equal("TRUE", Constraint(operations, Ows, "ImplementsBasicWFS"));
        Assert.Equal("1000", Constraint(operations, Ows, "CountDefault"));

        var filter = capabilities.Element(Fes + "Filter_Capabilities")!;
        Assert.Equal("TRUE", Constraint(filter.Element(Fes + "Conformance")!, Fes, "ImplementsSpatialFilter"));
        Assert.Equal("FALSE", Constraint(filter.Element(Fes + "Conformance")!, Fes, "ImplementsTemporalFilter"));
        var comparisons = filter.Descendants(Fes + "ComparisonOperator").Select(e => (string)e.Attribute("name")!).ToList();
        Assert.Contains("PropertyIsLike", comparisons);
        Assert.Contains("PropertyIsBetween", comparisons);
        Assert.Contains("PropertyIsNil", comparisons);
        Assert.Equal("TRUE", Constraint(filter.Element(Fes + "Conformance")!, Fes, "ImplementsSorting"));
        var spatial = filter.Descendants(Fes + "SpatialOperator").Select(e => (string)e.Attribute("name")!).ToList();
        Assert.Contains("BBOX", spatial);
        Assert.Contains("Intersects", spatial);
        Assert.DoesNotContain("DWithin", spatial);
    }

    [Fact]
    public async Task DescribeFeatureType_is_a_GML_32_application_schema_with_the_catalog_property_types()
    {
        var schema = (await GetXmlAsync("/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=DescribeFeatureType&TYPENAME=lp:parcels,lp:buildings")).Root!;
        Assert.Equal(Xsd + "schema", schema.Name);
        Assert.Equal("https://landplatform.example/wfs", (string?)schema.Attribute("targetNamespace"));
        Assert.Equal("http://www.opengis.net/gml/3.2", (string?)schema.Element(Xsd + "import")!.Attribute("namespace"));
        var elements = schema.Elements(Xsd + "element").ToList();
        Assert.Equal(["parcels", "buildings"], elements.Select(e => (string)e.Attribute("name")!));
        Assert.All(elements, e => Assert.Equal("gml:AbstractFeature", (string?)e.Attribute("substitutionGroup")));

        string TypeOf(string complexType, string property) => (string)schema.Elements(Xsd + "complexType")
            .Single(t => (string?)t.Attribute("name") == complexType)
            .Descendants(Xsd + "element").Single(e => (string?)e.Attribute("name") == property).Attribute("type")!;
        Assert.Equal("xsd:string", TypeOf("parcelsType", "upi"));
        Assert.Equal("xsd:int", TypeOf("parcelsType", "version"));
        Assert.Equal("xsd:double", TypeOf("parcelsType", "official_area"));
        Assert.Equal("xsd:dateTime", TypeOf("parcelsType", "valid_from"));
        Assert.Equal("gml:MultiSurfacePropertyType", TypeOf("parcelsType", "geometry"));
        Assert.Equal("gml:SurfacePropertyType", TypeOf("buildingsType", "geometry"));
        Assert.Equal("xsd:int", TypeOf("buildingsType", "storeys"));
    }

    [Fact]
    public async Task GetFeature_streams_a_GML_32_collection_with_unique_gml_ids_counts_and_working_paging_links()
    {
        var first = await GetXmlAsync($"{GetFeature}&TYPENAMES=lp:parcels&COUNT=5&STARTINDEX=3");
        var root = first.Root!;
        Assert.Equal(Wfs + "FeatureCollection", root.Name);
        Assert.Equal(await CountAsync("true"), Matched(first));
        Assert.Equal("5", (string?)root.Attribute("numberReturned"));
        Assert.True(DateTimeOffset.TryParse((string?)root.Attribute("timeStamp"), CultureInfo.InvariantCulture, out _));

        var expected = new List<string>();
        await using (var command = server.Database.DataSource.CreateCommand("SELECT upi FROM cadastre.parcel_versions WHERE status = 'current' ORDER BY upi OFFSET 3 LIMIT 10"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                expected.Add("parcels." + reader.GetString(0));
            }
        }

        Assert.Equal(expected.Take(5), MemberIds(first));
        var feature = root.Element(Wfs + "member")!.Element(Lp + "parcels")!;
        Assert.Equal(expected[0]["parcels.".Length..], feature.Element(Lp + "upi")!.Value);
        var surface = feature.Element(Lp + "geometry")!.Element(Gml + "MultiSurface")!;
        Assert.Equal("urn:ogc:def:crs:EPSG::2007", (string?)surface.Attribute("srsName"));
        var easting = double.Parse(surface.Descendants(Gml + "posList").First().Value.Split(' ')[0], CultureInfo.InvariantCulture);
        Assert.InRange(easting, 470_000, 520_000);

        // GML 3.2: every feature and every geometry carries a gml:id, unique in the document.
        var ids = root.Descendants().Attributes(Gml + "id").Select(a => a.Value).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(root.Descendants(Gml + "Polygon"), p => Assert.NotNull(p.Attribute(Gml + "id")));

        var next = new Uri((string)root.Attribute("next")!);
        var second = await GetXmlAsync(next.PathAndQuery);
        Assert.Equal(expected.Skip(5).Take(5), MemberIds(second));
        var previous = new Uri((string)root.Attribute("previous")!);
        Assert.Equal(expected.Take(5).Count(), MemberIds(await GetXmlAsync(previous.PathAndQuery)).Count);
        Assert.Contains("STARTINDEX=0", previous.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hits_count_what_a_bbox_matches_without_returning_members_and_both_axis_orders_agree()
    {
        var expected = await CountAsync("ST_Intersects(boundary, ST_MakeEnvelope(@a, @b, @c, @d, 2007))", ("a", MinE), ("b", MinN), ("c", MaxE), ("d", MaxN));
        Assert.InRange(expected, 20, 5_000);
        var hits = await GetXmlAsync($"{GetFeature}&TYPENAMES=lp:parcels&RESULTTYPE=hits&BBOX={MinE},{MinN},{MaxE},{MaxN}");
        Assert.Equal(expected, Matched(hits));
        Assert.Equal("0", (string?)hits.Root!.Attribute("numberReturned"));
        Assert.Empty(hits.Root!.Elements(Wfs + "member"));

        // The same area in WGS 84: the URN CRS puts latitude first.
        var lonLat = await server.Database.ScalarAsync<string>(
            "SELECT concat_ws(',', ST_YMin(g), ST_XMin(g), ST_YMax(g), ST_XMax(g)) FROM (SELECT ST_Transform(ST_MakeEnvelope(@a, @b, @c, @d, 2007), 4326) g) x",
            ("a", MinE + 500), ("b", MinN + 500), ("c", MaxE - 500), ("d", MaxN - 500));
        var inWgs84 = await CountAsync("ST_Intersects(ST_Transform(boundary, 4326), ST_Envelope(ST_Transform(ST_MakeEnvelope(@a, @b, @c, @d, 2007), 4326)))",
            ("a", MinE + 500), ("b", MinN + 500), ("c", MaxE - 500), ("d", MaxN - 500));
        var viaUrn = await GetXmlAsync($"{GetFeature}&TYPENAMES=lp:parcels&RESULTTYPE=hits&BBOX={lonLat},urn:ogc:def:crs:EPSG::4326");
        Assert.InRange(Matched(viaUrn), inWgs84 - 2, inWgs84 + 2);
        Assert.InRange(Matched(viaUrn), 10, expected);
    }

    public static TheoryData<string, string, object[]> Filters => new()
    {
        { "<fes:PropertyIsEqualTo><fes:ValueReference>lp:land_use</fes:ValueReference><fes:Literal>industrial</fes:Literal></fes:PropertyIsEqualTo>", "land_use = 'industrial'", [] },
        { "<fes:PropertyIsNotEqualTo><fes:ValueReference>land_use</fes:ValueReference><fes:Literal>residential</fes:Literal></fes:PropertyIsNotEqualTo>", "land_use <> 'residential'", [] },
        { "<fes:PropertyIsEqualTo matchCase=\"false\"><fes:ValueReference>land_use</fes:ValueReference><fes:Literal>INDUSTRIAL</fes:Literal></fes:PropertyIsEqualTo>", "land_use = 'industrial'", [] },
        { "<fes:PropertyIsLessThan><fes:ValueReference>official_area</fes:ValueReference><fes:Literal>500</fes:Literal></fes:PropertyIsLessThan>", "official_area < 500", [] },
        { "<fes:PropertyIsGreaterThanOrEqualTo><fes:ValueReference>official_area</fes:ValueReference><fes:Literal>5000.5</fes:Literal></fes:PropertyIsGreaterThanOrEqualTo>", "official_area >= 5000.5", [] },
        { "<fes:PropertyIsLessThanOrEqualTo><fes:Literal>5000</fes:Literal><fes:ValueReference>official_area</fes:ValueReference></fes:PropertyIsLessThanOrEqualTo>", "official_area >= 5000", [] },
        { "<fes:PropertyIsBetween><fes:ValueReference>official_area</fes:ValueReference><fes:LowerBoundary><fes:Literal>1000</fes:Literal></fes:LowerBoundary><fes:UpperBoundary><fes:Literal>2000</fes:Literal></fes:UpperBoundary></fes:PropertyIsBetween>", "official_area BETWEEN 1000 AND 2000", [] },
        { "<fes:PropertyIsLike wildCard=\"*\" singleChar=\".\" escapeChar=\"!\"><fes:ValueReference>address</fes:ValueReference><fes:Literal>*Spring Trace*</fes:Literal></fes:PropertyIsLike>", "address LIKE '%Spring Trace%'", [] },
        { "<fes:PropertyIsLike wildCard=\"*\" singleChar=\".\" escapeChar=\"!\"><fes:ValueReference>upi</fes:ValueReference><fes:Literal>CH!-00001-000.</fes:Literal></fes:PropertyIsLike>", "upi LIKE 'CH-00001-000_'", [] },
        { "<fes:PropertyIsLike wildCard=\"*\" singleChar=\".\" escapeChar=\"!\" matchCase=\"false\"><fes:ValueReference>address</fes:ValueReference><fes:Literal>*spring trace, f*</fes:Literal></fes:PropertyIsLike>", "address ILIKE '%spring trace, f%'", [] },
        { "<fes:PropertyIsLike wildCard=\"*\" singleChar=\".\" escapeChar=\"!\"><fes:ValueReference>address</fes:ValueReference><fes:Literal>%Spring%</fes:Literal></fes:PropertyIsLike>", "address LIKE '!%Spring!%' ESCAPE '!'", [] },
        { "<fes:PropertyIsNull><fes:ValueReference>address</fes:ValueReference></fes:PropertyIsNull>", "address IS NULL", [] },
        { "<fes:Or><fes:PropertyIsEqualTo><fes:ValueReference>land_use</fes:ValueReference><fes:Literal>forest</fes:Literal></fes:PropertyIsEqualTo><fes:And><fes:PropertyIsEqualTo><fes:ValueReference>district</fes:ValueReference><fes:Literal>CH</fes:Literal></fes:PropertyIsEqualTo><fes:Not><fes:PropertyIsEqualTo><fes:ValueReference>land_use</fes:ValueReference><fes:Literal>agricultural</fes:Literal></fes:PropertyIsEqualTo></fes:Not></fes:And></fes:Or>",
            "land_use = 'forest' OR (district_code = 'CH' AND NOT land_use = 'agricultural')", [] },
        { $"<fes:BBOX><fes:ValueReference>lp:geometry</fes:ValueReference><gml:Envelope srsName=\"urn:ogc:def:crs:EPSG::2007\"><gml:lowerCorner>{MinE} {MinN}</gml:lowerCorner><gml:upperCorner>{MaxE} {MaxN}</gml:upperCorner></gml:Envelope></fes:BBOX>",
            "ST_Intersects(boundary, ST_MakeEnvelope(@a, @b, @c, @d, 2007))", [MinE, MinN, MaxE, MaxN] },
        { $"<fes:Within><fes:ValueReference>geometry</fes:ValueReference><gml:Envelope><gml:lowerCorner>{MinE} {MinN}</gml:lowerCorner><gml:upperCorner>{MaxE} {MaxN}</gml:upperCorner></gml:Envelope></fes:Within>",
            "ST_Within(boundary, ST_MakeEnvelope(@a, @b, @c, @d, 2007))", [MinE, MinN, MaxE, MaxN] },
        { $"<fes:Intersects><fes:ValueReference>geometry</fes:ValueReference><gml:Polygon gml:id=\"p1\" srsName=\"urn:ogc:def:crs:EPSG::2007\"><gml:exterior><gml:LinearRing><gml:posList>{MinE} {MinN} {MaxE} {MinN} {MinE} {MaxN} {MinE} {MinN}</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></fes:Intersects>",
            "ST_Intersects(boundary, ST_MakePolygon(ST_MakeLine(ARRAY[ST_MakePoint(@a, @b), ST_MakePoint(@c, @b), ST_MakePoint(@a, @d), ST_MakePoint(@a, @b)])))", [MinE, MinN, MaxE, MaxN] },
        { "<fes:Intersects><fes:ValueReference>geometry</fes:ValueReference><gml:MultiSurface srsName=\"urn:ogc:def:crs:EPSG::4326\"><gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>13.15 -61.24 13.15 -61.22 13.17 -61.22 13.17 -61.24 13.15 -61.24</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></fes:Intersects>",
            "ST_Intersects(ST_Transform(boundary, 4326), ST_MakeEnvelope(-61.24, 13.15, -61.22, 13.17, 4326))", [] },
        { "<fes:Intersects><fes:ValueReference>geometry</fes:ValueReference><gml:LineString srsName=\"http://www.opengis.net/def/crs/EPSG/0/4326\"><gml:posList>13.15 -61.24 13.17 -61.22</gml:posList></gml:LineString></fes:Intersects>",
            "ST_Intersects(ST_Transform(boundary, 4326), ST_SetSRID(ST_MakeLine(ST_MakePoint(-61.24, 13.15), ST_MakePoint(-61.22, 13.17)), 4326))", [] },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task FES_filters_match_exactly_what_the_same_condition_matches_in_PostGIS(string filter, string where, object[] values)
    {
        var parameters = values.Select((v, i) => (((char)('a' + i)).ToString(), v)).ToArray();
        // Geometry literals in the expected SQL are 2007 unless written otherwise.
        var sql = where.Replace("ST_MakePolygon(ST_MakeLine(", "ST_SetSRID(ST_MakePolygon(ST_MakeLine(", StringComparison.Ordinal)
            .Replace("ST_MakePoint(@a, @b)])))", "ST_MakePoint(@a, @b)])), 2007))", StringComparison.Ordinal);
        var expected = await CountAsync(sql, parameters);
        var hits = await GetXmlAsync($"{GetFeature}&TYPENAMES=lp:parcels&RESULTTYPE=hits&FILTER={Filter(filter)}");
        Assert.Equal(expected, Matched(hits));
    }

    [Fact]
    public async Task Filters_that_should_match_something_do_and_percent_signs_in_a_like_literal_are_literal()
    {
        Assert.True(await CountAsync("land_use = 'industrial'") > 0);
        Assert.True(await CountAsync("address LIKE '%Spring Trace%'") > 0);
        Assert.True(await CountAsync("upi LIKE 'CH-00001-000_'") > 0);
        var percent = await GetXmlAsync($"{GetFeature}&TYPENAMES=lp:parcels&RESULTTYPE=hits&FILTER=" + Filter(
            "<fes:PropertyIsLike wildCard=\"*\" singleChar=\".\" escapeChar=\"!\"><fes:ValueReference>address</fes:ValueReference><fes:Literal>%</fes:Literal></fes:PropertyIsLike>"));
        Assert.Equal(0, Matched(percent));
    }

    [Fact]
    public async Task Resource_ids_select_exactly_those_features_by_KVP_by_FES_and_for_numeric_ids()
    {
        var byKvp = await GetXmlAsync($"{GetFeature}&RESOURCEID=parcels.CH-00001-0002,parcels.CH-00001-0001,parcels.CH-99999-9999");
        Assert.Equal(["parcels.CH-00001-0001", "parcels.CH-00001-0002"], MemberIds(byKvp));

        var third = await server.Database.ScalarAsync<string>("SELECT upi FROM cadastre.parcel_versions WHERE status = 'current' ORDER BY upi OFFSET 20 LIMIT 1");
        var byFilter = await GetXmlAsync($"{GetFeature}&TYPENAMES=lp:parcels&FILTER=" + Filter($"<fes:ResourceId rid=\"parcels.{third}\"/><fes:ResourceId rid=\"parcels.CH-00001-0001\"/>"));
        Assert.Equal(["parcels.CH-00001-0001", $"parcels.{third}"], MemberIds(byFilter));

        var buildings = await GetXmlAsync($"{GetFeature}&TYPENAMES=lp:buildings&RESOURCEID=buildings.7,buildings.3");
        Assert.Equal(["buildings.3", "buildings.7"], MemberIds(buildings));
        var upi = await server.Database.ScalarAsync<string>("SELECT upi FROM cadastre.buildings WHERE id = 3");
        Assert.Equal(upi, buildings.Root!.Element(Wfs + "member")!.Element(Lp + "buildings")!.Element(Lp + "upi")!.Value);
        Assert.NotNull(buildings.Root!.Descendants(Lp + "geometry").First().Element(Gml + "Polygon")!.Attribute(Gml + "id"));
    }

    [Theory]
    [InlineData("urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:EPSG::4326", 13.0, 13.5, -61.5, -61.0)]
    [InlineData("EPSG:4326", "urn:ogc:def:crs:EPSG::4326", 13.0, 13.5, -61.5, -61.0)]
    [InlineData("EPSG:3857", "urn:ogc:def:crs:EPSG::3857", -6_847_000, -6_790_000, 1_459_000, 1_517_000)]
    [InlineData("urn:ogc:def:crs:EPSG::2007", "urn:ogc:def:crs:EPSG::2007", 470_000, 520_000, 1_440_000, 1_490_000)]
    public async Task SRSNAME_reprojects_the_geometry_in_the_axis_order_of_the_CRS(string srsName, string urn, double min1, double max1, double min2, double max2)
    {
        var collection = await GetXmlAsync($"{GetFeature}&TYPENAMES=lp:parcels&COUNT=3&SRSNAME={Uri.EscapeDataString(srsName)}");
        var surfaces = collection.Descendants(Gml + "MultiSurface").ToList();
        Assert.Equal(3, surfaces.Count);
        foreach (var surface in surfaces)
        {
            Assert.Equal(urn, (string?)surface.Attribute("srsName"));
            var numbers = surface.Descendants(Gml + "posList").First().Value.Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.InRange(numbers[0], min1, max1);
            Assert.InRange(numbers[1], min2, max2);
        }
    }

    [Fact]
    public async Task PROPERTYNAME_returns_only_the_named_properties_and_the_geometry_only_when_named()
    {
        var collection = await GetXmlAsync($"{GetFeature}&TYPENAMES=lp:parcels&COUNT=2&PROPERTYNAME=lp:land_use,upi");
        var feature = collection.Root!.Element(Wfs + "member")!.Element(Lp + "parcels")!;
        Assert.Equal(["upi", "land_use"], feature.Elements().Select(e => e.Name.LocalName));

        var withGeometry = await GetXmlAsync($"{GetFeature}&TYPENAMES=lp:parcels&COUNT=2&PROPERTYNAME=geometry");
        Assert.Equal(["geometry"], withGeometry.Root!.Element(Wfs + "member")!.Element(Lp + "parcels")!.Elements().Select(e => e.Name.LocalName));
    }

    [Fact]
    public async Task GeoJSON_output_has_the_same_features_longitude_first_with_counts_and_a_next_link()
    {
        var expected = await CountAsync("land_use = 'industrial'");
        using var response = await server.Client.GetAsync($"{GetFeature}&TYPENAMES=lp:parcels&COUNT=4&SRSNAME=EPSG:4326&OUTPUTFORMAT=application/json&FILTER="
            + Filter("<fes:PropertyIsEqualTo><fes:ValueReference>land_use</fes:ValueReference><fes:Literal>industrial</fes:Literal></fes:PropertyIsEqualTo>"));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("FeatureCollection", json.GetProperty("type").GetString());
        Assert.Equal(expected, json.GetProperty("numberMatched").GetInt64());
        Assert.Equal(4, json.GetProperty("numberReturned").GetInt32());
        var features = json.GetProperty("features").EnumerateArray().ToList();
        Assert.Equal(4, features.Count);
        Assert.All(features, f =>
        {
            Assert.StartsWith("parcels.", f.GetProperty("id").GetString(), StringComparison.Ordinal);
            Assert.Equal("industrial", f.GetProperty("properties").GetProperty("land_use").GetString());
            var position = f.GetProperty("geometry").GetProperty("coordinates")[0][0][0];
            Assert.InRange(position[0].GetDouble(), -61.5, -61.0);
            Assert.InRange(position[1].GetDouble(), 13.0, 13.5);
        });
        Assert.Equal("next", json.GetProperty("links")[0].GetProperty("rel").GetString());
    }

    [Fact]
    public async Task Stored_query_GetFeatureById_returns_the_bare_feature_and_an_unknown_id_is_NotFound()
    {
        var list = (await GetXmlAsync("/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=ListStoredQueries", "application/xml")).Root!;
        Assert.Equal("urn:ogc:def:query:OGC-WFS::GetFeatureById", (string?)list.Element(Wfs + "StoredQuery")!.Attribute("id"));
        var description = (await GetXmlAsync("/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=DescribeStoredQueries&STOREDQUERY_ID=urn:ogc:def:query:OGC-WFS::GetFeatureById", "application/xml")).Root!;
        Assert.Equal("ID", (string?)description.Descendants(Wfs + "Parameter").Single().Attribute("name"));

        const string byId = GetFeature + "&STOREDQUERY_ID=urn:ogc:def:query:OGC-WFS::GetFeatureById&ID=";
        var feature = (await GetXmlAsync(byId + "parcels.CH-00001-0001")).Root!;
        Assert.Equal(Lp + "parcels", feature.Name);
        Assert.Equal("parcels.CH-00001-0001", (string?)feature.Attribute(Gml + "id"));
        Assert.Equal("CH-00001-0001", feature.Element(Lp + "upi")!.Value);

        var json = await server.GetJsonAsync(byId + "buildings.5&OUTPUTFORMAT=application/json");
        Assert.Equal("Feature", json.GetProperty("type").GetString());
        Assert.Equal("buildings.5", json.GetProperty("id").GetString());

        await GetExceptionAsync(byId + "parcels.CH-99999-9999", 404, "NotFound", "ID");
        await GetExceptionAsync(byId + "buildings.x1", 404, "NotFound", null);
        await GetExceptionAsync(byId + "nothing", 400, "InvalidParameterValue", "ID");
        await GetExceptionAsync(GetFeature + "&STOREDQUERY_ID=urn:ogc:def:query:OGC-WFS::GetFeatureById", 400, "MissingParameterValue", "ID");
    }

    [Fact]
    public async Task ASOF_returns_the_fabric_as_it_was_before_a_subdivision()
    {
        var parent = await server.Database.SplittableParcelAsync(skip: 7);
        var result = await server.Database.SubdivideInTwoAsync(parent, DateTimeOffset.UtcNow.AddMinutes(-5));
        var rid = $"parcels.{parent.Upi}";
        var children = result.ChildUpis.Select(u => "parcels." + u).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(children, MemberIds(await GetXmlAsync($"{GetFeature}&RESOURCEID={string.Join(',', children.Append(rid))}")));
        var before = await GetXmlAsync($"{GetFeature}&RESOURCEID={string.Join(',', children.Append(rid))}&ASOF=2020-01-01");
        Assert.Equal([rid], MemberIds(before));
        Assert.Equal(await server.Database.ScalarAsync<long>(
                "SELECT count(*) FROM cadastre.parcel_versions WHERE status <> 'pending' AND valid_from <= '2020-01-01T23:59:59Z' AND (valid_to IS NULL OR valid_to > '2020-01-01T23:59:59Z')"),
            Matched(await GetXmlAsync($"{GetFeature}&TYPENAMES=lp:parcels&RESULTTYPE=hits&ASOF=2020-01-01")));
        await GetExceptionAsync($"{GetFeature}&TYPENAMES=lp:parcels&ASOF=yesterday", 400, "InvalidParameterValue", "ASOF");
        await GetExceptionAsync($"{GetFeature}&TYPENAMES=lp:buildings&ASOF=2020-01-01", 400, "InvalidParameterValue", "ASOF");
    }

    [Fact]
    public async Task Parameter_names_are_case_insensitive_and_a_refusal_names_the_parameter_as_sent()
    {
        var hits = await GetXmlAsync("/wfs?service=WFS&version=2.0.0&request=GetFeature&typeNames=parcels&resultType=hits");
        Assert.Equal(await CountAsync("true"), Matched(hits));
        await GetExceptionAsync("/wfs?service=WFS&version=2.0.0&request=GetFeature&typeNames=lp:nothing", 400, "InvalidParameterValue", "typeNames");
        await GetExceptionAsync("/wfs?Service=WFS&Version=2.0.0&Request=GetFeature&TypeNames=lp:parcels&Count=0", 400, "InvalidParameterValue", "Count");
    }

    [Theory]
    [InlineData("/wfs?REQUEST=GetCapabilities", 400, "MissingParameterValue", "SERVICE")]
    [InlineData("/wfs?SERVICE=WMS&REQUEST=GetCapabilities", 400, "InvalidParameterValue", "SERVICE")]
    [InlineData("/wfs?SERVICE=WFS", 400, "MissingParameterValue", "REQUEST")]
    [InlineData("/wfs?SERVICE=WFS&REQUEST=GetCapabilities&ACCEPTVERSIONS=1.1.0,1.0.0", 400, "VersionNegotiationFailed", "ACCEPTVERSIONS")]
    [InlineData("/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=Transaction", 501, "OperationNotSupported", "REQUEST")]
    [InlineData("/wfs?SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&TYPENAMES=lp:parcels", 400, "InvalidParameterValue", "VERSION")]
    [InlineData("/wfs?SERVICE=WFS&REQUEST=GetFeature&TYPENAMES=lp:parcels", 400, "MissingParameterValue", "VERSION")]
    [InlineData(GetFeature, 400, "MissingParameterValue", "TYPENAMES")]
    [InlineData(GetFeature + "&TYPENAMES=lp:parcels,lp:buildings", 400, "InvalidParameterValue", "TYPENAMES")]
    [InlineData(GetFeature + "&TYPENAMES=other:parcels", 400, "InvalidParameterValue", "TYPENAMES")]
    [InlineData(GetFeature + "&TYPENAMES=lp:parcels&COUNT=-1", 400, "InvalidParameterValue", "COUNT")]
    [InlineData(GetFeature + "&TYPENAMES=lp:parcels&COUNT=0", 400, "InvalidParameterValue", "COUNT")]
    [InlineData(GetFeature + "&TYPENAMES=lp:parcels&STARTINDEX=x", 400, "InvalidParameterValue", "STARTINDEX")]
    [InlineData(GetFeature + "&TYPENAMES=lp:parcels&BBOX=1,2,3", 400, "InvalidParameterValue", "BBOX")]
    [InlineData(GetFeature + "&TYPENAMES=lp:parcels&BBOX=5,2,3,4", 400, "InvalidParameterValue", "BBOX")]
    [InlineData(GetFeature + "&TYPENAMES=lp:parcels&BBOX=1,2,3,4,EPSG:9999", 400, "InvalidParameterValue", "BBOX")]
    [InlineData(GetFeature + "&TYPENAMES=lp:parcels&BBOX=100,-61.3,101,-61.2,urn:ogc:def:crs:EPSG::4326", 400, "InvalidParameterValue", "BBOX")]
    [InlineData(GetFeature + "&TYPENAMES=lp:parcels&BBOX=0,0,1e300,1e300,EPSG:3857", 400, "InvalidParameterValue", "BBOX")]
    [InlineData(GetFeature + "&TYPENAMES=lp:parcels&SRSNAME=EPSG:9999", 400, "InvalidParameterValue", "SRSNAME")]
    [InlineData(GetFeature + "&TYPENAMES=lp:parcels&SRSNAME=CRS84", 400, "InvalidParameterValue", "SRSNAME")]
    [InlineData(GetFeature + "&TYPENAMES=lp:parcels&OUTPUTFORMAT=shape-zip", 400, "InvalidParameterValue", "OUTPUTFORMAT")]
    [InlineData(GetFeature + "&TYPENAMES=lp:parcels&RESULTTYPE=all", 400, "InvalidParameterValue", "RESULTTYPE")]
    [InlineData(GetFeature + "&TYPENAMES=lp:parcels&PROPERTYNAME=owner", 400, "InvalidParameterValue", "PROPERTYNAME")]
    [InlineData(GetFeature + "&TYPENAMES=lp:parcels&SORTBY=owner", 400, "InvalidParameterValue", "SORTBY")]
    [InlineData(GetFeature + "&TYPENAMES=lp:parcels&SORTBY=upi%20SIDEWAYS", 400, "InvalidParameterValue", "SORTBY")]
    [InlineData(GetFeature + "&TYPENAMES=lp:parcels&RESOLVE=remote", 400, "InvalidParameterValue", "RESOLVE")]
    [InlineData(GetFeature + "&RESOURCEID=parcels.CH-00001-0001,buildings.1", 400, "InvalidParameterValue", "RESOURCEID")]
    [InlineData(GetFeature + "&TYPENAMES=lp:parcels&RESOURCEID=parcels.CH-00001-0001&BBOX=1,2,3,4", 400, "InvalidParameterValue", "BBOX")]
    [InlineData(GetFeature + "&STOREDQUERY_ID=urn:example:nothing&ID=parcels.CH-00001-0001", 400, "InvalidParameterValue", "STOREDQUERY_ID")]
    [InlineData("/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=DescribeFeatureType&TYPENAME=lp:owners", 400, "InvalidParameterValue", "TYPENAME")]
    public async Task Bad_requests_get_an_OWS_exception_report_naming_the_parameter(string path, int status, string code, string locator) =>
        await GetExceptionAsync(path, status, code, locator);

    public static TheoryData<string, string> HostileFilters => new()
    {
        // Billion laughs: refused at the DTD, before any entity expands.
        { "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
            + "<fes:Filter xmlns:fes=\"http://www.opengis.net/fes/2.0\"><fes:PropertyIsEqualTo><fes:ValueReference>land_use</fes:ValueReference><fes:Literal>&lol3;</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>", "OperationParsingFailed" },
        { "<?xml version=\"1.0\"?><!DOCTYPE f [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
            + "<fes:Filter xmlns:fes=\"http://www.opengis.net/fes/2.0\"><fes:PropertyIsEqualTo><fes:ValueReference>land_use</fes:ValueReference><fes:Literal>&xxe;</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>", "OperationParsingFailed" },
        { FesOpen + "<fes:PropertyIsEqualTo><fes:ValueReference>land_use</fes:ValueReference><fes:Literal>industrial</fes:Literal>", "OperationParsingFailed" },
        { FesOpen + "<fes:PropertyIsEqualTo><fes:ValueReference>official_area</fes:ValueReference><fes:Literal>1; DELETE FROM cadastre.buildings</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>", "InvalidParameterValue" },
        { FesOpen + "<fes:PropertyIsEqualTo><fes:ValueReference>land_use = land_use; DELETE FROM cadastre.buildings; --</fes:ValueReference><fes:Literal>x</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>", "InvalidParameterValue" },
        { FesOpen + "<fes:PropertyIsEqualTo><fes:ValueReference>owner_name</fes:ValueReference><fes:Literal>x</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>", "InvalidParameterValue" },
        { FesOpen + "<fes:DWithin><fes:ValueReference>geometry</fes:ValueReference><gml:Point><gml:pos>1 2</gml:pos></gml:Point><fes:Distance uom=\"m\">10</fes:Distance></fes:DWithin></fes:Filter>", "InvalidParameterValue" },
        { FesOpen + "<fes:Intersects><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>0 0 1 1 0 1</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></fes:Intersects></fes:Filter>", "InvalidParameterValue" },
        { FesOpen + "<fes:Intersects><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>480000 1460000 481000 1461000 481000 1460000 480000 1461000 480000 1460000</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></fes:Intersects></fes:Filter>", "InvalidParameterValue" },
        { FesOpen + "<fes:Intersects><gml:Point srsName=\"urn:ogc:def:crs:EPSG::4326\"><gml:pos>-161.2 13.1</gml:pos></gml:Point></fes:Intersects></fes:Filter>", "InvalidParameterValue" },
        { FesOpen + "<fes:Intersects><gml:Point srsName=\"EPSG:9999\"><gml:pos>1 2</gml:pos></gml:Point></fes:Intersects></fes:Filter>", "InvalidParameterValue" },
        { "<ogc:Filter xmlns:ogc=\"http://www.opengis.net/ogc\"><ogc:PropertyIsEqualTo><ogc:PropertyName>land_use</ogc:PropertyName><ogc:Literal>x</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>", "InvalidParameterValue" },
        { FesOpen + string.Concat(Enumerable.Repeat("<fes:Not>", 40)) + "<fes:PropertyIsNull><fes:ValueReference>address</fes:ValueReference></fes:PropertyIsNull>" + string.Concat(Enumerable.Repeat("</fes:Not>", 40)) + "</fes:Filter>", "InvalidParameterValue" },
        { FesOpen + "<fes:PropertyIsEqualTo><fes:ValueReference>address</fes:ValueReference><fes:Literal>" + new string('x', 40_000) + "</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>", "InvalidParameterValue" },
        { "not xml at all", "OperationParsingFailed" },
    };

    [Theory]
    [MemberData(nameof(HostileFilters))]
    public async Task Hostile_or_malformed_filters_get_an_exception_report_naming_FILTER_and_change_nothing(string filter, string code)
    {
        var before = await server.Database.ScalarAsync<long>("SELECT (SELECT count(*) FROM cadastre.buildings) + (SELECT count(*) FROM cadastre.parcel_versions)");
        var exception = await GetExceptionAsync($"{GetFeature}&TYPENAMES=lp:parcels&FILTER={Uri.EscapeDataString(filter)}", 400, code, "FILTER");
        Assert.DoesNotContain("root:", exception.Value, StringComparison.Ordinal);
        var after = await server.Database.ScalarAsync<long>("SELECT (SELECT count(*) FROM cadastre.buildings) + (SELECT count(*) FROM cadastre.parcel_versions)");
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task SQL_text_in_a_string_literal_is_only_a_value_that_matches_nothing()
    {
        var buildings = await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.buildings");
        var hits = await GetXmlAsync($"{GetFeature}&TYPENAMES=lp:parcels&RESULTTYPE=hits&FILTER=" + Filter(
            "<fes:PropertyIsEqualTo><fes:ValueReference>land_use</fes:ValueReference><fes:Literal>x' OR '1'='1'; DELETE FROM cadastre.buildings; --</fes:Literal></fes:PropertyIsEqualTo>"));
        Assert.Equal(0, Matched(hits));
        Assert.Equal(buildings, await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.buildings"));
    }

    private async Task<(int Status, XDocument Body)> PostAsync(string xml)
    {
        using var content = new StringContent(xml, System.Text.Encoding.UTF8, "application/xml");
        using var response = await server.Client.PostAsync("/wfs", content);
        return ((int)response.StatusCode, XDocument.Parse(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task The_XML_encoding_by_POST_runs_the_same_query_as_KVP()
    {
        var (status, body) = await PostAsync("""
            <wfs:GetFeature service="WFS" version="2.0.0" resultType="hits" xmlns:wfs="http://www.opengis.net/wfs/2.0"
                xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:cad="https://landplatform.example/wfs">
              <wfs:Query typeNames="cad:parcels">
                <fes:Filter><fes:PropertyIsEqualTo><fes:ValueReference>cad:land_use</fes:ValueReference><fes:Literal>forest</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>
              </wfs:Query>
            </wfs:GetFeature>
            """);
        Assert.Equal(200, status);
        Assert.Equal(await CountAsync("land_use = 'forest'"), Matched(body));

        var (pageStatus, page) = await PostAsync("""
            <wfs:GetFeature service="WFS" version="2.0.0" count="2" startIndex="1" xmlns:wfs="http://www.opengis.net/wfs/2.0">
              <wfs:Query typeNames="lp:buildings" srsName="urn:ogc:def:crs:EPSG::4326"><wfs:PropertyName>use</wfs:PropertyName></wfs:Query>
            </wfs:GetFeature>
            """);
        Assert.Equal(200, pageStatus);
        Assert.Equal(["buildings.2", "buildings.3"], MemberIds(page));
        Assert.Contains("STARTINDEX=3", (string)page.Root!.Attribute("next")!, StringComparison.Ordinal);

        var (byIdStatus, byId) = await PostAsync("""
            <wfs:GetFeature service="WFS" version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0">
              <wfs:StoredQuery id="urn:ogc:def:query:OGC-WFS::GetFeatureById"><wfs:Parameter name="ID">parcels.CH-00001-0001</wfs:Parameter></wfs:StoredQuery>
            </wfs:GetFeature>
            """);
        Assert.Equal(200, byIdStatus);
        Assert.Equal("parcels.CH-00001-0001", (string?)byId.Root!.Attribute(Gml + "id"));
    }

    [Theory]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><wfs:GetCapabilities service=\"WFS\" xmlns:wfs=\"http://www.opengis.net/wfs/2.0\">&e;</wfs:GetCapabilities>", "OperationParsingFailed")]
    [InlineData("<GetFeature service=\"WFS\" version=\"2.0.0\"/>", "OperationParsingFailed")]
    [InlineData("<wfs:GetFeature service=\"WFS\" version=\"2.0.0\" xmlns:wfs=\"http://www.opengis.net/wfs/2.0\"><wfs:Query typeNames=\"lp:parcels\"/><wfs:Query typeNames=\"lp:roads\"/></wfs:GetFeature>", "InvalidParameterValue")]
    [InlineData("<wfs:GetFeature", "OperationParsingFailed")]
    public async Task Bad_XML_requests_get_an_exception_report(string xml, string code)
    {
        var (status, body) = await PostAsync(xml);
        Assert.Equal(400, status);
        Assert.Equal(code, (string?)body.Root!.Element(Ows + "Exception")!.Attribute("exceptionCode"));
    }

    [Fact]
    public async Task GetPropertyValue_returns_the_values_of_one_property_for_the_filtered_features()
    {
        var filter = Filter("<fes:PropertyIsEqualTo><fes:ValueReference>land_use</fes:ValueReference><fes:Literal>industrial</fes:Literal></fes:PropertyIsEqualTo>");
        var values = (await GetXmlAsync($"/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetPropertyValue&TYPENAMES=lp:parcels&VALUEREFERENCE=lp:upi&COUNT=3&FILTER={filter}", "application/xml")).Root!;
        Assert.Equal(Wfs + "ValueCollection", values.Name);
        Assert.Equal(await CountAsync("land_use = 'industrial'"), long.Parse((string)values.Attribute("numberMatched")!, CultureInfo.InvariantCulture));
        var expected = new List<string>();
        await using (var command = server.Database.DataSource.CreateCommand("SELECT upi FROM cadastre.parcel_versions WHERE status = 'current' AND land_use = 'industrial' ORDER BY upi LIMIT 3"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                expected.Add(reader.GetString(0));
            }
        }

        Assert.Equal(expected, values.Elements(Wfs + "member").Select(m => m.Value));
        var ids = (await GetXmlAsync($"/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetPropertyValue&RESOURCEID=buildings.4&VALUEREFERENCE=@gml:id", "application/xml")).Root!;
        Assert.Equal(["buildings.4"], ids.Elements(Wfs + "member").Select(m => m.Value));
        var geometry = (await GetXmlAsync($"/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetPropertyValue&RESOURCEID=buildings.4&VALUEREFERENCE=geometry", "application/xml")).Root!;
        Assert.NotNull(geometry.Element(Wfs + "member")!.Element(Gml + "Polygon")!.Attribute(Gml + "id"));
        await GetExceptionAsync("/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetPropertyValue&TYPENAMES=lp:parcels", 400, "MissingParameterValue", "VALUEREFERENCE");
        await GetExceptionAsync("/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetPropertyValue&TYPENAMES=lp:parcels&VALUEREFERENCE=owner", 400, "InvalidParameterValue", "VALUEREFERENCE");
    }
}
