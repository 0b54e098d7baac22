using Landplatform.Cadastre.Contracts;
using Landplatform.Registry.Data;
using Microsoft.EntityFrameworkCore;

namespace Landplatform.Registry.Transactions;

/// <summary>
/// How the registry learns that a transaction's fee is paid. For now the registrar records payments
/// through the registry API (<see cref="RegistrarRecordedFees"/>); the payments module replaces this
/// implementation without the workflow changing.
/// </summary>
public interface IFeeCollection
{
    /// <summary>The fee the schedule sets for a transaction of this kind.</summary>
    Task<decimal> AssessAsync(TransactionKind kind, CancellationToken ct);

    /// <summary>What has been paid towards a transaction so far.</summary>
    Task<decimal> PaidAsync(Guid transactionId, CancellationToken ct);

    /// <summary>Records a payment; the caller's database transaction commits it.</summary>
    Task RecordAsync(Guid transactionId, decimal amount, string reference, string recordedBy, CancellationToken ct);
}

/// <summary>Fees from the registry's fee schedule, paid as the registrar records them.</summary>
public sealed class RegistrarRecordedFees(RegistryDbContext db, TimeProvider clock) : IFeeCollection
{
    public async Task<decimal> AssessAsync(TransactionKind kind, CancellationToken ct) =>
        await db.FeeSchedule.Where(f => f.Kind == kind).Select(f => (decimal?)f.Fee).SingleOrDefaultAsync(ct)
        ?? throw new DomainRuleViolationException("R-FEE", $"The fee schedule has no fee for {kind}.");

    public async Task<decimal> PaidAsync(Guid transactionId, CancellationToken ct) =>
        await db.Payments.Where(p => p.TransactionId == transactionId).SumAsync(p => p.Amount, ct);

    public async Task RecordAsync(Guid transactionId, decimal amount, string reference, string recordedBy, CancellationToken ct)
    {
        db.Payments.Add(new FeePayment
        {
            TransactionId = transactionId, Amount = amount, Reference = reference, RecordedBy = recordedBy, RecordedAt = clock.GetUtcNow(),
        });
        await db.SaveChangesAsync(ct);
    }
}
