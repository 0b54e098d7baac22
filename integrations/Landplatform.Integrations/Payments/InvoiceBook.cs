using System.Text.Json;
using System.Text.RegularExpressions;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Events;
using Landplatform.Cadastre.Contracts.Payments;
using Landplatform.Integrations.Exchange;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Landplatform.Integrations.Payments;

/// <summary>What happened to a gateway webhook.</summary>
public enum WebhookOutcome
{
    Processed,
    Duplicate,
    Ignored,
}

/// <summary>
/// Invoices and their collection: issue from the fee schedule, start a payment at the gateway, and take
/// the gateway's confirmation (once, however often it arrives) into a receipt and a
/// <c>payments.invoice.paid</c> event.
/// </summary>
public sealed partial class InvoiceBook(
    PaymentsStore db,
    PaymentGatewayClient gateway,
    IOptions<PaymentGatewayOptions> gatewayOptions,
    TimeProvider clock,
    ILogger<InvoiceBook> log) : IFeeInvoicing
{
    public async Task<IssuedInvoice> IssueAsync(InvoiceRequest request, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.SubjectType) || !SubjectTypePattern().IsMatch(request.SubjectType))
        {
            throw new InvalidParameterException("subjectType", "subject-type", "subjectType is a lower-case name such as registry-transaction, survey or building-permit.");
        }

        if (string.IsNullOrWhiteSpace(request.SubjectReference) || request.SubjectReference.Length > 100)
        {
            throw new InvalidParameterException("subjectReference", "subject-reference", "subjectReference names the subject in its module (1 to 100 characters).");
        }

        if (string.IsNullOrWhiteSpace(request.PayerName) || request.PayerName.Length > 200)
        {
            throw new InvalidParameterException("payerName", "payer-name", "payerName is the payer's name (1 to 200 characters).");
        }

        if (request.PayerUin is { Length: > 20 })
        {
            throw new InvalidParameterException("payerUin", "uin-format", "payerUin is a UIN such as VC1234567890.");
        }

        if (request.Items is null || request.Items.Count == 0 || request.Items.Count > 50)
        {
            throw new InvalidParameterException("items", "invoice-items", "An invoice has 1 to 50 items.");
        }

        var codes = request.Items.Select(i => i.FeeCode).ToList();
        var fees = await db.Fees.Where(f => codes.Contains(f.Code)).ToDictionaryAsync(f => f.Code, ct);
        var lines = new List<InvoiceLine>();
        var invoiceId = Guid.CreateVersion7();
        // Every code first: an unknown fee is named before any amount is judged.
        var unknown = request.Items.ToList().FindIndex(item => item.FeeCode is null || !fees.ContainsKey(item.FeeCode));
        if (unknown >= 0)
        {
            throw new InvalidParameterException($"items[{unknown}].feeCode", "fee-unknown", $"{request.Items[unknown].FeeCode} is not in the fee schedule (GET /api/payments/fees).");
        }

        for (var i = 0; i < request.Items.Count; i++)
        {
            var item = request.Items[i];
            var fee = fees[item.FeeCode];

            if (item.Quantity is < 1 or > 10_000)
            {
                throw new InvalidParameterException($"items[{i}].quantity", "fee-quantity", "A quantity is a whole number from 1 to 10,000.");
            }

            decimal unit;
            if (fee.PerThousand is not null)
            {
                // A fee by value band: the schedule's formula on the value the issuing module names (the dutiable value of a transfer).
                if (item.Value is not { } value || value < 0 || value > 10_000_000_000m)
                {
                    throw new InvalidParameterException($"items[{i}].value", "fee-value", $"{fee.Code} is charged by value ({StandardFees.Describe(FeeSchedule.View(fee))}): give the value, 0 or more.");
                }

                if (item.Amount is not null)
                {
                    throw new InvalidParameterException($"items[{i}].amount", "fee-scheduled", $"{fee.Code} is charged by the schedule on the value; leave amount out.");
                }

                unit = StandardFees.Charge(FeeSchedule.View(fee), value)!.Value;
            }
            else if (fee.Amount is { } scheduled)
            {
                if (item.Amount is not null && item.Amount != scheduled)
                {
                    throw new InvalidParameterException($"items[{i}].amount", "fee-scheduled", $"{fee.Code} costs {scheduled:0.00} {FeeSchedule.Currency} by the schedule; leave amount out.");
                }

                unit = scheduled;
            }
            else
            {
                if (item.Amount is not { } computed || computed <= 0 || decimal.Round(computed, 2) != computed || computed > 100_000_000m)
                {
                    throw new InvalidParameterException($"items[{i}].amount", "fee-computed-amount", $"{fee.Code} is computed by the issuing module: give a positive amount in cents precision.");
                }

                unit = computed;
            }

            lines.Add(new InvoiceLine { InvoiceId = invoiceId, FeeCode = fee.Code, Description = fee.Description, Quantity = item.Quantity, UnitAmount = unit, Amount = unit * item.Quantity });
        }

        var invoice = new Invoice
        {
            Id = invoiceId,
            Number = $"INV-{clock.GetUtcNow().Year}-{await NextNumberAsync(ct):D6}",
            SubjectType = request.SubjectType,
            SubjectReference = request.SubjectReference,
            PayerName = request.PayerName.Trim(),
            PayerUin = request.PayerUin,
            Currency = FeeSchedule.Currency,
            Total = lines.Sum(l => l.Amount),
            Status = "open",
            IssuedAt = clock.GetUtcNow(),
            IssuedBy = request.IssuedBy,
            CorrelationId = request.CorrelationId == Guid.Empty ? Guid.CreateVersion7() : request.CorrelationId,
            Lines = lines,
        };
        db.Invoices.Add(invoice);
        await db.SaveChangesAsync(ct);
        return new IssuedInvoice(invoice.Id, invoice.Number, invoice.Total, invoice.Currency)
        {
            Lines = lines.Select(l => new IssuedLine(l.FeeCode, l.Description, l.Quantity, l.Amount)).ToList(),
        };
    }

    public async Task<IReadOnlyList<ScheduledFeeView>> ScheduleAsync(string category, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var fees = await db.Fees.AsNoTracking().Where(f => f.Category == category && f.ValidFrom <= today).OrderBy(f => f.Code).ToListAsync(ct);
        return fees.Select(FeeSchedule.View).ToList();
    }

    /// <summary>
    /// Asks the gateway for a payment of the invoice. One attempt at a time: the invoice row is locked while the attempt is
    /// chosen, so requests at the same moment share one attempt (and one gateway intent, under its idempotency key). An
    /// unanswered earlier attempt is retried with its own key, so a gateway that did create it returns the same intent; an
    /// attempt the gateway declined is cancelled there before a new one starts, so its checkout page can never charge the
    /// invoice a second time.
    /// </summary>
    public async Task<GatewayPayment> StartPaymentAsync(Guid invoiceId, CancellationToken ct)
    {
        GatewayPayment payment;
        List<GatewayPayment> declined;
        Invoice invoice;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            invoice = await db.Invoices.FromSqlInterpolated($"SELECT * FROM payments.invoices WHERE id = {invoiceId} FOR UPDATE").SingleOrDefaultAsync(ct)
                ?? throw new ResourceNotFoundException("invoice-unknown", $"No invoice {invoiceId}.");
            if (invoice.Status != "open")
            {
                throw new DomainRuleViolationException("invoice-paid", $"Invoice {invoice.Number} is already paid.");
            }

            var attempts = await db.Payments.Where(p => p.InvoiceId == invoiceId).OrderByDescending(p => p.CreatedAt).ToListAsync(ct);
            if (attempts.Any(p => p.Status == "succeeded"))
            {
                throw new DomainRuleViolationException("invoice-paid", $"Invoice {invoice.Number} is paid at the gateway; its receipt follows.");
            }

            var current = attempts.FirstOrDefault(p => p.Status is "creating" or "requires_payment");
            if (current is { Status: "requires_payment" })
            {
                await transaction.CommitAsync(ct);
                return current;
            }

            payment = current ?? new GatewayPayment
            {
                Id = Guid.CreateVersion7(),
                InvoiceId = invoiceId,
                IdempotencyKey = Guid.NewGuid().ToString(),
                Status = "creating",
                Amount = invoice.Total,
                CreatedAt = clock.GetUtcNow(),
                UpdatedAt = clock.GetUtcNow(),
            };
            if (current is null)
            {
                db.Payments.Add(payment);
            }

            declined = [.. attempts.Where(p => p.Status == "failed" && p.GatewayPaymentId is not null)];

            // Recorded before the call: if the gateway takes the request but the answer is lost, the retry reuses this key.
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }

        PaymentIntent intent;
        try
        {
            foreach (var failed in declined)
            {
                await gateway.CancelIntentAsync(failed.GatewayPaymentId!, ct);
                failed.Status = "canceled";
                failed.UpdatedAt = clock.GetUtcNow();
                await db.SaveChangesAsync(ct);
            }

            intent = await gateway.CreateIntentAsync(invoice.Total, invoice.Currency, $"Invoice {invoice.Number}",
                new Dictionary<string, string> { ["invoice_number"] = invoice.Number, ["payment_id"] = payment.Id.ToString() },
                payment.IdempotencyKey, ct);
        }
        catch (UpstreamUnavailableException e)
        {
            payment.LastError = e.Message;
            payment.UpdatedAt = clock.GetUtcNow();
            await db.SaveChangesAsync(CancellationToken.None);
            throw;
        }

        // Requests that shared this attempt all got the same intent: the first to write it wins, the rest find it written.
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            UPDATE payments.gateway_payments SET gateway_payment_id = {intent.Id}, checkout_url = {intent.NextAction?.RedirectToUrl?.Url},
                   status = 'requires_payment', last_error = NULL, updated_at = {clock.GetUtcNow()}
            WHERE id = {payment.Id} AND status = 'creating'
            """, ct);
        await db.Entry(payment).ReloadAsync(ct);
        return payment;
    }

    /// <summary>
    /// Starts a payment under the caller's Idempotency-Key: the first request with the key starts (or joins) the invoice's
    /// attempt and its answer is kept; a retry gets that answer again; the key sent for another invoice is refused (422).
    /// </summary>
    public async Task<(int Status, string Body, bool Replayed)> StartPaymentAsync(Guid invoiceId, string caller, string key, Func<GatewayPayment, string> answer, CancellationToken ct)
    {
        var fingerprint = IdempotencyKeys.Fingerprint($"POST /api/payments/invoices/{invoiceId}/payments");
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO payments.idempotency_keys (caller, key, fingerprint, created_at) VALUES ({caller}, {key}, {fingerprint}, {clock.GetUtcNow()})
            ON CONFLICT DO NOTHING
            """, ct);
        var stored = await db.Database.SqlQuery<StoredPaymentAnswer>($"""
            SELECT fingerprint AS "Fingerprint", status AS "Status", response::text AS "Response" FROM payments.idempotency_keys WHERE caller = {caller} AND key = {key}
            """).SingleAsync(ct);
        if (stored.Fingerprint != fingerprint)
        {
            throw IdempotencyKeys.Reused(key);
        }

        if (stored is { Response: { } body, Status: { } status })
        {
            return (status, body, true);
        }

        // Not answered yet (first, or a twin still in flight): the invoice's one attempt is joined, and the first answer kept.
        var payment = await StartPaymentAsync(invoiceId, ct);
        var first = answer(payment);
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            UPDATE payments.idempotency_keys SET status = 201, response = {first} WHERE caller = {caller} AND key = {key} AND response IS NULL
            """, ct);
        var kept = await db.Database.SqlQuery<StoredPaymentAnswer>($"""
            SELECT fingerprint AS "Fingerprint", status AS "Status", response::text AS "Response" FROM payments.idempotency_keys WHERE caller = {caller} AND key = {key}
            """).SingleAsync(ct);
        return (kept.Status ?? 201, kept.Response ?? first, !string.Equals(kept.Response, first, StringComparison.Ordinal));
    }

    /// <summary>
    /// Takes a webhook from the gateway: refused (and nothing changed) unless its signature holds within the
    /// replay window; a repeat of an event already processed is acknowledged and changes nothing.
    /// </summary>
    public async Task<WebhookOutcome> ReceiveWebhookAsync(byte[] body, string? signature, CancellationToken ct)
    {
        var settings = gatewayOptions.Value;
        if (GatewaySignature.Check(settings.WebhookSecret, signature, body, clock.GetUtcNow(), TimeSpan.FromSeconds(settings.WebhookToleranceSeconds)) is { } broken)
        {
            throw new InvalidParameterException(GatewaySignature.Header, broken, broken switch
            {
                "webhook-replay-window" => $"The signed timestamp is more than {settings.WebhookToleranceSeconds} s from our clock: a replayed or delayed message is refused.",
                "webhook-signature" => "The signature does not match the body under our shared secret.",
                _ => "The Gateway-Signature header must be t=UNIX-SECONDS,v1=HEX-HMAC-SHA256.",
            });
        }

        string eventId, type, intentId, currency;
        long amount;
        Guid? paymentId = null;
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            eventId = root.GetProperty("id").GetString()!;
            type = root.GetProperty("type").GetString()!;
            var intent = root.GetProperty("data").GetProperty("object");
            intentId = intent.GetProperty("id").GetString()!;
            amount = intent.GetProperty("amount").GetInt64();
            currency = intent.GetProperty("currency").GetString()!;
            if (intent.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("payment_id", out var p) && Guid.TryParse(p.GetString(), out var parsed))
            {
                paymentId = parsed;
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidParameterException("body", "webhook-body", "The webhook body is not a gateway event (id, type, data.object with id, amount, currency).");
        }

        if (eventId is null || type is null || intentId is null)
        {
            throw new InvalidParameterException("body", "webhook-body", "The webhook event lacks id, type or data.object.id.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var fresh = await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO payments.gateway_events (event_id, type, gateway_payment_id, received_at) VALUES ({eventId}, {type}, {intentId}, {clock.GetUtcNow()}) ON CONFLICT (event_id) DO NOTHING",
            ct);
        if (fresh == 0)
        {
            return WebhookOutcome.Duplicate;
        }

        if (type is not ("payment_intent.succeeded" or "payment_intent.payment_failed"))
        {
            await transaction.CommitAsync(ct);
            return WebhookOutcome.Ignored;
        }

        var payment = await db.Payments
            .FromSqlInterpolated($"SELECT * FROM payments.gateway_payments WHERE gateway_payment_id = {intentId} OR (gateway_payment_id IS NULL AND id = {paymentId}) FOR UPDATE")
            .SingleOrDefaultAsync(ct)
            ?? throw new ResourceNotFoundException("payment-unknown", $"No payment of ours is at the gateway as {intentId}.");
        var invoice = await db.Invoices.FromSqlInterpolated($"SELECT * FROM payments.invoices WHERE id = {payment.InvoiceId} FOR UPDATE").SingleAsync(ct);
        if (amount != PaymentGatewayClient.MinorUnits(payment.Amount) || !string.Equals(currency, invoice.Currency, StringComparison.OrdinalIgnoreCase))
        {
            throw new DomainRuleViolationException("payment-amount-mismatch",
                $"The gateway reports {amount} {currency} minor units for {intentId}; we asked for {PaymentGatewayClient.MinorUnits(payment.Amount)} {invoice.Currency}.");
        }

        var now = clock.GetUtcNow();
        payment.GatewayPaymentId ??= intentId;
        payment.UpdatedAt = now;
        if (type == "payment_intent.payment_failed")
        {
            payment.Status = "failed";
            payment.LastError = "the gateway reports the payment failed";
        }
        else if (invoice.Status != "open")
        {
            payment.Status = "succeeded";
            payment.LastError = $"invoice {invoice.Number} was already paid: this payment is due for refund";
            log.LogWarning("Invoice {Invoice} paid twice; payment {Payment} is due for refund", invoice.Number, intentId);
        }
        else
        {
            payment.Status = "succeeded";
            invoice.Status = "paid";
            invoice.PaidAt = now;
            var receipt = new Receipt
            {
                Id = Guid.CreateVersion7(),
                Number = $"RCP-{now.Year}-{await NextNumberAsync(ct):D6}",
                InvoiceId = invoice.Id,
                PaymentId = payment.Id,
                GatewayPaymentId = intentId,
                Amount = invoice.Total,
                Currency = invoice.Currency,
                PaidAt = now,
            };
            db.Receipts.Add(receipt);
            await OutboxRecord.RecordAsync(db, PaymentEvents.InvoicePaid, invoice.CorrelationId, EventPayloads.Serialize(new InvoicePaidPayload(
                invoice.Id, invoice.Number, invoice.SubjectType, invoice.SubjectReference, invoice.Total, invoice.Currency, receipt.Number, now, intentId)), now, ct);
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return WebhookOutcome.Processed;
    }

    /// <summary>
    /// Refunds a paid invoice in full at the gateway, at most once: the refund is recorded (state <c>requested</c>) under its own
    /// idempotency key before the gateway is asked, so a retry after a lost answer gets the same refund; a refund already made is
    /// returned as it is. The invoice is then <c>refunded</c>; the bank's debit is reconciled against the refund (<see cref="LedgerReconciliation"/>).
    /// </summary>
    public async Task<IssuedRefund> RefundAsync(Guid invoiceId, string reason, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 500)
        {
            throw new InvalidParameterException("reason", "refund-reason", "A refund states why, in 1 to 500 characters.");
        }

        RefundRow row;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            var invoice = await db.Invoices.FromSqlInterpolated($"SELECT * FROM payments.invoices WHERE id = {invoiceId} FOR UPDATE").SingleOrDefaultAsync(ct)
                ?? throw new ResourceNotFoundException("invoice-unknown", $"No invoice {invoiceId}.");
            var existing = await RefundOfAsync(invoiceId, ct);
            if (existing is null)
            {
                if (invoice.Status != "paid")
                {
                    throw new DomainRuleViolationException("invoice-not-paid", $"Invoice {invoice.Number} is {invoice.Status}: only a paid invoice is refunded.");
                }

                var receipt = await db.Receipts.SingleAsync(r => r.InvoiceId == invoiceId, ct);
                await db.Database.ExecuteSqlInterpolatedAsync($"""
                    INSERT INTO payments.refunds (id, invoice_id, gateway_payment_id, idempotency_key, amount, currency, reason, status, requested_at)
                    VALUES ({Guid.CreateVersion7()}, {invoiceId}, {receipt.GatewayPaymentId}, {"refund-" + invoiceId}, {receipt.Amount}, {receipt.Currency}, {reason.Trim()},
                            'requested', {clock.GetUtcNow()})
                    """, ct);
                existing = await RefundOfAsync(invoiceId, ct);
            }

            row = existing!;
            await transaction.CommitAsync(ct);
        }

        if (row is { Status: "succeeded", GatewayRefundId: { } madeId, RefundedAt: { } madeAt })
        {
            return new IssuedRefund(row.Id, invoiceId, madeId, row.Amount, row.Currency, madeAt);
        }

        GatewayRefund refund;
        try
        {
            refund = await gateway.RefundAsync(row.GatewayPaymentId, row.Amount, row.Reason, row.IdempotencyKey, ct);
        }
        catch (UpstreamUnavailableException e)
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"UPDATE payments.refunds SET last_error = {e.Message} WHERE id = {row.Id}", CancellationToken.None);
            throw;
        }

        var now = clock.GetUtcNow();
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                UPDATE payments.refunds SET status = 'succeeded', gateway_refund_id = {refund.Id}, refunded_at = coalesce(refunded_at, {now}), last_error = NULL
                WHERE id = {row.Id};
                UPDATE payments.invoices SET status = 'refunded' WHERE id = {invoiceId};
                """, ct);
            await transaction.CommitAsync(ct);
        }

        var made = (await RefundOfAsync(invoiceId, ct))!;
        return new IssuedRefund(made.Id, invoiceId, made.GatewayRefundId!, made.Amount, made.Currency, made.RefundedAt!.Value);
    }

    private sealed record RefundRow(Guid Id, string GatewayPaymentId, string IdempotencyKey, string? GatewayRefundId, decimal Amount, string Currency, string Reason,
        string Status, DateTimeOffset? RefundedAt);

    private async Task<RefundRow?> RefundOfAsync(Guid invoiceId, CancellationToken ct) =>
        await db.Database.SqlQuery<RefundRow>($"""
            SELECT id AS "Id", gateway_payment_id AS "GatewayPaymentId", idempotency_key AS "IdempotencyKey", gateway_refund_id AS "GatewayRefundId",
                   amount AS "Amount", currency AS "Currency", reason AS "Reason", status AS "Status", refunded_at AS "RefundedAt"
            FROM payments.refunds WHERE invoice_id = {invoiceId}
            """).SingleOrDefaultAsync(ct);

    /// <summary>An Idempotency-Key as payments stored it.</summary>
    private sealed record StoredPaymentAnswer(string Fingerprint, int? Status, string? Response);

    private async Task<long> NextNumberAsync(CancellationToken ct) =>
        await db.Database.SqlQuery<long>($"SELECT nextval('payments.document_number') AS \"Value\"").SingleAsync(ct);

    [GeneratedRegex("^[a-z][a-z0-9-]{1,39}$")]
    private static partial Regex SubjectTypePattern();
}
