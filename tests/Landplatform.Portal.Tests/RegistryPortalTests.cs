using System.Text;
using Microsoft.Playwright;

namespace Landplatform.Portal.Tests;

/// <summary>
/// A transfer through the portal end to end: the notary files it, attaches the deed and submits; the
/// registrar records the fee; the examiner examines; the registrar registers. Each person in their own browser.
/// </summary>
[Collection("portal")]
public sealed class RegistryPortalTests(PortalServer server) : IClassFixture<PortalServer>
{
    private const string Title = "T-CH-00001-0001";

    [Fact]
    public async Task A_notary_files_a_transfer_and_the_registry_staff_work_it_from_their_queue_to_registration()
    {
        var grantee = await server.Database.ScalarAsync<string>(
            "SELECT uin || '|' || name FROM registry.parties WHERE uin IS NOT NULL ORDER BY id DESC LIMIT 1");
        var (uin, name) = (grantee.Split('|')[0], grantee.Split('|')[1]);
        var deed = Path.Combine(Path.GetTempPath(), $"deed-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(deed, MinimalPdf("Deed of transfer of T-CH-00001-0001"));
        await using var browser = await PortalBrowser.StartAsync();

        // The notary files the transfer.
        var notary = await browser.OpenAsync(server.BaseAddress, "#/notary");
        await PortalBrowser.SignInAsync(notary, "notary");
        await notary.WaitForSelectorAsync("#transfer");
        await notary.FillAsync("#transfer-title", Title);
        await notary.FillAsync("#transfer-name", name);
        var owners = await notary.WaitForSelectorAsync("#grantors");
        Assert.Contains("Registered owners", await owners!.TextContentAsync());
        await notary.FillAsync("#transfer-uin", uin);
        await notary.SelectOptionAsync("#transfer-reason", "sale");
        await PortalBrowser.ShotAsync(notary, "notary-file.png");
        await notary.ClickAsync("#transfer button[type='submit']");
        await notary.WaitForSelectorAsync("#attach", new PageWaitForSelectorOptions { Timeout = 30_000 });
        var id = new Uri(notary.Url).Fragment.Split('/')[2];
        Assert.StartsWith("lodged", await notary.TextContentAsync("#state"));

        await notary.SetInputFilesAsync("#attach-file", deed);
        await notary.SelectOptionAsync("#attach-kind", "deed");
        await notary.ClickAsync("#attach button[type='submit']");
        await notary.WaitForSelectorAsync("#view table td:has-text('deed')", new PageWaitForSelectorOptions { Timeout = 30_000 });
        await notary.ClickAsync("#submit-transaction");
        await notary.WaitForSelectorAsync("#state:has-text('fee due')", new PageWaitForSelectorOptions { Timeout = 30_000 });
        var fee = (await server.GetJsonAsync("/api/registry/fees")).EnumerateArray().Single(f => f.GetProperty("kind").GetString() == "transfer").GetProperty("fee").GetDecimal();
        Assert.Contains($"{fee:0.00} XCD", await notary.TextContentAsync("#view dl"));
        Assert.Contains("fee of", await notary.TextContentAsync("#view .notice"));
        await PortalBrowser.ShotAsync(notary, "notary-submitted.png");

        // The registrar finds it in the queue, sees the checks beside the deed, and records the fee.
        var registrar = await browser.OpenAsync(server.BaseAddress, "#/queue");
        await PortalBrowser.SignInAsync(registrar, "registrar");
        await registrar.WaitForSelectorAsync($"#view a:has-text('{Title}')", new PageWaitForSelectorOptions { Timeout = 30_000 });
        await PortalBrowser.ShotAsync(registrar, "registrar-queue.png");
        await PortalBrowser.GoAsync(registrar, $"#/queue/{id}", "#record-payment");
        var checks = await registrar.TextContentAsync(".split section:first-child");
        Assert.Contains("Registered owners", checks);
        Assert.Contains("Grantors are the ownersyes", checks);
        Assert.Contains("deed", await registrar.TextContentAsync(".split section:last-child"));

        // Too much money is refused, in words.
        await registrar.FillAsync("#pay-amount", (fee + 1000).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await registrar.FillAsync("#pay-reference", "RCPT-1");
        await registrar.ClickAsync("#record-payment button[type='submit']");
        var refused = await registrar.WaitForSelectorAsync("#view .alert");
        var words = await refused!.TextContentAsync();
        Assert.DoesNotContain("{", words, StringComparison.Ordinal);
        Assert.Equal("fees_due", await TransactionStateAsync(id)); // bad input changes nothing

        await registrar.FillAsync("#pay-amount", fee.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await registrar.ClickAsync("#record-payment button[type='submit']");
        await registrar.WaitForSelectorAsync("#state:has-text('paid')", new PageWaitForSelectorOptions { Timeout = 30_000 });
        await PortalBrowser.ShotAsync(registrar, "registrar-case.png");

        // The examiner examines from the queue.
        var examiner = await browser.OpenAsync(server.BaseAddress, "#/queue");
        await PortalBrowser.SignInAsync(examiner, "examiner");
        await examiner.WaitForSelectorAsync($"#view a:has-text('{Title}')");
        Assert.Contains(Title, await examiner.Locator("#view table").First.TextContentAsync());
        await PortalBrowser.GoAsync(examiner, $"#/queue/{id}", "#examine");
        await examiner.ClickAsync("#examine");
        await examiner.WaitForSelectorAsync("#state:has-text('examined')", new PageWaitForSelectorOptions { Timeout = 30_000 });
        await PortalBrowser.ShotAsync(examiner, "examiner-case.png");

        // The registrar registers; the register now names the new owner.
        await PortalBrowser.GoAsync(registrar, $"#/queue/{id}?again", "#register");
        await registrar.ClickAsync("#register");
        await registrar.WaitForSelectorAsync("#state:has-text('registered')", new PageWaitForSelectorOptions { Timeout = 30_000 });
        var extract = await server.GetJsonAsync($"/api/registry/titles/{Title}");
        Assert.Equal([name], extract.GetProperty("owners").EnumerateArray().Select(o => o.GetProperty("name").GetString()));

        // The notary follows the status to the end.
        await PortalBrowser.GoAsync(notary, $"#/notary/{id}?done", "#state:has-text('registered')");
        Assert.Contains("registered", await notary.Locator("#view table").Last.TextContentAsync());
        await PortalBrowser.ShotAsync(notary, "notary-registered.png");
        Assert.Empty(browser.Failures);
    }

    private async Task<string> TransactionStateAsync(string id) =>
        await server.Database.ScalarAsync<string>("SELECT state::text FROM registry.transactions WHERE id = @id", ("id", Guid.Parse(id)));

    // A one-page PDF with a line of text: a real file in a real format.
    private static byte[] MinimalPdf(string text)
    {
        var content = $"BT /F1 12 Tf 72 720 Td ({text}) Tj ET";
        var objects = new[]
        {
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            $"<< /Length {content.Length} >>\nstream\n{content}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        };
        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }

        var xref = pdf.Length;
        pdf.Append($"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            pdf.Append($"{offset:D10} 00000 n \n");
        }

        pdf.Append($"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }
}
