using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Payments;
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
    /// <summary>The fee the schedule sets for a transaction of this kind, on this value where it charges by value band.</summary>
    Task<decimal> AssessAsync(TransactionKind kind, decimal value, CancellationToken ct);

    /// <summary>What has been paid towards a transaction so far.</summary>
    Task<decimal> PaidAsync(Guid transactionId, CancellationToken ct);

    /// <summary>Records a payment; the caller's database transaction commits it.</summary>
    Task RecordAsync(Guid transactionId, decimal amount, string reference, string recordedBy, CancellationToken ct);
}

/// <summary>
/// Fees of the standard schedule (<see cref="StandardFees"/>, the rows the payments module starts from), paid as the
/// registrar records them: the registry composed without the payments module keeps no schedule of its own.
/// </summary>
public sealed class RegistrarRecordedFees(RegistryDbContext db, TimeProvider clock) : IFeeCollection
{
    public Task<decimal> AssessAsync(TransactionKind kind, decimal value, CancellationToken ct) =>
        Task.FromResult(StandardFees.Initial.Where(f => f.Code == TransactionDesk.FeeCode(kind)).Select(f => StandardFees.Charge(f, value)).FirstOrDefault()
            ?? throw new DomainRuleViolationException("R-FEE", $"The fee schedule has no fee for {kind}."));

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
