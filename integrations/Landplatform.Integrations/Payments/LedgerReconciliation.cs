using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;

namespace Landplatform.Integrations.Payments;

/// <summary>
/// The daily reconciliation: our receipts for the statement's period against the bank's booked credits,
/// matched on the gateway payment id the bank quotes as end-to-end id. Every difference is a finding:
/// money at the bank we have no receipt for, a receipt the bank never credited, or amounts that differ.
/// </summary>
public sealed class LedgerReconciliation(PaymentsStore db, TimeProvider clock)
{
    public const string MissingInLedger = "missing-in-ledger";
    public const string MissingAtBank = "missing-at-bank";
    public const string AmountDiffers = "amount-differs";

    private sealed record RefundLine(string GatewayPaymentId, decimal Amount, DateTimeOffset PaidAt, string Number);

    public async Task<Reconciliation> RunAsync(string fileName, byte[] file, string runBy, CancellationToken ct)
    {
        var statement = BankStatement.ReadCamt053(new MemoryStream(file, writable: false));
        var periodStart = new DateTimeOffset(statement.From.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var periodEnd = new DateTimeOffset(statement.To.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var ledger = await db.Receipts
            .Where(r => r.PaidAt >= periodStart && r.PaidAt < periodEnd)
            .Join(db.Invoices, r => r.InvoiceId, i => i.Id, (r, i) => new { r.GatewayPaymentId, r.Amount, r.PaidAt, i.Number })
            .ToListAsync(ct);
        // A refund is reconciled as a payment is: our record of it against the bank's debit quoting the gateway's refund id.
        var refunds = await db.Database.SqlQuery<RefundLine>($"""
            SELECT f.gateway_refund_id AS "GatewayPaymentId", f.amount AS "Amount", f.refunded_at AS "PaidAt", i.number AS "Number"
            FROM payments.refunds f JOIN payments.invoices i ON i.id = f.invoice_id
            WHERE f.status = 'succeeded' AND f.refunded_at >= {periodStart} AND f.refunded_at < {periodEnd}
            """).ToListAsync(ct);
        ledger.AddRange(refunds.Select(r => new { r.GatewayPaymentId, Amount = -r.Amount, r.PaidAt, r.Number }));
        var ours = ledger.ToDictionary(l => l.GatewayPaymentId, StringComparer.Ordinal);
        var credits = statement.Entries.Select(e => e.IsCredit ? e : e with { Amount = -e.Amount }).ToList();

        var id = Guid.CreateVersion7();
        var findings = new List<ReconciliationFinding>();
        var matched = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var credit in credits)
        {
            if (!ours.TryGetValue(credit.Reference, out var receipt) || !seen.Add(credit.Reference))
            {
                findings.Add(new ReconciliationFinding { ReconciliationId = id, Kind = MissingInLedger, Reference = credit.Reference, BankAmount = credit.Amount, Date = credit.BookingDate, InvoiceNumber = credit.Remittance });
            }
            else if (receipt.Amount != credit.Amount)
            {
                findings.Add(new ReconciliationFinding { ReconciliationId = id, Kind = AmountDiffers, Reference = credit.Reference, InvoiceNumber = receipt.Number, LedgerAmount = receipt.Amount, BankAmount = credit.Amount, Date = credit.BookingDate });
            }
            else
            {
                matched++;
            }
        }

        foreach (var receipt in ledger.Where(l => !seen.Contains(l.GatewayPaymentId)))
        {
            findings.Add(new ReconciliationFinding { ReconciliationId = id, Kind = MissingAtBank, Reference = receipt.GatewayPaymentId, InvoiceNumber = receipt.Number, LedgerAmount = receipt.Amount, Date = DateOnly.FromDateTime(receipt.PaidAt.UtcDateTime) });
        }

        var run = new Reconciliation
        {
            Id = id,
            FileName = Path.GetFileName(fileName),
            FileSha256 = Convert.ToHexStringLower(SHA256.HashData(file)),
            StatementId = statement.Id,
            PeriodFrom = statement.From,
            PeriodTo = statement.To,
            BankEntries = credits.Count,
            LedgerEntries = ledger.Count,
            Matched = matched,
            RunAt = clock.GetUtcNow(),
            RunBy = runBy,
            Findings = findings,
        };
        db.Reconciliations.Add(run);
        await db.SaveChangesAsync(ct);
        return run;
    }
}
