using Microsoft.Playwright;

namespace Landplatform.Portal.Tests;

/// <summary>A surveyor signs in, lodges a faulty survey, reads the report with the errors on the map, resubmits a clean one.</summary>
[Collection("portal")]
public sealed class SurveyorPortalTests(PortalServer server) : IClassFixture<PortalServer>
{
    [Fact]
    public async Task A_surveyor_lodges_a_survey_sees_its_errors_on_the_map_and_resubmits_a_clean_file()
    {
        await using var browser = await PortalBrowser.StartAsync();
        var page = await browser.OpenAsync(server.BaseAddress, "#/surveys");
        await PortalBrowser.SignInAsync(page, "surveyor");
        Assert.Contains("surveyor", await page.TextContentAsync("#who"));
        await page.WaitForSelectorAsync("#lodge");
        Assert.Contains("not lodged a survey yet", await page.TextContentAsync("#view"));
        await PortalBrowser.ShotAsync(page, "surveyor-start.png");

        // A survey whose lots overlap the neighbouring parcel: the check fails and says where.
        await page.SetInputFilesAsync("#lodge-file", PortalBrowser.SampleFile("surveys/overlap-with-neighbour.geojson"));
        await page.FillAsync("#lodge-reference", "PORTAL-OVERLAP");
        await page.ClickAsync("#lodge button[type='submit']");
        var failed = await page.WaitForSelectorAsync("#view .alert", new PageWaitForSelectorOptions { Timeout = 60_000 });
        Assert.StartsWith("Failed:", await failed!.TextContentAsync());
        var errorRows = await page.Locator("#view tr.error").AllTextContentsAsync();
        Assert.Contains(errorRows, r => r.Contains("S-FABRIC", StringComparison.Ordinal));
        Assert.Contains("CH-00053-0001", await page.TextContentAsync("#view dl"));
        await page.WaitForFunctionAsync("() => window.landplatform.overlay('error') > 0");
        Assert.Equal(1, await page.EvaluateAsync<int>("() => window.landplatform.overlay('parent')"));
        await page.WaitForTimeoutAsync(1500); // let the map finish zooming to the survey before the picture
        await PortalBrowser.ShotAsync(page, "surveyor-report-errors.png");

        // The error circles lie on the parent parcel, where the report says.
        var errorsNearParent = await page.EvaluateAsync<bool>(
            """
            () => {
              const layers = window.landplatform.map.getLayers().getArray();
              const features = layers.flatMap(l => l.getSource?.()?.getFeatures?.() ?? []);
              const parent = features.find(f => f.get('kind') === 'parent').getGeometry().getExtent();
              const pad = 50;
              return features.filter(f => f.get('kind') === 'error').every(f => {
                const [x, y] = f.getGeometry().getCoordinates();
                return x > parent[0] - pad && x < parent[2] + pad && y > parent[1] - pad && y < parent[3] + pad;
              });
            }
            """);
        Assert.True(errorsNearParent, "an error circle is drawn away from the surveyed parcel");

        // The corrected file goes in as revision 2 and passes.
        await page.SetInputFilesAsync("#resubmit-file", PortalBrowser.SampleFile("surveys/clean-subdivision.geojson"));
        await page.ClickAsync("#resubmit button[type='submit']");
        var passed = await page.WaitForSelectorAsync("#view .notice", new PageWaitForSelectorOptions { Timeout = 60_000 });
        Assert.StartsWith("Passed:", await passed!.TextContentAsync());
        Assert.Contains("2 of 2", await page.TextContentAsync("#view dl"));
        Assert.Equal(0, await page.EvaluateAsync<int>("() => window.landplatform.overlay('error')"));
        // The proposed lots of the current revision are drawn on the map, one shape per lot.
        var lots = await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM cadastre.survey_lots l JOIN cadastre.surveys s ON s.id = l.survey_id WHERE s.reference = 'PORTAL-OVERLAP' AND l.revision = 2");
        Assert.True(lots >= 2, "the clean subdivision has lots");
        await page.WaitForFunctionAsync($"() => window.landplatform.overlay('lot') === {lots}");

        // The printable report opens with the surveyor's token, not as a 401.
        var report = await page.RunAndWaitForPopupAsync(() => page.ClickAsync("#survey-print"));
        await report.WaitForURLAsync(new System.Text.RegularExpressions.Regex("^blob:"), new PageWaitForURLOptions { Timeout = 30_000 });
        Assert.Contains("PORTAL-OVERLAP", await report.TextContentAsync("body"));
        await report.CloseAsync();
        await PortalBrowser.ShotAsync(page, "surveyor-report-passed.png");

        // The list shows the survey, checked and waiting for the examiner.
        await PortalBrowser.GoAsync(page, "#/surveys", "#view table");
        var row = await page.Locator("#view tbody tr").First.TextContentAsync();
        Assert.Contains("PORTAL-OVERLAP", row);
        Assert.Contains("waiting for the examiner", row);

        // A file the checker cannot read is refused in words.
        await page.SetInputFilesAsync("#lodge-file", PortalBrowser.SampleFile("surveys/xml-bomb.xml"));
        await page.ClickAsync("#lodge button[type='submit']");
        var refused = await page.WaitForSelectorAsync("#lodge .alert", new PageWaitForSelectorOptions { Timeout = 60_000 });
        var words = await refused!.TextContentAsync();
        Assert.False(string.IsNullOrWhiteSpace(words));
        Assert.DoesNotContain("{", words, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", words, StringComparison.Ordinal);
        await PortalBrowser.ShotAsync(page, "surveyor-refused.png");
        Assert.Empty(browser.Failures);
    }
}
