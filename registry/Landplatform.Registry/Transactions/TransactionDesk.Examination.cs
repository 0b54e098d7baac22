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

/// <summary>Examination: an examiner checks every rule against the register as it stands, or sends the transaction back, or rejects it.</summary>
public sealed partial class TransactionDesk
{
    /// <summary>An examiner checks every rule against the register as it stands; a failure leaves the state as it was.</summary>
    public async Task<RegistryTransaction> ExamineAsync(Guid id, string examiner, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var paid = await LockAsync(id, ct);
        await RequireStateOrSupersededAsync(paid, "examine", ct, TransactionState.Paid);
        var instrument = JsonSerializer.Deserialize<Lodgement>(paid.Instrument, Json)!;
        var read = await TitleReads.ReadAsync((NpgsqlConnection)db.Database.GetDbConnection(), [id], TransactionState.Paid, forRegistration: false, ct);
        var state = read.StateOf(paid) ?? throw new ResourceNotFoundException("title-unknown", $"There is no title {paid.TitleNumber} in the register.");
        await rules.CheckAsync(paid, instrument, state, registering: false, ct);
        await MoveAsync(paid, TransactionState.Examined, examiner, null, ct);
        await transaction.CommitAsync(ct);
        return paid;
    }

    /// <summary>An examiner or registrar sends the transaction back to the notary with what to fix.</summary>
    public Task<RegistryTransaction> RequisitionAsync(Guid id, string reason, string by, CancellationToken ct) =>
        DecideAsync(id, TransactionState.Requisitioned, reason, by, ct,
            TransactionState.Lodged, TransactionState.FeesDue, TransactionState.Paid, TransactionState.Examined);

    /// <summary>An examiner or registrar rejects the transaction; it never registers, and a fee paid for it is refunded.</summary>
    public async Task<RegistryTransaction> RejectAsync(Guid id, string reason, string by, CancellationToken ct)
    {
        var rejected = await DecideAsync(id, TransactionState.Rejected, reason, by, ct, Priority.Pending);
        await deadlines.RefundDueAsync(ct, id);
        return rejected;
    }

    /// <summary>The notary who lodged an application withdraws it before it registers; a fee paid for it is refunded.</summary>
    public async Task<RegistryTransaction> WithdrawAsync(Guid id, string? reason, string notary, CancellationToken ct)
    {
        if (reason is { Length: > 2000 })
        {
            throw new InvalidParameterException("reason", "reason-length", "A reason is at most 2,000 characters.");
        }

        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            var pending = await LockAsync(id, ct);
            RequireLodger(pending, notary, "withdraw");
            RequireState(pending, "be withdrawn", Priority.Pending);
            pending.Note = string.IsNullOrWhiteSpace(reason) ? "withdrawn by the notary who lodged it" : reason.Trim();
            await MoveAsync(pending, TransactionState.Withdrawn, notary, pending.Note, ct);
            await transaction.CommitAsync(ct);
        }

        await deadlines.RefundDueAsync(ct, id);
        return await db.Transactions.AsNoTracking().SingleAsync(t => t.Id == id, ct);
    }
}
