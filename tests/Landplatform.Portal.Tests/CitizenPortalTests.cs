using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Landplatform.Integrations.Identity;
using Landplatform.Simulators;
using Landplatform.Testing;
using Microsoft.Playwright;

namespace Landplatform.Portal.Tests;

/// <summary>A citizen signs in and sees the parcels the register holds in their name and their property tax bill.</summary>
[Collection("portal")]
public sealed class CitizenPortalTests(PortalServer server) : IClassFixture<PortalServer>
{
    [Fact]
    public async Task A_citizen_sees_the_title_registered_to_them_and_its_tax_bill_and_follows_it_to_the_parcel_page()
    {
        var citizen = DemoAccounts.Users.Single(u => u.Role == PlatformRoles.Citizen);
        var year = DateTime.UtcNow.Year;
        await using var browser = await PortalBrowser.StartAsync();
        var page = await browser.OpenAsync(server.BaseAddress, "#/me");
        await PortalBrowser.SignInAsync(page, "citizen");
        await page.WaitForSelectorAsync("#view h3:has-text('My applications')");
        await page.WaitForSelectorAsync("#my-tax");
        var before = await page.Locator("#my-parcels tbody tr").AllTextContentsAsync();
        if (before.Count == 0)
        {
            Assert.Equal("The register holds no title in your name.", await page.TextContentAsync("#my-parcels"));
        }

        Assert.Equal($"No property tax bill for {year} has been made in your name yet.", await page.TextContentAsync("#my-tax"));

        // A title is transferred to the citizen through the registry (notary, gateway, examiner, registrar);
        // the valuation roll follows the register; the tax officer makes the year's bills.
        var (title, upi) = await TransferToAsync(citizen.Uin!, citizen.FullName);
        await UntilRollNamesAsync(upi, citizen.Uin!);
        await SendAsync("tax-officer", $"/api/tax/bills/{year}", null);
        var bill = Assert.Single((await GetAsync("citizen", $"/api/tax/bills/{year}")).EnumerateArray());
        Assert.Contains(upi, bill.GetProperty("parcels").EnumerateArray().Select(p => p.GetProperty("upi").GetString()));

        await PortalBrowser.GoAsync(page, "#/me?after", "#my-parcels table");
        var rows = await page.Locator("#my-parcels tbody tr").AllTextContentsAsync();
        Assert.Equal(before.Count + 1, rows.Count);
        var row = Assert.Single(rows, r => r.Contains(title, StringComparison.Ordinal));
        Assert.Contains(upi, row);
        Assert.Contains("1/1", row);
        var tax = await page.TextContentAsync("#my-tax");
        Assert.Contains(upi, tax);
        Assert.Contains(bill.GetProperty("amount").GetDecimal().ToString("#,##0.00", System.Globalization.CultureInfo.InvariantCulture) + " XCD", tax);
        await PortalBrowser.ShotAsync(page, "citizen-records.png");

        await page.ClickAsync($"#my-parcels a:has-text('{upi}')");
        await page.WaitForSelectorAsync($"#parcel h2:has-text('{upi}')");
        await page.WaitForSelectorAsync("#register dl");
        Assert.Contains(citizen.FullName, await page.TextContentAsync("#register"));
        Assert.Empty(browser.Failures);
    }

    // The roll follows the register through the exchange, a moment after registration.
    private async Task UntilRollNamesAsync(string upi, string uin)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await GetAsync("tax-officer", $"/api/tax/parcels/{upi}")).GetProperty("owners").EnumerateArray().Any(o => o.GetProperty("uin").GetString() == uin))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the roll does not name {uin} as an owner of {upi} within 30 s");
            await Task.Delay(200);
        }
    }

    private async Task<JsonElement> GetAsync(string role, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Tokens.AccessTokenForAsync(server.Client, role));
        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} as {role}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    // The real path through the public APIs: the citizen is known to the civil registry; the notary lodges a gift,
    // attaches a deed signed with their certified key, submits, pays the invoice at the gateway; the gateway's
    // webhook marks it paid; the examiner examines; the registrar registers.
    private async Task<(string Title, string Upi)> TransferToAsync(string uin, string name)
    {
        server.Systems.CivilRegistry.Register(new CivilPerson(uin, name, null));
        var (title, owners) = await UnencumberedTitleAsync();
        var id = (await SendAsync("notary", "/api/registry/transactions", JsonContent.Create(new
        {
            kind = "transfer", titleNumber = title, instrumentDate = DateTime.UtcNow.ToString("yyyy-MM-dd"), reason = "gift",
            grantors = owners.Select(o => new { partyId = o }), grantees = new[] { new { uin, name, share = "1/1" } },
        }))).GetProperty("id").GetString();
        using var kit = await NotarySigningKit.CreateAsync(server.Client, await Tokens.AccessTokenForAsync(server.Client, "notary"));
        var deed = await kit.LodgeDeedAsync($"Gift of {title} to {name}", title[2..]);
        await SendAsync("notary", $"/api/registry/transactions/{id}/documents",
            JsonContent.Create(new { kind = "deed", sha256 = deed.GetProperty("contentSha256").GetString() }));
        var invoice = (await SendAsync("notary", $"/api/registry/transactions/{id}/submission", null)).GetProperty("invoice");
        var checkout = (await SendAsync("notary", invoice.GetProperty("paymentUrl").GetString()!, null)).GetProperty("checkoutUrl").GetString();
        using var paid = await server.Systems.Http.PostAsync(checkout,
            new FormUrlEncodedContent([KeyValuePair.Create("card_number", PaymentGateway.SucceedingCard)]));
        Assert.Contains("succeeded", await paid.Content.ReadAsStringAsync());
        await UntilPaidAsync(id!);
        await SendAsync("examiner", $"/api/registry/transactions/{id}/examination", null);
        await SendAsync("registrar", $"/api/registry/transactions/{id}/registration", null);
        return (title, title[2..]);
    }

    // The gateway's webhook and the exchange deliver the payment a moment later.
    private async Task UntilPaidAsync(string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await server.Database.ScalarAsync<string>("SELECT state::text FROM registry.transactions WHERE id = @id", ("id", Guid.Parse(id))) != "paid")
        {
            Assert.True(DateTime.UtcNow < deadline, $"transaction {id} was not reported paid within 30 s");
            await Task.Delay(200);
        }
    }

    private async Task<(string Title, long[] Owners)> UnencumberedTitleAsync()
    {
        for (var block = 2; block < 40; block++)
        {
            var title = $"T-CH-{block:D5}-0001";
            using var response = await server.Client.GetAsync($"/api/registry/titles/{title}");
            if (!response.IsSuccessStatusCode)
            {
                continue;
            }

            var extract = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            if (extract.GetProperty("restrictions").GetArrayLength() == 0 && extract.GetProperty("status").GetString() == "open")
            {
                return (title, extract.GetProperty("owners").EnumerateArray().Select(o => o.GetProperty("partyId").GetInt64()).ToArray());
            }
        }

        throw new InvalidOperationException("no unencumbered title among the first blocks");
    }

    private async Task<JsonElement> SendAsync(string role, string path, HttpContent? body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Tokens.AccessTokenForAsync(server.Client, role));
        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path} as {role}: {(int)response.StatusCode} {text}");
        var json = JsonDocument.Parse(text).RootElement.Clone();
        return json.TryGetProperty("transaction", out var inner) ? inner : json;
    }
}
