using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Landplatform.Testing;
using Microsoft.Playwright;

namespace Landplatform.Portal.Tests;

/// <summary>
/// The register of deeds in the portal, each person in their own browser: the deeds clerk records a deed from the
/// index, adds its scans (one blank), picks its parcel on the map and follows the OCR queue and the pages to rescan;
/// the attorney finds the deed by a word of its scan and by a misspelt party, and builds the parcel's root of title
/// with its name variant and unreleased mortgage named; the public sees the index entry on the parcel's page without
/// the consideration or the scans.
/// </summary>
[Collection("portal")]
public sealed partial class DeedsPortalTests(PortalServer server) : IClassFixture<PortalServer>
{
    private static readonly PageWaitForSelectorOptions Patience = new() { Timeout = 60_000 };

    [Fact]
    public async Task A_clerk_records_scans_and_links_a_deed_an_attorney_finds_it_and_its_root_of_title_and_the_public_sees_the_index_entry()
    {
        // A parcel large enough to click at zoom 18, and a point inside it.
        var chosen = await server.Database.ScalarAsync<string>(
            """
            SELECT upi || ' ' || ST_X(c)::text || ' ' || ST_Y(c)::text FROM (
              SELECT upi, ST_Transform(ST_PointOnSurface(boundary), 4326) AS c FROM cadastre.parcel_versions
              WHERE status = 'current' AND ST_Area(boundary) BETWEEN 1500 AND 6000 ORDER BY upi LIMIT 1) s
            """);
        var (upi, lon, lat) = (chosen.Split(' ')[0], chosen.Split(' ')[1], chosen.Split(' ')[2]);
        var folder = Directory.CreateTempSubdirectory("portal-deeds-").FullName;
        var typed = Path.Combine(folder, "page-1.png");
        await File.WriteAllBytesAsync(typed, DeedScanMaker.Page([
            "THIS CONVEYANCE is made the twentieth day of April 1968",
            "BETWEEN WINSTON ALLEYNE of Calliaqua, planter, the Vendor,",
            "and MARISOL BAPTISTE of Kingstown, the Purchaser.",
            "The Vendor conveys the land described in the Schedule",
            "for the sum of four thousand dollars paid.",
        ]));
        var blank = Path.Combine(folder, "page-2.png");
        await File.WriteAllBytesAsync(blank, DeedScanMaker.Blank());
        await using var browser = await PortalBrowser.StartAsync();

        // The clerk (a registrar) records the deed as the Index of Deeds has it, parcel not yet identified.
        var clerk = await browser.OpenAsync(server.BaseAddress, "#/deeds");
        await PortalBrowser.SignInAsync(clerk, "registrar");
        await clerk.WaitForSelectorAsync("#record-deed", Patience);
        Assert.Contains("Deeds", await clerk.TextContentAsync("#sections"));

        // A bad entry (the instrument dated after its registration) is refused in words and records nothing.
        await FillDeedAsync(clerk, "1968/0412", registered: "1968-05-02", dated: "1968-06-20");
        await clerk.ClickAsync("#record-deed button[type='submit']");
        var refused = await clerk.WaitForSelectorAsync("#view .alert", Patience);
        Assert.Contains("instrument", (await refused!.TextContentAsync())!, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("{", await refused.TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(0L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM deeds.deeds"));

        await clerk.FillAsync("#record-dated", "1968-04-20");
        await clerk.ClickAsync("#record-deed button[type='submit']");
        await clerk.WaitForSelectorAsync("#view h2:has-text('Deed 1968/0412')", Patience);
        var deedId = new Uri(clerk.Url).Fragment.Split('/')[3];
        Assert.Equal("not linked yet", await clerk.TextContentAsync("#deed-parcels"));

        // Two scans in one go, with progress; the blank one is flagged.
        await clerk.SetInputFilesAsync("#pages-files", [typed, blank]);
        await clerk.ClickAsync("#add-pages button[type='submit']");
        await clerk.WaitForSelectorAsync("#deed-pages tbody tr:nth-child(2)", Patience);
        Assert.Contains("blank", await clerk.TextContentAsync("#deed-pages tbody tr:nth-child(2)"));
        Assert.Contains("good", await clerk.TextContentAsync("#deed-pages tbody tr:nth-child(1)"));
        Assert.Equal(2L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM deeds.pages WHERE deed_id = @id", ("id", Guid.Parse(deedId))));

        // The clerk identifies the land: "Pick on the map", then a click on the parcel.
        await clerk.EvaluateAsync($"() => window.landplatform.centreOn({lon}, {lat}, 18)");
        await clerk.WaitForTimeoutAsync(2500);
        await clerk.ClickAsync("#pick-parcel");
        var map = (await clerk.Locator("#map").BoundingBoxAsync())!;
        await clerk.Mouse.ClickAsync(map.X + (map.Width / 2), map.Y + (map.Height / 2));
        await clerk.WaitForSelectorAsync("#link-parcel ~ div .notice:has-text('Chosen on the map')", Patience);
        Assert.Equal(upi, await clerk.InputValueAsync("#link-upi"));
        await clerk.ClickAsync("#link-parcel button[type='submit']");
        await clerk.WaitForSelectorAsync($"#deed-parcels a:has-text('{upi}')", Patience);
        await PortalBrowser.ShotAsync(clerk, "deeds-clerk-deed.png");

        // The later dealings, recorded through the API as the bulk import does: a sale by the grantee under a variant of
        // her name, and a mortgage never released.
        var registrar = await Tokens.AccessTokenForAsync(server.Client, "registrar");
        await RecordAsync(registrar, "2000/0917", "2000-09-12", "conveyance", "Marisol Baptist", "Desmond Cupid", upi, 95_000m);
        await RecordAsync(registrar, "2005/0333", "2005-03-01", "mortgage", "Desmond Cupid", "Bank of St Vincent", upi, 60_000m);

        // The clerk's desk lists the blank page to rescan and shows the OCR queue's progress.
        await PortalBrowser.GoAsync(clerk, "#/deeds", "#flagged");
        Assert.Contains("1968/0412", await clerk.TextContentAsync("#flagged"));
        Assert.Contains("blank", await clerk.TextContentAsync("#flagged"));
        await clerk.WaitForSelectorAsync("#ocr-progress progress", Patience);
        Assert.Matches(PagesRead(), await clerk.TextContentAsync("#ocr-progress"));
        Assert.DoesNotContain("1968/0412", await clerk.TextContentAsync("#unlinked") ?? "");
        await PortalBrowser.ShotAsync(clerk, "deeds-clerk-desk.png");

        // OCR runs in the background queue; wait for the typed page to be read.
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (await server.Database.ScalarAsync<long>("SELECT count(*) FROM deeds.pages WHERE ocr_state IN ('queued', 'running')") > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }

        // The attorney finds the deed by a word of its scan, and by a misspelt party.
        var attorney = await browser.OpenAsync(server.BaseAddress, "#/deeds");
        await PortalBrowser.SignInAsync(attorney, "notary");
        await attorney.WaitForSelectorAsync("#deed-search", Patience);
        Assert.Equal(0, await attorney.Locator("#record-deed").CountAsync()); // recording is the clerks' work
        await attorney.FillAsync("#deed-text", "twentieth");
        await attorney.ClickAsync("#deed-search button[type='submit']");
        await attorney.WaitForSelectorAsync("#deed-results a:has-text('1968/0412')", Patience);
        Assert.Equal(1, await attorney.Locator("#deed-results tbody tr").CountAsync());
        await attorney.FillAsync("#deed-text", "");
        await attorney.FillAsync("#deed-party", "Winston Aleyne");
        await attorney.ClickAsync("#deed-search button[type='submit']");
        await attorney.WaitForSelectorAsync("#deed-results a:has-text('1968/0412')", Patience);
        Assert.Contains("Marisol Baptiste", await attorney.TextContentAsync("#deed-results"));
        await PortalBrowser.ShotAsync(attorney, "deeds-attorney-search.png");

        // The scan opens in a tab of its own (fetched with the attorney's token).
        await attorney.ClickAsync("#deed-results a:has-text('1968/0412')");
        await attorney.WaitForSelectorAsync("#deed-pages .open-page", Patience);
        Assert.Contains("read:", await attorney.TextContentAsync("#deed-pages tbody tr:nth-child(1)"));
        var scan = await attorney.RunAndWaitForPopupAsync(() => attorney.Locator("#deed-pages .open-page").First.ClickAsync());
        await scan.WaitForURLAsync(BlobUrl(), new PageWaitForURLOptions { Timeout = 30_000 });
        await scan.CloseAsync();

        // The root of title: the 1968 conveyance is the good root; the variant and the open mortgage are named.
        await PortalBrowser.GoAsync(attorney, $"#/deeds/root/{upi}", "#root-verdict");
        Assert.Equal(2, await attorney.Locator("#chain tbody tr").CountAsync());
        Assert.Contains("1968/0412", await attorney.TextContentAsync("#chain tbody tr:nth-child(1)"));
        Assert.Equal(1, await attorney.Locator("#findings li[data-rule='name-variant']").CountAsync());
        Assert.Equal(1, await attorney.Locator("#findings li[data-rule='unreleased-mortgage']").CountAsync());
        Assert.Contains("2005/0333", await attorney.TextContentAsync("#findings li[data-rule='unreleased-mortgage']"));
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/api/deeds/root-of-title/{upi}"))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", registrar);
            using var answer = await server.Client.SendAsync(request);
            var sound = System.Text.Json.JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("sound").GetBoolean();
            Assert.StartsWith(sound ? "Title shown" : "Title not proved", await attorney.TextContentAsync("#root-verdict"));
        }

        Assert.Contains("Desmond Cupid", await attorney.TextContentAsync("#view dl.facts"));
        var printable = await attorney.RunAndWaitForPopupAsync(() => attorney.ClickAsync("#root-print"));
        await printable.WaitForURLAsync(BlobUrl(), new PageWaitForURLOptions { Timeout = 30_000 });
        Assert.Contains("1968/0412", await printable.ContentAsync());
        await printable.CloseAsync();
        await PortalBrowser.ShotAsync(attorney, "deeds-attorney-root.png");

        // The public: the index entries on the parcel's page, no consideration, no scans; the index API alone is closed.
        var visitor = await browser.OpenAsync(server.BaseAddress, $"#/parcel/{upi}");
        await visitor.WaitForSelectorAsync("#deeds-index table", Patience);
        var entries = await visitor.TextContentAsync("#deeds-index");
        Assert.Contains("1968/0412", entries);
        Assert.Contains("2005/0333", entries);
        Assert.Contains("Winston Alleyne", entries);
        Assert.DoesNotContain("95,000", entries, StringComparison.Ordinal);
        Assert.Equal(0, await visitor.Locator("#deeds-index a[href^='#/deeds/root']").CountAsync());
        var anonymous = await server.Client.GetStringAsync($"/api/deeds/public?upi={upi}");
        Assert.DoesNotContain("consideration", anonymous, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Calliaqua", anonymous, StringComparison.Ordinal); // the land description stays with the readers
        using (var closed = await server.Client.GetAsync($"/api/deeds?upi={upi}"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, closed.StatusCode);
        }

        using (var noUpi = await server.Client.GetAsync("/api/deeds/public?upi=not-a-upi"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noUpi.StatusCode);
            Assert.Contains("upi", await noUpi.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await PortalBrowser.ShotAsync(visitor, "deeds-public-parcel.png");
        Assert.Empty(browser.Failures);
        Directory.Delete(folder, recursive: true);
    }

    private static async Task FillDeedAsync(IPage page, string number, string registered, string dated)
    {
        await page.FillAsync("#record-number", number);
        await page.FillAsync("#record-registered", registered);
        await page.FillAsync("#record-dated", dated);
        await page.SelectOptionAsync("#record-type", "conveyance");
        await page.FillAsync("#record-grantors", "Winston Alleyne");
        await page.FillAsync("#record-grantees", "Marisol Baptiste");
        await page.FillAsync("#record-land", "Lot 7 at Calliaqua, 2,400 square feet, bounded north by the public road");
        await page.FillAsync("#record-consideration", "4000");
        await page.FillAsync("#record-attorney", "C. Da Silva");
    }

    private async Task RecordAsync(string token, string number, string day, string type, string grantor, string grantee, string upi, decimal consideration)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/deeds")
        {
            Content = JsonContent.Create(new
            {
                registrationNumber = number, registeredOn = day, instrumentDate = day, instrumentType = type,
                grantors = new[] { grantor }, grantees = new[] { grantee }, landDescription = "Lot 7 at Calliaqua", upis = new[] { upi },
                consideration,
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"recording {number}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [GeneratedRegex("^blob:")]
    private static partial Regex BlobUrl();

    [GeneratedRegex(@"\d+ of \d+ pages read, \d+ waiting")]
    private static partial Regex PagesRead();
}
