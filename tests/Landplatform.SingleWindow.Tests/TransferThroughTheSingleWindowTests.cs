using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Landplatform.Simulators;
using Landplatform.Testing;

namespace Landplatform.SingleWindow.Tests;

/// <summary>
/// Issue #8: one transfer drives the rest of government, all through the public APIs with real tokens: the
/// registry, payments (the gateway simulator), documents (a signed deed), the civil registry, the tax roll
/// (following the register through the exchange), a building permit checked against the flood zones, and the
/// customs link; and the faults the single window must survive.
/// </summary>
public sealed class TransferThroughTheSingleWindowTests(SingleWindowHost server) : IClassFixture<SingleWindowHost>
{
    private const string NewOwner = "new-owner-annabelle";

    [Fact]
    public async Task A_transfer_is_paid_once_registered_and_then_the_tax_roll_a_flood_checked_permit_and_customs_all_follow_the_new_owner()
    {
        var scenario = new TransferScenario(server);
        await scenario.PickFloodTitleAsync(0);
        scenario.BuyerKnownToCivilRegistry(1, "Annabelle Lewis-Quashie", new DateOnly(1988, 7, 14));
        var sellerUin = await server.Database.ScalarAsync<string>("SELECT uin FROM registry.parties WHERE id = @id", ("id", scenario.Title.OwnerId));
        var rollBefore = await scenario.RollEntryAsync(null);
        Assert.Equal(JsonValueKind.Null, rollBefore.GetProperty("owners").ValueKind);
        using var kit = await NotarySigningKit.CreateAsync(server.Client, await scenario.TokenAsync("notary"));

        // The land office's own system subscribes to registrations and permit decisions, then goes down for the whole transfer.
        await using var landOffice = await ExternalSubscriber.StartAsync();
        var subscription = TransferScenario.Expect(await scenario.SendAsync(HttpMethod.Post, "/api/exchange/subscriptions", "administrator", new
        {
            name = "land-office-mirror",
            callbackUrl = landOffice.CallbackUrl.ToString(),
            eventTypes = new[] { "registry.transaction.registered", "permits.permit.decided" },
            secret = landOffice.Secret,
        }), 201);
        await landOffice.GoDownAsync();

        await scenario.LodgeAsync();
        await scenario.AttachSignedDeedAsync(kit);

        // Fee from the published schedule (by value band), stamp duty by the tax module's schedule (buyer's and seller's
        // rate) on the greater of price and roll value, one invoice.
        await scenario.SubmitAsync();
        var fees = await server.GetJsonAsync("/api/payments/fees");
        var feeRow = fees.EnumerateArray().Single(f => f.GetProperty("code").GetString() == "registry.transfer");
        var dutiable = Math.Max(scenario.Consideration, rollBefore.GetProperty("value").GetDecimal());
        var transferFee = feeRow.GetProperty("amount").GetDecimal()
            + (Math.Ceiling(Math.Max(0m, dutiable - feeRow.GetProperty("threshold").GetDecimal()) / 1000m) * feeRow.GetProperty("perThousand").GetDecimal());
        async Task<decimal> RateAsync(string code) => await server.Database.ScalarAsync<decimal>(
            "SELECT rate FROM tax.rates WHERE category = 'transfer-duty' AND code = @code AND valid_from <= current_date ORDER BY valid_from DESC LIMIT 1", ("code", code));
        var buyerDuty = decimal.Round(dutiable * await RateAsync("sale-buyer"), 2, MidpointRounding.AwayFromZero);
        var sellerDuty = decimal.Round(dutiable * await RateAsync("sale-seller"), 2, MidpointRounding.AwayFromZero);
        var duty = buyerDuty + sellerDuty;
        Assert.True(duty > 0, "a sale owes duty");
        var invoice = scenario.Invoice;
        Assert.Equal(transferFee, invoice.GetProperty("fee").GetDecimal());
        Assert.Equal(duty, invoice.GetProperty("duty").GetDecimal());
        Assert.Equal(transferFee + duty, invoice.GetProperty("total").GetDecimal());
        Assert.StartsWith("INV-", invoice.GetProperty("number").GetString());
        var quote = TransferScenario.Expect(await scenario.SendAsync(HttpMethod.Post, "/api/tax/transfer-duty", "notary",
            new { kind = "sale", upis = new[] { scenario.Title.Upi }, consideration = scenario.Consideration }));
        Assert.Equal(duty, quote.GetProperty("amount").GetDecimal());
        var issued = TransferScenario.Expect(await scenario.SendAsync(HttpMethod.Get, $"/api/payments/invoices/{invoice.GetProperty("invoiceId").GetGuid()}", "notary"));
        Assert.Equal([("registry.transfer", transferFee), ("tax.stamp-duty.buyer", buyerDuty), ("tax.stamp-duty.seller", sellerDuty)],
            issued.GetProperty("lines").EnumerateArray().Select(l => (l.GetProperty("feeCode").GetString()!, l.GetProperty("amount").GetDecimal())).ToArray());
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

        // The new owner gets a platform account linked to her UIN, signs in, and sees herself on the valuation roll once the
        // tax module has taken the registry's event from the exchange; the valuation itself is unchanged by a sale.
        await scenario.SignUpAsync(NewOwner, scenario.BuyerUin, scenario.BuyerName);
        var roll = await scenario.UntilRollNamesOwnerAsync(NewOwner, scenario.BuyerUin);
        var owner = Assert.Single(roll.GetProperty("owners").EnumerateArray());
        Assert.Equal(scenario.BuyerName, owner.GetProperty("name").GetString());
        Assert.Equal("1/1", owner.GetProperty("share").GetString());
        Assert.Equal("new-owner", roll.GetProperty("reason").GetString());
        Assert.Equal(scenario.Title.TitleNumber, roll.GetProperty("titleNumber").GetString());
        Assert.Equal(rollBefore.GetProperty("value").GetDecimal(), roll.GetProperty("value").GetDecimal());
        Assert.Equal(rollBefore.GetProperty("version").GetInt32() + 1, roll.GetProperty("version").GetInt32());
        var staffView = await scenario.RollEntryAsync("tax-officer", history: true);
        Assert.Equal(scenario.Title.OwnerName, staffView.GetProperty("history")[0].GetProperty("owners")[0].GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, (await scenario.RollEntryAsync(null)).GetProperty("owners").ValueKind);

        // It came by the exchange: the registry's one event, delivered once to the roll's subscriber, is the source of the new version.
        var registeredEvent = await server.Database.ScalarAsync<Guid>(
            "SELECT event_id FROM exchange.outbox WHERE type = 'registry.transaction.registered' AND correlation_id = @tx", ("tx", scenario.TransactionId));
        Assert.Equal("delivered", await server.Database.ScalarAsync<string>(
            "SELECT string_agg(status, ',') FROM exchange.deliveries WHERE event_id = @e AND subscriber = 'tax.roll.owners'", ("e", registeredEvent)));
        Assert.Equal(registeredEvent, await server.Database.ScalarAsync<Guid>(
            "SELECT source_event_id FROM tax.roll_entries WHERE upi = @upi ORDER BY version DESC LIMIT 1", ("upi", scenario.Title.Upi)));

        // The new owner applies for a building permit; the automatic check names the flood zone the footprint lies in.
        var flood = scenario.Flood!;
        var application = await scenario.ApplyForPermitAsync(NewOwner);
        Assert.Equal("submitted", application.GetProperty("status").GetString());
        Assert.Equal("owner", application.GetProperty("applicantCapacity").GetString());
        Assert.Equal(scenario.BuyerName, application.GetProperty("applicantName").GetString());
        Assert.Equal(scenario.BuyerName, application.GetProperty("ownerName").GetString());
        var finding = Assert.Single(application.GetProperty("findings").EnumerateArray(), f => f.GetProperty("id").GetString() == "P-FLOOD");
        Assert.Contains($"lies {flood.Percent} % in {flood.ZoneName}", finding.GetProperty("message").GetString());
        Assert.Equal(flood.Level == "low" ? "advice" : "condition", finding.GetProperty("severity").GetString());
        Assert.DoesNotContain(application.GetProperty("findings").EnumerateArray(), f => f.GetProperty("severity").GetString() == "blocking");
        var permitId = application.GetProperty("id").GetGuid();
        Assert.Empty((await server.GetJsonAsync($"/api/permits?upi={scenario.Title.Upi}")).EnumerateArray());

        // A permit officer approves; the approved permit is visible on the parcel to anyone, without personal data.
        var decided = TransferScenario.Expect(await scenario.SendAsync(HttpMethod.Post, $"/api/permits/{permitId}/decision", "permit-officer",
            new { decision = "approve", reasons = "Approved on condition that the lowest floor is raised as P-FLOOD requires." }));
        Assert.Equal("approved", decided.GetProperty("status").GetString());
        var onParcel = Assert.Single((await server.GetJsonAsync($"/api/permits?upi={scenario.Title.Upi}")).EnumerateArray());
        Assert.Equal(application.GetProperty("number").GetString(), onParcel.GetProperty("number").GetString());
        Assert.Contains(onParcel.GetProperty("findings").EnumerateArray(), f => f.GetProperty("id").GetString() == "P-FLOOD");

        // Customs, with its client-credentials token: yes for the new owner, no for the seller (no title any more); both audited.
        var yes = await scenario.CustomsAsksAsync(scenario.BuyerUin);
        Assert.True(yes.GetProperty("eligible").GetBoolean(), yes.ToString());
        Assert.Equal(application.GetProperty("number").GetString(), yes.GetProperty("permitNumber").GetString());
        var no = await scenario.CustomsAsksAsync(sellerUin);
        Assert.False(no.GetProperty("eligible").GetBoolean());
        Assert.Equal(["C-TITLE"], no.GetProperty("reasons").EnumerateArray().Where(r => !r.GetProperty("met").GetBoolean()).Select(r => r.GetProperty("code").GetString()));
        var audit = TransferScenario.Expect(await scenario.SendAsync(HttpMethod.Get, $"/api/customs/audit?upi={scenario.Title.Upi}", "administrator")).EnumerateArray().ToList();
        Assert.Equal([(no.GetProperty("queryId").GetInt64(), sellerUin, false), (yes.GetProperty("queryId").GetInt64(), scenario.BuyerUin, true)],
            audit.Select(a => (a.GetProperty("id").GetInt64(), a.GetProperty("uin").GetString(), a.GetProperty("eligible").GetBoolean())));
        Assert.All(audit, a => Assert.Equal("customs", a.GetProperty("clientId").GetString()));
        Assert.Equal(2L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM customs.queries WHERE upi = @upi AND client_id = 'customs'", ("upi", scenario.Title.Upi)));

        // The land office's system was down for both events (each attempt failed); back up, it receives each once, signed.
        var awaited = new[] { ("registry.transaction.registered", scenario.TransactionId), ("permits.permit.decided", permitId) };
        await Until(async () => await server.Database.ScalarAsync<long>("""
            SELECT count(*) FROM exchange.deliveries d JOIN exchange.outbox o ON o.event_id = d.event_id
            WHERE d.subscriber = 'webhook:land-office-mirror' AND d.status = 'pending' AND d.attempts >= 1 AND o.correlation_id = ANY(@c)
            """, ("c", new[] { scenario.TransactionId, permitId })) == 2);
        Assert.Empty(landOffice.Taken);
        await landOffice.ComeBackAsync();
        await Until(() => awaited.All(a => landOffice.Taken.Any(t => (t.Type, t.CorrelationId) == a)));
        await Task.Delay(2500);
        var taken = landOffice.Taken.Where(t => awaited.Contains((t.Type, t.CorrelationId))).ToList();
        Assert.Equal(2, taken.Count);
        Assert.All(taken, t => Assert.Equal(t.EventId.ToString(), t.IdempotencyKey));
        Assert.Equal(0, landOffice.Refused);
        Assert.Equal(registeredEvent, taken.Single(t => t.Type == "registry.transaction.registered").EventId);
        Assert.Equal(0L, await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM exchange.deliveries WHERE subscriber = 'webhook:land-office-mirror' AND status <> 'delivered'"));
        Assert.Equal(204, (await scenario.SendAsync(HttpMethod.Delete, $"/api/exchange/subscriptions/{subscription.GetProperty("id").GetGuid()}", "administrator")).Status);
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
    public async Task A_new_grantee_is_checked_against_the_civil_registry_a_mismatch_refused_and_a_deceased_grantee_refused()
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
        // Issue #20: a person recorded dead takes nothing (earlier the sale was lodged with the death only flagged).
        var refused = await dead.SendAsync(HttpMethod.Post, "/api/registry/transactions", "notary", dead.Lodgement());
        var problem = TransferScenario.Problem(refused, 400, "R-DECEASED", "grantees[0]");
        Assert.Contains("2025-03-01", problem.GetProperty("detail").GetString());
        Assert.Equal(before, await server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.transactions"));
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

    private static Task Until(Func<bool> condition) => Until(() => Task.FromResult(condition()));

    private static async Task Until(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TransferScenario.Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within " + TransferScenario.Patience);
            await Task.Delay(100);
        }
    }
}
