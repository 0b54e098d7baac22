using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Landplatform.Integrations.Identity;
using Landplatform.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Landplatform.Integrations.Tests;

public sealed partial class TokenGrantTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    [Theory]
    [MemberData(nameof(Roles))]
    public async Task Each_demo_user_gets_a_token_by_password_that_carries_their_role(string role)
    {
        var token = await Tokens.AccessTokenForAsync(server.Client, role);
        using var me = await Tokens.GetAsync(server.Client, "/api/identity/me", token);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var profile = JsonDocument.Parse(await me.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal([role], profile.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!));
        Assert.Equal(DemoAccounts.Users.Single(u => u.Role == role).Uin, profile.GetProperty("uin").GetString());
    }

    public static TheoryData<string> Roles() => new(PlatformRoles.All);

    [Fact]
    public async Task A_wrong_password_or_unknown_user_gets_invalid_grant_and_no_token()
    {
        var (status, body) = await Tokens.RequestAsync(server.Client, ("grant_type", "password"), ("client_id", DemoAccounts.CliClientId),
            ("username", "notary"), ("password", "not-the-password"));
        Assert.Equal(400, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
        Assert.False(body.TryGetProperty("access_token", out _));

        (status, body) = await Tokens.RequestAsync(server.Client, ("grant_type", "password"), ("client_id", DemoAccounts.CliClientId),
            ("username", "nobody"), ("password", "whatever-1234"));
        Assert.Equal(400, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_machine_client_gets_a_token_with_client_credentials_for_the_scopes_it_was_granted()
    {
        var token = await Tokens.ClientTokenAsync(server.Client, "planning-agency", "parcels.read registry.read");
        using var me = await Tokens.GetAsync(server.Client, "/api/identity/me", token);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var body = JsonDocument.Parse(await me.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("planning-agency", body.GetProperty("client").GetString());
        Assert.Equal(["parcels.read", "registry.read"], body.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()!).Order(StringComparer.Ordinal));

        var (status, refused) = await Tokens.RequestAsync(server.Client, ("grant_type", "client_credentials"), ("client_id", "payment-gateway"),
            ("client_secret", "demo-secret-payment-gateway"), ("scope", "registry.read"));
        Assert.Equal(400, status);
        Assert.True(refused.GetProperty("error").GetString() is "invalid_scope" or "invalid_request", refused.ToString());
        Assert.Contains("scope", refused.GetProperty("error_description").GetString(), StringComparison.OrdinalIgnoreCase);

        (status, refused) = await Tokens.RequestAsync(server.Client, ("grant_type", "client_credentials"), ("client_id", "customs"),
            ("client_secret", "wrong-secret"));
        Assert.Equal(401, status);
        Assert.Equal("invalid_client", refused.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_refresh_token_gives_a_new_working_access_token()
    {
        var first = await Tokens.PasswordAsync(server.Client, "citizen", "Demo-citizen-2026", "openid profile roles offline_access");
        var refresh = first.GetProperty("refresh_token").GetString()!;
        var (status, second) = await Tokens.RequestAsync(server.Client, ("grant_type", "refresh_token"),
            ("client_id", DemoAccounts.CliClientId), ("refresh_token", refresh));
        Assert.Equal(200, status);
        var token = second.GetProperty("access_token").GetString()!;
        Assert.NotEqual(first.GetProperty("access_token").GetString(), token);
        using var me = await Tokens.GetAsync(server.Client, "/api/identity/me", token);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
    }

    [Fact]
    public async Task The_portal_signs_a_person_in_with_authorization_code_and_PKCE()
    {
        using var browser = server.BrowserClient();
        var verifier = Base64UrlEncoder.Encode(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var challenge = Base64UrlEncoder.Encode(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier)));
        var authorize = "/connect/authorize?client_id=portal&response_type=code&scope=openid%20profile%20roles"
            + "&redirect_uri=http%3A%2F%2Flocalhost%2Fsignin-callback&state=xyz&code_challenge=" + challenge + "&code_challenge_method=S256";

        using var toSignIn = await browser.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.Redirect, toSignIn.StatusCode);
        var signInPage = toSignIn.Headers.Location!;
        Assert.Equal("/account/signin", signInPage.IsAbsoluteUri ? signInPage.AbsolutePath : signInPage.OriginalString.Split('?')[0]);

        using var page = await browser.GetAsync(signInPage);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<label for=\"username\">", html, StringComparison.Ordinal);
        var antiforgery = AntiforgeryField().Match(html);
        var returnUrl = WebUtility.HtmlDecode(ReturnUrlField().Match(html).Groups[1].Value);
        Assert.StartsWith("/connect/authorize", returnUrl, StringComparison.Ordinal);

        using var posted = await browser.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [antiforgery.Groups[1].Value] = WebUtility.HtmlDecode(antiforgery.Groups[2].Value),
            ["returnUrl"] = returnUrl, ["username"] = "notary", ["password"] = "Demo-notary-2026",
        }));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);

        using var withCode = await browser.GetAsync(posted.Headers.Location!);
        Assert.Equal(HttpStatusCode.Redirect, withCode.StatusCode);
        var callback = withCode.Headers.Location!;
        Assert.Equal("http://localhost/signin-callback", callback.GetLeftPart(UriPartial.Path));
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(callback.Query);
        Assert.Equal("xyz", query["state"].ToString());

        var (badStatus, bad) = await Tokens.RequestAsync(server.Client, ("grant_type", "authorization_code"), ("client_id", "portal"),
            ("code", query["code"].ToString()), ("redirect_uri", "http://localhost/signin-callback"), ("code_verifier", verifier + "x"));
        Assert.Equal(400, badStatus);
        Assert.Equal("invalid_grant", bad.GetProperty("error").GetString());

        var second = await browser.GetAsync(authorize);
        var code = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(second.Headers.Location!.Query)["code"].ToString();
        var (status, tokens) = await Tokens.RequestAsync(server.Client, ("grant_type", "authorization_code"), ("client_id", "portal"),
            ("code", code), ("redirect_uri", "http://localhost/signin-callback"), ("code_verifier", verifier));
        Assert.True(status == 200, tokens.ToString());
        Assert.True(tokens.TryGetProperty("id_token", out _));
        using var me = await Tokens.GetAsync(server.Client, "/api/identity/me", tokens.GetProperty("access_token").GetString());
        Assert.Contains("notary", await me.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tampered_or_garbage_token_is_refused_with_401()
    {
        var token = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        var parts = token.Split('.');
        var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(parts[1])).RootElement;
        var forged = payload.GetRawText().Replace("\"administrator\"", "\"administrator\",\"x\":\"y\"", StringComparison.Ordinal);
        var tampered = $"{parts[0]}.{Base64UrlEncoder.Encode(forged)}.{parts[2]}";

        foreach (var bad in (string[])[tampered, token[..^4] + "AAAA", "not.a.token", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."])
        {
            using var response = await Tokens.GetAsync(server.Client, "/api/identity/users", bad);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using var good = await Tokens.GetAsync(server.Client, "/api/identity/users", token);
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
    }

    [Fact]
    public async Task The_discovery_document_satisfies_a_standard_OIDC_client_library_and_its_keys_verify_our_tokens()
    {
        var retriever = new ConfigurationManager<OpenIdConnectConfiguration>(
            "http://localhost/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(server.Client) { RequireHttps = false });
        var configuration = await retriever.GetConfigurationAsync(CancellationToken.None);

        Assert.Equal("http://localhost/", configuration.Issuer);
        Assert.Equal("http://localhost/connect/authorize", configuration.AuthorizationEndpoint);
        Assert.Equal("http://localhost/connect/token", configuration.TokenEndpoint);
        Assert.Contains("S256", configuration.CodeChallengeMethodsSupported);
        Assert.Contains("authorization_code", configuration.GrantTypesSupported);
        Assert.Contains("client_credentials", configuration.GrantTypesSupported);
        Assert.Contains("refresh_token", configuration.GrantTypesSupported);
        Assert.Contains("RS256", configuration.IdTokenSigningAlgValuesSupported);
        Assert.NotEmpty(configuration.SigningKeys);

        var token = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Registrar);
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = configuration.Issuer, IssuerSigningKeys = configuration.SigningKeys, ValidateAudience = false,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("registrar", result.ClaimsIdentity.FindFirst("role")?.Value);
    }

    [GeneratedRegex("name=\"(__RequestVerificationToken)\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("name=\"returnUrl\" value=\"([^\"]+)\"")]
    private static partial Regex ReturnUrlField();
}
