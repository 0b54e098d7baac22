using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Landplatform.Integrations.Identity;
using Landplatform.Testing;

namespace Landplatform.Integrations.Tests;

/// <summary>Issue #24, the account lifecycle: administrators disable, enable, unlock, change roles, revoke tokens and client secrets, each audited with who and why.</summary>
public sealed class AccountLifecycleTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    [Fact]
    public async Task A_disabled_account_loses_its_live_tokens_at_once_and_cannot_refresh_or_sign_in_until_enabled()
    {
        var admin = await AdminAsync();
        var (id, userName, password) = await NewUserAsync(admin, "disable-probe");
        var session = await Tokens.PasswordAsync(server.Client, userName, password, "openid profile roles offline_access");
        var access = session.GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/api/identity/me", access));

        var disabledAt = DateTimeOffset.UtcNow;
        var outcome = await PostOkAsync($"/api/identity/users/{id}/disable", admin, new { reason = "Ticket 4711: reported stolen laptop" });
        Assert.True(outcome.GetProperty("disabled").GetBoolean());
        Assert.True(outcome.GetProperty("tokensRevoked").GetInt32() >= 2, outcome.ToString());

        // Well within the minute the issue allows: the very next request is refused.
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync("/api/identity/me", access));
        Assert.True(DateTimeOffset.UtcNow - disabledAt < TimeSpan.FromMinutes(1));
        var (refreshStatus, refresh) = await Tokens.RequestAsync(server.Client, ("grant_type", "refresh_token"), ("client_id", DemoAccounts.CliClientId),
            ("refresh_token", session.GetProperty("refresh_token").GetString()!));
        Assert.Equal(400, refreshStatus);
        Assert.Equal("invalid_grant", refresh.GetProperty("error").GetString());
        var (signInStatus, _) = await PasswordGrantAsync(userName, password);
        Assert.Equal(400, signInStatus);

        var audit = await AuditAsync(admin, "account-disabled");
        var entry = Assert.Single(audit, e => e.GetProperty("subject").GetString() == userName);
        Assert.Contains("by administrator", entry.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("Ticket 4711: reported stolen laptop", entry.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Enabled again, the same password works and nothing else came back with it.
        var enabled = await PostOkAsync($"/api/identity/users/{id}/enable", admin, new { reason = "Laptop recovered, password changed" });
        Assert.False(enabled.GetProperty("disabled").GetBoolean());
        Assert.False(enabled.GetProperty("lockedOut").GetBoolean());
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync("/api/identity/me", access));
        var (againStatus, _) = await PasswordGrantAsync(userName, password);
        Assert.Equal(200, againStatus);
        Assert.Single(await AuditAsync(admin, "account-enabled"), e => e.GetProperty("subject").GetString() == userName);
    }

    [Fact]
    public async Task The_account_state_behind_a_token_is_checked_so_a_disabled_account_stops_within_a_minute_even_without_revocation()
    {
        var admin = await AdminAsync();
        var (id, userName, password) = await NewUserAsync(admin, "state-probe");
        var access = (await Tokens.PasswordAsync(server.Client, userName, password)).GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/api/identity/me", access));

        // A token that escaped revocation (issued while the disable ran): the account's state alone must stop it.
        Assert.Equal(1, await server.Database.ScalarAsync<int>(
            "UPDATE identity.\"AspNetUsers\" SET \"LockoutEnabled\" = true, \"LockoutEnd\" = 'infinity' WHERE \"Id\" = @id RETURNING 1", ("id", id)));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            status = await StatusAsync("/api/identity/me", access);
        }
        while (status == HttpStatusCode.OK && watch.Elapsed < TimeSpan.FromSeconds(75));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.True(watch.Elapsed < TimeSpan.FromMinutes(1), $"refused only after {watch.Elapsed.TotalSeconds:0} s");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/api/identity/me", await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Notary)));
    }

    [Fact]
    public async Task Every_action_needs_a_reason_and_an_administrator_and_a_refusal_changes_nothing()
    {
        var admin = await AdminAsync();
        var (id, userName, password) = await NewUserAsync(admin, "reason-probe");
        var access = (await Tokens.PasswordAsync(server.Client, userName, password)).GetProperty("access_token").GetString()!;

        foreach (var (body, rule) in new (object?, string)[]
            { (null, "reason-required"), (new { }, "reason-required"), (new { reason = "   " }, "reason-required"), (new { reason = new string('x', 501) }, "reason-length") })
        {
            await AssertProblemAsync(await PostAsync($"/api/identity/users/{id}/disable", admin, body), 400, rule, "reason");
        }

        await AssertProblemAsync(await PostAsync($"/api/identity/users/{id}/roles", admin, new { role = "emperor", reason = "test" }), 400, "role-known", "role");
        await AssertProblemAsync(await PostAsync($"/api/identity/users/{Guid.NewGuid()}/disable", admin, new { reason = "nobody" }), 404, "user-unknown", null);
        await AssertProblemAsync(await PostAsync($"/api/identity/users/{id}/enable", admin, new { reason = "not disabled" }), 409, "account-enabled", null);

        var registrar = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Registrar);
        using (var forbidden = await PostAsync($"/api/identity/users/{id}/disable", registrar, new { reason = "I am not an administrator" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        using (var anonymous = await PostAsync($"/api/identity/users/{id}/disable", null, new { reason = "anonymous" }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        var self = DemoAccounts.Users.Single(u => u.Role == PlatformRoles.Administrator);
        var selfId = await UserIdAsync(admin, self.UserName);
        await AssertProblemAsync(await PostAsync($"/api/identity/users/{selfId}/disable", admin, new { reason = "oops" }), 409, "self-disable", null);
        await AssertProblemAsync(await PostAsync($"/api/identity/users/{selfId}/roles/remove", admin, new { role = "administrator", reason = "oops" }), 409, "self-demotion", null);

        // Nothing of that took effect: the token still works, nothing was audited.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/api/identity/me", access));
        Assert.DoesNotContain(await AuditAsync(admin, "account-disabled"), e => e.GetProperty("subject").GetString() == userName);
    }

    [Fact]
    public async Task An_unlock_ends_a_lockout_for_every_address()
    {
        var admin = await AdminAsync();
        var (id, userName, password) = await NewUserAsync(admin, "unlock-probe");
        for (var i = 0; i < 5; i++)
        {
            await PasswordGrantAsync(userName, "wrong-password-" + i);
        }

        Assert.Equal(400, (await PasswordGrantAsync(userName, password)).Status);
        var outcome = await PostOkAsync($"/api/identity/users/{id}/unlock", admin, new { reason = "Owner called the help desk, identity checked" });
        Assert.False(outcome.GetProperty("lockedOut").GetBoolean());
        Assert.Equal(200, (await PasswordGrantAsync(userName, password)).Status);
        var entry = Assert.Single(await AuditAsync(admin, "account-unlocked"), e => e.GetProperty("subject").GetString() == userName);
        Assert.Contains("identity checked", entry.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_role_added_shows_in_the_next_token_and_a_role_removed_stops_the_tokens_that_carried_it()
    {
        var admin = await AdminAsync();
        var (id, userName, password) = await NewUserAsync(admin, "role-probe");
        var added = await PostOkAsync($"/api/identity/users/{id}/roles", admin, new { role = PlatformRoles.Examiner, reason = "Joined the examination team" });
        Assert.Contains(PlatformRoles.Examiner, added.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        await AssertProblemAsync(await PostAsync($"/api/identity/users/{id}/roles", admin, new { role = PlatformRoles.Examiner, reason = "twice" }), 409, "role-held", null);

        var examiner = (await Tokens.PasswordAsync(server.Client, userName, password)).GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/api/surveys", examiner));

        await PostOkAsync($"/api/identity/users/{id}/roles/remove", admin, new { role = PlatformRoles.Examiner, reason = "Left the examination team" });
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync("/api/surveys", examiner));
        var citizen = (await Tokens.PasswordAsync(server.Client, userName, password)).GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync("/api/surveys", citizen));

        var details = (await AuditAsync(admin, "role-added")).Concat(await AuditAsync(admin, "role-removed"))
            .Where(e => e.GetProperty("subject").GetString() == userName).Select(e => e.GetProperty("detail").GetString()!).ToList();
        Assert.Equal(2, details.Count);
        Assert.All(details, d => Assert.Contains("by administrator", d, StringComparison.Ordinal));
        Assert.Contains(details, d => d.Contains("Left the examination team", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Revoking_a_users_tokens_ends_their_sessions_but_not_the_account()
    {
        var admin = await AdminAsync();
        var (id, userName, password) = await NewUserAsync(admin, "revoke-probe");
        var first = (await Tokens.PasswordAsync(server.Client, userName, password)).GetProperty("access_token").GetString()!;
        var second = (await Tokens.PasswordAsync(server.Client, userName, password)).GetProperty("access_token").GetString()!;
        var bystander = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Notary);

        var outcome = await PostOkAsync($"/api/identity/users/{id}/tokens/revoke", admin, new { reason = "Session seen from an unknown country" });
        Assert.True(outcome.GetProperty("tokensRevoked").GetInt32() >= 2);
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync("/api/identity/me", first));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync("/api/identity/me", second));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/api/identity/me", bystander));
        Assert.Equal(200, (await PasswordGrantAsync(userName, password)).Status);
        Assert.Single(await AuditAsync(admin, "tokens-revoked"), e => e.GetProperty("subject").GetString() == userName);
    }

    [Fact]
    public async Task A_rotated_client_secret_shuts_out_the_old_secret_and_its_tokens_and_a_revoked_one_shuts_out_the_client()
    {
        var admin = await AdminAsync();
        var old = await Tokens.ClientTokenAsync(server.Client, "customs", "customs.read");
        var rotated = await PostOkAsync("/api/identity/clients/customs/secret", admin, new { reason = "Yearly rotation" });
        var secret = rotated.GetProperty("secret").GetString()!;
        Assert.True(secret.Length >= 40);
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync("/api/identity/me", old));
        Assert.Equal(401, (await ClientGrantAsync("customs", DemoAccounts.Clients.Single(c => c.ClientId == "customs").Secret)).Status);
        var (status, fresh) = await ClientGrantAsync("customs", secret);
        Assert.Equal(200, status);
        var freshToken = fresh.GetProperty("access_token").GetString()!;

        await PostOkAsync("/api/identity/clients/customs/secret/revoke", admin, new { reason = "Customs reported a breach" });
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync("/api/identity/me", freshToken));
        Assert.Equal(401, (await ClientGrantAsync("customs", secret)).Status);

        await AssertProblemAsync(await PostAsync("/api/identity/clients/portal/secret", admin, new { reason = "public" }), 409, "client-public", null);
        await AssertProblemAsync(await PostAsync("/api/identity/clients/nobody/secret", admin, new { reason = "unknown" }), 404, "client-unknown", null);
        var audit = (await AuditAsync(admin, "client-secret-rotated")).Concat(await AuditAsync(admin, "client-secret-revoked")).ToList();
        Assert.Equal(2, audit.Count(e => e.GetProperty("subject").GetString() == "customs"));
        Assert.DoesNotContain(audit, e => e.GetRawText().Contains(secret, StringComparison.Ordinal));
    }

    private Task<string> AdminAsync() => Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);

    private async Task<(Guid Id, string UserName, string Password)> NewUserAsync(string admin, string prefix)
    {
        var userName = $"{prefix}-{Guid.NewGuid():N}"[..24];
        const string Password = "Lifecycle-password-2026";
        using var created = await PostAsync("/api/identity/users", admin, new { userName, fullName = "Lifecycle Probe", password = Password, roles = new[] { "citizen" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        return (id, userName, Password);
    }

    private async Task<Guid> UserIdAsync(string admin, string userName)
    {
        using var list = await Tokens.GetAsync(server.Client, "/api/identity/users", admin);
        return JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.EnumerateArray()
            .Single(u => u.GetProperty("userName").GetString() == userName).GetProperty("id").GetGuid();
    }

    private Task<(int Status, JsonElement Body)> PasswordGrantAsync(string userName, string password) =>
        Tokens.RequestAsync(server.Client, ("grant_type", "password"), ("client_id", DemoAccounts.CliClientId), ("username", userName), ("password", password));

    private Task<(int Status, JsonElement Body)> ClientGrantAsync(string clientId, string secret) =>
        Tokens.RequestAsync(server.Client, ("grant_type", "client_credentials"), ("client_id", clientId), ("client_secret", secret), ("scope", "customs.read"));

    private async Task<HttpStatusCode> StatusAsync(string path, string token)
    {
        using var response = await Tokens.GetAsync(server.Client, path, token);
        return response.StatusCode;
    }

    private async Task<List<JsonElement>> AuditAsync(string admin, string kind)
    {
        using var response = await Tokens.GetAsync(server.Client, "/api/identity/audit?limit=1000&kind=" + kind, admin);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone().EnumerateArray()];
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string? token, object? body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        return await server.Client.SendAsync(request);
    }

    private async Task<JsonElement> PostOkAsync(string path, string token, object body)
    {
        using var response = await PostAsync(path, token, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, int status, string? rule, string? parameter)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(text).RootElement;
            if (rule is not null)
            {
                Assert.Equal(rule, problem.GetProperty("rule").GetString());
            }

            if (parameter is not null)
            {
                Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
            }
        }
    }
}
