using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Landplatform.Integrations.Exchange;
using Landplatform.Integrations.Identity;
using Landplatform.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Landplatform.Integrations.Tests;

/// <summary>
/// The platform as a deployment runs it: plain http refused, and 127.0.0.1 listed by the administrator for a receiver
/// on the same machine. The host listens on a real loopback port, so its own address is a target it must refuse.
/// </summary>
public sealed class ListedLoopbackServer : PlatformServer
{
    protected override bool ListensOnLoopback => true;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Exchange:AllowPlainHttp"] = "false",
        ["Exchange:AllowedWebhookHosts:0"] = "127.0.0.1",
    };
}

/// <summary>Webhook callbacks go to other organisations' servers: never inside this machine or its networks, unless listed.</summary>
public sealed class WebhookTargetTests(ListedLoopbackServer listed, PlatformServer unlisted)
    : IClassFixture<ListedLoopbackServer>, IClassFixture<PlatformServer>
{
    [Theory]
    [InlineData("https://127.0.0.2/hook")]
    [InlineData("https://2130706434/hook")]          // 127.0.0.2 written as one decimal number
    [InlineData("https://0x7f000002/hook")]          // and as hexadecimal
    [InlineData("https://0177.0.0.2/hook")]          // and with an octal first part
    [InlineData("https://localhost/hook")]
    [InlineData("https://receiver.localhost/hook")]
    [InlineData("https://metadata/computeMetadata")] // a single-label name: the local network's
    [InlineData("https://10.1.2.3/hook")]
    [InlineData("https://172.20.0.1/hook")]
    [InlineData("https://192.168.1.10/hook")]
    [InlineData("https://169.254.169.254/latest/meta-data/")]
    [InlineData("https://100.64.0.1/hook")]
    [InlineData("https://0.0.0.0/hook")]
    [InlineData("https://224.0.0.251/hook")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://[::]/hook")]
    [InlineData("https://[fd12:3456::1]/hook")]
    [InlineData("https://[fe80::1]/hook")]
    [InlineData("https://[::ffff:10.0.0.1]/hook")]
    [InlineData("http://planning.example.org/events")] // plain http outside demo mode
    public async Task A_callback_inside_this_machine_or_its_networks_is_refused_naming_the_field(string callback)
    {
        var admin = await Tokens.AccessTokenForAsync(listed.Client, PlatformRoles.Administrator);
        var name = "t-" + Guid.NewGuid().ToString("N")[..12];
        using var response = await PostAsync(listed.Client, admin, new { name, callbackUrl = callback, eventTypes = new[] { "*" } });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{callback}: {(int)response.StatusCode} {text}");
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal("callbackUrl", problem.GetProperty("parameter").GetString());
        Assert.Equal(WebhookTargets.Rule, problem.GetProperty("rule").GetString());
        Assert.Equal(0L, await listed.Database.ScalarAsync<long>("SELECT count(*) FROM exchange.subscriptions WHERE name = @n", ("n", name)));
    }

    [Fact]
    public async Task A_listed_host_is_accepted_but_never_the_platform_s_own_port()
    {
        var admin = await Tokens.AccessTokenForAsync(listed.Client, PlatformRoles.Administrator);
        var own = listed.BaseAddress.Port;
        using (var itself = await PostAsync(listed.Client, admin, new { name = "self-" + own, callbackUrl = $"https://127.0.0.1:{own}/api/exchange/subscriptions", eventTypes = new[] { "*" } }))
        {
            var text = await itself.Content.ReadAsStringAsync();
            Assert.True(itself.StatusCode == HttpStatusCode.BadRequest, text);
            Assert.Contains("this platform itself", text, StringComparison.Ordinal);
        }

        var other = own == 65000 ? 65001 : 65000;
        using var accepted = await PostAsync(listed.Client, admin, new { name = "side-car", callbackUrl = $"https://127.0.0.1:{other}/events", eventTypes = new[] { "*" } });
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        using var publicHost = await PostAsync(listed.Client, admin, new { name = "planning", callbackUrl = "https://planning.example.org/events", eventTypes = new[] { "*" } });
        Assert.Equal(HttpStatusCode.Created, publicHost.StatusCode);
    }

    [Fact]
    public async Task Delivery_checks_the_address_again_and_reaches_a_loopback_receiver_only_when_listed()
    {
        await using var receiver = await WebhookReceiver.StartAsync("delivery-check-secret-0123456789abcdef");

        // The dispatcher's own client, as the outbox uses it: on a host that does not list loopback it never connects.
        var refusing = unlisted.Services.GetRequiredService<IHttpClientFactory>().CreateClient(OutboxDispatcher.HttpClientName);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => refusing.PostAsync(receiver.CallbackUrl, new StringContent("{}")));
        Assert.Contains("not on the public internet", refused.ToString(), StringComparison.Ordinal);
        Assert.Empty(receiver.Received);

        var allowed = listed.Services.GetRequiredService<IHttpClientFactory>().CreateClient(OutboxDispatcher.HttpClientName);
        using var answer = await allowed.PostAsync(receiver.CallbackUrl, new StringContent("{}"));
        Assert.Single(receiver.Received);
    }

    [Fact]
    public async Task In_demo_mode_plain_http_is_accepted_but_loopback_still_needs_the_list()
    {
        var admin = await Tokens.AccessTokenForAsync(unlisted.Client, PlatformRoles.Administrator);
        using var plain = await PostAsync(unlisted.Client, admin, new { name = "demo-plain", callbackUrl = "http://planning.example.org/events", eventTypes = new[] { "*" } });
        Assert.Equal(HttpStatusCode.Created, plain.StatusCode);
        using var loopback = await PostAsync(unlisted.Client, admin, new { name = "demo-loop", callbackUrl = "http://127.0.0.1:9/hook", eventTypes = new[] { "*" } });
        Assert.Equal(HttpStatusCode.BadRequest, loopback.StatusCode);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string token, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/exchange/subscriptions") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }
}
