using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Landplatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Landplatform.Integrations.Tests;

/// <summary>
/// The host outside demo mode behind one known proxy (10.20.30.40). In memory there is no network peer, so a
/// test header says which address the request comes from, set before anything else in the pipeline runs.
/// </summary>
public sealed class ProxiedProductionServer : PlatformServer
{
    public const string PeerHeader = "X-Test-Peer";
    public const string KnownProxy = "10.20.30.40";

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Identity:DemoMode"] = "false",
        ["Identity:Issuer"] = "https://land.example/",
        ["Payments:Gateway:WebhookSecret"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)),
        ["Payments:Gateway:ApiKey"] = "sk_live_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)),
        ["ForwardedHeaders:KnownProxies"] = KnownProxy,
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IStartupFilter, PeerAddress>();

    private sealed class PeerAddress : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, following) =>
            {
                if (http.Request.Headers.TryGetValue(PeerHeader, out var peer) && IPAddress.TryParse(peer, out var address))
                {
                    http.Connection.RemoteIpAddress = address;
                }

                return following(http);
            });
            next(app);
        };
    }
}

public sealed class ForwardedHeadersTests(ProxiedProductionServer server) : IClassFixture<ProxiedProductionServer>
{
    [Fact]
    public async Task X_Forwarded_Proto_from_a_peer_that_is_not_a_known_proxy_is_ignored()
    {
        using var fromProxy = await DiscoveryAsync(ProxiedProductionServer.KnownProxy);
        Assert.Equal(HttpStatusCode.OK, fromProxy.StatusCode);
        Assert.Equal("https://land.example/", JsonDocument.Parse(await fromProxy.Content.ReadAsStringAsync()).RootElement.GetProperty("issuer").GetString());

        // The same headers from anyone else: the request stays plain http, which the OpenID server refuses.
        foreach (var stranger in new[] { "10.20.30.41", "127.0.0.1", "203.0.113.9" })
        {
            using var fromStranger = await DiscoveryAsync(stranger);
            var body = await fromStranger.Content.ReadAsStringAsync();
            Assert.True(fromStranger.StatusCode == HttpStatusCode.BadRequest, $"from {stranger}: {(int)fromStranger.StatusCode} {body}");
            Assert.Contains("ID2083", body);
        }
    }

    [Fact]
    public async Task The_antiforgery_cookie_is_Secure_and_a_form_over_plain_http_is_a_problem_not_a_500()
    {
        using var proxied = await SignInPageAsync(ProxiedProductionServer.KnownProxy);
        Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
        var cookie = Assert.Single(proxied.Headers.GetValues("Set-Cookie"), c => c.StartsWith("lp.antiforgery=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);

        using var bypassing = await SignInPageAsync("203.0.113.9");
        Assert.Equal(HttpStatusCode.BadRequest, bypassing.StatusCode);
        Assert.Equal("application/problem+json", bypassing.Content.Headers.ContentType?.MediaType);
        Assert.Equal("https-required", JsonDocument.Parse(await bypassing.Content.ReadAsStringAsync()).RootElement.GetProperty("rule").GetString());
    }

    private Task<HttpResponseMessage> DiscoveryAsync(string peer) => SendAsync("/.well-known/openid-configuration", peer);

    private Task<HttpResponseMessage> SignInPageAsync(string peer) => SendAsync("/account/signin", peer);

    private async Task<HttpResponseMessage> SendAsync(string path, string peer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(ProxiedProductionServer.PeerHeader, peer);
        request.Headers.Add("X-Forwarded-For", "198.51.100.23");
        request.Headers.Add("X-Forwarded-Proto", "https");
        return await server.Client.SendAsync(request);
    }
}
