namespace Landplatform.Cadastre.Contracts.Payments;

/// <summary>One line of an invoice: a fee from the published schedule, or a computed amount (transfer duty).</summary>
/// <param name="FeeCode">A code of the fee schedule, e.g. <c>registry.transfer</c>.</param>
/// <param name="Quantity">How many units (lots, inspections); 1 for most fees.</param>
/// <param name="Amount">Only for fees the schedule marks <c>computed</c>: the amount the issuing module computed.</param>
public sealed record FeeItem(string FeeCode, int Quantity = 1, decimal? Amount = null);

/// <summary>What a module asks to be invoiced, for one subject of its own (a registry transaction, a permit).</summary>
public sealed record InvoiceRequest(
    string SubjectType,
    string SubjectReference,
    string PayerName,
    string? PayerUin,
    IReadOnlyList<FeeItem> Items,
    Guid CorrelationId,
    string IssuedBy);

public sealed record IssuedInvoice(Guid InvoiceId, string Number, decimal Total, string Currency);

/// <summary>
/// The payments module issues invoices for other modules. When one is paid it records
/// <see cref="PaymentEvents.InvoicePaid"/> in the outbox; a module subscribes to that (an
/// <see cref="Events.IEventSubscriber"/>) to move its subject on, e.g. from "fees due" to "paid".
/// </summary>
public interface IFeeInvoicing
{
    Task<IssuedInvoice> IssueAsync(InvoiceRequest request, CancellationToken ct);
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
