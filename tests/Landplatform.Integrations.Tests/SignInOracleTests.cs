using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Landplatform.Integrations.Identity;
using Landplatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Landplatform.Integrations.Tests;

/// <summary>The demo host where a test header says which client address a request comes from (in memory there is no peer).</summary>
public sealed class PeerAddressedServer : PlatformServer
{
    public const string PeerHeader = "X-Test-Peer";

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

/// <summary>Issue #24, the sign-in oracles: account state does not show in answers or timing, and a stranger cannot lock a person out.</summary>
public sealed partial class SignInOracleTests(PeerAddressedServer server) : IClassFixture<PeerAddressedServer>
{
    private const string Password = "Oracle-password-2026";

    [Fact]
    public async Task A_stranger_guessing_from_one_address_does_not_lock_the_owner_out_from_another()
    {
        var victim = await NewUserAsync("victim");
        const string Stranger = "203.0.113.7";
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(400, (await GrantAsync(Stranger, victim, "guess-" + i)).Status);
        }

        // The stranger's address is now blocked for this account, even with the right password...
        Assert.Equal(400, (await GrantAsync(Stranger, victim, Password)).Status);
        // ...while the owner, from their own address, signs in as usual, by the grant and on the page.
        var (status, body) = await GrantAsync("198.51.100.20", victim, Password);
        Assert.True(status == 200, body.ToString());
        using var page = await SignInPageAsync("198.51.100.21", victim, Password);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);

        var admin = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        using var audit = await Tokens.GetAsync(server.Client, "/api/identity/audit?kind=lockout", admin);
        var entry = Assert.Single(JsonDocument.Parse(await audit.Content.ReadAsStringAsync()).RootElement.EnumerateArray(),
            e => e.GetProperty("subject").GetString() == victim);
        Assert.Equal(Stranger, entry.GetProperty("remoteAddress").GetString());
    }

    [Fact]
    public async Task Unknown_locked_disabled_and_wrong_password_answers_are_identical_on_the_grant_and_the_page()
    {
        var locked = await NewUserAsync("locked");
        // Five addresses, each blocked after five wrong passwords: only then does the account itself lock.
        for (var a = 0; a < 5; a++)
        {
            for (var i = 0; i < 5; i++)
            {
                await GrantAsync($"192.0.2.{10 + a}", locked, "guess-" + i);
            }
        }

        var admin = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        Assert.True(await LockedOutAsync(admin, locked), "five blocked addresses lock the account");
        var disabled = await NewUserAsync("disabled");
        using (var disable = new HttpRequestMessage(HttpMethod.Post, $"/api/identity/users/{await IdAsync(admin, disabled)}/disable")
        { Content = JsonContent.Create(new { reason = "oracle test" }) })
        {
            disable.Headers.Authorization = new("Bearer", admin);
            Assert.Equal(HttpStatusCode.OK, (await server.Client.SendAsync(disable)).StatusCode);
        }

        var wrong = await NewUserAsync("wrong");
        const string Probe = "198.51.100.99";
        var answers = new[]
        {
            await GrantAsync(Probe, "nobody-" + Guid.NewGuid().ToString("N")[..8], Password),
            await GrantAsync(Probe, locked, Password),
            await GrantAsync(Probe, disabled, Password),
            await GrantAsync(Probe, wrong, "not-the-password"),
        };
        Assert.All(answers, a => Assert.Equal(400, a.Status));
        Assert.Single(answers.Select(a => a.Body.GetRawText()).Distinct());

        var pages = new List<string>();
        foreach (var user in new[] { "nobody-else", locked, disabled, wrong })
        {
            using var page = await SignInPageAsync(Probe, user, user == wrong ? "not-the-password" : Password);
            Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
            pages.Add(TokenValue().Replace(await page.Content.ReadAsStringAsync(), "value=\"(token)\""));
        }

        Assert.Single(pages.Distinct());
    }

    [Fact]
    public async Task An_unknown_and_a_locked_account_take_about_as_long_to_refuse()
    {
        var locked = await NewUserAsync("slow");
        for (var a = 0; a < 5; a++)
        {
            for (var i = 0; i < 5; i++)
            {
                await GrantAsync($"192.0.2.{100 + a}", locked, "guess-" + i);
            }
        }

        var unknown = "nobody-" + Guid.NewGuid().ToString("N")[..8];
        var real = await NewUserAsync("real");
        await GrantAsync("198.51.100.50", unknown, Password);
        await GrantAsync("198.51.100.50", locked, Password);

        // Medians over several tries, interleaved, and a loose factor: the machine is shared, only a gap like 5 ms vs 51 ms must show.
        // A wrong password on a real account always costs a password hash: the other two must cost about as much.
        var unknownTimes = new List<double>();
        var lockedTimes = new List<double>();
        var wrongTimes = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            unknownTimes.Add(await TimeAsync(() => GrantAsync("198.51.100.50", unknown, Password)));
            lockedTimes.Add(await TimeAsync(() => GrantAsync("198.51.100.50", locked, Password)));
            wrongTimes.Add(await TimeAsync(() => GrantAsync("198.51.100.60", real, "not-the-password-" + i)));
        }

        double Median(List<double> times) => times.Order().ElementAt(times.Count / 2);
        var medians = new[] { Median(unknownTimes), Median(lockedTimes), Median(wrongTimes) };
        Assert.True(medians.Max() / Math.Max(1, medians.Min()) < 4,
            $"unknown {medians[0]:0} ms, locked {medians[1]:0} ms, wrong password {medians[2]:0} ms");
    }

    private static async Task<double> TimeAsync(Func<Task> call)
    {
        var watch = Stopwatch.StartNew();
        await call();
        return watch.Elapsed.TotalMilliseconds;
    }

    private async Task<(int Status, JsonElement Body)> GrantAsync(string address, string userName, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password", ["client_id"] = DemoAccounts.CliClientId, ["username"] = userName, ["password"] = password,
            }),
        };
        request.Headers.Add(PeerAddressedServer.PeerHeader, address);
        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<HttpResponseMessage> SignInPageAsync(string address, string userName, string password)
    {
        var browser = server.BrowserClient();
        browser.DefaultRequestHeaders.Add(PeerAddressedServer.PeerHeader, address);
        using var form = await browser.GetAsync("/account/signin");
        var field = AntiforgeryField().Match(await form.Content.ReadAsStringAsync());
        return await browser.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [field.Groups[1].Value] = WebUtility.HtmlDecode(field.Groups[2].Value), ["returnUrl"] = "/", ["username"] = userName, ["password"] = password,
        }));
    }

    private async Task<string> NewUserAsync(string prefix)
    {
        var admin = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        var userName = $"{prefix}-{Guid.NewGuid():N}"[..20];
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/identity/users")
        {
            Content = JsonContent.Create(new { userName, fullName = "Oracle Probe", password = Password, roles = new[] { "citizen" } }),
        };
        create.Headers.Authorization = new("Bearer", admin);
        using var created = await server.Client.SendAsync(create);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return userName;
    }

    private async Task<JsonElement> UserAsync(string admin, string userName)
    {
        using var list = await Tokens.GetAsync(server.Client, "/api/identity/users", admin);
        return JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.Clone().EnumerateArray()
            .Single(u => u.GetProperty("userName").GetString() == userName);
    }

    private async Task<Guid> IdAsync(string admin, string userName) => (await UserAsync(admin, userName)).GetProperty("id").GetGuid();

    private async Task<bool> LockedOutAsync(string admin, string userName) => (await UserAsync(admin, userName)).GetProperty("lockedOut").GetBoolean();

    [GeneratedRegex("name=\"(__RequestVerificationToken)\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("value=\"CfDJ[^\"]+\"")]
    private static partial Regex TokenValue();
}
