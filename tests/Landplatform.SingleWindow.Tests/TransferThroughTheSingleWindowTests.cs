using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Landplatform.Simulators;
using Landplatform.Testing;

namespace Landplatform.SingleWindow.Tests;

/// <summary>
/// Issue #8, first part: a transfer driven through the registry, payments (the gateway simulator), documents
/// (a signed deed) and the civil registry, all through the public APIs. The duty line is asserted against
/// <see cref="StatedRuleDutyAssessor"/>, the assessor this fixture composes.
/// </summary>
public sealed class TransferThroughTheSingleWindowTests(SingleWindowHost server) : IClassFixture<SingleWindowHost>
{
    [Fact]
    public async Task A_notary_files_a_transfer_with_a_signed_deed_pays_fee_and_duty_at_the_gateway_once_and_the_registrar_registers_it()
    {
        var scenario = new TransferScenario(server);
        await scenario.PickTitleAsync(0);
        scenario.BuyerKnownToCivilRegistry(1, "Annabelle Lewis-Quashie", new DateOnly(1988, 7, 14));
        using var kit = await NotarySigningKit.CreateAsync(server.Client, await scenario.TokenAsync("notary"));

        await scenario.LodgeAsync();
        await scenario.AttachSignedDeedAsync(kit);

        // Fee from the published schedule, duty from the assessor, one invoice the notary can pay.
        var submitted = await scenario.SubmitAsync();
        var fees = await server.GetJsonAsync("/api/payments/fees");
        var transferFee = fees.EnumerateArray().Single(f => f.GetProperty("code").GetString() == "registry.transfer").GetProperty("amount").GetDecimal();
        var duty = StatedRuleDutyAssessor.DutyOn("sale", scenario.Consideration);
        Assert.Equal(10_000.00m, duty);
        var invoice = scenario.Invoice;
        Assert.Equal(transferFee, invoice.GetProperty("fee").GetDecimal());
        Assert.Equal(duty, invoice.GetProperty("duty").GetDecimal());
        Assert.Equal(transferFee + duty, invoice.GetProperty("total").GetDecimal());
        Assert.StartsWith("INV-", invoice.GetProperty("number").GetString());
        var issued = TransferScenario.Expect(await scenario.SendAsync(HttpMethod.Get, $"/api/payments/invoices/{invoice.GetProperty("invoiceId").GetGuid()}", "notary"));
        Assert.Equal(new[] { "registry.transfer", "tax.transfer-duty" }, issued.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("feeCode").GetString()!).ToArray());
        Assert.Equal(scenario.TransactionId.ToString(), issued.GetProperty("subjectReference").GetString());

        // Nothing moves on before payment: no examination, and the registrar cannot record a payment by hand.
        TransferScenario.Problem(await scenario.SendAsync(HttpMethod.Post, $"/api/registry/transactions/{scenario.TransactionId}/examination", "examiner"), 409, "R-STATE");
        TransferScenario.Problem(await scenario.SendAsync(HttpMethod.Post, $"/api/registry/transactions/{scenario.TransactionId}/payments", "registrar",
            new { amount = transferFee + duty, reference = "CASH-1" }), 409, "R-FEE");

        // The gateway sends its signed webhook twice: processed once, one receipt, one move to paid.
        server.Systems.Gateway.Faults = new GatewayFaults(WebhookCopies: 2);
        try
        {
            TransferScenario.Expect(await scenario.StartPaymentAsync(), 201);
            await scenario.PayAtGatewayAsync();
            await Until(() => server.Systems.Gateway.Sent.Count(w => w.Body.Contains(scenario.GatewayPaymentId!, StringComparison.Ordinal) && w.Status == 200) == 2);
        }
        finally
        {
            server.Systems.Gateway.Faults = new GatewayFaults();
        }

        var paid = await scenario.UntilStateAsync("paid");
        var copies = server.Systems.Gateway.Sent.Where(w => w.Body.Contains(scenario.GatewayPaymentId!, StringComparison.Ordinal)).ToList();
        Assert.Single(copies.Select(c => c.EventId).Distinct());

        // A copy replayed by hand inside the window is a duplicate: still one receipt, one event, one step to paid.
        var replay = await PostWebhookAsync(copies[0].Body, copies[0].Signature);
        Assert.Equal(200, replay.Status);
        Assert.Equal("duplicate", replay.Body.GetProperty("outcome").GetString());
        await Task.Delay(1500);
        paid = await scenario.TransactionAsync();
        Assert.Equal("paid", paid.GetProperty("state").GetString());
        Assert.Equal("paid", paid.GetProperty("invoice").GetProperty("status").GetString());
        Assert.StartsWith("RCP-", paid.GetProperty("invoice").GetProperty("receiptNumber").GetString());
        Assert.Single(paid.GetProperty("steps").EnumerateArray(), s => s.GetProperty("state").GetString() == "paid");
        Assert.Equal(1L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM payments.receipts WHERE gateway_payment_id = @p", ("p", scenario.GatewayPaymentId!)));
        Assert.Equal(1L, await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM exchange.outbox WHERE type = 'payments.invoice.paid' AND payload->>'subjectReference' = @s", ("s", scenario.TransactionId.ToString())));

        await scenario.VerifyDeedOfflineAsync();
        await scenario.ExamineAsync();
        var registered = await scenario.RegisterAsync();
        Assert.Contains(scenario.Title.TitleNumber, registered.GetProperty("titles").EnumerateArray().Select(t => t.GetString()));

        // The register shows the buyer as the owner, verified by the civil registry; the journal is intact.
        var extract = await server.GetJsonAsync($"/api/registry/titles/{scenario.Title.TitleNumber}");
        Assert.Contains(scenario.BuyerName, extract.ToString());
        Assert.Equal(1L, await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM registry.parties WHERE uin = @u AND verified_at IS NOT NULL AND NOT deceased", ("u", scenario.BuyerUin)));
        await scenario.JournalIntactAsync();
    }

    [Fact]
    public async Task A_forged_or_replayed_gateway_webhook_is_refused_and_the_transaction_stays_unpaid()
    {
        var scenario = await SubmittedAsync(1, 2);
        TransferScenario.Expect(await scenario.StartPaymentAsync(), 201);
        var amount = (long)(scenario.Invoice.GetProperty("total").GetDecimal() * 100);
        var body = SucceededEvent(scenario.GatewayPaymentId!, amount);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var forged = await PostWebhookAsync(body, PaymentGateway.Sign("whsec_guessed_by_an_attacker_0000000000", now, body));
        TransferScenario.Problem(forged, 400, "webhook-signature");
        var replayed = await PostWebhookAsync(body, PaymentGateway.Sign(new GatewaySettings().WebhookSecret, now - 3600, body));
        TransferScenario.Problem(replayed, 400, "webhook-replay-window");

        await Task.Delay(1500);
        var transaction = await scenario.TransactionAsync();
        Assert.Equal("fees-due", transaction.GetProperty("state").GetString());
        Assert.Equal("open", transaction.GetProperty("invoice").GetProperty("status").GetString());
        Assert.Equal(0L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM payments.receipts WHERE gateway_payment_id = @p", ("p", scenario.GatewayPaymentId!)));
        TransferScenario.Problem(await scenario.SendAsync(HttpMethod.Post, $"/api/registry/transactions/{scenario.TransactionId}/examination", "examiner"), 409, "R-STATE");
    }

    [Fact]
    public async Task The_gateway_timing_out_leaves_the_transaction_unpaid_and_the_payment_can_be_retried()
    {
        var scenario = await SubmittedAsync(2, 3);
        server.Systems.Gateway.Faults = new GatewayFaults(CreateDelayMs: (server.GatewayTimeoutSeconds * 1000) + 1500);
        try
        {
            TransferScenario.Problem(await scenario.StartPaymentAsync(), 503, "gateway-timeout");
        }
        finally
        {
            server.Systems.Gateway.Faults = new GatewayFaults();
        }

        var waiting = await scenario.TransactionAsync();
        Assert.Equal("fees-due", waiting.GetProperty("state").GetString());
        Assert.Equal("open", waiting.GetProperty("invoice").GetProperty("status").GetString());

        // The retry gets a payment (the same idempotency key, so the gateway never holds two), the payer pays, the transaction is paid.
        TransferScenario.Expect(await scenario.StartPaymentAsync(), 201);
        await scenario.PayAtGatewayAsync();
        var paid = await scenario.UntilStateAsync("paid");
        Assert.Equal("paid", paid.GetProperty("invoice").GetProperty("status").GetString());
        await scenario.ExamineAsync();
        await scenario.RegisterAsync();
    }

    [Fact]
    public async Task An_unsigned_or_unknown_deed_is_refused_under_R_DOCS()
    {
        var scenario = new TransferScenario(server);
        await scenario.PickTitleAsync(3);
        scenario.BuyerKnownToCivilRegistry(4, "Winston Baptiste", new DateOnly(1975, 2, 3));
        await scenario.LodgeAsync();

        var unknown = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("a deed nobody lodged")));
        TransferScenario.Problem(await scenario.SendAsync(HttpMethod.Post, $"/api/registry/transactions/{scenario.TransactionId}/documents", "notary",
            new { kind = "deed", sha256 = unknown }), 409, "R-DOCS");

        // An unsigned PDF uploaded straight to the registry is no deed either.
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(NotarySigningKit.Pdf("An unsigned deed")) { Headers = { ContentType = new MediaTypeHeaderValue("application/pdf") } }, "file", "deed.pdf" },
            { new StringContent("deed"), "kind" },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/registry/transactions/{scenario.TransactionId}/documents") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await scenario.TokenAsync("notary"));
        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 409, text);
        Assert.Equal("R-DOCS", JsonDocument.Parse(text).RootElement.GetProperty("rule").GetString());

        var transaction = await scenario.TransactionAsync();
        Assert.Empty(transaction.GetProperty("documents").EnumerateArray());
    }

    [Fact]
    public async Task A_new_grantee_is_checked_against_the_civil_registry_a_mismatch_refused_and_a_death_flagged()
    {
        var scenario = new TransferScenario(server);
        await scenario.PickTitleAsync(4);
        scenario.BuyerKnownToCivilRegistry(5, "Celestine Ollivierre", new DateOnly(1950, 11, 9));
        var before = await server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.transactions");
        var mismatch = await scenario.SendAsync(HttpMethod.Post, "/api/registry/transactions", "notary", scenario.Lodgement("Someone Else Entirely"));
        TransferScenario.Problem(mismatch, 400, "civil-registry-mismatch", "grantees[0].name");
        Assert.Equal(before, await server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.transactions"));

        var dead = new TransferScenario(server);
        await dead.PickTitleAsync(5);
        dead.BuyerKnownToCivilRegistry(6, "Augustin Cordice", new DateOnly(1931, 5, 5), deceased: true);
        var lodged = await dead.LodgeAsync();
        var grantee = lodged.GetProperty("instrument").GetProperty("grantees")[0];
        Assert.True(grantee.GetProperty("deceased").GetBoolean());
        Assert.Equal("2025-03-01", grantee.GetProperty("dateOfDeath").GetString());
    }

    private async Task<TransferScenario> SubmittedAsync(int titleIndex, int buyerSeed)
    {
        var scenario = new TransferScenario(server);
        await scenario.PickTitleAsync(titleIndex);
        scenario.BuyerKnownToCivilRegistry(buyerSeed, $"Buyer Number {buyerSeed}", new DateOnly(1980, 1, buyerSeed));
        using var kit = await NotarySigningKit.CreateAsync(server.Client, await scenario.TokenAsync("notary"));
        await scenario.LodgeAsync();
        await scenario.AttachSignedDeedAsync(kit);
        await scenario.SubmitAsync();
        return scenario;
    }

    private async Task<(int Status, JsonElement Body)> PostWebhookAsync(string body, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments/gateway/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation("Gateway-Signature", signature);
        }

        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static string SucceededEvent(string intentId, long amount) => JsonSerializer.Serialize(new
    {
        id = $"evt_{Guid.NewGuid():N}",
        @object = "event",
        type = "payment_intent.succeeded",
        created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        data = new { @object = new { id = intentId, @object = "payment_intent", amount, currency = "xcd", status = "succeeded", metadata = new { } } },
    });

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TransferScenario.Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within " + TransferScenario.Patience);
            await Task.Delay(100);
        }
    }
}
