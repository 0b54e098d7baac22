using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Landplatform.Integrations.Identity;
using Landplatform.Testing;

namespace Landplatform.Integrations.Tests;

/// <summary>The demo host with the second factor required, as it is outside demo mode.</summary>
public sealed class SecondFactorServer : PlatformServer
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Identity:DemoMode"] = "true",
        ["Identity:RequireSecondFactor"] = "true",
        ["Identity:SignInPermitsPerMinute"] = "1000",
        ["Identity:TokenPermitsPerMinute"] = "1000",
    };
}

/// <summary>Issue #24: TOTP required for registrars, examiners and administrators, with recovery codes; codes computed from the shared secret.</summary>
public sealed partial class SecondFactorTests(SecondFactorServer server) : IClassFixture<SecondFactorServer>
{
    [Fact]
    public async Task A_registrar_enrols_an_authenticator_and_then_needs_its_code_or_a_recovery_code_to_sign_in()
    {
        const string User = "registrar", Password = "Demo-registrar-2026";
        var (notEnrolled, refusal) = await GrantAsync(User, Password, otp: null);
        Assert.Equal(400, notEnrolled);
        Assert.Equal(SecondFactor.EnrolMessage, refusal.GetProperty("error_description").GetString());

        // Enrolment needs the password; a wrong one learns nothing.
        using (var stranger = await server.Client.PostAsJsonAsync("/api/identity/authenticator", new { userName = User, password = "guess-guess-1" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, stranger.StatusCode);
            Assert.DoesNotContain("sharedKey", await stranger.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var enrolled = await server.Client.PostAsJsonAsync("/api/identity/authenticator", new { userName = User, password = Password });
        Assert.Equal(HttpStatusCode.OK, enrolled.StatusCode);
        var secret = JsonDocument.Parse(await enrolled.Content.ReadAsStringAsync()).RootElement;
        var key = secret.GetProperty("sharedKey").GetString()!;
        Assert.StartsWith("otpauth://totp/", secret.GetProperty("otpauthUri").GetString(), StringComparison.Ordinal);

        using (var wrong = await server.Client.PostAsJsonAsync("/api/identity/authenticator/confirm", new { userName = User, password = Password, code = WrongCode(key) }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
            Assert.Equal("code", JsonDocument.Parse(await wrong.Content.ReadAsStringAsync()).RootElement.GetProperty("parameter").GetString());
        }

        using var confirmed = await server.Client.PostAsJsonAsync("/api/identity/authenticator/confirm", new { userName = User, password = Password, code = Totp(key) });
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        var recovery = JsonDocument.Parse(await confirmed.Content.ReadAsStringAsync()).RootElement.GetProperty("codes").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Equal(10, recovery.Distinct().Count());

        // Now the password alone, or with a wrong code, is refused; with the authenticator's code it works.
        var (bare, bareBody) = await GrantAsync(User, Password, otp: null);
        Assert.Equal(400, bare);
        Assert.Equal(SecondFactor.NeededMessage, bareBody.GetProperty("error_description").GetString());
        Assert.Equal(400, (await GrantAsync(User, Password, WrongCode(key))).Status);
        var (good, tokens) = await GrantAsync(User, Password, Totp(key));
        Assert.True(good == 200, tokens.ToString());
        using (var me = await Tokens.GetAsync(server.Client, "/api/identity/me", tokens.GetProperty("access_token").GetString()))
        {
            Assert.Contains("registrar", await me.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A recovery code works once.
        Assert.Equal(200, (await GrantAsync(User, Password, recovery[0])).Status);
        Assert.Equal(400, (await GrantAsync(User, Password, recovery[0])).Status);

        // The sign-in page asks for the code the same way.
        Assert.Equal(HttpStatusCode.Unauthorized, (await PageAsync(User, Password, code: null)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PageAsync(User, Password, Totp(key))).StatusCode);

        // A second enrolment would replace the secret: refused once one is confirmed.
        using (var again = await server.Client.PostAsJsonAsync("/api/identity/authenticator", new { userName = User, password = Password }))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }

        // A lost authenticator: an administrator (with their own second factor) resets it, and the registrar enrols anew.
        var adminKey = await EnrolAsync("administrator", "Demo-administrator-2026");
        var (adminStatus, adminTokens) = await GrantAsync("administrator", "Demo-administrator-2026", Totp(adminKey));
        Assert.True(adminStatus == 200, adminTokens.ToString());
        var admin = adminTokens.GetProperty("access_token").GetString()!;
        using var list = await Tokens.GetAsync(server.Client, "/api/identity/users", admin);
        var id = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.EnumerateArray()
            .Single(u => u.GetProperty("userName").GetString() == User).GetProperty("id").GetGuid();
        using var reset = new HttpRequestMessage(HttpMethod.Post, $"/api/identity/users/{id}/authenticator/reset") { Content = JsonContent.Create(new { reason = "Phone lost, identity checked at the desk" }) };
        reset.Headers.Authorization = new("Bearer", admin);
        using (var answer = await server.Client.SendAsync(reset))
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        using (var stale = await Tokens.GetAsync(server.Client, "/api/identity/me", tokens.GetProperty("access_token").GetString()))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        }

        Assert.Equal(SecondFactor.EnrolMessage, (await GrantAsync(User, Password, Totp(key))).Body.GetProperty("error_description").GetString());
        Assert.Equal(400, (await GrantAsync(User, Password, recovery[1])).Status);
        var newKey = await EnrolAsync(User, Password);
        Assert.NotEqual(key, newKey);
        Assert.Equal(200, (await GrantAsync(User, Password, Totp(newKey))).Status);
    }

    private async Task<string> EnrolAsync(string user, string password)
    {
        using var enrolled = await server.Client.PostAsJsonAsync("/api/identity/authenticator", new { userName = user, password });
        Assert.Equal(HttpStatusCode.OK, enrolled.StatusCode);
        var key = JsonDocument.Parse(await enrolled.Content.ReadAsStringAsync()).RootElement.GetProperty("sharedKey").GetString()!;
        using var confirmed = await server.Client.PostAsJsonAsync("/api/identity/authenticator/confirm", new { userName = user, password, code = Totp(key) });
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        return key;
    }

    [Fact]
    public async Task A_citizen_signs_in_with_the_password_alone_and_an_examiner_and_an_administrator_cannot()
    {
        Assert.Equal(200, (await GrantAsync("citizen", "Demo-citizen-2026", otp: null)).Status);
        Assert.Equal(400, (await GrantAsync("examiner", "Demo-examiner-2026", otp: null)).Status);
        Assert.Equal(400, (await GrantAsync("administrator", "Demo-administrator-2026", otp: null)).Status);
    }

    private async Task<(int Status, JsonElement Body)> GrantAsync(string user, string password, string? otp)
    {
        var form = new List<(string, string)> { ("grant_type", "password"), ("client_id", DemoAccounts.CliClientId), ("username", user), ("password", password) };
        if (otp is not null)
        {
            form.Add(("otp", otp));
        }

        return await Tokens.RequestAsync(server.Client, [.. form]);
    }

    private async Task<HttpResponseMessage> PageAsync(string user, string password, string? code)
    {
        var browser = server.BrowserClient();
        using var page = await browser.GetAsync("/account/signin");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("name=\"code\"", html, StringComparison.Ordinal);
        var field = AntiforgeryField().Match(html);
        var form = new Dictionary<string, string>
        {
            [field.Groups[1].Value] = WebUtility.HtmlDecode(field.Groups[2].Value), ["returnUrl"] = "/", ["username"] = user, ["password"] = password,
        };
        if (code is not null)
        {
            form["code"] = code;
        }

        return await browser.PostAsync("/account/signin", new FormUrlEncodedContent(form));
    }

    /// <summary>RFC 6238 TOTP (HMAC-SHA1, 30 s, 6 digits) from the base32 shared secret, as an authenticator app computes it.</summary>
    private static string Totp(string base32, long offsetSteps = 0)
    {
        var counter = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30 + offsetSteps;
        var message = BitConverter.GetBytes(counter);
        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(message);
        }

        var hash = HMACSHA1.HashData(Base32(base32), message);
        var offset = hash[^1] & 0x0F;
        var binary = ((hash[offset] & 0x7F) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    // A code that is no valid code now: the right one for a step an hour away.
    private static string WrongCode(string base32) => Totp(base32, 120);

    private static byte[] Base32(string text)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = 0;
        var value = 0;
        var bytes = new List<byte>();
        foreach (var c in text.TrimEnd('=').ToUpperInvariant())
        {
            value = (value << 5) | Alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(value >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. bytes];
    }

    [GeneratedRegex("name=\"(__RequestVerificationToken)\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
