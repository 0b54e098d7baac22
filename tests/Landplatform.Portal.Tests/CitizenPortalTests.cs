using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Landplatform.Integrations.Identity;
using Landplatform.Testing;
using Microsoft.Playwright;

namespace Landplatform.Portal.Tests;

/// <summary>A citizen signs in and sees the parcels the register holds in their name, and what is not there yet.</summary>
[Collection("portal")]
public sealed class CitizenPortalTests(PortalServer server) : IClassFixture<PortalServer>
{
    [Fact]
    public async Task A_citizen_sees_the_title_registered_to_them_and_follows_it_to_the_parcel_page()
    {
        var citizen = DemoAccounts.Users.Single(u => u.Role == PlatformRoles.Citizen);
        await using var browser = await PortalBrowser.StartAsync();
        var page = await browser.OpenAsync(server.BaseAddress, "#/me");
        await PortalBrowser.SignInAsync(page, "citizen");
        await page.WaitForSelectorAsync("#view h3:has-text('My applications')");
        var before = await page.Locator("#view tbody tr").AllTextContentsAsync();
        if (before.Count == 0)
        {
            Assert.Equal("The register holds no title in your name.", await page.TextContentAsync("#my-parcels"));
        }

        // A title is transferred to the citizen through the registry (notary, registrar, examiner, registrar).
        var (title, upi) = await TransferToAsync(citizen.Uin!, citizen.FullName);
        await PortalBrowser.GoAsync(page, "#/me?after", "#view table");
        var rows = await page.Locator("#view tbody tr").AllTextContentsAsync();
        Assert.Equal(before.Count + 1, rows.Count);
        var row = Assert.Single(rows, r => r.Contains(title, StringComparison.Ordinal));
        Assert.Contains(title, row);
        Assert.Contains(upi, row);
        Assert.Contains("1/1", row);
        Assert.Contains("not yet published", await page.TextContentAsync("#my-tax"));
        await PortalBrowser.ShotAsync(page, "citizen-records.png");

        await page.ClickAsync($"#view a:has-text('{upi}')");
        await page.WaitForSelectorAsync($"#parcel h2:has-text('{upi}')");
        await page.WaitForSelectorAsync("#register dl");
        Assert.Contains(citizen.FullName, await page.TextContentAsync("#register"));
        Assert.Empty(browser.Failures);
    }

    private async Task<(string Title, string Upi)> TransferToAsync(string uin, string name)
    {
        var (title, owners) = await UnencumberedTitleAsync();
        var id = (await SendAsync("notary", "/api/registry/transactions", JsonContent.Create(new
        {
            kind = "transfer", titleNumber = title, instrumentDate = DateTime.UtcNow.ToString("yyyy-MM-dd"), reason = "gift",
            grantors = owners.Select(o => new { partyId = o }), grantees = new[] { new { uin, name, share = "1/1" } },
        }))).GetProperty("id").GetString();
        using var form = new MultipartFormDataContent
        {
            { new StringContent("deed"), "kind" },
            { new ByteArrayContent("%PDF-1.4\n%%EOF\n"u8.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("application/pdf") } }, "file", "deed.pdf" },
        };
        await SendAsync("notary", $"/api/registry/transactions/{id}/documents", form);
        var fee = (await SendAsync("notary", $"/api/registry/transactions/{id}/submission", null)).GetProperty("fee").GetDecimal();
        await SendAsync("registrar", $"/api/registry/transactions/{id}/payments", JsonContent.Create(new { amount = fee, reference = "CITIZEN-TEST" }));
        await SendAsync("examiner", $"/api/registry/transactions/{id}/examination", null);
        await SendAsync("registrar", $"/api/registry/transactions/{id}/registration", null);
        return (title, title[2..]);
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
