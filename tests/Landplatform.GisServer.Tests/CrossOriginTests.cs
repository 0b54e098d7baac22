using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Landplatform.Testing;

namespace Landplatform.GisServer.Tests;

/// <summary>The real host on a loopback port with one configured partner origin, for CORS and HEAD over real HTTP.</summary>
public sealed class CrossOriginServer : PlatformServer
{
    public const string PartnerOrigin = "https://maps.partner-agency.example";

    protected override bool ListensOnLoopback => true;

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Identity:DemoMode"] = "true",
        ["Identity:PublicPermitsPerMinute"] = "100000",
        ["Identity:SignInPermitsPerMinute"] = "1000",
        ["Identity:TokenPermitsPerMinute"] = "1000",
        [CrossOrigin.AllowedOriginsSetting] = PartnerOrigin,
    };
}

/// <summary>
/// CORS over real HTTP: another agency's web map (any origin) may read every public OGC and tile service, preflights are
/// answered, the authenticated APIs answer only the configured origins, and HEAD answers wherever GET does.
/// </summary>
public sealed class CrossOriginTests(CrossOriginServer server) : IClassFixture<CrossOriginServer>
{
    private const string Stranger = "https://webmap.other-island.example";

    private async Task<string[]> PublicReadsAsync()
    {
        var (lon, lat) = (await server.Database.ScalarAsync<string>(
            "SELECT ST_X(p) || ' ' || ST_Y(p) FROM (SELECT ST_Transform(ST_PointOnSurface(boundary), 4326) p FROM cadastre.parcel_versions WHERE status = 'current' ORDER BY upi LIMIT 1) x"))
            .Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray() switch { var v => (v[0], v[1]) };
        var n = 1 << 14;
        var x = (int)Math.Floor((lon + 180) / 360 * n);
        var y = (int)Math.Floor((1 - Math.Log(Math.Tan(lat * Math.PI / 180) + 1 / Math.Cos(lat * Math.PI / 180)) / Math.PI) / 2 * n);
        var box = string.Create(CultureInfo.InvariantCulture, $"{lat - 0.001},{lon - 0.001},{lat + 0.001},{lon + 0.001}");
        return
        [
            "/ogc",
            "/ogc/collections/parcels/items?limit=2",
            "/ogc/collections/parcels/queryables",
            "/ogc/tileMatrixSets",
            "/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=lp:parcels&COUNT=2",
            "/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities",
            $"/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS=parcels&STYLES=&CRS=EPSG:4326&BBOX={box}&WIDTH=100&HEIGHT=100&FORMAT=image/png&QUERY_LAYERS=parcels&INFO_FORMAT=application/json&I=50&J=50",
            "/wmts?SERVICE=WMTS&REQUEST=GetCapabilities",
            "/tiles",
            "/tiles/parcels.json",
            $"/tiles/parcels/14/{x}/{y}.mvt",
            "/openapi/v1.json",
        ];
    }

    private static HttpClient Plain(Uri address) => new() { BaseAddress = address };

    [Fact]
    public async Task Every_public_read_service_answers_a_page_on_any_origin_without_credentials()
    {
        using var client = Plain(server.BaseAddress);
        foreach (var path in await PublicReadsAsync())
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("Origin", Stranger);
            using var response = await client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("*", Single(response, "Access-Control-Allow-Origin"));
            Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"), path);
            Assert.Contains("ETag", Single(response, "Access-Control-Expose-Headers"), StringComparison.Ordinal);
            Assert.Contains("Link", Single(response, "Access-Control-Expose-Headers"), StringComparison.Ordinal);
            Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 0, path);
        }
    }

    [Fact]
    public async Task A_preflight_for_a_public_read_is_answered_with_no_content_and_the_methods_and_headers_allowed()
    {
        using var client = Plain(server.BaseAddress);
        foreach (var path in new[] { "/ogc/collections/parcels/items?limit=2", "/tiles/parcels.json", "/wms?SERVICE=WMS&REQUEST=GetCapabilities", "/wmts?SERVICE=WMTS&REQUEST=GetCapabilities" })
        {
            using var response = await PreflightAsync(client, path, Stranger, "GET", "if-none-match, x-requested-with");
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Equal("*", Single(response, "Access-Control-Allow-Origin"));
            Assert.Equal("GET, HEAD, OPTIONS", Single(response, "Access-Control-Allow-Methods"));
            Assert.Equal("*", Single(response, "Access-Control-Allow-Headers"));
            Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
        }

        // WFS's XML requests come by POST with a text/xml body, which browsers preflight.
        using var wfs = await PreflightAsync(client, "/wfs", Stranger, "POST", "content-type");
        Assert.Equal("*", Single(wfs, "Access-Control-Allow-Origin"));
        Assert.Contains("POST", Single(wfs, "Access-Control-Allow-Methods"), StringComparison.Ordinal);

        // A plain OPTIONS (no preflight) on a public service says what it allows instead of 405.
        using var options = await client.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/ogc/collections"));
        Assert.Equal(HttpStatusCode.NoContent, options.StatusCode);
        Assert.Equal("GET, HEAD, OPTIONS", string.Join(", ", options.Content.Headers.Allow));
    }

    [Fact]
    public async Task A_POST_from_another_origin_to_WFS_with_an_XML_query_is_readable_there()
    {
        using var client = Plain(server.BaseAddress);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/wfs")
        {
            Content = new StringContent(
                """<wfs:GetFeature service="WFS" version="2.0.0" count="1" xmlns:wfs="http://www.opengis.net/wfs/2.0"><wfs:Query typeNames="lp:parcels"/></wfs:GetFeature>""",
                Encoding.UTF8, "text/xml"),
        };
        request.Headers.Add("Origin", Stranger);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", Single(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Edits_and_the_authenticated_APIs_answer_only_the_configured_origin()
    {
        using var client = Plain(server.BaseAddress);
        using (var stranger = await PreflightAsync(client, "/ogc/collections/buildings/items/1", Stranger, "PUT", "authorization, content-type"))
        {
            Assert.Equal(HttpStatusCode.NoContent, stranger.StatusCode);
            Assert.False(stranger.Headers.Contains("Access-Control-Allow-Origin"), "an edit from an unlisted origin must not be allowed");
        }

        using (var partner = await PreflightAsync(client, "/ogc/collections/buildings/items/1", CrossOriginServer.PartnerOrigin, "PUT", "authorization, content-type"))
        {
            Assert.Equal(CrossOriginServer.PartnerOrigin, Single(partner, "Access-Control-Allow-Origin"));
            Assert.Contains("PUT", Single(partner, "Access-Control-Allow-Methods"), StringComparison.Ordinal);
            Assert.Contains("Authorization", Single(partner, "Access-Control-Allow-Headers"), StringComparison.Ordinal);
            Assert.False(partner.Headers.Contains("Access-Control-Allow-Credentials"));
            Assert.Contains("Origin", partner.Headers.Vary);
        }

        foreach (var (origin, allowed) in new[] { (Stranger, false), (CrossOriginServer.PartnerOrigin, true), ("https://MAPS.partner-agency.example:443", true) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/identity/me");
            request.Headers.Add("Origin", origin);
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal(allowed, response.Headers.Contains("Access-Control-Allow-Origin"));
            Assert.Contains("Origin", response.Headers.Vary);
            if (allowed)
            {
                Assert.Equal(origin, Single(response, "Access-Control-Allow-Origin"));
            }
        }
    }

    [Fact]
    public async Task Errors_and_refusals_of_a_public_service_are_readable_on_another_origin()
    {
        using var client = Plain(server.BaseAddress);
        foreach (var (path, status) in new[]
                 {
                     ("/ogc/collections/nowhere/items", HttpStatusCode.NotFound),
                     ("/ogc/collections/parcels/items?limit=-1", HttpStatusCode.BadRequest),
                     ("/ogc/collections/parcels/items?filter=upi%20%3D", HttpStatusCode.BadRequest),
                 })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("Origin", Stranger);
            using var response = await client.SendAsync(request);
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("*", Single(response, "Access-Control-Allow-Origin"));
        }
    }

    [Fact]
    public async Task HEAD_answers_wherever_GET_does_with_the_same_status_and_headers_and_no_body()
    {
        var paths = (await PublicReadsAsync()).Concat(["/health", "/services", "/api/parcels?limit=1", "/ogc/collections/nowhere"]).ToArray();
        using var client = Plain(server.BaseAddress);
        foreach (var path in paths)
        {
            using var get = await client.GetAsync(path);
            var (status, headers, bodyBytes) = await RawHeadAsync(path);
            Assert.True((int)get.StatusCode == status, $"HEAD {path}: {status}, GET: {(int)get.StatusCode}");
            Assert.Equal(get.Content.Headers.ContentType?.MediaType, headers.GetValueOrDefault("content-type")?.Split(';')[0]);
            Assert.True(bodyBytes == 0, $"HEAD {path} sent {bodyBytes} bytes of body");
        }

        // The item's ETag comes with HEAD too, so a client can check for a change without the body.
        var id = await server.Database.ScalarAsync<string>("SELECT upi FROM cadastre.parcel_versions WHERE status = 'current' ORDER BY upi LIMIT 1");
        using var item = await client.GetAsync($"/ogc/collections/parcels/items/{id}");
        var (_, itemHeaders, _) = await RawHeadAsync($"/ogc/collections/parcels/items/{id}");
        Assert.Equal(item.Headers.ETag?.ToString(), itemHeaders["etag"]);
    }

    private async Task<(int Status, Dictionary<string, string> Headers, int BodyBytes)> RawHeadAsync(string path)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.BaseAddress.Port);
        await using var stream = tcp.GetStream();
        var request = $"HEAD {path} HTTP/1.1\r\nHost: {server.BaseAddress.Authority}\r\nOrigin: {Stranger}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var read = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await stream.CopyToAsync(read, timeout.Token);
        var text = Encoding.Latin1.GetString(read.ToArray());
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(end > 0, $"HEAD {path}: no header block in {text}");
        var lines = text[..end].Split("\r\n");
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        return (int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture), headers, text.Length - end - 4);
    }

    private static async Task<HttpResponseMessage> PreflightAsync(HttpClient client, string path, string origin, string method, string headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return await client.SendAsync(request);
    }

    private static string Single(HttpResponseMessage response, string header) =>
        response.Headers.TryGetValues(header, out var values) || response.Content.Headers.TryGetValues(header, out values)
            ? string.Join(", ", values)
            : throw new Xunit.Sdk.XunitException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: no {header} header");
}
