using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Landplatform.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Landplatform.GisServer.Tests;

/// <summary>
/// Input that is merely odd — a NUL, a line break, a control character, bytes that are not UTF-8 — in any parameter,
/// path or header of any GET endpoint is a 400 problem naming where it was, on the real server (Kestrel), never a 500.
/// </summary>
public sealed class RequestTextTests(LoopbackPlatformServer server) : IClassFixture<LoopbackPlatformServer>
{
    /// <summary>What a client can put into a query value, and the name it sends it under.</summary>
    private static readonly (string Name, string Value)[] OddValues =
    [
        ("q", "a%00b"), ("name", "line%0Abreak"), ("filter", "%C3%28"), ("ReturnUrl", "/%01x"), ("q", "%C2%85next"),
        ("upi", "%FF%FE"), ("f", "json%7F"), ("limit", "1%0D"),
    ];

    [Fact]
    public async Task Every_GET_endpoint_refuses_odd_text_in_the_query_and_the_path_naming_it()
    {
        var endpoints = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods.Contains("GET") == true)
            .Select(e => e.RoutePattern)
            .ToList();
        Assert.True(endpoints.Count > 50, $"only {endpoints.Count} GET endpoints found");

        var failures = new List<string>();
        var index = 0;
        foreach (var pattern in endpoints)
        {
            var path = "/" + string.Join('/', pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
            {
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart separator => separator.Content,
                _ => "x1",
            }))));

            var (name, value) = OddValues[index++ % OddValues.Length];
            if (OwnFormat(path))
            {
                await ExpectOgcReportAsync($"{path}?{name}={value}", failures);
            }
            else
            {
                await ExpectAsync($"{path}?{name}={value}", name, failures);
            }

            // The same odd text in the path: in a route value where the route has one, else in its last segment.
            var oddPath = path.Contains("x1", StringComparison.Ordinal) ? path.Replace("x1", "x%01y", StringComparison.Ordinal) : path.TrimEnd('/') + "/%0Aend";
            await ExpectAsync(oddPath, "path", failures);

            // A NUL in the path Kestrel refuses itself, before the platform sees the request: still a 400, never a 500.
            var (nulStatus, _) = await RawAsync($"GET {path.TrimEnd('/')}/x%00y HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            if (nulStatus != 400)
            {
                failures.Add($"{path}/x%00y: {nulStatus}");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Theory]
    [InlineData("/api/parcels?q=CH%00", "q")]
    [InlineData("/api/parcels?q=CH%0A-000", "q")]
    [InlineData("/api/registry/search?name=Ann%00", "name")]
    [InlineData("/api/registry/search?name=Ann%0D%0ASmith", "name")]
    [InlineData("/ogc/collections/parcels/items?filter=land_use%20%3D%20%27resi%00dential%27", "filter")]
    [InlineData("/account/signin?ReturnUrl=/%00/evil.example/", "ReturnUrl")]
    [InlineData("/account/signin?ReturnUrl=/%0A/evil.example/", "ReturnUrl")]
    [InlineData("/api/parcels?q=%E2%82", "q")]
    [InlineData("/api/parcels?q%00=x", "query")]
    public async Task The_parameters_people_type_refuse_control_characters_by_name(string target, string parameter)
    {
        var failures = new List<string>();
        await ExpectAsync(target, parameter, failures);
        Assert.Empty(failures);
    }

    [Theory]
    [InlineData("/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=lp:parcels&FILTER=%3CFilter%00%3E", "FILTER")]
    [InlineData("/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=lp:par%0Acels", "TYPENAMES")]
    [InlineData("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=parcels&STYLES=%00&CRS=EPSG:2007&BBOX=1,2,3,4&WIDTH=10&HEIGHT=10&FORMAT=image/png", "STYLES")]
    [InlineData("/wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=par%01cels&STYLE=default&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=10&TILEROW=1&TILECOL=1&FORMAT=image/png", "LAYER")]
    public async Task The_OGC_services_answer_odd_text_in_their_own_exception_format_naming_the_parameter(string target, string locator)
    {
        var (status, body) = await RawAsync($"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        Assert.True(status == 400, $"{target}: {status} {body}");
        var report = System.Xml.Linq.XDocument.Parse(body).Root!;
        Assert.Contains(report.Name.LocalName, new[] { "ExceptionReport", "ServiceExceptionReport" });
        var named = report.Descendants().Select(e => (string?)e.Attribute("locator")).FirstOrDefault(l => l is not null);
        Assert.Equal(locator, named, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Line_breaks_stay_whitespace_in_a_filter_expression()
    {
        var filter = "land_use = 'residential'\n  AND official_area >= 1000";
        using var response = await server.Client.GetAsync($"/ogc/collections/parcels/items?limit=5&filter={Uri.EscapeDataString(filter)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(page.RootElement.GetProperty("features").GetArrayLength() > 0);
    }

    [Fact]
    public async Task A_NUL_inside_a_JSON_body_is_a_400_and_stores_nothing()
    {
        var admin = await Tokens.AccessTokenForAsync(server.Client, "administrator");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/identity/users")
        {
            Content = new StringContent("""{"userName":"nul-person","fullName":"Ann\u0000Smith","password":"Strong-pass-2026!","roles":["citizen"]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", admin);
        using var response = await server.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Equal("request-text", JsonDocument.Parse(body).RootElement.GetProperty("rule").GetString());
        Assert.Equal(0L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM identity.\"AspNetUsers\" WHERE \"UserName\" = 'nul-person'"));
    }

    [Theory]
    [InlineData("X-Note: a\u0001b", "header:X-Note")]
    [InlineData("X-Note: a\u007Fb", "header:X-Note")]
    [InlineData("Accept-Language: en\u001B[31m", "header:Accept-Language")]
    public async Task A_header_with_a_control_character_is_refused_and_never_a_500(string header, string parameter)
    {
        var (status, body) = await RawAsync($"GET /api/parcels?limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n{header}\r\nConnection: close\r\n\r\n");
        Assert.Equal(400, status);

        // Kestrel may refuse some bytes itself before the platform sees the request; when the platform answers, it names the header.
        if (body.Contains("problem", StringComparison.Ordinal) || body.TrimStart().StartsWith('{'))
        {
            using var problem = JsonDocument.Parse(body);
            Assert.Equal(parameter, problem.RootElement.GetProperty("parameter").GetString());
        }
    }

    [Fact]
    public async Task Raw_bytes_that_are_not_UTF8_in_the_request_line_are_refused()
    {
        var request = Encoding.Latin1.GetBytes("GET /api/parcels?q=\u00FF\u00FE HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        var (status, _) = await RawAsync(request);
        Assert.Equal(400, status);
    }

    private static bool OwnFormat(string path) =>
        path.StartsWith("/wms", StringComparison.Ordinal) || path.StartsWith("/wfs", StringComparison.Ordinal) || path.StartsWith("/wmts", StringComparison.Ordinal);

    /// <summary>An OGC XML service's answer to an odd value: its own exception report, never a server failure.</summary>
    private async Task ExpectOgcReportAsync(string target, List<string> failures)
    {
        var (status, body) = await RawAsync($"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        if (status >= 500 || (status >= 400 && !body.Contains("ExceptionReport", StringComparison.Ordinal)))
        {
            failures.Add($"{target}: {status} {body[..Math.Min(200, body.Length)]}");
        }
    }

    private async Task ExpectAsync(string target, string parameter, List<string> failures)
    {
        var (status, body) = await RawAsync($"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        if (status != 400)
        {
            failures.Add($"{target}: {status} {body[..Math.Min(200, body.Length)]}");
            return;
        }

        try
        {
            using var problem = JsonDocument.Parse(body);
            var named = problem.RootElement.GetProperty("parameter").GetString();
            var rule = problem.RootElement.GetProperty("rule").GetString();
            if (named != parameter || rule != "request-text")
            {
                failures.Add($"{target}: named {named} under {rule}, expected {parameter} under request-text");
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException)
        {
            failures.Add($"{target}: 400 without a problem naming the parameter: {body[..Math.Min(200, body.Length)]}");
        }
    }

    private Task<(int Status, string Body)> RawAsync(string request) => RawAsync(Encoding.ASCII.GetBytes(request));

    /// <summary>The request exactly as written, over a socket: HttpClient would clean the bytes these tests are about.</summary>
    private async Task<(int Status, string Body)> RawAsync(byte[] request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
        await using var stream = client.GetStream();
        await stream.WriteAsync(request);
        using var reader = new MemoryStream();
        await stream.CopyToAsync(reader);
        var bytes = reader.ToArray();
        var split = IndexOf(bytes, "\r\n\r\n"u8.ToArray(), 0);
        var headers = Encoding.ASCII.GetString(bytes, 0, split);
        var status = int.Parse(headers.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var body = bytes[(split + 4)..];
        if (headers.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Unchunk(body);
        }

        return (status, Encoding.UTF8.GetString(body));
    }

    private static int IndexOf(byte[] data, byte[] pattern, int from)
    {
        for (var i = from; i <= data.Length - pattern.Length; i++)
        {
            if (data.AsSpan(i, pattern.Length).SequenceEqual(pattern))
            {
                return i;
            }
        }

        return -1;
    }

    private static byte[] Unchunk(byte[] chunked)
    {
        var result = new MemoryStream();
        var at = 0;
        while (at < chunked.Length)
        {
            var lineEnd = IndexOf(chunked, "\r\n"u8.ToArray(), at);
            var size = Convert.ToInt32(Encoding.ASCII.GetString(chunked, at, lineEnd - at).Split(';')[0], 16);
            if (size == 0)
            {
                break;
            }

            result.Write(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }

        return result.ToArray();
    }
}
