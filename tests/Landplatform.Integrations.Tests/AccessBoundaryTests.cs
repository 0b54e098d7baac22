using Landplatform.Cadastre.Contracts;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Landplatform.Integrations.Identity;
using Landplatform.Testing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Landplatform.Integrations.Tests;

public sealed class AccessBoundaryTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    [Fact]
    public async Task Every_endpoint_declares_a_policy_or_is_explicitly_anonymous()
    {
        var endpoints = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.True(endpoints.Count > 10);
        var undeclared = endpoints
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is null && e.Metadata.GetOrderedMetadata<IAuthorizeData>().Count == 0)
            .Select(e => e.RoutePattern.RawText)
            .ToList();
        Assert.True(undeclared.Count == 0, "no access policy on: " + string.Join(", ", undeclared));
        await Task.CompletedTask;
    }

    [Theory]
    [InlineData("/api/identity/me")]
    [InlineData("/api/identity/users")]
    [InlineData("/api/identity/audit")]
    [InlineData("/connect/userinfo")]
    public async Task The_public_gets_401_where_an_account_is_needed(string path)
    {
        using var response = await Tokens.GetAsync(server.Client, path, token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData(PlatformRoles.Surveyor)]
    [InlineData(PlatformRoles.Citizen)]
    [InlineData(PlatformRoles.Notary)]
    [InlineData(PlatformRoles.Registrar)]
    public async Task Only_administrators_read_the_user_list_and_the_audit_log(string role)
    {
        var token = await Tokens.AccessTokenForAsync(server.Client, role);
        using var users = await Tokens.GetAsync(server.Client, "/api/identity/users", token);
        using var audit = await Tokens.GetAsync(server.Client, "/api/identity/audit", token);
        Assert.Equal(HttpStatusCode.Forbidden, users.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, audit.StatusCode);

        var admin = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        using var allowed = await Tokens.GetAsync(server.Client, "/api/identity/users", admin);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        var list = JsonDocument.Parse(await allowed.Content.ReadAsStringAsync()).RootElement;
        Assert.True(list.GetArrayLength() >= PlatformRoles.All.Count);
    }

    [Fact]
    public async Task A_machine_client_with_parcel_scope_cannot_read_users()
    {
        var token = await Tokens.ClientTokenAsync(server.Client, "customs", "customs.read parcels.read");
        using var users = await Tokens.GetAsync(server.Client, "/api/identity/users", token);
        Assert.Equal(HttpStatusCode.Forbidden, users.StatusCode);
    }

    [Fact]
    public async Task A_person_reads_their_own_record_with_UIN_but_not_another_persons()
    {
        var admin = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        using var list = await Tokens.GetAsync(server.Client, "/api/identity/users", admin);
        var users = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.EnumerateArray().ToList();
        var citizenId = users.Single(u => u.GetProperty("userName").GetString() == "citizen").GetProperty("id").GetString();
        var planner = users.Single(u => u.GetProperty("userName").GetString() == "planner");

        var citizen = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Citizen);
        using var own = await Tokens.GetAsync(server.Client, $"/api/identity/users/{citizenId}", citizen);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(DemoAccounts.Users.Single(u => u.Role == "citizen").Uin,
            JsonDocument.Parse(await own.Content.ReadAsStringAsync()).RootElement.GetProperty("uin").GetString());

        using var other = await Tokens.GetAsync(server.Client, $"/api/identity/users/{planner.GetProperty("id").GetString()}", citizen);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        using var anonymous = await Tokens.GetAsync(server.Client, $"/api/identity/users/{citizenId}", token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task The_public_parcel_API_shows_no_personal_identifier()
    {
        using var response = await server.Client.GetAsync("/api/parcels?q=kingstown&limit=50");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotMatch(@"VC\d{10}", text);
        Assert.DoesNotContain("\"uin\"", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_disclosure_policy_hides_identifiers_from_the_public_and_other_citizens_but_not_from_registry_staff()
    {
        var disclosure = server.Services.GetRequiredService<PersonalDataDisclosure>();
        var uin = DemoAccounts.DemoUin(42);
        var anonymous = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity());
        Assert.Equal(new PersonView(true, false, false), disclosure.For(anonymous, uin));
        Assert.False(disclosure.For(Person("citizen", DemoAccounts.DemoUin(1)), uin).Identifiers);
        Assert.True(disclosure.For(Person("citizen", uin), uin).Identifiers);
        Assert.True(disclosure.For(Person("registrar", DemoAccounts.DemoUin(2)), uin).Identifiers);
        Assert.False(disclosure.For(Person("surveyor", DemoAccounts.DemoUin(3)), uin).Identifiers);
    }

    [Fact]
    public async Task Creating_a_user_with_a_bad_UIN_is_a_400_naming_uin_and_creates_nothing()
    {
        var admin = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        var good = DemoAccounts.DemoUin(500);
        var typo = good[..^1] + (char)('0' + ((good[^1] - '0' + 1) % 10));
        foreach (var (uin, rule) in ((string, string)[])[(typo, "uin-check-digit"), ("VC12345", "uin-length"), ("GB9000005001", "uin-prefix")])
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/identity/users")
            {
                Content = JsonContent.Create(new { userName = "new-person", fullName = "New Person", password = "Good-password-2026", uin, roles = new[] { "citizen" } }),
            };
            request.Headers.Authorization = new("Bearer", admin);
            using var response = await server.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("uin", problem.GetProperty("parameter").GetString());
            Assert.Equal(rule, problem.GetProperty("rule").GetString());
        }

        Assert.Equal(0L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM identity.\"AspNetUsers\" WHERE \"UserName\" = 'new-person'"));
    }

    [Fact]
    public async Task Denials_and_sign_ins_are_recorded_in_the_audit_log()
    {
        var surveyor = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Surveyor);
        using (await Tokens.GetAsync(server.Client, "/api/identity/audit", surveyor))
        {
        }

        var admin = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        using var denied = await Tokens.GetAsync(server.Client, "/api/identity/audit?kind=access-denied", admin);
        var events = JsonDocument.Parse(await denied.Content.ReadAsStringAsync()).RootElement.EnumerateArray().ToList();
        Assert.Contains(events, e => e.GetProperty("subject").GetString() == "surveyor" && e.GetProperty("path").GetString() == "/api/identity/audit");

        using var issued = await Tokens.GetAsync(server.Client, "/api/identity/audit?kind=token-issued", admin);
        Assert.Contains(JsonDocument.Parse(await issued.Content.ReadAsStringAsync()).RootElement.EnumerateArray(),
            e => e.GetProperty("subject").GetString() == "surveyor");

        var rewrite = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => server.Database.ScalarAsync<object>("DELETE FROM identity.audit_events"));
        Assert.Equal("LPH02", rewrite.SqlState);
    }

    private static System.Security.Claims.ClaimsPrincipal Person(string role, string uin) =>
        new(new System.Security.Claims.ClaimsIdentity(
            [new("role", role), new(PlatformClaims.Uin, uin), new("sub", Guid.NewGuid().ToString())], "test", "name", "role"));
}
