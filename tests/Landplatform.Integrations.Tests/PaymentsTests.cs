using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Landplatform.Cadastre.Contracts.Events;
using Landplatform.Cadastre.Contracts.Payments;
using Landplatform.Integrations.Identity;
using Landplatform.Integrations.Payments;
using Landplatform.Simulators;
using Landplatform.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Landplatform.Integrations.Tests;

/// <summary>Records payments events as the registry will, to show they reach in-process subscribers once each.</summary>
public sealed class PaidInvoiceRecorder : IEventSubscriber
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<PlatformEvent> seen = new();

    public string Name => "test.registry-fees";

    public IReadOnlyCollection<string> EventTypes { get; } = [PaymentEvents.InvoicePaid];

    public IReadOnlyList<PlatformEvent> Seen => seen.ToList();

    public Task HandleAsync(PlatformEvent platformEvent, CancellationToken ct)
    {
        seen.Enqueue(platformEvent);
        return Task.CompletedTask;
    }
}

/// <summary>The host on a loopback port (the gateway posts its webhooks to it) beside the running simulators.</summary>
public sealed class PaymentsServer : PlatformServer
{
    /// <summary>How long the host waits for the gateway: a normal answer on a loaded machine (load 20 on 2 cores) can take over a second.</summary>
    public const int GatewayTimeoutSeconds = 4;

    public ExternalSystems Simulators { get; private set; } = null!;

    public PaidInvoiceRecorder Paid { get; } = new();

    protected override bool ListensOnLoopback => true;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Payments:Gateway:BaseUrl"] = new Uri(Simulators.BaseAddress, "gateway/").ToString(),
        ["Payments:Gateway:TimeoutSeconds"] = GatewayTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Exchange:PollSeconds"] = "1",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IEventSubscriber>(Paid);

    public override async Task InitializeAsync()
    {
        Simulators = await ExternalSystems.StartAsync(samplePeople: false);
        await base.InitializeAsync();
        Simulators.Gateway.WebhookUrl = new Uri(BaseAddress, "/api/payments/gateway/webhook").ToString();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Simulators.DisposeAsync();
    }
}

public sealed class PaymentsTests(PaymentsServer server) : IClassFixture<PaymentsServer>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly string CitizenUin = DemoAccounts.Users.Single(u => u.Role == PlatformRoles.Citizen).Uin!;

    [Fact]
    public async Task The_fee_schedule_is_published_to_the_public()
    {
        var fees = (await server.GetJsonAsync("/api/payments/fees")).EnumerateArray().ToDictionary(f => f.GetProperty("code").GetString()!);
        // The island's registration fee by value band: 40 + 2.50 per 1,000 or part above 15,000.
        Assert.Equal(40.00m, fees["registry.transfer"].GetProperty("amount").GetDecimal());
        Assert.Equal(2.50m, fees["registry.transfer"].GetProperty("perThousand").GetDecimal());
        Assert.Equal(15_000m, fees["registry.transfer"].GetProperty("threshold").GetDecimal());
        Assert.Equal("40.00 + 2.50 per 1,000 or part above 15,000.00", fees["registry.transfer"].GetProperty("charge").GetString());
        Assert.Equal(50.00m, fees["registry.caveat"].GetProperty("amount").GetDecimal());
        Assert.Equal("per page", fees["registry.search-page"].GetProperty("unit").GetString());
        Assert.Equal(JsonValueKind.Null, fees["tax.stamp-duty.buyer"].GetProperty("amount").ValueKind);
        Assert.Equal("XCD", fees["registry.transfer"].GetProperty("currency").GetString());
        Assert.Equal("per lot", fees["survey.per-lot"].GetProperty("unit").GetString());
        Assert.Equal("permit", fees["permit.building"].GetProperty("category").GetString());
        Assert.Equal(JsonValueKind.Null, fees["tax.transfer-duty"].GetProperty("amount").ValueKind);
    }

    [Fact]
    public async Task A_paid_invoice_whose_signed_webhook_arrives_twice_is_processed_once()
    {
        server.Simulators.Gateway.Faults = new GatewayFaults(WebhookCopies: 2);
        try
        {
            var transaction = Guid.NewGuid().ToString();
            // registry.transfer by value band: 40 + 2.50 × 40 (thousands of 55,000 above 15,000) = 140.00.
            var invoice = await IssueAsync(transaction, ("registry.transfer", 1, null, 55_000m), ("tax.transfer-duty", 1, 1234.56m, null));
            Assert.Equal(1374.56m, invoice.GetProperty("total").GetDecimal());
            var citizen = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Citizen);
            var payment = await SendAsync(HttpMethod.Post, $"/api/payments/invoices/{Id(invoice)}/payments", citizen, expected: HttpStatusCode.Created);
            var intentId = payment.GetProperty("gatewayPaymentId").GetString()!;
            Assert.StartsWith("pi_", intentId);

            await PayAtGatewayAsync(payment.GetProperty("checkoutUrl").GetString()!);
            await Until(() => server.Simulators.Gateway.Sent.Count(w => w.Body.Contains(intentId, StringComparison.Ordinal) && w.Status == 200) == 2);
            var copies = server.Simulators.Gateway.Sent.Where(w => w.Body.Contains(intentId, StringComparison.Ordinal)).ToList();
            Assert.Single(copies.Select(c => c.EventId).Distinct());

            var paid = await SendAsync(HttpMethod.Get, $"/api/payments/invoices/{Id(invoice)}", citizen);
            Assert.Equal("paid", paid.GetProperty("status").GetString());
            var receipt = await SendAsync(HttpMethod.Get, $"/api/payments/invoices/{Id(invoice)}/receipt", citizen);
            Assert.Equal(1374.56m, receipt.GetProperty("amount").GetDecimal());
            Assert.StartsWith("RCP-", receipt.GetProperty("number").GetString());
            Assert.Equal(1L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM payments.receipts WHERE gateway_payment_id = @p", ("p", intentId)));
            Assert.Equal(1L, await server.Database.ScalarAsync<long>(
                "SELECT count(*) FROM exchange.outbox WHERE type = 'payments.invoice.paid' AND payload->>'subjectReference' = @s", ("s", transaction)));

            // The event reaches in-process subscribers (the registry will be one) once, with the invoice's correlation id.
            await Until(() => server.Paid.Seen.Any(e => e.Payload.Contains(transaction, StringComparison.Ordinal)));
            await Task.Delay(1000);
            var delivered = Assert.Single(server.Paid.Seen, e => e.Payload.Contains(transaction, StringComparison.Ordinal));
            Assert.Equal(invoice.GetProperty("correlationId").GetGuid(), delivered.CorrelationId);
        }
        finally
        {
            server.Simulators.Gateway.Faults = new GatewayFaults();
        }
    }

    [Fact]
    public async Task A_forged_or_replayed_webhook_is_refused_and_changes_nothing()
    {
        var invoice = await IssueAsync(Guid.NewGuid().ToString(), ("registry.caveat", 1, null));
        var citizen = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Citizen);
        var payment = await SendAsync(HttpMethod.Post, $"/api/payments/invoices/{Id(invoice)}/payments", citizen, expected: HttpStatusCode.Created);
        var intentId = payment.GetProperty("gatewayPaymentId").GetString()!;
        var body = SucceededEvent(intentId, 5000);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var secret = new GatewaySettings().WebhookSecret;
        var eventsBefore = await server.Database.ScalarAsync<long>("SELECT count(*) FROM payments.gateway_events");

        await AssertWebhookRefusedAsync(body, PaymentGateway.Sign("whsec_guessed_by_an_attacker_0000000000", now, body), HttpStatusCode.BadRequest, "webhook-signature");
        await AssertWebhookRefusedAsync(body, PaymentGateway.Sign(secret, now - 3600, body), HttpStatusCode.BadRequest, "webhook-replay-window");
        await AssertWebhookRefusedAsync(body, null, HttpStatusCode.BadRequest, "webhook-signature-missing");
        var tampered = body.Replace("5000", "5", StringComparison.Ordinal);
        await AssertWebhookRefusedAsync(tampered, PaymentGateway.Sign(secret, now, body), HttpStatusCode.BadRequest, "webhook-signature");
        var unknown = SucceededEvent("pi_000000000000000000000000", 5000);
        await AssertWebhookRefusedAsync(unknown, PaymentGateway.Sign(secret, now, unknown), HttpStatusCode.NotFound, "payment-unknown");

        var after = await SendAsync(HttpMethod.Get, $"/api/payments/invoices/{Id(invoice)}", citizen);
        Assert.Equal("open", after.GetProperty("status").GetString());
        Assert.Equal(eventsBefore, await server.Database.ScalarAsync<long>("SELECT count(*) FROM payments.gateway_events"));
        using var noReceipt = await RequestAsync(HttpMethod.Get, $"/api/payments/invoices/{Id(invoice)}/receipt", citizen);
        Assert.Equal(HttpStatusCode.NotFound, noReceipt.StatusCode);
    }

    [Fact]
    public async Task The_gateway_timing_out_leaves_the_invoice_unpaid_and_a_retry_reuses_the_same_gateway_payment()
    {
        var invoice = await IssueAsync(Guid.NewGuid().ToString(), ("registry.mortgage", 1, null));
        var number = invoice.GetProperty("number").GetString()!;
        var notary = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Notary);

        server.Simulators.Gateway.Faults = new GatewayFaults(CreateDelayMs: (PaymentsServer.GatewayTimeoutSeconds * 1000) + 1500);
        using (var timedOut = await RequestAsync(HttpMethod.Post, $"/api/payments/invoices/{Id(invoice)}/payments", notary))
        {
            await AssertProblemAsync(timedOut, HttpStatusCode.ServiceUnavailable, "gateway-timeout");
        }

        server.Simulators.Gateway.Faults = new GatewayFaults(FailNextCreates: 1);
        using (var failed = await RequestAsync(HttpMethod.Post, $"/api/payments/invoices/{Id(invoice)}/payments", notary))
        {
            await AssertProblemAsync(failed, HttpStatusCode.ServiceUnavailable, "gateway-unavailable");
        }

        Assert.Equal("open", (await SendAsync(HttpMethod.Get, $"/api/payments/invoices/{Id(invoice)}", notary)).GetProperty("status").GetString());
        server.Simulators.Gateway.Faults = new GatewayFaults();
        var retried = await SendAsync(HttpMethod.Post, $"/api/payments/invoices/{Id(invoice)}/payments", notary, expected: HttpStatusCode.Created);
        var intents = server.Simulators.Gateway.Intents.Where(i => (string?)i["metadata"]?["invoice_number"] == number).ToList();
        var intent = Assert.Single(intents);
        Assert.Equal((string)intent["id"]!, retried.GetProperty("gatewayPaymentId").GetString());
        Assert.Equal(1L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM payments.gateway_payments WHERE invoice_id = @i", ("i", Id(invoice))));
    }

    [Fact]
    public async Task A_declined_card_leaves_the_invoice_open_and_the_next_attempt_is_a_new_gateway_payment()
    {
        var invoice = await IssueAsync(Guid.NewGuid().ToString(), ("permit.building", 1, null));
        var citizen = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Citizen);
        var first = await SendAsync(HttpMethod.Post, $"/api/payments/invoices/{Id(invoice)}/payments", citizen, expected: HttpStatusCode.Created);
        var checkout = first.GetProperty("checkoutUrl").GetString()!;
        using (var declined = await server.Simulators.Http.PostAsync(checkout, new FormUrlEncodedContent([KeyValuePair.Create("card_number", PaymentGateway.DecliningCard)])))
        {
            Assert.Contains("payment_failed", await declined.Content.ReadAsStringAsync());
        }

        var firstId = first.GetProperty("id").GetGuid();
        await Until(async () => await server.Database.ScalarAsync<string>("SELECT status FROM payments.gateway_payments WHERE id = @i", ("i", firstId)) == "failed");
        Assert.Equal("open", (await SendAsync(HttpMethod.Get, $"/api/payments/invoices/{Id(invoice)}", citizen)).GetProperty("status").GetString());

        var second = await SendAsync(HttpMethod.Post, $"/api/payments/invoices/{Id(invoice)}/payments", citizen, expected: HttpStatusCode.Created);
        Assert.NotEqual(first.GetProperty("gatewayPaymentId").GetString(), second.GetProperty("gatewayPaymentId").GetString());
        await PayAtGatewayAsync(second.GetProperty("checkoutUrl").GetString()!);
        await Until(async () => (await SendAsync(HttpMethod.Get, $"/api/payments/invoices/{Id(invoice)}", citizen)).GetProperty("status").GetString() == "paid");
        Assert.Equal(second.GetProperty("gatewayPaymentId").GetString(),
            (await SendAsync(HttpMethod.Get, $"/api/payments/invoices/{Id(invoice)}/receipt", citizen)).GetProperty("gatewayPaymentId").GetString());
    }

    [Fact]
    public async Task Eight_payment_requests_at_once_with_one_key_make_one_gateway_payment_and_one_charge()
    {
        var invoice = await IssueAsync(Guid.NewGuid().ToString(), ("registry.discharge", 1, null));
        var number = invoice.GetProperty("number").GetString()!;
        var citizen = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Citizen);
        var key = Guid.NewGuid().ToString();
        using var start = new SemaphoreSlim(0, 8);
        var sent = Enumerable.Range(0, 8).Select(async _ =>
        {
            await start.WaitAsync();
            return await PayWithKeyAsync(Id(invoice), citizen, key);
        }).ToList();
        start.Release(8);
        var answers = await Task.WhenAll(sent);

        Assert.All(answers, a => Assert.True(a.Status == HttpStatusCode.Created, a.Body));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Equal(1L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM payments.gateway_payments WHERE invoice_id = @i", ("i", Id(invoice))));
        var intent = Assert.Single(server.Simulators.Gateway.Intents, i => (string?)i["metadata"]?["invoice_number"] == number);

        // Without a key, a second request at once joins the invoice's one attempt too.
        var unkeyed = await SendAsync(HttpMethod.Post, $"/api/payments/invoices/{Id(invoice)}/payments", citizen, expected: HttpStatusCode.Created);
        Assert.Equal((string)intent["id"]!, unkeyed.GetProperty("gatewayPaymentId").GetString());

        // The key sent for another invoice is a different request: 422, and no attempt is made for it.
        var other = await IssueAsync(Guid.NewGuid().ToString(), ("registry.discharge", 1, null));
        var reused = await PayWithKeyAsync(Id(other), citizen, key);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.Status);
        Assert.Equal("idempotency-key-reused", JsonDocument.Parse(reused.Body).RootElement.GetProperty("rule").GetString());
        Assert.Equal(0L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM payments.gateway_payments WHERE invoice_id = @i", ("i", Id(other))));

        var checkout = JsonDocument.Parse(answers[0].Body).RootElement.GetProperty("checkoutUrl").GetString()!;
        await PayAtGatewayAsync(checkout);
        await Until(async () => (await SendAsync(HttpMethod.Get, $"/api/payments/invoices/{Id(invoice)}", citizen)).GetProperty("status").GetString() == "paid");
        Assert.Single(server.Simulators.Gateway.Intents, i => (string?)i["metadata"]?["invoice_number"] == number && (string?)i["status"] == "succeeded");
        Assert.NotNull(server.Simulators.Bank.Find((string)intent["id"]!));
    }

    [Fact]
    public async Task After_a_declined_card_the_first_checkout_can_no_longer_charge_so_the_invoice_is_charged_once()
    {
        var invoice = await IssueAsync(Guid.NewGuid().ToString(), ("permit.building", 1, null));
        var number = invoice.GetProperty("number").GetString()!;
        var citizen = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Citizen);
        var first = await SendAsync(HttpMethod.Post, $"/api/payments/invoices/{Id(invoice)}/payments", citizen, expected: HttpStatusCode.Created);
        var firstCheckout = first.GetProperty("checkoutUrl").GetString()!;
        using (var declined = await server.Simulators.Http.PostAsync(firstCheckout, new FormUrlEncodedContent([KeyValuePair.Create("card_number", PaymentGateway.DecliningCard)])))
        {
            Assert.Contains("payment_failed", await declined.Content.ReadAsStringAsync());
        }

        var firstId = first.GetProperty("id").GetGuid();
        await Until(async () => await server.Database.ScalarAsync<string>("SELECT status FROM payments.gateway_payments WHERE id = @i", ("i", firstId)) == "failed");
        var second = await SendAsync(HttpMethod.Post, $"/api/payments/invoices/{Id(invoice)}/payments", citizen, expected: HttpStatusCode.Created);

        // The payer goes back to the first page (a browser tab left open) with a good card: the gateway charges nothing there.
        using (var stale = await server.Simulators.Http.PostAsync(firstCheckout, new FormUrlEncodedContent([KeyValuePair.Create("card_number", PaymentGateway.SucceedingCard)])))
        {
            Assert.DoesNotContain("succeeded", await stale.Content.ReadAsStringAsync());
        }

        await PayAtGatewayAsync(second.GetProperty("checkoutUrl").GetString()!);
        await Until(async () => (await SendAsync(HttpMethod.Get, $"/api/payments/invoices/{Id(invoice)}", citizen)).GetProperty("status").GetString() == "paid");
        var charged = server.Simulators.Gateway.Intents.Where(i => (string?)i["metadata"]?["invoice_number"] == number && (string?)i["status"] == "succeeded").ToList();
        Assert.Single(charged);
        Assert.Null(server.Simulators.Bank.Find(first.GetProperty("gatewayPaymentId").GetString()!));
        Assert.Equal("canceled", await server.Database.ScalarAsync<string>("SELECT status FROM payments.gateway_payments WHERE id = @i", ("i", firstId)));

        // Paid: a further attempt is refused and reaches no gateway.
        using var again = await RequestAsync(HttpMethod.Post, $"/api/payments/invoices/{Id(invoice)}/payments", citizen);
        await AssertProblemAsync(again, HttpStatusCode.Conflict, "invoice-paid");
        Assert.Equal(2, server.Simulators.Gateway.Intents.Count(i => (string?)i["metadata"]?["invoice_number"] == number));
    }

    private async Task<(HttpStatusCode Status, string Body)> PayWithKeyAsync(Guid invoice, string token, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/payments/invoices/{invoice}/payments");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        using var response = await server.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Reconciliation_flags_each_kind_of_mismatch_on_the_banks_camt053_statement()
    {
        var citizen = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Citizen);
        var intents = new List<(string Intent, string Number)>();
        foreach (var fee in new[] { "registry.search", "registry.discharge", "permit.inspection" })
        {
            var invoice = await IssueAsync(Guid.NewGuid().ToString(), (fee, 1, null));
            var payment = await SendAsync(HttpMethod.Post, $"/api/payments/invoices/{Id(invoice)}/payments", citizen, expected: HttpStatusCode.Created);
            await PayAtGatewayAsync(payment.GetProperty("checkoutUrl").GetString()!);
            intents.Add((payment.GetProperty("gatewayPaymentId").GetString()!, invoice.GetProperty("number").GetString()!));
            await Until(async () => (await SendAsync(HttpMethod.Get, $"/api/payments/invoices/{Id(invoice)}", citizen)).GetProperty("status").GetString() == "paid");
        }

        // The bank's book disagrees three ways: a credit lost, an amount changed, money nobody invoiced.
        using (var lost = await server.Simulators.Http.DeleteAsync($"control/bank/entries/{intents[0].Intent}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, lost.StatusCode);
        }

        using (var changed = await server.Simulators.Http.PatchAsJsonAsync($"control/bank/entries/{intents[1].Intent}", new { amount = 49.00m }))
        {
            Assert.True(changed.IsSuccessStatusCode);
        }

        using (var stray = await server.Simulators.Http.PostAsJsonAsync("control/bank/entries", new { endToEndId = "pi_stray0000000000000000", amount = 80.00m, remittance = "INV-UNKNOWN" }))
        {
            Assert.True(stray.IsSuccessStatusCode);
        }

        var today = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var statement = await server.Simulators.Http.GetByteArrayAsync($"bank/statements/{today}.xml");
        var finance = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.TaxOfficer);
        using var response = await UploadAsync(finance, statement, $"statement-{today}.xml");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var run = JsonDocument.Parse(text).RootElement;
        var findings = run.GetProperty("findings").EnumerateArray().ToList();
        Assert.Equal(3, findings.Count);
        var missingAtBank = Assert.Single(findings, f => f.GetProperty("kind").GetString() == "missing-at-bank");
        Assert.Equal(intents[0].Intent, missingAtBank.GetProperty("reference").GetString());
        Assert.Equal(intents[0].Number, missingAtBank.GetProperty("invoiceNumber").GetString());
        var differs = Assert.Single(findings, f => f.GetProperty("kind").GetString() == "amount-differs");
        Assert.Equal(intents[1].Intent, differs.GetProperty("reference").GetString());
        Assert.Equal(50.00m, differs.GetProperty("ledgerAmount").GetDecimal());
        Assert.Equal(49.00m, differs.GetProperty("bankAmount").GetDecimal());
        var missingInLedger = Assert.Single(findings, f => f.GetProperty("kind").GetString() == "missing-in-ledger");
        Assert.Equal("pi_stray0000000000000000", missingInLedger.GetProperty("reference").GetString());
        Assert.Equal(80.00m, missingInLedger.GetProperty("bankAmount").GetDecimal());
        Assert.True(run.GetProperty("matched").GetInt32() >= 1);

        // The same run from the command line (./lp payments reconcile FILE): exit code 3 means mismatches.
        var file = Path.Combine(Path.GetTempPath(), $"lp-statement-{Guid.NewGuid():N}.xml");
        await File.WriteAllBytesAsync(file, statement);
        try
        {
            await using var scope = server.Services.CreateAsyncScope();
            Assert.Equal(3, await PaymentsCommands.ReconcileAsync(scope.ServiceProvider, file, CancellationToken.None));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_statement_that_is_not_camt053_or_carries_a_DTD_is_refused_naming_the_file()
    {
        var finance = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        var runsBefore = await server.Database.ScalarAsync<long>("SELECT count(*) FROM payments.reconciliations");
        var hostile = """
            <?xml version="1.0"?>
            <!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>
            """;
        using (var response = await UploadAsync(finance, Encoding.UTF8.GetBytes(hostile), "hostile.xml"))
        {
            await AssertProblemAsync(response, HttpStatusCode.BadRequest, "statement-format", "file");
        }

        using (var response = await UploadAsync(finance, Encoding.UTF8.GetBytes("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03\"/>"), "pain.xml"))
        {
            await AssertProblemAsync(response, HttpStatusCode.BadRequest, "statement-format", "file");
        }

        var registrar = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Registrar);
        using (var refused = await UploadAsync(registrar, Encoding.UTF8.GetBytes("<x/>"), "x.xml"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        Assert.Equal(runsBefore, await server.Database.ScalarAsync<long>("SELECT count(*) FROM payments.reconciliations"));
    }

    [Fact]
    public async Task Invoices_are_refused_for_unknown_fees_and_hidden_from_other_payers()
    {
        var notary = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Notary);
        using (var bad = await RequestAsync(HttpMethod.Post, "/api/payments/invoices", notary, new
        {
            subjectType = "registry-transaction", subjectReference = "T-1", payerName = "A. Payer",
            items = new object[] { new { feeCode = "registry.transfer" }, new { feeCode = "registry.bribe" } },
        }))
        {
            await AssertProblemAsync(bad, HttpStatusCode.BadRequest, "fee-unknown", "items[1].feeCode");
        }

        using (var computed = await RequestAsync(HttpMethod.Post, "/api/payments/invoices", notary, new
        {
            subjectType = "registry-transaction", subjectReference = "T-1", payerName = "A. Payer", items = new object[] { new { feeCode = "tax.transfer-duty" } },
        }))
        {
            await AssertProblemAsync(computed, HttpStatusCode.BadRequest, "fee-computed-amount", "items[0].amount");
        }

        // A fee by value band needs the value it is charged on; a null item is an unknown fee, not a server failure.
        using (var unvalued = await RequestAsync(HttpMethod.Post, "/api/payments/invoices", notary, new
        {
            subjectType = "registry-transaction", subjectReference = "T-1", payerName = "A. Payer", items = new object[] { new { feeCode = "registry.caveat" }, new { feeCode = "registry.transfer" } },
        }))
        {
            await AssertProblemAsync(unvalued, HttpStatusCode.BadRequest, "fee-value", "items[1].value");
        }

        using (var empty = await RequestAsync(HttpMethod.Post, "/api/payments/invoices", notary, new
        {
            subjectType = "registry-transaction", subjectReference = "T-1", payerName = "A. Payer", items = new object?[] { null },
        }))
        {
            await AssertProblemAsync(empty, HttpStatusCode.BadRequest, "fee-unknown", "items[0].feeCode");
        }

        Assert.Equal(0L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM payments.invoices WHERE subject_reference = 'T-1'"));

        var invoice = await IssueAsync("T-2", ("registry.transfer", 1, null, 15_000m));
        var planner = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Planner);
        using var hidden = await RequestAsync(HttpMethod.Get, $"/api/payments/invoices/{Id(invoice)}", planner);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        var citizen = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Citizen);
        using var own = await RequestAsync(HttpMethod.Get, $"/api/payments/invoices/{Id(invoice)}", citizen);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    private async Task AssertWebhookRefusedAsync(string body, string? signature, HttpStatusCode status, string rule)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments/gateway/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (signature is not null)
        {
            request.Headers.Add(GatewaySignature.Header, signature);
        }

        using var response = await server.Client.SendAsync(request);
        await AssertProblemAsync(response, status, rule, status == HttpStatusCode.BadRequest ? GatewaySignature.Header : null);
    }

    private static string SucceededEvent(string intentId, long amount) => JsonSerializer.Serialize(new
    {
        id = $"evt_{Guid.NewGuid():N}",
        @object = "event",
        type = "payment_intent.succeeded",
        created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        data = new { @object = new { id = intentId, @object = "payment_intent", amount, currency = "xcd", status = "succeeded", metadata = new { } } },
    });

    /// <summary>The payer at the gateway's hosted page: loads it, then submits the test card that pays.</summary>
    private async Task PayAtGatewayAsync(string checkoutUrl)
    {
        var page = await server.Simulators.Http.GetStringAsync(checkoutUrl);
        Assert.Contains("card_number", page);
        using var paid = await server.Simulators.Http.PostAsync(checkoutUrl,
            new FormUrlEncodedContent([KeyValuePair.Create("card_number", PaymentGateway.SucceedingCard)]));
        Assert.Contains("succeeded", await paid.Content.ReadAsStringAsync());
    }

    private Task<JsonElement> IssueAsync(string transaction, params (string Fee, int Quantity, decimal? Amount)[] items) =>
        IssueAsync(transaction, items.Select(i => (i.Fee, i.Quantity, i.Amount, (decimal?)null)).ToArray());

    private async Task<JsonElement> IssueAsync(string transaction, params (string Fee, int Quantity, decimal? Amount, decimal? Value)[] items)
    {
        var notary = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Notary);
        return await SendAsync(HttpMethod.Post, "/api/payments/invoices", notary, new
        {
            subjectType = "registry-transaction",
            subjectReference = transaction,
            payerName = "Demo Citizen",
            payerUin = CitizenUin,
            items = items.Select(i => new { feeCode = i.Fee, quantity = i.Quantity, amount = i.Amount, value = i.Value }).ToArray(),
        }, HttpStatusCode.Created);
    }

    private static Guid Id(JsonElement invoice) => invoice.GetProperty("id").GetGuid();

    private async Task<HttpResponseMessage> UploadAsync(string token, byte[] file, string name)
    {
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
        form.Add(content, "file", name);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments/reconciliations") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await server.Client.SendAsync(request);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string rule, string? parameter = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(rule, problem.GetProperty("rule").GetString());
        if (parameter is not null)
        {
            Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        }
    }

    private async Task<HttpResponseMessage> RequestAsync(HttpMethod method, string path, string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await server.Client.SendAsync(request);
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, string token, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await RequestAsync(method, path, token, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static Task Until(Func<bool> condition) => Until(() => Task.FromResult(condition()));

    private static async Task Until(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within " + Patience);
            await Task.Delay(100);
        }
    }
}
