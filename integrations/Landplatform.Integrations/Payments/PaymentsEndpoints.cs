using System.Security.Claims;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Payments;
using Landplatform.Integrations.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Landplatform.Integrations.Payments;

/// <param name="Amount">The fixed amount per unit, or the base of a fee by value band (then <paramref name="PerThousand"/> and <paramref name="Threshold"/> are set).</param>
/// <param name="Charge">The rule in words, e.g. "40.00 + 2.50 per 1,000 or part above 15,000.00".</param>
public sealed record FeeView(string Code, string Category, string Description, decimal? Amount, string Currency, string Unit, DateOnly ValidFrom,
    decimal? PerThousand, decimal? Threshold, string Charge);

public sealed record InvoiceItemBody(string? FeeCode, int? Quantity, decimal? Amount, decimal? Value);

public sealed record InvoiceBody(string? SubjectType, string? SubjectReference, string? PayerName, string? PayerUin, IReadOnlyList<InvoiceItemBody>? Items, Guid? CorrelationId);

public sealed record InvoiceLineView(string FeeCode, string Description, int Quantity, decimal UnitAmount, decimal Amount);

public sealed record InvoiceView(Guid Id, string Number, string SubjectType, string SubjectReference, string PayerName, string? PayerUin, string Currency,
    decimal Total, string Status, DateTimeOffset IssuedAt, DateTimeOffset? PaidAt, Guid CorrelationId, IReadOnlyList<InvoiceLineView> Lines);

public sealed record PaymentView(Guid Id, Guid InvoiceId, string Status, string? GatewayPaymentId, string? CheckoutUrl, decimal Amount, string? LastError);

public sealed record ReceiptView(string Number, Guid InvoiceId, string InvoiceNumber, decimal Amount, string Currency, DateTimeOffset PaidAt, string GatewayPaymentId);

public sealed record FindingView(string Kind, string Reference, string? InvoiceNumber, decimal? LedgerAmount, decimal? BankAmount, DateOnly? Date);

public sealed record ReconciliationView(Guid Id, string FileName, string FileSha256, string StatementId, DateOnly PeriodFrom, DateOnly PeriodTo,
    int BankEntries, int LedgerEntries, int Matched, DateTimeOffset RunAt, IReadOnlyList<FindingView> Findings)
{
    public static ReconciliationView Of(Reconciliation r) => new(r.Id, r.FileName, r.FileSha256, r.StatementId, r.PeriodFrom, r.PeriodTo, r.BankEntries, r.LedgerEntries, r.Matched, r.RunAt,
        r.Findings.OrderBy(f => f.Kind).ThenBy(f => f.Reference).Select(f => new FindingView(f.Kind, f.Reference, f.InvoiceNumber, f.LedgerAmount, f.BankAmount, f.Date)).ToList());
}

/// <summary>The payments API: the public fee schedule, invoices, payments at the gateway, its webhook, receipts, reconciliation.</summary>
public static class PaymentsEndpoints
{
    private static readonly string[] StaffRoles =
        [PlatformRoles.Notary, PlatformRoles.Examiner, PlatformRoles.Registrar, PlatformRoles.TaxOfficer, PlatformRoles.PermitOfficer, PlatformRoles.Administrator];

    public static void MapPaymentsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/payments").WithTags("Payments");
        group.MapGet("/fees", FeesAsync).AllowAnonymous().RequireRateLimiting(RateLimits.Public)
            .WithSummary("The fee schedule in force: per registry transaction type, per survey, per permit (public).");
        group.MapPost("/invoices", IssueAsync).RequireAuthorization(AccessPolicies.InvoiceIssuers)
            .WithSummary("Issues an invoice for a subject from the fee schedule.");
        group.MapGet("/invoices", ListAsync).RequireAuthorization(AccessPolicies.InvoiceIssuers)
            .WithSummary("Invoices for a subject (subjectType, subjectReference).");
        group.MapGet("/invoices/{id:guid}", GetAsync).RequireAuthorization(AccessPolicies.SignedIn)
            .WithSummary("One invoice: staff, or the payer it names.");
        group.MapPost("/invoices/{id:guid}/payments", PayAsync).RequireAuthorization(AccessPolicies.SignedIn)
            .Produces<PaymentView>(StatusCodes.Status201Created)
            .WithSummary("Starts (or resumes) a payment at the gateway; the answer carries the gateway's checkout URL. One attempt per invoice at a time; with an Idempotency-Key a retry gets the first answer, the key for another invoice is a 422 idempotency-key-reused.");
        group.MapGet("/invoices/{id:guid}/receipt", ReceiptAsync).RequireAuthorization(AccessPolicies.SignedIn)
            .WithSummary("The receipt of a paid invoice: staff, or the payer it names.");
        group.MapPost("/gateway/webhook", WebhookAsync).AllowAnonymous().DisableAntiforgery()
            .WithSummary("The payment gateway's signed notifications (Gateway-Signature: t=…,v1=HMAC-SHA256); the signature is the authentication.");
        group.MapPost("/reconciliations", ReconcileAsync).RequireAuthorization(AccessPolicies.FinanceOfficers).DisableAntiforgery()
            .WithSummary("Reconciles our receipts against a bank statement (camt.053 XML, multipart field file).");
        group.MapGet("/reconciliations/{id:guid}", GetReconciliationAsync).RequireAuthorization(AccessPolicies.FinanceOfficers)
            .WithSummary("A reconciliation run and its findings.");
    }

    private static async Task<Ok<List<FeeView>>> FeesAsync(PaymentsStore db, TimeProvider clock, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var fees = await db.Fees.Where(f => f.ValidFrom <= today).OrderBy(f => f.Category).ThenBy(f => f.Code).ToListAsync(ct);
        return TypedResults.Ok(fees.Select(f => new FeeView(f.Code, f.Category, f.Description, f.Amount, FeeSchedule.Currency, f.Unit, f.ValidFrom,
            f.PerThousand, f.Threshold, StandardFees.Describe(FeeSchedule.View(f)))).ToList());
    }

    private static async Task<Created<InvoiceView>> IssueAsync(InvoiceBody body, InvoiceBook book, PaymentsStore db, ClaimsPrincipal caller, CancellationToken ct)
    {
        var items = (body.Items ?? []).Select(i => new FeeItem(i?.FeeCode!, i?.Quantity ?? 1, i?.Amount, i?.Value)).ToList();
        var issued = await book.IssueAsync(new InvoiceRequest(body.SubjectType!, body.SubjectReference!, body.PayerName!, body.PayerUin, items,
            body.CorrelationId ?? Guid.Empty, caller.Identity?.Name ?? "staff"), ct);
        return TypedResults.Created($"/api/payments/invoices/{issued.InvoiceId}", await ViewAsync(db, issued.InvoiceId, ct));
    }

    private static async Task<Ok<List<InvoiceView>>> ListAsync(string? subjectType, string? subjectReference, PaymentsStore db, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(subjectType) || string.IsNullOrWhiteSpace(subjectReference))
        {
            throw new InvalidParameterException(string.IsNullOrWhiteSpace(subjectType) ? "subjectType" : "subjectReference", "parameter-required",
                "Give subjectType and subjectReference, e.g. ?subjectType=registry-transaction&subjectReference=….");
        }

        var ids = await db.Invoices.Where(i => i.SubjectType == subjectType && i.SubjectReference == subjectReference)
            .OrderBy(i => i.IssuedAt).Select(i => i.Id).ToListAsync(ct);
        var views = new List<InvoiceView>();
        foreach (var id in ids)
        {
            views.Add(await ViewAsync(db, id, ct));
        }

        return TypedResults.Ok(views);
    }

    private static async Task<Ok<InvoiceView>> GetAsync(Guid id, PaymentsStore db, ClaimsPrincipal caller, CancellationToken ct)
    {
        await EnsureMayReadAsync(db, id, caller, ct);
        return TypedResults.Ok(await ViewAsync(db, id, ct));
    }

    private static async Task<IResult> PayAsync(Guid id, HttpRequest request, InvoiceBook book, PaymentsStore db, ClaimsPrincipal caller,
        IOptions<JsonOptions> json, CancellationToken ct)
    {
        await EnsureMayReadAsync(db, id, caller, ct);
        var key = IdempotencyKeys.Read(request.Headers[IdempotencyKeys.Header].ToString());
        static PaymentView View(GatewayPayment p) => new(p.Id, p.InvoiceId, p.Status, p.GatewayPaymentId, p.CheckoutUrl, p.Amount, p.LastError);
        request.HttpContext.Response.Headers.Location = $"/api/payments/invoices/{id}";
        if (key is null)
        {
            return TypedResults.Created($"/api/payments/invoices/{id}", View(await book.StartPaymentAsync(id, ct)));
        }

        // The first answer under the key, byte for byte, for every retry with it.
        var who = caller.Identity?.Name ?? caller.FindFirstValue("sub") ?? "unknown";
        var (status, body, replayed) = await book.StartPaymentAsync(id, who, key,
            payment => JsonSerializer.Serialize(View(payment), json.Value.SerializerOptions), ct);
        if (replayed)
        {
            request.HttpContext.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return Results.Text(body, "application/json", System.Text.Encoding.UTF8, status);
    }

    private static async Task<Ok<ReceiptView>> ReceiptAsync(Guid id, PaymentsStore db, ClaimsPrincipal caller, CancellationToken ct)
    {
        await EnsureMayReadAsync(db, id, caller, ct);
        var receipt = await db.Receipts.Where(r => r.InvoiceId == id)
            .Join(db.Invoices, r => r.InvoiceId, i => i.Id, (r, i) => new ReceiptView(r.Number, r.InvoiceId, i.Number, r.Amount, r.Currency, r.PaidAt, r.GatewayPaymentId))
            .SingleOrDefaultAsync(ct)
            ?? throw new ResourceNotFoundException("receipt-none", "The invoice is not paid yet, so it has no receipt.");
        return TypedResults.Ok(receipt);
    }

    private static async Task<Ok<WebhookAnswer>> WebhookAsync(HttpRequest request, InvoiceBook book, CancellationToken ct)
    {
        if (request.ContentLength is > 1024 * 1024)
        {
            throw new InvalidParameterException("body", "webhook-size", "A webhook body is at most 1 MiB.");
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        if (buffer.Length > 1024 * 1024)
        {
            throw new InvalidParameterException("body", "webhook-size", "A webhook body is at most 1 MiB.");
        }

        var outcome = await book.ReceiveWebhookAsync(buffer.ToArray(), request.Headers[GatewaySignature.Header].ToString(), ct);
        return TypedResults.Ok(new WebhookAnswer(outcome.ToString().ToLowerInvariant()));
    }

    private static async Task<Created<ReconciliationView>> ReconcileAsync(HttpRequest request, LedgerReconciliation reconciliation, ClaimsPrincipal caller, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            throw new InvalidParameterException("file", "statement-missing", "Send the statement as multipart/form-data in the field file.");
        }

        var form = await request.ReadFormAsync(ct);
        var file = form.Files.GetFile("file") ?? throw new InvalidParameterException("file", "statement-missing", "Send the statement in the field file.");
        if (file.Length > BankStatement.MaxBytes)
        {
            throw new InvalidParameterException("file", "statement-size", "A statement file is at most 20 MiB.");
        }

        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, ct);
        var run = await reconciliation.RunAsync(file.FileName, buffer.ToArray(), caller.Identity?.Name ?? "finance", ct);
        return TypedResults.Created($"/api/payments/reconciliations/{run.Id}", ReconciliationView.Of(run));
    }

    private static async Task<Ok<ReconciliationView>> GetReconciliationAsync(Guid id, PaymentsStore db, CancellationToken ct)
    {
        var run = await db.Reconciliations.Include(r => r.Findings).SingleOrDefaultAsync(r => r.Id == id, ct)
            ?? throw new ResourceNotFoundException("reconciliation-unknown", $"No reconciliation {id}.");
        return TypedResults.Ok(ReconciliationView.Of(run));
    }

    // Staff read any invoice; a person reads those naming their UIN; anyone else learns nothing, not even that it exists.
    private static async Task EnsureMayReadAsync(PaymentsStore db, Guid id, ClaimsPrincipal caller, CancellationToken ct)
    {
        var payer = await db.Invoices.Where(i => i.Id == id).Select(i => new { i.PayerUin }).SingleOrDefaultAsync(ct);
        var uin = caller.FindFirstValue(PlatformClaims.Uin);
        if (payer is null || !(StaffRoles.Any(caller.IsInRole) || (uin is not null && payer.PayerUin == uin)))
        {
            throw new ResourceNotFoundException("invoice-unknown", $"No invoice {id} that you may see.");
        }
    }

    private static async Task<InvoiceView> ViewAsync(PaymentsStore db, Guid id, CancellationToken ct)
    {
        var i = await db.Invoices.Include(x => x.Lines).SingleAsync(x => x.Id == id, ct);
        return new InvoiceView(i.Id, i.Number, i.SubjectType, i.SubjectReference, i.PayerName, i.PayerUin, i.Currency, i.Total, i.Status, i.IssuedAt, i.PaidAt, i.CorrelationId,
            i.Lines.OrderBy(l => l.Id).Select(l => new InvoiceLineView(l.FeeCode, l.Description, l.Quantity, l.UnitAmount, l.Amount)).ToList());
    }
}

public sealed record WebhookAnswer(string Outcome);
