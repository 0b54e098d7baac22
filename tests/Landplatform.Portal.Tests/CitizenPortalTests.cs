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

    [Fact]
    public async Task A_citizen_applies_for_a_building_permit_on_their_parcel_with_the_keyboard_and_follows_it_to_the_decision_on_a_phone()
    {
        var citizen = DemoAccounts.Users.Single(u => u.Role == PlatformRoles.Citizen);
        var (_, upi) = await TransferToAsync(citizen.Uin!, citizen.FullName, firstBlock: 40);
        await using var browser = await PortalBrowser.StartAsync();
        var page = await browser.OpenAsync(server.BaseAddress, "#/me", width: 390, height: 844);
        await PortalBrowser.SignInAsync(page, "citizen");
        await page.WaitForSelectorAsync("#my-tax");
        var before = await page.Locator("#my-applications li.permit").CountAsync();

        // Only with the keyboard: open the form, choose the parcel, describe the building, send.
        await page.FocusAsync("#permit-apply summary");
        await page.Keyboard.PressAsync("Enter");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("permit-upi", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.SelectOptionAsync("#permit-upi", upi);
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("permit-description", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.Keyboard.TypeAsync("Single-storey dwelling, 90 m² of floor");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync("#permit-number");
        Assert.Equal("submitted and checked, waiting for a decision", await page.TextContentAsync("#permit-status"));
        Assert.Contains("submitted and checked", await page.TextContentAsync(".notice"));

        // What the page shows is what the permits module holds: the application and every finding of its check, in words.
        var application = Assert.Single((await GetAsync("citizen", "/api/permits/mine")).EnumerateArray(), a => a.GetProperty("upi").GetString() == upi);
        var number = application.GetProperty("number").GetString()!;
        Assert.Equal($"Building permit application {number}", await page.TextContentAsync("#permit-number"));
        var findings = application.GetProperty("findings").EnumerateArray().ToList();
        Assert.NotEmpty(findings);
        var report = await page.TextContentAsync("#permit-findings");
        Assert.All(findings, f => Assert.Contains(f.GetProperty("message").GetString()!, report));
        Assert.Equal(findings.Count, await page.Locator("#permit-findings li").CountAsync());
        Assert.Equal("Not decided yet.", await page.TextContentAsync("#permit-decision"));
        await AssertFitsAsync(page);
        await page.Locator("#permit-findings").ScrollIntoViewIfNeededAsync();
        await PortalBrowser.ShotAsync(page, "citizen-permit-phone.png");

        // A permit officer decides; the citizen's list shows the decision and its reasons.
        const string reasons = "The floor level is not shown; apply again with levels.";
        await SendAsync("permit-officer", $"/api/permits/{application.GetProperty("id").GetString()}/decision", JsonContent.Create(new { decision = "refuse", reasons }));
        await PortalBrowser.GoAsync(page, "#/me?decided", "#my-applications li.permit");
        var cards = await page.Locator("#my-applications li.permit").AllTextContentsAsync();
        Assert.Equal(before + 1, cards.Count);
        var card = cards[0];
        Assert.Contains(number, card);
        Assert.Contains(upi, card);
        Assert.Contains("refused", card);
        Assert.Contains(reasons, card);
        await AssertFitsAsync(page);
        await page.Locator("#my-applications li.permit").First.ScrollIntoViewIfNeededAsync();
        await PortalBrowser.ShotAsync(page, "citizen-applications-phone.png");

        // The number leads to the application's own page.
        await page.ClickAsync($"#my-applications a:has-text('{number}')");
        await page.WaitForSelectorAsync("#permit-number");
        Assert.Equal("refused", await page.TextContentAsync("#permit-status"));
        Assert.Contains(reasons, await page.TextContentAsync("#permit-decision"));
        Assert.Empty(browser.Failures);
    }

    // Readable on a phone: nothing wider than the screen, so nothing needs scrolling sideways.
    private static async Task AssertFitsAsync(IPage page) =>
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            "the page is wider than the phone's screen");

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

    // The real path through the public APIs: the civil registry knows the demo citizen (as in ./lp run); the notary lodges a gift,
    // attaches a deed signed with their certified key, submits, pays the invoice at the gateway; the gateway's
    // webhook marks it paid; the examiner examines; the registrar registers.
    private async Task<(string Title, string Upi)> TransferToAsync(string uin, string name, int firstBlock = 2)
    {
        var (title, owners) = await UnencumberedTitleAsync(firstBlock);
        var id = (await SendAsync("notary", "/api/registry/transactions", JsonContent.Create(new
        {
            kind = "transfer", titleNumber = title, instrumentDate = DateTime.UtcNow.ToString("yyyy-MM-dd"), reason = "gift",
            grantors = owners.Select(o => new { partyId = o }), grantees = new[] { new { uin, name, share = "1/1" } },
        }))).GetProperty("id").GetString();
        using var kit = await NotarySigningKit.CreateAsync(server.Client, await Tokens.AccessTokenForAsync(server.Client, "notary"));
        var deed = await kit.LodgeDeedAsync($"Gift of {title} to {name}, registry transaction {id}", title[2..]);
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

    // Each test starts at its own block, so no two take the same title.
    private async Task<(string Title, long[] Owners)> UnencumberedTitleAsync(int firstBlock)
    {
        for (var block = firstBlock; block < firstBlock + 38; block++)
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
