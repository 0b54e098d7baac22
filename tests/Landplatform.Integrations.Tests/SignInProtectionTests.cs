using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Landplatform.Integrations.Identity;
using Landplatform.Testing;

namespace Landplatform.Integrations.Tests;

public sealed partial class SignInProtectionTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_against_the_right_one()
    {
        var admin = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/identity/users")
        {
            Content = JsonContent.Create(new
            {
                userName = "lockout-probe", fullName = "Lockout Probe", password = "Right-password-2026",
                roles = new[] { "citizen" },
            }),
        };
        create.Headers.Authorization = new("Bearer", admin);
        using var created = await server.Client.SendAsync(create);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        for (var i = 0; i < 5; i++)
        {
            var (status, _) = await Tokens.RequestAsync(server.Client, ("grant_type", "password"), ("client_id", DemoAccounts.CliClientId),
                ("username", "lockout-probe"), ("password", $"wrong-{i}"));
            Assert.Equal(400, status);
        }

        var (lockedStatus, locked) = await Tokens.RequestAsync(server.Client, ("grant_type", "password"), ("client_id", DemoAccounts.CliClientId),
            ("username", "lockout-probe"), ("password", "Right-password-2026"));
        Assert.Equal(400, lockedStatus);
        Assert.False(locked.TryGetProperty("access_token", out _));

        // The refusal reads exactly as an unknown user's (issue #24: no account-state oracle).
        var (_, unknown) = await Tokens.RequestAsync(server.Client, ("grant_type", "password"), ("client_id", DemoAccounts.CliClientId),
            ("username", "no-such-person"), ("password", "Right-password-2026"));
        Assert.Equal(unknown.GetRawText(), locked.GetRawText());

        using var audit = await Tokens.GetAsync(server.Client, "/api/identity/audit?kind=lockout", admin);
        Assert.Contains(JsonDocument.Parse(await audit.Content.ReadAsStringAsync()).RootElement.EnumerateArray(),
            e => e.GetProperty("subject").GetString() == "lockout-probe");
    }

    [Fact]
    public async Task The_sign_in_page_never_redirects_off_the_site()
    {
        using var browser = server.BrowserClient();
        using var page = await browser.GetAsync("/account/signin?ReturnUrl=%2F%2Fevil.example%2Fsteal");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("name=\"returnUrl\" value=\"/\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("evil.example", html, StringComparison.Ordinal);
    }

    // Each as it stands in the page's query string (so percent forms arrive decoded once, as a browser sends them).
    [Theory]
    [InlineData("/%09/evil.example/")]
    [InlineData("/%0A/evil.example/")]
    [InlineData("/%0D%0A/evil.example/")]
    [InlineData("/%5Cevil.example/")]
    [InlineData("/%5C%5Cevil.example/")]
    [InlineData("%2F%2Fevil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("///evil.example/")]
    [InlineData("/%252F/evil.example/")]
    [InlineData("/%2F/evil.example/")]
    [InlineData("/%25%32%46/evil.example/")]
    [InlineData("https://evil.example/")]
    [InlineData("https:evil.example")]
    [InlineData("https%3A%2F%2Fevil.example%2F")]
    [InlineData("javascript:alert(1)")]
    [InlineData("/%20/evil.example/")]
    [InlineData("%20//evil.example/")]
    [InlineData("/\\evil.example/")]
    public async Task After_a_real_sign_in_every_return_url_stays_on_the_site(string returnUrl)
    {
        using var browser = server.BrowserClient();
        var hostile = Uri.UnescapeDataString(returnUrl);
        if (hostile.Any(char.IsControl))
        {
            // A control character never reaches the page: the request gate refuses it, naming the parameter, and
            // sends the browser nowhere. The form below still gets the hostile value put back by hand.
            using var refused = await browser.GetAsync("/account/signin?ReturnUrl=" + returnUrl);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Null(refused.Headers.Location);
            Assert.Equal("ReturnUrl", System.Text.Json.JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("parameter").GetString());
        }

        using var page = await browser.GetAsync("/account/signin?ReturnUrl=" + (hostile.Any(char.IsControl) ? "/" : returnUrl));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("evil.example", html, StringComparison.Ordinal);
        var antiforgery = AntiforgeryField().Match(html);
        Assert.True(antiforgery.Success, html);

        // The form as the page wrote it, and the same form with the hostile address put back by hand.
        foreach (var back in new[] { WebUtility.HtmlDecode(ReturnUrlField().Match(html).Groups[1].Value), hostile })
        {
            using var posted = await browser.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                [antiforgery.Groups[1].Value] = WebUtility.HtmlDecode(antiforgery.Groups[2].Value),
                ["returnUrl"] = back, ["username"] = "notary", ["password"] = "Demo-notary-2026",
            }));
            Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
            var location = posted.Headers.Location!;
            var landed = new Uri(server.Client.BaseAddress!, location);
            Assert.Equal(server.Client.BaseAddress!.Authority, landed.Authority);
            Assert.Equal("/", location.OriginalString);
        }
    }

    [Fact]
    public async Task A_local_return_url_with_an_encoded_query_survives_the_sign_in()
    {
        Assert.Equal("/connect/authorize?client_id=portal&scope=openid%20roles&state=a%2Fb",
            SignInPage.SafeReturn("/connect/authorize?client_id=portal&scope=openid%20roles&state=a%2Fb"));
        Assert.Equal("/portal/#/notary", SignInPage.SafeReturn("/portal/#/notary"));
        using var browser = server.BrowserClient();
        using var page = await browser.GetAsync("/account/signin?ReturnUrl=%2Fportal%2F%3Fview%3Dmap%2520search");
        var field = ReturnUrlField().Match(await page.Content.ReadAsStringAsync());
        Assert.Equal("/portal/?view=map%20search", WebUtility.HtmlDecode(field.Groups[1].Value));
    }

    [GeneratedRegex("name=\"(__RequestVerificationToken)\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("name=\"returnUrl\" value=\"([^\"]*)\"")]
    private static partial Regex ReturnUrlField();

    [Fact]
    public async Task A_sign_in_without_the_antiforgery_token_is_refused()
    {
        using var browser = server.BrowserClient();
        using var posted = await browser.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = "notary", ["password"] = "Demo-notary-2026", ["returnUrl"] = "/",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.Null(posted.Headers.Location);
    }
}

/// <summary>The host with a low sign-in limit, to see the limit bite.</summary>
public sealed class TightSignInLimits : PlatformServer
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Identity:DemoMode"] = "true",
        ["Identity:SignInPermitsPerMinute"] = "3",
        ["Identity:TokenPermitsPerMinute"] = "4",
        ["Identity:PublicPermitsPerMinute"] = "5",
    };
}

public sealed class RateLimitTests(TightSignInLimits server) : IClassFixture<TightSignInLimits>
{
    [Fact]
    public async Task Sign_in_token_and_public_search_endpoints_answer_429_problems_past_their_limit()
    {
        var statuses = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await server.Client.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "x" }));
            statuses.Add((int)response.StatusCode);
        }

        Assert.Equal(429, statuses[^1]);
        Assert.Equal(3, statuses.Count(s => s != 429));

        for (var i = 0; i < 4; i++)
        {
            await Tokens.RequestAsync(server.Client, ("grant_type", "client_credentials"), ("client_id", "customs"), ("client_secret", "wrong"));
        }

        var (tokenStatus, _) = await Tokens.RequestAsync(server.Client, ("grant_type", "client_credentials"), ("client_id", "customs"),
            ("client_secret", "demo-secret-customs"));
        Assert.Equal(429, tokenStatus);

        HttpResponseMessage? last = null;
        for (var i = 0; i < 6; i++)
        {
            last?.Dispose();
            last = await server.Client.GetAsync("/api/parcels?q=kingstown&limit=1");
        }

        Assert.Equal(429, (int)last!.StatusCode);
        Assert.Equal("application/problem+json", last.Content.Headers.ContentType?.MediaType);
        Assert.Equal("rate-limit", JsonDocument.Parse(await last.Content.ReadAsStringAsync()).RootElement.GetProperty("rule").GetString());
        Assert.True(last.Headers.RetryAfter is not null);
        last.Dispose();
    }
}

/// <summary>The host outside the demo configuration: no password grant.</summary>
public sealed class ProductionConfiguration : PlatformServer
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Identity:DemoMode"] = "false",
        // Outside demo mode the server starts only with real secrets and its public address (StartupSettings).
        ["Identity:Issuer"] = "https://localhost/",
        ["Payments:Gateway:WebhookSecret"] = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        ["Payments:Gateway:ApiKey"] = "sk_live_" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)),
    };
}

public sealed class ProductionGrantTests(ProductionConfiguration server) : IClassFixture<ProductionConfiguration>
{
    [Fact]
    public async Task The_password_grant_is_off_outside_the_demo_configuration()
    {
        using var client = server.SecureClient();
        var (status, body) = await Tokens.RequestAsync(client, ("grant_type", "password"), ("client_id", DemoAccounts.CliClientId),
            ("username", "notary"), ("password", "Demo-notary-2026"));
        Assert.Equal(400, status);
        Assert.Equal("unsupported_grant_type", body.GetProperty("error").GetString());

        var (plainStatus, plain) = await Tokens.RequestAsync(server.Client, ("grant_type", "client_credentials"), ("client_id", "customs"),
            ("client_secret", "demo-secret-customs"));
        Assert.Equal(400, plainStatus);
        Assert.Contains("HTTPS", plain.GetProperty("error_description").GetString(), StringComparison.OrdinalIgnoreCase);

        // Over HTTPS the request is heard, but the published demo secret is refused outside demo mode (issue #18).
        var (secureStatus, _) = await Tokens.RequestAsync(client, ("grant_type", "client_credentials"), ("client_id", "customs"),
            ("client_secret", "demo-secret-customs"), ("scope", "customs.read"));
        Assert.Equal(401, secureStatus);
    }
}

/// <summary>The host issuing access tokens that live four seconds.</summary>
public sealed class ShortLivedTokens : PlatformServer
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Identity:DemoMode"] = "true",
        ["Identity:AccessTokenLifetimeSeconds"] = "4",
    };
}

public sealed class ExpiryTests(ShortLivedTokens server) : IClassFixture<ShortLivedTokens>
{
    [Fact]
    public async Task An_expired_access_token_is_refused_with_401()
    {
        var issued = DateTimeOffset.UtcNow;
        var token = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        using (var fresh = await Tokens.GetAsync(server.Client, "/api/identity/me", token))
        {
            // On a loaded machine the first use may already come late; only a timely use must succeed.
            if (DateTimeOffset.UtcNow - issued < TimeSpan.FromSeconds(2))
            {
                Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
            }
        }

        // Wait for the expiry the token itself states (server and test share this machine's clock).
        var payload = JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(token.Split('.')[1])).RootElement;
        var expires = DateTimeOffset.FromUnixTimeSeconds(payload.GetProperty("exp").GetInt64());
        Assert.True(expires - issued < TimeSpan.FromSeconds(60), "the token must be short-lived in this configuration");
        var wait = expires.AddSeconds(1.5) - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        using var stale = await Tokens.GetAsync(server.Client, "/api/identity/me", token);
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
    }
}
