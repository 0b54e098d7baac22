using System.Security.Cryptography;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Documents;
using Landplatform.Cadastre.Contracts.Payments;
using Landplatform.Cadastre.Contracts.Persons;
using Landplatform.Cadastre.Contracts.Tax;
using Landplatform.Registry.Data;
using Landplatform.Registry.Journal;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Landplatform.Registry.Transactions;

/// <summary>A document as uploaded: its kind, name and content.</summary>
public sealed record DocumentUpload(string Kind, string FileName, Stream Content);

/// <summary>What registration did: the journal entry and the titles it touched.</summary>
public sealed record RegistrationResult(Guid TransactionId, long JournalSeq, IReadOnlyList<string> Titles);

/// <summary>
/// The registry's counter: a notary lodges, attaches documents and submits; the registrar records the
/// fee; an examiner examines; the registrar registers (or an examiner or registrar sends it back or
/// rejects it). Each step checks the state it starts from; registration re-checks every rule under a
/// lock on the title, so conflicting transactions cannot both register. One file per job: this one holds
/// what every step shares; lodging (TransactionDesk.Lodging), fees (.Fees), examination (.Examination),
/// registration (.Registration); the rules (<see cref="RegistrationRules"/>), priority (<see cref="Priority"/>),
/// the one reader of titles (<see cref="TitleReads"/>), the one decision of a registration's effects
/// (<see cref="RegistrationEffects"/>) and their one writer (<see cref="RegistrationWrites"/>) are types of their own.
/// </summary>
public sealed partial class TransactionDesk(RegistryDbContext db, IFeeCollection fees, IUinScheme uins, TimeProvider clock, RegistryLinks links, RegistrationQueue queue,
    ApplicationLapses deadlines)
{
    /// <summary>The outbox event of every registered transaction.</summary>
    public const string RegisteredEvent = Landplatform.Cadastre.Contracts.Events.PlatformEventTypes.TransactionRegistered;

    public static readonly IReadOnlyList<string> DocumentKinds = ["deed", "consent", "probate", "letters-of-administration", "survey-plan", "court-order", "other"];

    private const long MaxDocumentBytes = 20 * 1024 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly RegistrationRules rules = new(db, links, clock);

    public static TransactionKind ParseKind(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "transfer" => TransactionKind.Transfer,
        "mortgage" => TransactionKind.Mortgage,
        "discharge" => TransactionKind.Discharge,
        "caveat" => TransactionKind.Caveat,
        "caveat-withdrawal" => TransactionKind.CaveatWithdrawal,
        "subdivision" => TransactionKind.Subdivision,
        "rectification" => TransactionKind.Rectification,
        _ => throw new InvalidParameterException("kind", "transaction-kind",
            $"'{text}' is not a transaction the registry takes: transfer, mortgage, discharge, caveat, caveat-withdrawal, subdivision or rectification."),
    };

    public static string KindName(TransactionKind kind) => RegistryDbContext.SnakeCase(kind.ToString()).Replace('_', '-');

    private async Task<RegistryTransaction> DecideAsync(Guid id, TransactionState to, string reason, string by, CancellationToken ct, params TransactionState[] from)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new InvalidParameterException("reason", "reason-required", "Say what is wrong, so the notary can act on it.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var pending = await LockAsync(id, ct);
        RequireState(pending, to == TransactionState.Rejected ? "reject" : "requisition", from);
        pending.Note = reason.Trim();
        await MoveAsync(pending, to, by, pending.Note, ct);
        if (to == TransactionState.Requisitioned)
        {
            // A requisition has a deadline: unanswered, the application lapses (ApplicationLapses).
            await db.Database.ExecuteSqlInterpolatedAsync($"UPDATE registry.transactions SET requisition_due_at = {deadlines.RequisitionDeadline()} WHERE id = {id}", ct);
        }

        await transaction.CommitAsync(ct);
        return pending;
    }

    private async Task<RegistryTransaction> LockAsync(Guid id, CancellationToken ct) =>
        await db.Transactions.FromSqlInterpolated($"SELECT * FROM registry.transactions WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct)
        ?? throw new ResourceNotFoundException("transaction-unknown", $"There is no registry transaction {id}.");

    // The notary who lodged a transaction answers for it: only they complete it (documents, submission), also after a
    // requisition. Another notary's attempt changes nothing.
    private static void RequireLodger(RegistryTransaction transaction, string notary, string action)
    {
        if (!string.Equals(transaction.LodgedBy, notary, StringComparison.Ordinal))
        {
            throw new ActionNotPermittedException("R-LODGER",
                $"Transaction {transaction.Id} was lodged by another notary; only the notary who lodged it may {action} it.");
        }
    }

    /// <summary>
    /// As <see cref="RequireState"/>, but an application requisitioned because an earlier one took the land is refused for that
    /// reason (R-OWNER, with the requisition's words), not for its state: that is what the examiner or registrar needs to hear.
    /// </summary>
    private async Task RequireStateOrSupersededAsync(RegistryTransaction transaction, string action, CancellationToken ct, params TransactionState[] allowed)
    {
        if (!allowed.Contains(transaction.State) && transaction.State == TransactionState.Requisitioned &&
            await db.Database.SqlQuery<Guid?>($"SELECT superseded_by AS \"Value\" FROM registry.transactions WHERE id = {transaction.Id}").SingleAsync(ct) is { } by)
        {
            throw new DomainRuleViolationException("R-OWNER",
                $"Transaction {transaction.Id} was requisitioned: its grantors no longer own title {transaction.TitleNumber}, which transaction {by} took first. {transaction.Note}");
        }

        RequireState(transaction, action, allowed);
    }

    private static void RequireState(RegistryTransaction transaction, string action, params TransactionState[] allowed)
    {
        if (!allowed.Contains(transaction.State))
        {
            throw new DomainRuleViolationException("R-STATE",
                $"Transaction {transaction.Id} is {StateName(transaction.State)}; only a transaction that is {string.Join(" or ", allowed.Select(StateName))} can {action}.");
        }
    }

    public static string StateName(TransactionState state) => RegistryDbContext.SnakeCase(state.ToString()).Replace('_', '-');

    private async Task MoveAsync(RegistryTransaction transaction, TransactionState to, string by, string? note, CancellationToken ct)
    {
        transaction.State = to;
        db.Steps.Add(new TransactionStep { TransactionId = transaction.Id, State = to, At = clock.GetUtcNow(), By = by, Note = note });
        await db.SaveChangesAsync(ct);
    }

    /// <inheritdoc cref="ConsentRules.RequiredDocuments"/>
    public static IReadOnlyList<string> RequiredDocuments(TransactionKind kind, string? reason, bool mortgaged) =>
        ConsentRules.RequiredDocuments(kind, reason, mortgaged);

    internal static string Describe(PartyReference party) =>
        party.PartyId is { } id ? $"Party {id}" : party.Uin is { } uin ? $"The person with UIN {uin}" : $"The organisation {party.RegistrationNumber}";

    private DateOnly Today() => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
}

/// <summary>A lodgement's outcome: the application, and when it was a retry under an Idempotency-Key, the first answer as stored (null until stored).</summary>
public sealed record LodgedApplication(RegistryTransaction Transaction, string? Replay)
{
    /// <summary>True when this request lodged nothing: it repeated an earlier one under the same key.</summary>
    public bool Replayed { get; init; }
}

/// <summary>An Idempotency-Key as the registry stored it.</summary>
internal sealed record StoredAnswer(string Fingerprint, Guid TransactionId, string? Response);

/// <summary>An owner as events and extracts show them.</summary>
public sealed record OwnerShare(long PartyId, string Name, string? Uin, string? RegistrationNumber, string Share);
