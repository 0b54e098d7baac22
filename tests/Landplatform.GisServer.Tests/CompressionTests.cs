using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Landplatform.Integrations.Identity;
using Landplatform.Testing;

namespace Landplatform.GisServer.Tests;

/// <summary>
/// What crosses the wire compressed (issue #25, quality): the portal's bundle and the services' JSON in brotli or gzip,
/// whichever the client accepts, the same bytes once decoded; never the token endpoint's answers (secrets beside text
/// a caller chooses); nothing for a client that accepts no encoding. And the icon every browser asks for is there.
/// </summary>
public sealed class CompressionTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    [Theory]
    [InlineData("/portal/app.js", "br")]
    [InlineData("/portal/app.js", "gzip")]
    [InlineData("/ogc/collections/parcels/items?limit=200", "br")]
    [InlineData("/ogc/collections/parcels/items?limit=200", "gzip")]
    [InlineData("/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=lp:parcels&COUNT=50", "gzip")]
    public async Task Large_answers_are_compressed_as_the_client_accepts_and_decode_to_the_same_bytes(string path, string encoding)
    {
        var plain = await GetAsync(path, null);
        Assert.Empty(plain.Content.Headers.ContentEncoding);
        var expected = await plain.Content.ReadAsByteArrayAsync();

        using var compressed = await GetAsync(path, encoding);
        Assert.Equal([encoding], compressed.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", compressed.Headers.Vary);
        var wire = await compressed.Content.ReadAsByteArrayAsync();
        Assert.True(wire.Length < expected.Length / 2, $"{path} in {encoding}: {wire.Length} bytes on the wire for {expected.Length}");
        await using Stream decoder = encoding == "br"
            ? new BrotliStream(new MemoryStream(wire), CompressionMode.Decompress)
            : new GZipStream(new MemoryStream(wire), CompressionMode.Decompress);
        using var decoded = new MemoryStream();
        await decoder.CopyToAsync(decoded);
        if (path.StartsWith("/portal", StringComparison.Ordinal))
        {
            Assert.Equal(expected, decoded.ToArray());
        }
        else
        {
            // Feature answers carry their own timestamp: compare the features.
            Assert.Equal(Features(expected), Features(decoded.ToArray()));
        }
    }

    [Fact]
    public async Task The_token_endpoint_is_never_compressed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password", ["client_id"] = DemoAccounts.CliClientId, ["username"] = "citizen",
                ["password"] = "Demo-citizen-2026", ["scope"] = "openid profile roles",
            }),
        };
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("br"));
        using var response = await server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Contains("access_token", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Browsers_find_the_icon()
    {
        using var response = await server.Client.GetAsync("/favicon.ico");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("<svg", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string? encoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (encoding is not null)
        {
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(encoding));
        }

        var response = await server.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode}");
        return response;
    }

    private static string Features(byte[] body)
    {
        var text = System.Text.Encoding.UTF8.GetString(body);
        var start = Math.Max(text.IndexOf("\"features\"", StringComparison.Ordinal), text.IndexOf("<wfs:member", StringComparison.Ordinal));
        Assert.True(start >= 0, "the answer holds features");
        var end = text.LastIndexOf(text[start] == '"' ? "]" : "</wfs:member>", StringComparison.Ordinal);
        return text[start..end];
    }
}
