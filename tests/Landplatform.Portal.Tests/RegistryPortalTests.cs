using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using Landplatform.Testing;
using Microsoft.Playwright;

namespace Landplatform.Portal.Tests;

/// <summary>
/// A transfer through the portal end to end, on the real path: the notary has their own key certified,
/// files the sale, attaches the deed with its detached signature (a signature that does not match is
/// refused in words), submits, pays the invoice (fee and transfer duty) at the gateway's hosted page and
/// sees it paid when the gateway's signed webhook has arrived; the examiner examines; the registrar
/// registers. Each person in their own browser.
/// </summary>
[Collection("portal")]
public sealed partial class RegistryPortalTests(PortalServer server) : IClassFixture<PortalServer>
{
    private const string Title = "T-CH-00001-0001";
    private const decimal Price = 250_000m;
    private static readonly PageWaitForSelectorOptions Patience = new() { Timeout = 30_000 };

    [Fact]
    public async Task A_notary_files_a_signed_transfer_pays_at_the_gateway_and_the_registry_staff_work_it_from_their_queue_to_registration()
    {
        var grantee = await server.Database.ScalarAsync<string>(
            "SELECT uin || '|' || name FROM registry.parties WHERE uin IS NOT NULL ORDER BY id DESC LIMIT 1");
        var (uin, name) = (grantee.Split('|')[0], grantee.Split('|')[1]);
        using var key = new NotaryKey();
        var folder = Directory.CreateTempSubdirectory("portal-notary-").FullName;
        var csr = Path.Combine(folder, "notary.csr");
        await File.WriteAllTextAsync(csr, key.CertificateRequestPem());
        await using var browser = await PortalBrowser.StartAsync();

        // The notary has the platform's notary CA certify their own key, and downloads the certificate.
        var notary = await browser.OpenAsync(server.BaseAddress, "#/notary");
        await PortalBrowser.SignInAsync(notary, "notary");
        await notary.WaitForSelectorAsync("#certify");
        await notary.SetInputFilesAsync("#certify-csr", csr);
        await notary.ClickAsync("#certify button[type='submit']");
        await notary.WaitForSelectorAsync("#certificate-download", Patience);
        Assert.Contains("Landplatform notaries", await notary.TextContentAsync("#certificate"));
        var download = await notary.RunAndWaitForDownloadAsync(() => notary.ClickAsync("#certificate-download"));
        using var certificate = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(await download.PathAsync()));
        Assert.True(key.Certifies(certificate), "the downloaded certificate is not for the notary's key");
        await PortalBrowser.ShotAsync(notary, "notary-certificate.png");

        // The notary files the sale.
        await notary.FillAsync("#transfer-title", Title);
        await notary.FillAsync("#transfer-name", name);
        var owners = await notary.WaitForSelectorAsync("#grantors");
        Assert.Contains("Registered owners", await owners!.TextContentAsync());
        await notary.FillAsync("#transfer-uin", uin);
        await notary.SelectOptionAsync("#transfer-reason", "sale");
        await notary.FillAsync("#transfer-price", Price.ToString(CultureInfo.InvariantCulture));
        await PortalBrowser.ShotAsync(notary, "notary-file.png");
        await notary.ClickAsync("#transfer button[type='submit']");
        await notary.WaitForSelectorAsync("#attach", Patience);
        var id = new Uri(notary.Url).Fragment.Split('/')[2];
        Assert.StartsWith("lodged", await notary.TextContentAsync("#state"));

        // The deed, signed with the notary's key (detached CMS), as the notary's signing software leaves it.
        var deedText = $"Deed of sale of {Title} to {name} for XCD {Price:0.00}, registry transaction {id}";
        var deed = NotarySigningKit.Pdf(deedText);
        var deedFile = Path.Combine(folder, "deed.pdf");
        await File.WriteAllBytesAsync(deedFile, deed);

        // A signature made over another text (the deed altered after signing) is refused, in words, and nothing is attached.
        var otherSignature = Path.Combine(folder, "other.p7s");
        await File.WriteAllBytesAsync(otherSignature, key.Sign(NotarySigningKit.Pdf(deedText.Replace("250000", "25000", StringComparison.Ordinal)), certificate));
        await notary.SelectOptionAsync("#attach-kind", "deed");
        await notary.SetInputFilesAsync("#attach-file", deedFile);
        await notary.SetInputFilesAsync("#attach-signature", otherSignature);
        await notary.ClickAsync("#attach button[type='submit']");
        var refused = await notary.WaitForSelectorAsync("#view .alert", Patience);
        var words = await refused!.TextContentAsync();
        Assert.StartsWith("The deed was not attached: The signature does not match this file", words);
        Assert.DoesNotContain("{", words, StringComparison.Ordinal);
        await PortalBrowser.ShotAsync(notary, "notary-signature-refused.png");
        Assert.Equal("lodged", await TransactionStateAsync(id)); // bad input changes nothing
        Assert.Equal(0L, await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM registry.transaction_documents WHERE transaction_id = @id", ("id", Guid.Parse(id))));

        // The deed with its own signature is verified and attached; the page names who signed it.
        var signature = Path.Combine(folder, "deed.p7s");
        await File.WriteAllBytesAsync(signature, key.Sign(deed, certificate));
        await notary.SetInputFilesAsync("#attach-file", deedFile);
        await notary.SetInputFilesAsync("#attach-signature", signature);
        await notary.ClickAsync("#attach button[type='submit']");
        await notary.WaitForSelectorAsync("#view table td:has-text('deed')", Patience);
        var signedBy = $"Signature verified: signed by {certificate.GetNameInfo(X509NameType.SimpleName, false)} with a platform notary certificate.";
        Assert.Contains(signedBy, await notary.Locator("#view table").First.TextContentAsync());
        Assert.Equal(certificate.Subject, await notary.GetAttributeAsync("#view table .signed", "title"));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(deed)), await server.Database.ScalarAsync<string>(
            "SELECT sha256 FROM registry.transaction_documents WHERE transaction_id = @id AND kind = 'deed'", ("id", Guid.Parse(id))));

        // Submitted: the invoice names the fee and the transfer duty the tax module assessed on the price.
        await notary.ClickAsync("#submit-transaction");
        await notary.WaitForSelectorAsync("#state:has-text('fee due')", Patience);
        var transaction = await AsNotaryAsync($"/api/registry/transactions/{id}");
        var invoice = await AsNotaryAsync($"/api/payments/invoices/{transaction.GetProperty("invoice").GetProperty("invoiceId").GetGuid()}");
        var total = invoice.GetProperty("total").GetDecimal();
        var lines = invoice.GetProperty("lines").EnumerateArray().ToList();
        // Stamp duty is split, a line for the buyer's share and one for the seller's; the page shows their sum.
        var duty = lines.Where(l => l.GetProperty("feeCode").GetString()!.StartsWith("tax.stamp-duty.", StringComparison.Ordinal)).Sum(l => l.GetProperty("amount").GetDecimal());
        Assert.True(duty >= Price * 0.01m, $"a sale for {Price} carries transfer duty, not {duty}");
        Assert.Equal(total, lines.Sum(l => l.GetProperty("amount").GetDecimal()));
        var invoiceFacts = await notary.TextContentAsync("#view h3:has-text('Invoice') + dl");
        Assert.Contains(invoice.GetProperty("number").GetString()!, invoiceFacts);
        Assert.Contains($"Transfer duty{Money(duty)}", invoiceFacts);
        Assert.Contains($"Total{Money(total)}", invoiceFacts);
        Assert.Contains("of the greater of the consideration (250,000.00)", invoiceFacts);
        Assert.Equal("open, not paid yet", await notary.TextContentAsync("#invoice-status"));
        await PortalBrowser.ShotAsync(notary, "notary-submitted.png");

        // The notary pays at the gateway's hosted page, in a tab of its own, with the test card that succeeds.
        var gateway = await notary.RunAndWaitForPopupAsync(() => notary.ClickAsync("#pay"));
        await gateway.WaitForURLAsync(GatewayPayPage(), new PageWaitForURLOptions { Timeout = 30_000 });
        Assert.StartsWith(server.Systems.BaseAddress.GetLeftPart(UriPartial.Authority), gateway.Url, StringComparison.Ordinal);
        Assert.Equal($"Pay XCD {total.ToString("0.00", CultureInfo.InvariantCulture)}", await gateway.TextContentAsync("h1"));
        Assert.Equal("fees_due", await TransactionStateAsync(id)); // opening the pay page pays nothing
        await PortalBrowser.ShotAsync(gateway, "gateway-pay.png");
        await gateway.FillAsync("input[name='card_number']", "4242 4242 4242 4242");
        await gateway.ClickAsync("button[type='submit']");
        Assert.Equal("succeeded", await gateway.TextContentAsync("#outcome"));
        await gateway.CloseAsync();

        // The gateway's signed webhook reaches the platform; the notary's page, left open, shows the invoice paid.
        await notary.WaitForSelectorAsync("#state:has-text('paid, waiting for examination')", Patience);
        Assert.StartsWith("paid ", await notary.TextContentAsync("#invoice-status"));
        var receipt = (await AsNotaryAsync($"/api/payments/invoices/{invoice.GetProperty("id").GetGuid()}/receipt")).GetProperty("number").GetString()!;
        Assert.Contains($"Receipt{receipt}", await notary.TextContentAsync("#view h3:has-text('Invoice') + dl"));
        var webhook = Assert.Single(server.Systems.Gateway.Sent, w => w.Type == "payment_intent.succeeded" && w.Body.Contains(invoice.GetProperty("number").GetString()!, StringComparison.Ordinal));
        Assert.Equal(200, webhook.Status);
        Assert.StartsWith("t=", webhook.Signature, StringComparison.Ordinal);
        await PortalBrowser.ShotAsync(notary, "notary-paid.png");

        // The registrar finds it in the queue and sees the checks beside the signed deed and the paid invoice.
        var registrar = await browser.OpenAsync(server.BaseAddress, "#/queue");
        await PortalBrowser.SignInAsync(registrar, "registrar");
        await registrar.WaitForSelectorAsync($"#view a:has-text('{Title}')", Patience);
        await PortalBrowser.ShotAsync(registrar, "registrar-queue.png");
        await PortalBrowser.GoAsync(registrar, $"#/queue/{id}", "#invoice");
        var checks = await registrar.TextContentAsync(".split section:first-child");
        Assert.Contains("Registered owners", checks);
        Assert.Contains("Grantors are the ownersyes", checks);
        var documents = await registrar.TextContentAsync(".split section:last-child");
        Assert.Contains("deed", documents);
        Assert.Contains(signedBy, documents);
        Assert.Contains($"was paid online on", await registrar.TextContentAsync("#invoice"));
        Assert.Contains($"receipt {receipt}", await registrar.TextContentAsync("#invoice"));
        var summary = await registrar.TextContentAsync("#view dl.facts");
        Assert.Matches(@"AN-\d{8}, place \d+ in the day book", summary);
        Assert.Matches(@"and transfer duty [\d,.]+ XCD; paid", summary); // what was paid is the fee and the duty, both named
        Assert.Equal(0, await registrar.Locator("#record-payment").CountAsync()); // nobody records a counter payment any more
        var opened = await registrar.RunAndWaitForPopupAsync(() => registrar.ClickAsync(".read-deed"));
        await opened.WaitForURLAsync(new Regex("^blob:"), new PageWaitForURLOptions { Timeout = 30_000 });
        await opened.CloseAsync();
        await PortalBrowser.ShotAsync(registrar, "registrar-case.png");

        // The examiner examines from the queue: the transaction waits for them.
        var examiner = await browser.OpenAsync(server.BaseAddress, "#/queue");
        await PortalBrowser.SignInAsync(examiner, "examiner");
        await examiner.WaitForSelectorAsync($"#view a:has-text('{Title}')");
        Assert.Contains(Title, await examiner.Locator("#view table").First.TextContentAsync());
        await PortalBrowser.GoAsync(examiner, $"#/queue/{id}", "#examine");
        await examiner.ClickAsync("#examine");
        await examiner.WaitForSelectorAsync("#state:has-text('examined')", Patience);
        await PortalBrowser.ShotAsync(examiner, "examiner-case.png");

        // The registrar registers; the register now names the new owner.
        await PortalBrowser.GoAsync(registrar, $"#/queue/{id}?again", "#register");
        await registrar.ClickAsync("#register");
        await registrar.WaitForSelectorAsync("#state:has-text('registered')", Patience);
        var extract = await server.GetJsonAsync($"/api/registry/titles/{Title}");
        Assert.Equal([name], extract.GetProperty("owners").EnumerateArray().Select(o => o.GetProperty("name").GetString()));

        // The notary follows the status to the end.
        await PortalBrowser.GoAsync(notary, $"#/notary/{id}?done", "#state:has-text('registered')");
        Assert.Contains("registered", await notary.Locator("#view table").Last.TextContentAsync());
        await PortalBrowser.ShotAsync(notary, "notary-registered.png");
        Assert.Empty(browser.Failures);
        Directory.Delete(folder, recursive: true);
    }

    private static string Money(decimal amount) => amount.ToString("#,##0.00", CultureInfo.InvariantCulture) + " XCD";

    [GeneratedRegex("/gateway/pay/pi_[0-9a-f]+$")]
    private static partial Regex GatewayPayPage();

    private async Task<string> TransactionStateAsync(string id) =>
        await server.Database.ScalarAsync<string>("SELECT state::text FROM registry.transactions WHERE id = @id", ("id", Guid.Parse(id)));

    private async Task<JsonElement> AsNotaryAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Tokens.AccessTokenForAsync(server.Client, "notary"));
        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
