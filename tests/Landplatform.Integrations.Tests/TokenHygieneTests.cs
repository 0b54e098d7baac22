using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Landplatform.Integrations.Identity;
using Landplatform.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.Tokens;

namespace Landplatform.Integrations.Tests;

/// <summary>Issue #24, token hygiene: S256 only, no tokens in query strings, single-use refresh tokens, logout by POST, limits as documented.</summary>
public sealed partial class TokenHygieneTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    private const string Callback = "http://localhost/signin-callback";

    [Fact]
    public async Task A_plain_PKCE_challenge_is_refused_and_only_S256_is_advertised()
    {
        var discovery = await server.GetJsonAsync("/.well-known/openid-configuration");
        Assert.Equal(["S256"], discovery.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(m => m.GetString()!));

        using var browser = await SignedInBrowserAsync("notary", "Demo-notary-2026");
        var verifier = Base64UrlEncoder.Encode(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        foreach (var method in new[] { "&code_challenge_method=plain", string.Empty })
        {
            using var answer = await browser.GetAsync(Authorize(verifier) + method);
            var location = answer.Headers.Location?.ToString() ?? string.Empty;
            Assert.DoesNotContain("code=", location, StringComparison.Ordinal);
            Assert.True(location.Contains("error=", StringComparison.Ordinal) || (int)answer.StatusCode == 400,
                $"{method}: {(int)answer.StatusCode} {location}");
        }

        // The same signed-in browser with S256 gets a code, so the refusal above was about the method alone.
        var challenge = Base64UrlEncoder.Encode(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier)));
        using var good = await browser.GetAsync(Authorize(challenge) + "&code_challenge_method=S256");
        Assert.Contains("code=", good.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_access_token_in_the_query_string_or_form_is_ignored()
    {
        var token = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        using (var inQuery = await server.Client.GetAsync("/api/identity/users?access_token=" + Uri.EscapeDataString(token)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, inQuery.StatusCode);
        }

        using (var userInfo = await server.Client.GetAsync("/connect/userinfo?access_token=" + Uri.EscapeDataString(token)))
        {
            Assert.NotEqual(HttpStatusCode.OK, userInfo.StatusCode);
            Assert.DoesNotContain(DemoAccounts.Users.Single(u => u.Role == PlatformRoles.Administrator).Uin, await userInfo.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var inForm = await server.Client.PostAsync("/connect/userinfo", new FormUrlEncodedContent(new Dictionary<string, string> { ["access_token"] = token })))
        {
            Assert.NotEqual(HttpStatusCode.OK, inForm.StatusCode);
        }

        using var inHeader = await Tokens.GetAsync(server.Client, "/api/identity/users", token);
        Assert.Equal(HttpStatusCode.OK, inHeader.StatusCode);
    }

    [Fact]
    public async Task A_replayed_refresh_token_is_refused_at_once_and_revokes_its_whole_family()
    {
        var first = await Tokens.PasswordAsync(server.Client, "citizen", "Demo-citizen-2026", "openid profile roles offline_access");
        var used = first.GetProperty("refresh_token").GetString()!;
        var (status, second) = await Refresh(used);
        Assert.Equal(200, status);
        var newRefresh = second.GetProperty("refresh_token").GetString()!;
        var newAccess = second.GetProperty("access_token").GetString()!;
        using (var works = await Tokens.GetAsync(server.Client, "/api/identity/me", newAccess))
        {
            Assert.Equal(HttpStatusCode.OK, works.StatusCode);
        }

        // The replay comes within a second of the first use: there is no grace window.
        var (replayStatus, replay) = await Refresh(used);
        Assert.Equal(400, replayStatus);
        Assert.Equal("invalid_grant", replay.GetProperty("error").GetString());

        foreach (var access in new[] { newAccess, first.GetProperty("access_token").GetString()! })
        {
            using var revoked = await Tokens.GetAsync(server.Client, "/api/identity/me", access);
            Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        }

        var (familyStatus, family) = await Refresh(newRefresh);
        Assert.Equal(400, familyStatus);
        Assert.Equal("invalid_grant", family.GetProperty("error").GetString());

        // Another person's session is untouched.
        var other = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Notary);
        using var untouched = await Tokens.GetAsync(server.Client, "/api/identity/me", other);
        Assert.Equal(HttpStatusCode.OK, untouched.StatusCode);
    }

    [Fact]
    public async Task Logout_by_GET_only_asks_and_signing_out_needs_a_POST_with_the_antiforgery_token()
    {
        using var browser = await SignedInBrowserAsync("examiner", "Demo-examiner-2026");
        var verifier = Base64UrlEncoder.Encode(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var challenge = Base64UrlEncoder.Encode(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier)));
        var authorize = Authorize(challenge) + "&code_challenge_method=S256";

        using var page = await browser.GetAsync("/connect/logout");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<form method=\"post\" action=\"/connect/logout\">", html, StringComparison.Ordinal);
        Assert.True(await StillSignedInAsync(browser, authorize), "a GET of the logout address must not sign out");

        using (var forged = await browser.PostAsync("/connect/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["confirm"] = "yes" })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        }

        Assert.True(await StillSignedInAsync(browser, authorize), "a POST without the antiforgery token must not sign out");

        var field = AntiforgeryField().Match(html);
        using var confirmed = await browser.PostAsync("/connect/logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [field.Groups[1].Value] = WebUtility.HtmlDecode(field.Groups[2].Value), ["confirm"] = "yes",
        }));
        Assert.True(confirmed.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.OK, ((int)confirmed.StatusCode).ToString());
        Assert.False(await StillSignedInAsync(browser, authorize), "the confirmed POST signs out");
    }

    [Fact]
    public void The_documented_rate_limits_are_the_configured_ones()
    {
        var api = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "api.md"));
        var defaults = new PlatformIdentityOptions();
        int Documented(string what)
        {
            var match = Regex.Match(api, Regex.Escape(what) + @"\s+([\d,]+)/min");
            Assert.True(match.Success, $"docs/api.md states no limit for '{what}'");
            return int.Parse(match.Groups[1].Value.Replace(",", string.Empty, StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
        }

        Assert.Equal(defaults.SignInPermitsPerMinute, Documented("sign-in"));
        Assert.Equal(defaults.SignInPermitsPerMinute, Documented("password grant"));
        Assert.Equal(defaults.TokenPermitsPerMinute, Documented("token endpoint"));
        Assert.Equal(defaults.PublicPermitsPerMinute, Documented("public endpoints"));
        Assert.Equal(defaults.PagePermitsPerMinute, Documented("as next links carry)"));
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Landplatform.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("The repository root (Landplatform.slnx) is not above the test binaries.");
    }

    private static string Authorize(string challenge) =>
        "/connect/authorize?client_id=portal&response_type=code&scope=openid%20roles&redirect_uri=" + Uri.EscapeDataString(Callback)
        + "&state=s1&code_challenge=" + challenge;

    private static async Task<bool> StillSignedInAsync(HttpClient browser, string authorize)
    {
        using var answer = await browser.GetAsync(authorize);
        return answer.Headers.Location?.ToString().StartsWith(Callback, StringComparison.Ordinal) == true
            && QueryHelpers.ParseQuery(answer.Headers.Location.Query).ContainsKey("code");
    }

    private Task<(int Status, JsonElement Body)> Refresh(string refreshToken) =>
        Tokens.RequestAsync(server.Client, ("grant_type", "refresh_token"), ("client_id", DemoAccounts.CliClientId), ("refresh_token", refreshToken));

    internal async Task<HttpClient> SignedInBrowserAsync(string userName, string password)
    {
        var browser = server.BrowserClient();
        using var page = await browser.GetAsync("/account/signin");
        var field = AntiforgeryField().Match(await page.Content.ReadAsStringAsync());
        using var posted = await browser.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [field.Groups[1].Value] = WebUtility.HtmlDecode(field.Groups[2].Value), ["returnUrl"] = "/", ["username"] = userName, ["password"] = password,
        }));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        return browser;
    }

    [GeneratedRegex("name=\"(__RequestVerificationToken)\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}

/// <summary>The host with a sign-in limit of three a minute and a generous token endpoint, to see the password grant counted.</summary>
public sealed class TightPasswordGrant : PlatformServer
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Identity:DemoMode"] = "true",
        ["Identity:SignInPermitsPerMinute"] = "3",
        ["Identity:TokenPermitsPerMinute"] = "1000",
    };
}

public sealed class PasswordGrantLimitTests(TightPasswordGrant server) : IClassFixture<TightPasswordGrant>
{
    [Fact]
    public async Task The_password_grant_is_held_to_the_sign_in_limit_while_other_grants_go_on()
    {
        var statuses = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            var (status, _) = await Tokens.RequestAsync(server.Client, ("grant_type", "password"), ("client_id", DemoAccounts.CliClientId),
                ("username", "nobody-" + i), ("password", "wrong-password-1"));
            statuses.Add(status);
        }

        Assert.Equal([400, 400, 400, 429], statuses);
        using var refused = await server.Client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = DemoAccounts.CliClientId, ["username"] = "citizen", ["password"] = "Demo-citizen-2026",
        }));
        Assert.Equal(429, (int)refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal("rate-limit", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("rule").GetString());
        Assert.NotNull(refused.Headers.RetryAfter);

        // The token endpoint's own budget is untouched: a machine client still gets its token.
        await Tokens.ClientTokenAsync(server.Client, "customs", "customs.read");
    }
}
