using System.Net.Http.Headers;
using System.Net.Http.Json;
using Landplatform.Simulators;
using Landplatform.Testing;
using Microsoft.Playwright;

namespace Landplatform.Portal.Tests;

/// <summary>
/// From deeds to titles in the portal, each person in their own browser: the registrar opens a parcel's first
/// registration from its root of title, identifying the holder the deeds name; the public reads the notice; a citizen
/// objects while the challenge period runs; the registrar dismisses the objection, and the title cannot be made
/// absolute before the period ends (said in words, nothing changed).
/// </summary>
[Collection("portal")]
public sealed class ConversionPortalTests(PortalServer server) : IClassFixture<PortalServer>
{
    private static readonly PageWaitForSelectorOptions Patience = new() { Timeout = 60_000 };

    [Fact]
    public async Task A_registrar_opens_a_first_registration_from_the_root_of_title_a_citizen_objects_and_the_registrar_decides()
    {
        // A parcel that no title covers (a child of a fresh subdivision), with a chain of two conveyances in the deeds.
        var parent = await server.Database.SplittableParcelAsync(skip: 7);
        var upi = (await server.Database.SubdivideInTwoAsync(parent, DateTimeOffset.UtcNow)).ChildUpis[0];
        var registrarToken = await Tokens.AccessTokenForAsync(server.Client, "registrar");
        await RecordAsync(registrarToken, "1979/0101", "1979-02-01", "Ivor Seller", "Jasmine Holder-Primus", upi, 20_000m);
        await RecordAsync(registrarToken, "1999/0202", "1999-03-04", "Jasmine Holder-Primus", "Kelvin Ollivierre", upi, 90_000m);
        var uin = TestUins.New(700_000_000, 11);
        server.Systems.CivilRegistry.Register(new CivilPerson(uin, "Kelvin Ollivierre", new DateOnly(1961, 5, 17)));
        await using var browser = await PortalBrowser.StartAsync();

        // The registrar builds the root of title and opens the first registration with the holder identified.
        var registrar = await browser.OpenAsync(server.BaseAddress, "#/deeds");
        await PortalBrowser.SignInAsync(registrar, "registrar");
        await PortalBrowser.GoAsync(registrar, $"#/deeds/root/{upi}", "#open-conversion");
        Assert.Equal("Kelvin Ollivierre", await registrar.InputValueAsync("#proprietor-name-0"));

        // Without the holder identified the registry refuses it in words, and nothing is opened.
        await registrar.ClickAsync("#open-conversion button[type='submit']");
        var refused = await registrar.WaitForSelectorAsync("#first-registration .alert", Patience);
        Assert.DoesNotContain("{", await refused!.TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(0L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.first_registrations WHERE upi = @upi", ("upi", upi)));

        await registrar.FillAsync("#proprietor-uin-0", uin);
        await registrar.ClickAsync("#open-conversion button[type='submit']");
        await registrar.WaitForSelectorAsync("#conversion-state", Patience);
        Assert.Contains("provisional", await registrar.TextContentAsync("#conversion-state"));
        var id = new Uri(registrar.Url).Fragment.Split('/')[2];
        Assert.Equal("provisional", await server.Database.ScalarAsync<string>("SELECT state FROM registry.first_registrations WHERE upi = @upi", ("upi", upi)));
        Assert.Contains("1999/0202", await registrar.TextContentAsync("#conversion"));
        await PortalBrowser.ShotAsync(registrar, "conversion-registrar-opened.png");

        // The public reads the notice without signing in; a citizen then signs in and objects.
        var citizen = await browser.OpenAsync(server.BaseAddress, "#/conversions");
        await citizen.WaitForSelectorAsync($"#notices a:has-text('{upi}')", Patience);
        Assert.Contains("Kelvin Ollivierre", await citizen.TextContentAsync("#notices"));
        Assert.DoesNotContain("null", await citizen.TextContentAsync("#view"), StringComparison.Ordinal); // a one-page table, no stray pager
        await citizen.ClickAsync($"#notices a:has-text('{upi}')");
        await citizen.WaitForSelectorAsync("#object button", Patience);
        Assert.Equal(0, await citizen.Locator("#conversion").CountAsync()); // the register's record is for staff
        await PortalBrowser.SignInAsync(citizen, "citizen");
        await PortalBrowser.GoAsync(citizen, $"#/conversions/{id}", "#objection-form");
        await citizen.FillAsync("#objection-grounds", "My late father bought the eastern half in 1985; the deed was never recorded.");
        await citizen.FillAsync("#objection-evidence", "unrecorded conveyance of 1985");
        await citizen.ClickAsync("#objection-form button[type='submit']");
        await citizen.WaitForSelectorAsync("#object .notice:has-text('objection was lodged')", Patience);
        Assert.Equal(1L, await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM registry.conversion_steps s JOIN registry.conversions c ON c.id = s.conversion_id WHERE c.upi = @upi AND s.step = 'objection'", ("upi", upi)));
        await PortalBrowser.ShotAsync(citizen, "conversion-citizen-objected.png");

        // The registrar sees it, dismisses it with a reason; making the title absolute waits for the period's end.
        await registrar.ReloadAsync();
        await registrar.WaitForSelectorAsync("#objections .decide-objection", Patience);
        await registrar.SelectOptionAsync("#objections select", "dismissed");
        await registrar.FillAsync("#objections textarea", "The 1985 purchase is not evidenced by any deed or document.");
        await registrar.ClickAsync("#objections .decide-objection button[type='submit']");
        await registrar.WaitForSelectorAsync("#objections td:has-text('dismissed')", Patience);
        await registrar.ClickAsync("#make-absolute");
        var early = await registrar.WaitForSelectorAsync("#conversion .alert", Patience);
        Assert.Contains("challenge", (await early!.TextContentAsync())!, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("provisional", await server.Database.ScalarAsync<string>("SELECT state FROM registry.first_registrations WHERE upi = @upi", ("upi", upi)));
        await PortalBrowser.ShotAsync(registrar, "conversion-registrar-decided.png");
        Assert.Empty(browser.Failures);
    }

    private async Task RecordAsync(string token, string number, string day, string grantor, string grantee, string upi, decimal consideration)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/deeds")
        {
            Content = JsonContent.Create(new
            {
                registrationNumber = number, registeredOn = day, instrumentDate = day, instrumentType = "conveyance",
                grantors = new[] { grantor }, grantees = new[] { grantee }, landDescription = "Lot 3 at Layou", upis = new[] { upi },
                consideration,
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"recording {number}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
