using System.Net.Http.Headers;
using System.Text.Json;
using Landplatform.Integrations.Identity;

using Xunit;

namespace Landplatform.Testing;

/// <summary>Token requests to the real token endpoint, as a client library would send them.</summary>
public static class Tokens
{
    public static async Task<(int Status, JsonElement Body)> RequestAsync(HttpClient client, params (string Key, string Value)[] form)
    {
        using var response = await client.PostAsync("/connect/token",
            new FormUrlEncodedContent(form.Select(f => KeyValuePair.Create(f.Key, f.Value))));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static async Task<JsonElement> PasswordAsync(HttpClient client, string user, string password, string scope = "openid profile roles")
    {
        var (status, body) = await RequestAsync(client, ("grant_type", "password"), ("client_id", DemoAccounts.CliClientId),
            ("username", user), ("password", password), ("scope", scope));
        Assert.True(status == 200, $"password grant for {user} answered {status}: {body}");
        return body;
    }

    public static async Task<string> AccessTokenForAsync(HttpClient client, string role)
    {
        var demo = DemoAccounts.Users.Single(u => u.Role == role);
        return (await PasswordAsync(client, demo.UserName, demo.Password)).GetProperty("access_token").GetString()!;
    }

    public static async Task<string> ClientTokenAsync(HttpClient client, string clientId, string scope)
    {
        var demo = DemoAccounts.Clients.Single(c => c.ClientId == clientId);
        var (status, body) = await RequestAsync(client, ("grant_type", "client_credentials"), ("client_id", demo.ClientId),
            ("client_secret", demo.Secret), ("scope", scope));
        Assert.True(status == 200, $"client credentials for {clientId} answered {status}: {body}");
        return body.GetProperty("access_token").GetString()!;
    }

    public static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await client.SendAsync(request);
    }
}
