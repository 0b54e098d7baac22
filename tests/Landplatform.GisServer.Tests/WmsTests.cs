using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Landplatform.GisServer.Ogc;
using Landplatform.GisServer.Ogc.Wms;
using Landplatform.Testing;
using SkiaSharp;

namespace Landplatform.GisServer.Tests;

public sealed class WmsTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    private static readonly XNamespace Wms = "http://www.opengis.net/wms";
    private static readonly XNamespace Ogc = "http://www.opengis.net/ogc";
    private static readonly XNamespace XLink = "http://www.w3.org/1999/xlink";

    // The whole island in the national grid, with a margin of sea, and the same box taller than wide to keep pixels square.
    private const string IslandBox = "476000,1450000,496000,1480000";

    private static readonly SKColor ParcelFill = new(0xF6, 0xEE, 0xDC);
    private static readonly SKColor LabelColor = new(0x1A, 0x1A, 0x2E);
    private static readonly SKColor FloodMedium = new(0x42, 0x92, 0xC6);

    private static string Map(string layers, string bbox, int width, int height, string crs = "EPSG:2007", string extra = "") =>
        $"/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS={layers}&STYLES=&CRS={crs}&BBOX={bbox}&WIDTH={width}&HEIGHT={height}&FORMAT=image/png{extra}";

    private async Task<SKBitmap> GetImageAsync(string path, string contentType = "image/png")
    {
        using var response = await server.Client.GetAsync(path);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(bytes)}");
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        return SKBitmap.Decode(bytes) ?? throw new Xunit.Sdk.XunitException($"GET {path} returned bytes that do not decode as an image.");
    }

    /// <summary>A current parcel of about a hectare: its UPI, its bounds and a point well inside it, in the national grid.</summary>
    private async Task<(string Upi, double MinX, double MinY, double MaxX, double MaxY, double X, double Y)> KnownParcelAsync()
    {
        var text = await server.Database.ScalarAsync<string>("""
            SELECT concat_ws(' ', upi, ST_XMin(boundary), ST_YMin(boundary), ST_XMax(boundary), ST_YMax(boundary),
                   ST_X(ST_PointOnSurface(ST_Buffer(boundary, -10))), ST_Y(ST_PointOnSurface(ST_Buffer(boundary, -10))))
            FROM cadastre.parcel_versions
            WHERE status = 'current' AND computed_area BETWEEN 9000 AND 12000 AND NOT ST_IsEmpty(ST_Buffer(boundary, -10))
            ORDER BY upi LIMIT 1
            """);
        var parts = text.Split(' ');
        double N(int i) => double.Parse(parts[i], CultureInfo.InvariantCulture);
        return (parts[0], N(1), N(2), N(3), N(4), N(5), N(6));
    }

    private static (int I, int J) PixelOf(double x, double y, double minX, double minY, double maxX, double maxY, int width, int height) =>
        ((int)Math.Floor((x - minX) / (maxX - minX) * width), (int)Math.Floor((maxY - y) / (maxY - minY) * height));

    private static bool Near(SKColor a, SKColor b, int tolerance) =>
        Math.Abs(a.Red - b.Red) <= tolerance && Math.Abs(a.Green - b.Green) <= tolerance && Math.Abs(a.Blue - b.Blue) <= tolerance;

    // The parcel outline, alone or antialiased into the fill: brown, darker than the fill.
    private static bool IsOutline(SKColor pixel) => pixel.Alpha == 255 && pixel.Red < 0xE8 && pixel.Red - pixel.Blue > 50;

    private static int CountNear(SKBitmap image, SKColor colour, int tolerance, SKRectI? within = null) =>
        Count(image, pixel => pixel.Alpha == 255 && Near(pixel, colour, tolerance), within);

    private static int Count(SKBitmap image, Func<SKColor, bool> predicate, SKRectI? within = null)
    {
        var area = within ?? new SKRectI(0, 0, image.Width, image.Height);
        var count = 0;
        for (var y = Math.Max(0, area.Top); y < Math.Min(image.Height, area.Bottom); y++)
        {
            for (var x = Math.Max(0, area.Left); x < Math.Min(image.Width, area.Right); x++)
            {
                if (predicate(image.GetPixel(x, y)))
                {
                    count++;
                }
            }
        }

        return count;
    }

    [Fact]
    public async Task Capabilities_offer_every_collection_as_a_queryable_styled_layer_in_four_CRSs()
    {
        using var response = await server.Client.GetAsync("/wms?service=WMS&request=GetCapabilities");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        var document = XDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = document.Root!;
        Assert.Equal(Wms + "WMS_Capabilities", root.Name);
        Assert.Equal("1.3.0", root.Attribute("version")?.Value);
        Assert.Equal("WMS", root.Element(Wms + "Service")!.Element(Wms + "Name")!.Value);

        var request = root.Element(Wms + "Capability")!.Element(Wms + "Request")!;
        Assert.Equal(["image/png", "image/jpeg"], request.Element(Wms + "GetMap")!.Elements(Wms + "Format").Select(f => f.Value));
        Assert.Equal(["application/json", "text/html", "text/plain"], request.Element(Wms + "GetFeatureInfo")!.Elements(Wms + "Format").Select(f => f.Value));
        Assert.Equal("XML", root.Element(Wms + "Capability")!.Element(Wms + "Exception")!.Element(Wms + "Format")!.Value);

        var top = root.Element(Wms + "Capability")!.Element(Wms + "Layer")!;
        Assert.Equal(["EPSG:4326", "EPSG:3857", "EPSG:2007", "CRS:84"], top.Elements(Wms + "CRS").Select(c => c.Value));
        var geographic = top.Element(Wms + "EX_GeographicBoundingBox")!;
        Assert.InRange(double.Parse(geographic.Element(Wms + "westBoundLongitude")!.Value, CultureInfo.InvariantCulture), -61.35, -61.2);
        Assert.InRange(double.Parse(geographic.Element(Wms + "northBoundLatitude")!.Value, CultureInfo.InvariantCulture), 13.3, 13.45);
        var wgs84 = top.Elements(Wms + "BoundingBox").Single(b => b.Attribute("CRS")!.Value == "EPSG:4326");
        Assert.InRange(double.Parse(wgs84.Attribute("minx")!.Value, CultureInfo.InvariantCulture), 13.0, 13.2);
        Assert.InRange(double.Parse(wgs84.Attribute("miny")!.Value, CultureInfo.InvariantCulture), -61.35, -61.2);
        Assert.Equal(4, top.Elements(Wms + "BoundingBox").Count());

        var layers = top.Elements(Wms + "Layer").ToList();
        Assert.Equal(["parcels", "buildings", "roads", "flood-zones", "landslide-zones", "storm-surge-zones", "districts", "blocks"],
            layers.Select(l => l.Element(Wms + "Name")!.Value));
        Assert.All(layers, l => Assert.Equal("1", l.Attribute("queryable")?.Value));
        var parcels = layers[0];
        Assert.Equal(["default", "land-use"], parcels.Elements(Wms + "Style").Select(s => s.Element(Wms + "Name")!.Value));
        Assert.Equal("time", parcels.Element(Wms + "Dimension")!.Attribute("name")!.Value);
        var legend = parcels.Elements(Wms + "Style").Last().Element(Wms + "LegendURL")!;
        var href = legend.Element(Wms + "OnlineResource")!.Attribute(XLink + "href")!.Value;
        Assert.Contains("REQUEST=GetLegendGraphic", href, StringComparison.Ordinal);

        var legendImage = await GetImageAsync(new Uri(href).PathAndQuery);
        Assert.Equal(int.Parse(legend.Attribute("width")!.Value, CultureInfo.InvariantCulture), legendImage.Width);
        Assert.Equal(int.Parse(legend.Attribute("height")!.Value, CultureInfo.InvariantCulture), legendImage.Height);
    }

    [Fact]
    public async Task A_map_of_a_known_parcel_shows_its_fill_and_outline_and_the_sea_stays_transparent()
    {
        var p = await KnownParcelAsync();
        // The parcel fills about the middle quarter of a 256-pixel map: too small on screen for its label.
        var (w, h) = (p.MaxX - p.MinX, p.MaxY - p.MinY);
        var size = Math.Max(w, h) * 4;
        var (cx, cy) = ((p.MinX + p.MaxX) / 2, (p.MinY + p.MaxY) / 2);
        var box = (cx - (size / 2), cy - (size / 2), cx + (size / 2), cy + (size / 2));
        var bbox = string.Create(CultureInfo.InvariantCulture, $"{box.Item1},{box.Item2},{box.Item3},{box.Item4}");
        using var image = await GetImageAsync(Map("parcels", bbox, 256, 256, extra: "&TRANSPARENT=TRUE"));

        var (i, j) = PixelOf(p.X, p.Y, box.Item1, box.Item2, box.Item3, box.Item4, 256, 256);
        Assert.True(Near(image.GetPixel(i, j), ParcelFill, 2), $"pixel {i},{j} inside {p.Upi} is {image.GetPixel(i, j)}");
        Assert.Equal(255, image.GetPixel(i, j).Alpha);
        var parcelOnScreen = SKRectI.Round(new SKRect(
            (float)((p.MinX - box.Item1) / size * 256) - 2, (float)((box.Item4 - p.MaxY) / size * 256) - 2,
            (float)((p.MaxX - box.Item1) / size * 256) + 2, (float)((box.Item4 - p.MinY) / size * 256) + 2));
        Assert.True(Count(image, IsOutline, parcelOnScreen) > 60, "the parcel's outline is drawn");
        Assert.Equal(0, Count(image, IsOutline, SKRectI.Create(i - 2, j - 2, 5, 5)));

        using var island = await GetImageAsync(Map("parcels", IslandBox, 400, 600, extra: "&TRANSPARENT=TRUE"));
        Assert.Equal(0, island.GetPixel(2, 2).Alpha);
        Assert.Equal(0, island.GetPixel(397, 597).Alpha);
        var opaque = 0;
        for (var y = 0; y < island.Height; y += 4)
        {
            for (var x = 0; x < island.Width; x += 4)
            {
                opaque += island.GetPixel(x, y).Alpha > 0 ? 1 : 0;
            }
        }

        Assert.InRange(opaque / (100.0 * 150), 0.3, 0.8);
    }

    [Fact]
    public async Task A_hazard_zone_is_drawn_semi_transparent_so_the_parcel_under_it_shows_through()
    {
        var found = await server.Database.ScalarAsync<string>("""
            WITH z AS (
                SELECT h.level, ST_PointOnSurface(ST_Intersection(p.boundary, h.boundary)) AS pt
                FROM cadastre.hazard_zones h
                JOIN cadastre.parcel_versions p ON p.status = 'current' AND ST_Intersects(p.boundary, h.boundary)
                WHERE h.hazard IN ('flood_coastal', 'flood_river') AND h.level = 'medium'
                ORDER BY p.upi LIMIT 300)
            SELECT concat_ws(' ', ST_X(pt), ST_Y(pt)) FROM z
            WHERE (SELECT count(*) FROM cadastre.hazard_zones h2 WHERE h2.hazard IN ('flood_coastal', 'flood_river') AND ST_Intersects(h2.boundary, ST_Buffer(z.pt, 8))) = 1
              AND (SELECT count(*) FROM cadastre.parcel_versions p2 WHERE p2.status = 'current' AND ST_Intersects(p2.boundary, ST_Buffer(z.pt, 8))) = 1
              AND EXISTS (SELECT 1 FROM cadastre.parcel_versions p3 WHERE p3.status = 'current' AND ST_Within(ST_Buffer(z.pt, 8), p3.boundary))
              AND EXISTS (SELECT 1 FROM cadastre.hazard_zones h3 WHERE h3.hazard IN ('flood_coastal', 'flood_river') AND ST_Within(ST_Buffer(z.pt, 8), h3.boundary))
            LIMIT 1
            """);
        var xy = found.Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        // 4 m per pixel: parcels are too small on screen for labels, which would cover the pixel.
        var box = (xy[0] - 200, xy[1] - 200, xy[0] + 200, xy[1] + 200);
        var bbox = string.Create(CultureInfo.InvariantCulture, $"{box.Item1},{box.Item2},{box.Item3},{box.Item4}");
        using var image = await GetImageAsync(Map("parcels,flood-zones", bbox, 100, 100));
        var pixel = image.GetPixel(50, 49);

        var expected = new SKColor(
            (byte)((ParcelFill.Red + FloodMedium.Red) / 2), (byte)((ParcelFill.Green + FloodMedium.Green) / 2), (byte)((ParcelFill.Blue + FloodMedium.Blue) / 2));
        Assert.True(Near(pixel, expected, 6), $"expected a blend near {expected}, got {pixel}");
        Assert.False(Near(pixel, ParcelFill, 20));
        Assert.False(Near(pixel, FloodMedium, 20));

        using var parcelsOnly = await GetImageAsync(Map("parcels", bbox, 100, 100));
        Assert.True(Near(parcelsOnly.GetPixel(50, 49), ParcelFill, 2));
    }

    [Fact]
    public async Task EPSG_4326_takes_latitude_first_and_draws_the_same_map_as_CRS84()
    {
        using var lonLat = await GetImageAsync(Map("parcels,roads", "-61.24,13.15,-61.22,13.17", 200, 200, "CRS:84"));
        using var latLon = await GetImageAsync(Map("parcels,roads", "13.15,-61.24,13.17,-61.22", 200, 200, "EPSG:4326"));
        Assert.True(CountNear(lonLat, ParcelFill, 2) > 1000, "the map is not blank");
        Assert.Equal(lonLat.Bytes, latLon.Bytes);

        using var swapped = await GetImageAsync(Map("parcels,roads", "-61.24,13.15,-61.22,13.17", 200, 200, "EPSG:4326"));
        Assert.Equal(0, CountNear(swapped, ParcelFill, 2));
    }

    [Fact]
    public async Task Parcel_UPIs_are_written_at_large_scale_and_not_on_a_whole_island_map()
    {
        var p = await KnownParcelAsync();
        var margin = 20.0;
        var box = (p.MinX - margin, p.MinY - margin, p.MaxX + margin, p.MaxY + margin);
        var (w, h) = (box.Item3 - box.Item1, box.Item4 - box.Item2);
        var width = 400;
        var height = (int)Math.Round(width * h / w);
        var bbox = string.Create(CultureInfo.InvariantCulture, $"{box.Item1},{box.Item2},{box.Item3},{box.Item4}");
        using var closeUp = await GetImageAsync(Map("parcels", bbox, width, height));
        var inside = SKRectI.Round(new SKRect(
            (float)(margin / w * width), (float)(margin / h * height), (float)((w - margin) / w * width), (float)((h - margin) / h * height)));
        Assert.True(CountNear(closeUp, LabelColor, 40, inside) > 40, $"no label text inside {p.Upi}");

        using var island = await GetImageAsync(Map("parcels", IslandBox, 400, 600));
        Assert.Equal(0, CountNear(island, LabelColor, 40));
    }

    [Fact]
    public async Task TIME_draws_the_fabric_as_of_a_date_and_before_the_fabric_existed_the_map_is_empty()
    {
        var first = await server.Database.ScalarAsync<DateTime>("SELECT min(valid_from) FROM cadastre.parcel_versions");
        var before = first.AddYears(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        using var then = await GetImageAsync(Map("parcels", IslandBox, 200, 300, extra: $"&TRANSPARENT=TRUE&TIME={before}"));
        using var now = await GetImageAsync(Map("parcels", IslandBox, 200, 300, extra: "&TRANSPARENT=TRUE&TIME=current"));
        Assert.DoesNotContain(then.Pixels, px => px.Alpha > 0);
        Assert.Contains(now.Pixels, px => px.Alpha > 0);
    }

    [Fact]
    public async Task JPEG_maps_decode_and_take_the_background_colour()
    {
        using var image = await GetImageAsync(Map("parcels,districts", IslandBox, 300, 450, extra: "&BGCOLOR=0x0000FF").Replace("image/png", "image/jpeg", StringComparison.Ordinal), "image/jpeg");
        Assert.Equal(300, image.Width);
        Assert.Equal(450, image.Height);
        Assert.True(Near(image.GetPixel(3, 3), new SKColor(0, 0, 255), 12), $"corner is {image.GetPixel(3, 3)}");
        Assert.InRange(Count(image, px => !Near(px, new SKColor(0, 0, 255), 60)) / (300.0 * 450), 0.3, 0.8);
    }

    [Fact]
    public async Task GetFeatureInfo_at_the_pixel_of_a_parcel_returns_that_parcel_in_JSON_HTML_and_text()
    {
        var p = await KnownParcelAsync();
        var box = (p.X - 500, p.Y - 500, p.X + 500, p.Y + 500);
        var bbox = string.Create(CultureInfo.InvariantCulture, $"{box.Item1},{box.Item2},{box.Item3},{box.Item4}");
        var (i, j) = PixelOf(p.X, p.Y, box.Item1, box.Item2, box.Item3, box.Item4, 500, 500);
        string Info(string format) =>
            $"/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS=parcels,flood-zones&STYLES=&CRS=EPSG:2007&BBOX={bbox}" +
            $"&WIDTH=500&HEIGHT=500&FORMAT=image/png&QUERY_LAYERS=parcels&INFO_FORMAT={format}&I={i}&J={j}";

        var json = await server.GetJsonAsync(Info("application/json"));
        Assert.Equal("FeatureCollection", json.GetProperty("type").GetString());
        var feature = Assert.Single(json.GetProperty("features").EnumerateArray());
        Assert.Equal(p.Upi, feature.GetProperty("id").GetString());
        Assert.Equal("parcels", feature.GetProperty("layer").GetString());
        Assert.Equal(p.Upi, feature.GetProperty("properties").GetProperty("upi").GetString());
        Assert.Equal(JsonValueKind.Number, feature.GetProperty("properties").GetProperty("official_area").ValueKind);

        foreach (var format in (string[])["text/html", "text/plain"])
        {
            using var response = await server.Client.GetAsync(Info(format));
            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal(format, response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(p.Upi, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var many = await server.GetJsonAsync(Info("application/json") + "&FEATURE_COUNT=5");
        Assert.Equal(p.Upi, many.GetProperty("features")[0].GetProperty("id").GetString());

        var sea = await server.GetJsonAsync(Info("application/json").Replace(bbox, "470000,1460000,471000,1461000", StringComparison.Ordinal));
        Assert.Equal(0, sea.GetProperty("features").GetArrayLength());
    }

    [Fact]
    public async Task A_legend_shows_one_swatch_per_land_use()
    {
        using var legend = await GetImageAsync("/wms?SERVICE=WMS&REQUEST=GetLegendGraphic&LAYER=parcels&STYLE=land-use&FORMAT=image/png");
        Assert.InRange(legend.Width, 100, 400);
        Assert.InRange(legend.Height, 7 * 16, 400);
        Assert.True(CountNear(legend, new SKColor(0x5E, 0x9E, 0x5A), 2) > 100, "the forest swatch");
        Assert.True(CountNear(legend, new SKColor(0x20, 0x20, 0x20), 30) > 100, "the labels");

        using var hazards = await GetImageAsync("/wms?request=getlegendgraphic&layer=landslide-zones&format=image/png");
        Assert.True(hazards.Height < legend.Height);
    }

    [Fact]
    public async Task Parameter_names_are_case_insensitive()
    {
        using var image = await GetImageAsync("/wms?service=wms&version=1.3.0&request=GetMap&layers=districts&styles=&crs=crs:84&bbox=-61.3,13.1,-61.1,13.4&width=100&height=150&format=image/png");
        Assert.Equal(150, image.Height);
    }

    [Theory]
    [InlineData("REQUEST=GetMap&LAYERS=nowhere", "LayerNotDefined", "LAYERS")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels%3BDROP%20TABLE%20cadastre.parcel_versions", "LayerNotDefined", "LAYERS")]
    [InlineData("REQUEST=GetMap&LAYERS=%01%02%3C%21ENTITY", "LayerNotDefined", "LAYERS")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&STYLES=x%27%20OR%201%3D1--", "StyleNotDefined", "STYLES")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels,roads&STYLES=default", null, "STYLES")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&CRS=EPSG:9999", "InvalidCRS", "CRS")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&FORMAT=image/gif", "InvalidFormat", "FORMAT")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&WIDTH=100000", null, "WIDTH")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&WIDTH=-5", null, "WIDTH")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&WIDTH=4096&HEIGHT=4096", null, "WIDTH")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&HEIGHT=1e9", null, "HEIGHT")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&BBOX=NaN,1,2,3", null, "BBOX")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&BBOX=496000,1480000,476000,1450000", null, "BBOX")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&BBOX=1,2,3", null, "BBOX")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&BBOX=1e400,1,2,3", null, "BBOX")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&BBOX=-1.7e308,-1,1.7e308,1", null, "BBOX")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&CRS=EPSG:4326&BBOX=13,-200,14,-61", null, "BBOX")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&TIME=yesterday", "InvalidDimensionValue", "TIME")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&TRANSPARENT=maybe", null, "TRANSPARENT")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&BGCOLOR=red", null, "BGCOLOR")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&VERSION=1.2.0", null, "VERSION")]
    [InlineData("REQUEST=DropAllTables", "OperationNotSupported", "REQUEST")]
    [InlineData("REQUEST=GetFeatureInfo&LAYERS=parcels&QUERY_LAYERS=parcels&INFO_FORMAT=text/plain&I=400&J=5", "InvalidPoint", "I")]
    [InlineData("REQUEST=GetFeatureInfo&LAYERS=parcels&QUERY_LAYERS=parcels&INFO_FORMAT=text/plain&I=5&J=-1", "InvalidPoint", "J")]
    [InlineData("REQUEST=GetFeatureInfo&LAYERS=parcels&QUERY_LAYERS=secrets&INFO_FORMAT=text/plain&I=5&J=5", "LayerNotDefined", "QUERY_LAYERS")]
    [InlineData("REQUEST=GetFeatureInfo&LAYERS=parcels&QUERY_LAYERS=roads&INFO_FORMAT=text/plain&I=5&J=5", "LayerNotDefined", "QUERY_LAYERS")]
    [InlineData("REQUEST=GetFeatureInfo&LAYERS=parcels&QUERY_LAYERS=parcels&INFO_FORMAT=application/xml&I=5&J=5", "InvalidFormat", "INFO_FORMAT")]
    [InlineData("REQUEST=GetFeatureInfo&LAYERS=parcels&QUERY_LAYERS=parcels&INFO_FORMAT=text/plain&I=5&J=5&FEATURE_COUNT=100000", null, "FEATURE_COUNT")]
    [InlineData("REQUEST=GetLegendGraphic&LAYER=parcels&STYLE=glow", "StyleNotDefined", "STYLE")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&layers=roads", null, "LAYERS")]
    public async Task Bad_requests_get_a_WMS_exception_report_and_no_image(string query, string? code, string locator)
    {
        var path = WithDefaults(query, ("VERSION", "1.3.0"), ("CRS", "EPSG:2007"));

        using var response = await server.Client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(400 == (int)response.StatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        var report = XDocument.Parse(body).Root!;
        Assert.Equal(Ogc + "ServiceExceptionReport", report.Name);
        Assert.Equal("1.3.0", report.Attribute("version")?.Value);
        var exception = Assert.Single(report.Elements(Ogc + "ServiceException"));
        Assert.Equal(code, exception.Attribute("code")?.Value);
        Assert.Equal(locator, exception.Attribute("locator")?.Value);
        Assert.False(string.IsNullOrWhiteSpace(exception.Value));
        Assert.True(exception.Value.Length < 300, "the report does not echo hostile input at length");
    }

    [Theory]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&SRS=EPSG:9999", "InvalidSRS", "SRS")]
    [InlineData("REQUEST=GetMap&LAYERS=secrets&SRS=EPSG:2007", "LayerNotDefined", "LAYERS")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&SRS=EPSG:2007&FORMAT=image/gif", "InvalidFormat", "FORMAT")]
    [InlineData("REQUEST=GetMap&LAYERS=parcels&SRS=EPSG:2007&WIDTH=-5", null, "WIDTH")]
    public async Task A_WMS_1_1_1_request_gets_its_refusal_in_the_1_1_1_exception_format(string query, string? code, string parameter)
    {
        var path = WithDefaults(query, ("VERSION", "1.1.1"));

        using var response = await server.Client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(400 == (int)response.StatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/vnd.ogc.se_xml", response.Content.Headers.ContentType?.MediaType);
        var report = XDocument.Parse(body).Root!;
        Assert.Equal(XName.Get("ServiceExceptionReport"), report.Name);
        Assert.Equal("1.1.1", report.Attribute("version")?.Value);
        var exception = Assert.Single(report.Elements("ServiceException"));
        Assert.Equal(code, exception.Attribute("code")?.Value);
        Assert.Null(exception.Attribute("locator"));
        Assert.StartsWith(parameter + ":", exception.Value.Trim(), StringComparison.Ordinal);
    }

    /// <summary>A /wms path: the case's own parameters first, then a default for every other GetMap parameter (names are case-insensitive).</summary>
    private static string WithDefaults(string query, params (string Name, string Value)[] more)
    {
        var defaults = new[] { ("SERVICE", "WMS"), ("STYLES", ""), ("BBOX", IslandBox), ("WIDTH", "300"), ("HEIGHT", "300"), ("FORMAT", "image/png") }.Concat(more);
        var given = query.Split('&').Select(kv => kv.Split('=')[0]).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return "/wms?" + query + string.Concat(defaults.Where(d => !given.Contains(d.Item1)).Select(d => $"&{d.Item1}={d.Item2}"));
    }

    [Fact]
    public async Task A_box_far_from_the_island_is_an_empty_map_not_an_error()
    {
        using var world = await GetImageAsync(Map("parcels,flood-zones", "-20037508,-20000000,20037508,20000000", 256, 256, "EPSG:3857", "&TRANSPARENT=TRUE"));
        Assert.Equal(256, world.Width);
        using var elsewhere = await GetImageAsync(Map("parcels", "40,10,41,11", 64, 64, "EPSG:4326", "&TRANSPARENT=TRUE"));
        Assert.DoesNotContain(elsewhere.Pixels, px => px.Alpha > 0);
    }

    [Fact]
    public async Task A_whole_island_map_reads_geometry_simplified_to_half_a_pixel_and_drops_parcels_smaller_than_that()
    {
        var layer = new MapLayer(FeatureCatalog.Find("parcels")!, MapStyles.Find("parcels", "")!);
        var view = new MapView(476000, 1450000, 496000, 1480000, 2007, 100, 150);
        await using var command = FeatureSql.Select(server.Database.DataSource, MapRenderer.QueryFor(layer, view, null));
        Assert.Contains("ST_AsBinary(ST_Simplify(ST_Transform(t.boundary, @outSrid), @simplify))", command.CommandText, StringComparison.Ordinal);
        Assert.Equal(100.0, (double)command.Parameters["simplify"].Value!);

        int rows = 0, drawn = 0;
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows++;
                drawn += reader.IsDBNull(reader.FieldCount - 1) ? 0 : 1;
            }
        }

        var current = await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.parcel_versions WHERE status = 'current'");
        Assert.Equal(current, rows);
        Assert.InRange(drawn, 1, rows / 2);
    }

    [Fact]
    public void A_missing_label_font_is_refused_with_the_package_to_install()
    {
        var failure = Assert.Throws<InvalidOperationException>(() => MapLabelFont.Load("/nonexistent/DejaVuSans.ttf"));
        Assert.Contains("fonts-dejavu-core", failure.Message, StringComparison.Ordinal);
        using var font = MapLabelFont.Load(MapLabelFont.DefaultPath);
        Assert.Equal("DejaVu Sans", font.Typeface.FamilyName);
    }
}
