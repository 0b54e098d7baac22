using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Persons;
using Landplatform.Integrations.Identity;
using Landplatform.Simulators;
using Landplatform.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Landplatform.Integrations.Tests;

/// <summary>The host configured against the civil registry simulator running beside it.</summary>
public sealed class CivilRegistryServer : PlatformServer
{
    public ExternalSystems Simulators { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Identity:CivilRegistry:BaseUrl"] = new Uri(Simulators.BaseAddress, "civil-registry/").ToString(),
        ["Identity:CivilRegistry:TimeoutSeconds"] = "1",
    };

    public override async Task InitializeAsync()
    {
        Simulators = await ExternalSystems.StartAsync(samplePeople: false);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Simulators.DisposeAsync();
    }
}

public sealed class CivilRegistryTests(CivilRegistryServer server) : IClassFixture<CivilRegistryServer>
{
    [Fact]
    public async Task A_registered_living_person_is_verified_from_the_registrys_signed_answer()
    {
        var uin = await RegisterAsync(201, "Marie-Thérèse  Da Silva", new DateOnly(1961, 4, 30), deceased: false);
        var person = await VerifyAsync(new PersonClaim(uin, "marie therese da silva", new DateOnly(1961, 4, 30)));
        Assert.Equal("Marie-Thérèse  Da Silva", person.Name);
        Assert.False(person.Deceased);
        Assert.Equal(new DateOnly(1961, 4, 30), person.DateOfBirth);
    }

    [Fact]
    public async Task The_signed_answer_says_whether_a_person_is_a_citizen_as_the_alien_land_holding_rule_needs()
    {
        var citizen = await RegisterAsync(205, "Lennox Citizen", new DateOnly(1980, 5, 5), deceased: false);
        var checkedCitizen = await VerifyAsync(new PersonClaim(citizen, "Lennox Citizen", null));
        Assert.True(checkedCitizen.Citizen);
        Assert.Equal("VC", checkedCitizen.Nationality);

        // A resident who is not a citizen, added through the simulator's control endpoint as a wire-format person.
        var resident = DemoAccounts.DemoUin(206);
        using (var added = await server.Simulators.Http.PostAsJsonAsync("control/civil-registry/persons",
                   new { uin = resident, name = "Astrid Resident", dateOfBirth = "1975-03-01", citizen = false, nationality = "NO" }))
        {
            Assert.True(added.IsSuccessStatusCode);
        }

        var registrar = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Registrar);
        var answer = await PostAsync("/api/identity/person-checks", registrar, new { uin = resident, name = "Astrid Resident" });
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.False(answer.Body.GetProperty("citizen").GetBoolean());
        Assert.Equal("NO", answer.Body.GetProperty("nationality").GetString());
    }

    [Fact]
    public async Task A_deceased_person_is_flagged()
    {
        var uin = await RegisterAsync(202, "Gregory Cupid", new DateOnly(1930, 1, 2), deceased: true);
        var registrar = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Registrar);
        var answer = await PostAsync("/api/identity/person-checks", registrar, new { uin, name = "Gregory Cupid", dateOfBirth = "1930-01-02" });
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.True(answer.Body.GetProperty("deceased").GetBoolean());
        Assert.Equal("2024-06-01", answer.Body.GetProperty("dateOfDeath").GetString());
    }

    [Fact]
    public async Task A_name_or_date_of_birth_that_does_not_match_is_refused()
    {
        var uin = await RegisterAsync(203, "Ann Joseph", new DateOnly(1980, 7, 7), deceased: false);
        var name = await Assert.ThrowsAsync<InvalidParameterException>(() => VerifyAsync(new PersonClaim(uin, "Anne Josephs", null)));
        Assert.Equal(("name", "civil-registry-mismatch"), (name.Parameter, name.Rule));
        var born = await Assert.ThrowsAsync<InvalidParameterException>(() => VerifyAsync(new PersonClaim(uin, "Ann Joseph", new DateOnly(1980, 7, 8))));
        Assert.Equal(("dateOfBirth", "civil-registry-mismatch"), (born.Parameter, born.Rule));

        var registrar = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Registrar);
        var refused = await PostAsync("/api/identity/person-checks", registrar, new { uin, name = "Someone Else" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("civil-registry-mismatch", refused.Body.GetProperty("rule").GetString());
        Assert.Equal("name", refused.Body.GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task An_unregistered_UIN_is_refused_and_a_malformed_one_never_reaches_the_registry()
    {
        var unknown = await Assert.ThrowsAsync<InvalidParameterException>(() => VerifyAsync(new PersonClaim(DemoAccounts.DemoUin(299), "Nobody", null)));
        Assert.Equal(("uin", "uin-not-registered"), (unknown.Parameter, unknown.Rule));

        server.Simulators.CivilRegistry.Faults = new CivilRegistryFaults(Down: true);
        try
        {
            var bad = DemoAccounts.DemoUin(204)[..^1] + (char)('0' + ((DemoAccounts.DemoUin(204)[^1] - '0' + 1) % 10));
            var malformed = await Assert.ThrowsAsync<InvalidParameterException>(() => VerifyAsync(new PersonClaim(bad, "Anyone", null)));
            Assert.Equal(("uin", "uin-check-digit"), (malformed.Parameter, malformed.Rule));
        }
        finally
        {
            server.Simulators.CivilRegistry.Faults = new CivilRegistryFaults();
        }
    }

    [Fact]
    public async Task A_forged_answer_or_a_registry_that_is_down_or_slow_is_refused_and_says_so()
    {
        var uin = await RegisterAsync(205, "Mary Samuel", null, deceased: false);
        var registrar = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Registrar);
        foreach (var (faults, rule) in new[]
        {
            (new CivilRegistryFaults(BadSignature: true), "civil-registry-signature"),
            (new CivilRegistryFaults(Down: true), "civil-registry-unavailable"),
            (new CivilRegistryFaults(DelayMs: 2500), "civil-registry-unavailable"),
        })
        {
            server.Simulators.CivilRegistry.Faults = faults;
            try
            {
                var answer = await PostAsync("/api/identity/person-checks", registrar, new { uin, name = "Mary Samuel" });
                Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status);
                Assert.Equal(rule, answer.Body.GetProperty("rule").GetString());
            }
            finally
            {
                server.Simulators.CivilRegistry.Faults = new CivilRegistryFaults();
            }
        }

        var healthy = await PostAsync("/api/identity/person-checks", registrar, new { uin, name = "Mary Samuel" });
        Assert.Equal(HttpStatusCode.OK, healthy.Status);

        var citizen = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Citizen);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/api/identity/person-checks", citizen, new { uin, name = "Mary Samuel" })).Status);
    }

    [Fact]
    public async Task An_account_is_linked_only_to_a_UIN_the_civil_registry_holds_for_a_living_person_of_that_name()
    {
        var uin = await RegisterAsync(206, "Joan Baptiste", new DateOnly(1975, 3, 3), deceased: false);
        var dead = await RegisterAsync(207, "Cyril Charles", new DateOnly(1920, 5, 5), deceased: true);
        var admin = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        foreach (var (userName, fullName, linked, parameter, rule) in new[]
        {
            ("link-unissued", "Nobody Known", DemoAccounts.DemoUin(298), "uin", "uin-not-registered"),
            ("link-other-name", "Joanne Baptiste-Smith", uin, "fullName", "civil-registry-mismatch"),
            ("link-deceased", "Cyril Charles", dead, "uin", "uin-deceased"),
        })
        {
            var refused = await PostAsync("/api/identity/users", admin, NewCitizen(userName, fullName, linked));
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
            Assert.Equal((parameter, rule), (refused.Body.GetProperty("parameter").GetString(), refused.Body.GetProperty("rule").GetString()));
        }

        server.Simulators.CivilRegistry.Faults = new CivilRegistryFaults(Down: true);
        try
        {
            var down = await PostAsync("/api/identity/users", admin, NewCitizen("link-while-down", "Joan Baptiste", uin));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.Status);
            Assert.Equal("civil-registry-unavailable", down.Body.GetProperty("rule").GetString());
        }
        finally
        {
            server.Simulators.CivilRegistry.Faults = new CivilRegistryFaults();
        }

        Assert.Equal(0L, await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM identity.\"AspNetUsers\" WHERE \"UserName\" LIKE 'link-%' OR \"Uin\" IN ('" + uin + "', '" + dead + "')"));

        // Spelt as the registry spells it or not (accents, case, spacing), the holder's own name links the account.
        var created = await PostAsync("/api/identity/users", admin, NewCitizen("joan", "JOAN  baptiste", uin));
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(uin, created.Body.GetProperty("uin").GetString());
    }

    private static object NewCitizen(string userName, string fullName, string uin) =>
        new { userName, fullName, password = "Good-password-2026", uin, roles = new[] { "citizen" } };

    private async Task<VerifiedPerson> VerifyAsync(PersonClaim claim)
    {
        await using var scope = server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IPersonRegistry>().VerifyAsync(claim, CancellationToken.None);
    }

    /// <summary>Records a person at the simulated registry through its control endpoint.</summary>
    private async Task<string> RegisterAsync(int n, string name, DateOnly? born, bool deceased)
    {
        var uin = DemoAccounts.DemoUin(n);
        using var response = await server.Simulators.Http.PostAsJsonAsync("control/civil-registry/persons",
            new CivilPerson(uin, name, born, deceased, deceased ? new DateOnly(2024, 6, 1) : null));
        Assert.True(response.IsSuccessStatusCode);
        return uin;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string token, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
