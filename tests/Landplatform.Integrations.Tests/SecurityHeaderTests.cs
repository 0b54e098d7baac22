using System.Net;
using Landplatform.Testing;

namespace Landplatform.Integrations.Tests;

/// <summary>Every kind of response carries the security headers; the sign-in page's policy allows no inline code but its own style.</summary>
public sealed class SecurityHeaderTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    [Theory]
    [InlineData("/", HttpStatusCode.OK)]
    [InlineData("/health", HttpStatusCode.OK)]
    [InlineData("/api/parcels?limit=1", HttpStatusCode.OK)]
    [InlineData("/api/parcels?limit=banana", HttpStatusCode.BadRequest)]
    [InlineData("/ogc/collections", HttpStatusCode.OK)]
    [InlineData("/wms?SERVICE=WMS&REQUEST=GetCapabilities", HttpStatusCode.OK)]
    [InlineData("/no/such/page", HttpStatusCode.NotFound)]
    [InlineData("/api/registry/transactions", HttpStatusCode.Unauthorized)]
    public async Task Every_response_forbids_sniffing_framing_and_leaking_the_referrer(string path, HttpStatusCode expected)
    {
        using var response = await server.Client.GetAsync(path);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("nosniff", Single(response, "X-Content-Type-Options"));
        Assert.Equal("strict-origin-when-cross-origin", Single(response, "Referrer-Policy"));
        Assert.Equal("DENY", Single(response, "X-Frame-Options"));
        Assert.Contains("frame-ancestors 'none'", Single(response, "Content-Security-Policy"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sign_in_page_allows_only_its_own_style_by_hash()
    {
        using var response = await server.Client.GetAsync("/account/signin");
        var policy = Single(response, "Content-Security-Policy");
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.StartsWith("default-src 'none'", policy, StringComparison.Ordinal);
        var html = await response.Content.ReadAsStringAsync();
        var style = html[(html.IndexOf("<style>", StringComparison.Ordinal) + "<style>".Length)..html.IndexOf("</style>", StringComparison.Ordinal)];
        var hash = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(style)));
        Assert.Contains($"style-src 'sha256-{hash}'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" style=", html, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/signin-callback")]
    public async Task The_portal_runs_only_its_own_bundle_and_talks_only_to_its_origin(string path)
    {
        using var response = await server.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var directives = Single(response, "Content-Security-Policy").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(d => d.Split(' ')[0], d => d[(d.IndexOf(' ') + 1)..]);
        Assert.Equal("'self'", directives["script-src"]);
        Assert.Equal("'self'", directives["style-src"]);
        Assert.Equal("'self'", directives["connect-src"]);
        Assert.Equal("'none'", directives["object-src"]);
        Assert.Equal("'none'", directives["base-uri"]);
        Assert.Equal("'none'", directives["frame-ancestors"]);
        Assert.DoesNotContain(directives.Values, v => v.Contains("unsafe", StringComparison.Ordinal));

        // Nothing in the page needs more: no inline script, handler or style for the policy to refuse.
        var html = await response.Content.ReadAsStringAsync();
        Assert.Matches("<script type=\"module\" src=\"/portal/app.js\"></script>", html);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "<script"));
        Assert.DoesNotMatch(" on[a-z]+=| style=|<style", html);
    }

    private static string Single(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? Assert.Single(values)
            : throw new Xunit.Sdk.XunitException($"{name} is missing on {response.RequestMessage!.RequestUri}");
}
