using System.Text.Json;
using Microsoft.Playwright;

namespace Landplatform.Portal.Tests;

/// <summary>What anyone sees without signing in: search, a parcel's page, the fees; by keyboard and on a phone.</summary>
[Collection("portal")]
public sealed class PublicPortalTests(PortalServer server) : IClassFixture<PortalServer>
{
    [Fact]
    public async Task A_person_tabs_to_the_search_finds_a_parcel_by_UPI_and_reads_its_history_title_and_hazard_zones()
    {
        var upi = await ParcelInAFloodZoneWithATitleAsync();
        await using var browser = await PortalBrowser.StartAsync();
        var page = await browser.OpenAsync(server.BaseAddress);

        // Keyboard only: Tab from the top of the page reaches the search box within a few steps.
        var reached = false;
        for (var i = 0; i < 6 && !reached; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            reached = await page.EvaluateAsync<string>("() => document.activeElement.id") == "search-text";
        }

        Assert.True(reached, "Tab never reached the search box");
        Assert.Equal("Search a parcel by UPI or address", await page.TextContentAsync("label[for='search-text']"));
        await page.Keyboard.TypeAsync(upi);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync($"#parcel h2:has-text('{upi}')", new PageWaitForSelectorOptions { Timeout = 30_000 });
        await page.WaitForSelectorAsync("#hazards", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.Equal($"#/parcel/{upi}", new Uri(page.Url).Fragment);

        var extract = await server.GetJsonAsync($"/api/registry/parcels/{upi}/title");
        Assert.Equal(extract.GetProperty("titleNumber").GetString(), await page.TextContentAsync("#register dd"));
        var hazards = await page.Locator("#hazards li").AllTextContentsAsync();
        Assert.Equal(extract.GetProperty("hazards").GetArrayLength(), hazards.Count);
        Assert.Contains(hazards, h => h.Contains("flooding, ", StringComparison.Ordinal) && h.EndsWith(" risk", StringComparison.Ordinal));
        Assert.DoesNotContain(hazards, h => h.Contains('_', StringComparison.Ordinal)); // words, not the layer's codes
        Assert.Contains("Unchanged since the fabric was first recorded", await page.TextContentAsync("#history"));

        // The parcel as it was on a date: today it is version 1; before the fabric existed it was not there.
        await page.FillAsync("#as-of-date", DateTime.UtcNow.ToString("yyyy-MM-dd"));
        await page.ClickAsync("#as-of button");
        await page.WaitForSelectorAsync("#as-of-result");
        Assert.Contains("version 1, current", await page.TextContentAsync("#as-of-result"));
        await PortalBrowser.ShotAsync(page, "public-parcel.png");

        await page.FillAsync("#as-of-date", "1990-01-01");
        await page.ClickAsync("#as-of button");
        var refused = await page.WaitForSelectorAsync("#history .alert");
        var problem = await ProblemAsync($"/api/parcels/{upi}?asOf=1990-01-01");
        Assert.Equal(problem.GetProperty("detail").GetString(), await refused!.TextContentAsync());
        Assert.Empty(browser.Failures);
    }

    [Fact]
    public async Task Script_injected_into_the_page_does_not_run_and_the_map_works_under_the_policy()
    {
        await using var browser = await PortalBrowser.StartAsync();
        var page = await browser.OpenAsync(server.BaseAddress);

        // What an injected fragment would try: an inline script, an inline handler, script from another origin.
        await page.EvaluateAsync("""
            () => {
              const inline = document.createElement('script');
              inline.textContent = 'window.injected = "inline"';
              document.body.append(inline);
              const img = document.createElement('img');
              img.setAttribute('onerror', 'window.injected = "handler"');
              img.src = '/no-such-image.png';
              document.body.append(img);
              const remote = document.createElement('script');
              remote.src = 'https://evil.example/x.js';
              document.body.append(remote);
            }
            """);
        await page.WaitForTimeoutAsync(1500);
        Assert.Null(await page.EvaluateAsync<string?>("() => window.injected ?? null"));
        var blocked = browser.Failures.Where(f => f.StartsWith("CSP violation", StringComparison.Ordinal)).ToList();
        Assert.Contains(blocked, f => f.Contains("script-src", StringComparison.Ordinal) && f.EndsWith("inline", StringComparison.Ordinal));
        Assert.Contains(blocked, f => f.Contains("evil.example", StringComparison.Ordinal));

        // The portal's own code is not among the refusals: the map drew its parcels, nothing else was blocked.
        Assert.True(await page.EvaluateAsync<bool>("() => document.querySelector('#map canvas') !== null"));
        Assert.All(blocked, f => Assert.True(f.Contains("evil.example", StringComparison.Ordinal) || f.EndsWith("inline", StringComparison.Ordinal), f));
    }

    [Fact]
    public async Task Skip_to_content_moves_the_focus_to_the_panel_and_keeps_what_it_shows()
    {
        await using var browser = await PortalBrowser.StartAsync();
        var page = await browser.OpenAsync(server.BaseAddress, "#/fees");
        await page.WaitForSelectorAsync("#view table");
        var before = await page.TextContentAsync("#view");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await page.EvaluateAsync<string>("() => document.activeElement.textContent"));
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForFunctionAsync("() => document.activeElement && document.activeElement.id === 'view'");
        Assert.Equal("#/fees", new Uri(page.Url).Fragment);
        await page.WaitForTimeoutAsync(500);
        Assert.Equal(before, await page.TextContentAsync("#view"));
    }

    [Fact]
    public async Task The_published_fees_are_listed_and_a_bad_UPI_is_explained_in_words()
    {
        await using var browser = await PortalBrowser.StartAsync();
        var page = await browser.OpenAsync(server.BaseAddress, "#/fees");
        await page.WaitForSelectorAsync("#view table");
        var fees = await server.GetJsonAsync("/api/payments/fees");
        var rows = await page.Locator("#view tbody tr").AllTextContentsAsync();
        Assert.Equal(fees.GetArrayLength(), rows.Count);
        var first = fees[0];
        Assert.Contains(rows, r => r.Contains(first.GetProperty("description").GetString()!, StringComparison.Ordinal)
            && r.Contains(first.GetProperty("amount").GetDecimal().ToString("N2", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        await PortalBrowser.ShotAsync(page, "public-fees.png");

        await PortalBrowser.GoAsync(page, "#/parcel/NOT-A-PARCEL", "#parcel .alert");
        var shown = await page.TextContentAsync("#parcel .alert");
        var problem = await ProblemAsync("/api/parcels/NOT-A-PARCEL?crs=EPSG:3857");
        Assert.Equal(problem.GetProperty("detail").GetString(), shown);
        Assert.DoesNotContain("{", shown, StringComparison.Ordinal);
        await PortalBrowser.ShotAsync(page, "public-error.png");
    }

    [Fact]
    public async Task On_a_phone_the_parcel_page_fits_the_screen()
    {
        var upi = await ParcelInAFloodZoneWithATitleAsync();
        await using var browser = await PortalBrowser.StartAsync();
        var page = await browser.OpenAsync(server.BaseAddress, $"#/parcel/{upi}", 390, 844);
        await page.WaitForSelectorAsync("#hazards", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 390"), "the page scrolls sideways on a phone");
        var map = (await page.Locator("#map").BoundingBoxAsync())!;
        var panel = (await page.Locator("aside").BoundingBoxAsync())!;
        Assert.True(panel.Y >= map.Y + map.Height - 1, "the panel is not below the map on a phone");
        Assert.True(panel.Width > 350, "the panel does not take the phone's width");
        Assert.True(await page.Locator($"#parcel h2:has-text('{upi}')").IsVisibleAsync());
        await PortalBrowser.ShotAsync(page, "public-parcel-phone.png");
        Assert.Empty(browser.Failures);
    }

    private async Task<JsonElement> ProblemAsync(string path)
    {
        using var response = await server.Client.GetAsync(path);
        Assert.False(response.IsSuccessStatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    // A current parcel touching a flood zone whose title the register holds.
    private async Task<string> ParcelInAFloodZoneWithATitleAsync()
    {
        for (var skip = 0; skip < 20; skip++)
        {
            var upi = await server.Database.ScalarAsync<string>(
                """
                SELECT p.upi FROM cadastre.parcel_versions p
                WHERE p.status = 'current' AND p.address IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cadastre.lineage_edges e WHERE e.child_upi = p.upi)
                  AND EXISTS (SELECT 1 FROM cadastre.hazard_zones z WHERE z.hazard LIKE 'flood%' AND ST_Intersects(z.boundary, p.boundary))
                ORDER BY p.upi OFFSET @skip LIMIT 1
                """, ("skip", skip));
            using var response = await server.Client.GetAsync($"/api/registry/parcels/{upi}/title");
            if (response.IsSuccessStatusCode)
            {
                return upi;
            }
        }

        throw new InvalidOperationException("no parcel in a flood zone has a title");
    }
}
