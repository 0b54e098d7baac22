namespace Landplatform.Cadastre.Contracts.Payments;

/// <summary>One line of an invoice: a fee from the published schedule, or a computed amount (stamp duty).</summary>
/// <param name="FeeCode">A code of the fee schedule, e.g. <c>registry.transfer</c>.</param>
/// <param name="Quantity">How many units (lots, inspections, days or pages of a search); 1 for most fees.</param>
/// <param name="Amount">Only for fees the schedule marks <c>computed</c>: the amount the issuing module computed.</param>
/// <param name="Value">Only for fees the schedule charges by value band (a registration fee): the value they are charged on
/// (for a transfer, the greater of the price and the Valuation Office's value, as the duty).</param>
public sealed record FeeItem(string FeeCode, int Quantity = 1, decimal? Amount = null, decimal? Value = null);

/// <summary>What a module asks to be invoiced, for one subject of its own (a registry transaction, a permit).</summary>
public sealed record InvoiceRequest(
    string SubjectType,
    string SubjectReference,
    string PayerName,
    string? PayerUin,
    IReadOnlyList<FeeItem> Items,
    Guid CorrelationId,
    string IssuedBy);

/// <summary>An invoice as issued: its lines in the order asked, each with the amount the schedule gave it.</summary>
public sealed record IssuedInvoice(Guid InvoiceId, string Number, decimal Total, string Currency)
{
    public IReadOnlyList<IssuedLine> Lines { get; init; } = [];
}

/// <summary>One line of an issued invoice.</summary>
public sealed record IssuedLine(string FeeCode, string Description, int Quantity, decimal Amount);

/// <summary>A refund as made: the gateway's refund id (the bank's end-to-end reference of the debit), the amount and when.</summary>
public sealed record IssuedRefund(Guid RefundId, Guid InvoiceId, string GatewayRefundId, decimal Amount, string Currency, DateTimeOffset RefundedAt);

/// <summary>A fee of the published schedule, as other modules may show it.</summary>
/// <param name="Amount">The fixed amount per unit, or the base of a banded fee; null for computed lines.</param>
/// <param name="PerThousand">For a fee by value band: the amount per 1,000 (or part) of value above <paramref name="Threshold"/>.</param>
public sealed record ScheduledFeeView(string Code, string Category, string Description, decimal? Amount, string Unit, decimal? PerThousand, decimal? Threshold, DateOnly ValidFrom);

/// <summary>
/// The payments module issues invoices for other modules. When one is paid it records
/// <see cref="PaymentEvents.InvoicePaid"/> in the outbox; a module subscribes to that (an
/// <see cref="Events.IEventSubscriber"/>) to move its subject on, e.g. from "fees due" to "paid".
/// </summary>
public interface IFeeInvoicing
{
    Task<IssuedInvoice> IssueAsync(InvoiceRequest request, CancellationToken ct);

    /// <summary>The one fee schedule (payments owns it), of one category (e.g. <c>registry</c>), so no module keeps a copy that could disagree.</summary>
    Task<IReadOnlyList<ScheduledFeeView>> ScheduleAsync(string category, CancellationToken ct);

    /// <summary>
    /// Refunds a paid invoice in full through the gateway, once: a second call for the same invoice returns the first refund.
    /// The refund is reconciled against the bank's debit as a payment is against its credit.
    /// </summary>
    Task<IssuedRefund> RefundAsync(Guid invoiceId, string reason, CancellationToken ct);
}

/// <summary>Event types the payments module records.</summary>
public static class PaymentEvents
{
    /// <summary>
    /// An invoice was paid in full. Payload: <c>invoiceId</c>, <c>invoiceNumber</c>, <c>subjectType</c>,
    /// <c>subjectReference</c>, <c>amount</c>, <c>currency</c>, <c>receiptNumber</c>, <c>paidAt</c>, <c>gatewayPaymentId</c>.
    /// </summary>
    public const string InvoicePaid = Events.PlatformEventTypes.InvoicePaid;
}
