using System.Security.Cryptography;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Documents;
using Landplatform.Cadastre.Contracts.Payments;
using Landplatform.Cadastre.Contracts.Persons;
using Landplatform.Cadastre.Contracts.Tax;
using Landplatform.Registry.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Landplatform.Registry.Transactions;

/// <summary>Fees: submission assesses the fee and duty, the payments module invoices them and reports them paid.</summary>
public sealed partial class TransactionDesk
{
    /// <summary>The notary submits: the fee is assessed and the transaction waits for payment (or goes on when paid already).</summary>
    public async Task<RegistryTransaction> SubmitAsync(Guid id, string notary, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var lodged = await LockAsync(id, ct);
        RequireLodger(lodged, notary, "submit");
        RequireState(lodged, "submit", TransactionState.Lodged, TransactionState.Requisitioned);
        if (lodged.Kind == TransactionKind.Rectification)
        {
            // The registrar corrects the register's own record: no fee and no duty, so it cannot stand in for a transfer.
            lodged.Fee = 0m;
            await MoveAsync(lodged, TransactionState.Paid, notary, "no fee: the registrar's rectification", ct);
            await transaction.CommitAsync(ct);
            return lodged;
        }

        if (links.Invoicing is { } invoicing)
        {
            // The payments module collects: one invoice per transaction, issued at the first submission.
            if (lodged.InvoiceId is null)
            {
                await InvoiceAsync(invoicing, lodged, notary, ct);
            }

            await MoveAsync(lodged, lodged.InvoicePaidAt is null ? TransactionState.FeesDue : TransactionState.Paid, notary,
                lodged.InvoicePaidAt is null ? $"invoice {lodged.InvoiceNumber}: {lodged.InvoiceTotal:0.00} XCD due" : null, ct);
            await transaction.CommitAsync(ct);
            return lodged;
        }

        var lodgement = JsonSerializer.Deserialize<Lodgement>(lodged.Instrument, Json)!;
        lodged.Fee ??= await fees.AssessAsync(lodged.Kind, Consideration(lodged.Kind, lodgement), ct);
        var paid = await fees.PaidAsync(id, ct);
        await MoveAsync(lodged, paid >= lodged.Fee ? TransactionState.Paid : TransactionState.FeesDue, notary, null, ct);
        await transaction.CommitAsync(ct);
        return lodged;
    }

    /// <summary>The fee code of the payments schedule for a kind of transaction, e.g. <c>registry.transfer</c>.</summary>
    public static string FeeCode(TransactionKind kind) => "registry." + KindName(kind);

    /// <summary>The amount the instrument states as its value: a sale's price (a gift or inheritance has none), a mortgage's sum.</summary>
    private static decimal Consideration(TransactionKind kind, Lodgement instrument) =>
        kind == TransactionKind.Transfer && instrument.Reason != "sale" ? 0m : instrument.Amount ?? 0m;

    /// <summary>
    /// One invoice: the registration fee (by value band on a transfer's dutiable value, the greater of the price and the
    /// Valuation Office's value) and, on a transfer, each party's stamp duty as its own line (buyer's, seller's).
    /// </summary>
    private async Task InvoiceAsync(IFeeInvoicing invoicing, RegistryTransaction lodged, string notary, CancellationToken ct)
    {
        var instrument = JsonSerializer.Deserialize<Lodgement>(lodged.Instrument, Json)!;
        var consideration = Consideration(lodged.Kind, instrument);
        var dutyLines = new List<FeeItem>();
        var value = consideration;
        if (lodged.Kind == TransactionKind.Transfer && links.Duty is { } assessor)
        {
            var upis = await db.TitleParcels.AsNoTracking().Where(p => p.TitleNumber == lodged.TitleNumber).OrderBy(p => p.Upi).Select(p => p.Upi).ToListAsync(ct);
            var duty = await assessor.AssessAsync(new TransferDutyRequest(instrument.Reason!, upis, consideration, "XCD", lodged.InstrumentDate), ct);
            lodged.Duty = duty.Amount;
            lodged.DutyBasis = duty.Basis;
            value = duty.DutiableValue;
            dutyLines.AddRange(duty.Shares.Where(share => share.Amount > 0).Select(share => new FeeItem(share.FeeCode, 1, share.Amount)));
        }

        var issued = await invoicing.IssueAsync(
            new InvoiceRequest(RegistryFeesSubscriber.SubjectType, lodged.Id.ToString(), notary, null, [new FeeItem(FeeCode(lodged.Kind), Value: value), .. dutyLines], lodged.Id, notary), ct);
        lodged.InvoiceId = issued.InvoiceId;
        lodged.InvoiceNumber = issued.Number;
        lodged.InvoiceTotal = issued.Total;
        lodged.Fee = issued.Total - (lodged.Duty is > 0 ? lodged.Duty.Value : 0m);
    }

    /// <summary>
    /// The payments module reports the transaction's invoice paid: a transaction waiting with fees due moves to
    /// paid; one not yet (re)submitted keeps the payment for its submission. A repeat, or an invoice that is
    /// not this transaction's, changes nothing.
    /// </summary>
    public async Task SettleInvoiceAsync(Guid id, Guid invoiceId, string? receiptNumber, decimal amount, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var due = await db.Transactions.FromSqlInterpolated($"SELECT * FROM registry.transactions WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct);
        // A registered transaction is immutable (the journal's digest covers it): a late invoice payment stays in the payments module.
        if (due is null || due.InvoiceId != invoiceId || due.InvoicePaidAt is not null || due.State == TransactionState.Registered)
        {
            return;
        }

        due.InvoicePaidAt = clock.GetUtcNow();
        due.ReceiptNumber = receiptNumber;
        if (due.State == TransactionState.FeesDue)
        {
            await MoveAsync(due, TransactionState.Paid, "payments", $"invoice {due.InvoiceNumber} paid {amount:0.00} XCD, receipt {receiptNumber}", ct);
        }
        else
        {
            await db.SaveChangesAsync(ct);
        }

        await transaction.CommitAsync(ct);
    }

    /// <summary>The registrar records a payment towards the fee; the full fee moves the transaction to paid.</summary>
    public async Task<RegistryTransaction> RecordPaymentAsync(Guid id, decimal amount, string reference, string registrar, CancellationToken ct)
    {
        if (amount <= 0 || decimal.Round(amount, 2) != amount)
        {
            throw new InvalidParameterException("amount", "amount-format", "A payment is a positive amount in EC dollars with at most two decimals.");
        }

        if (string.IsNullOrWhiteSpace(reference))
        {
            throw new InvalidParameterException("reference", "payment-reference", "A payment needs the receipt or bank reference.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var due = await LockAsync(id, ct);
        if (due.InvoiceId is not null || links.Invoicing is not null)
        {
            throw new DomainRuleViolationException("R-FEE",
                $"Fees are collected by the payments module: pay invoice {due.InvoiceNumber ?? "(issued at submission)"} through POST /api/payments/invoices/{{id}}/payments; the registry does not record payments by hand.");
        }

        RequireState(due, "record a payment for", TransactionState.FeesDue);
        var paid = await fees.PaidAsync(id, ct);
        if (paid + amount > due.Fee)
        {
            throw new DomainRuleViolationException("R-FEE", $"The fee is {due.Fee:0.00} and {paid:0.00} is paid: a payment of {amount:0.00} would pay more than is due.");
        }

        await fees.RecordAsync(id, amount, reference.Trim(), registrar, ct);
        if (paid + amount == due.Fee)
        {
            await MoveAsync(due, TransactionState.Paid, registrar, $"paid {due.Fee:0.00}, reference {reference.Trim()}", ct);
        }

        await transaction.CommitAsync(ct);
        return due;
    }
}
