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
/// lock on the title, so conflicting transactions cannot both register.
/// </summary>
public sealed partial class TransactionDesk(RegistryDbContext db, IFeeCollection fees, IUinScheme uins, TimeProvider clock, RegistryLinks links, RegistrationQueue queue)
{
    /// <summary>The outbox event of every registered transaction.</summary>
    public const string RegisteredEvent = Landplatform.Cadastre.Contracts.Events.PlatformEventTypes.TransactionRegistered;

    public static readonly IReadOnlyList<string> DocumentKinds = ["deed", "consent", "probate", "letters-of-administration", "survey-plan", "court-order", "other"];

    private const long MaxDocumentBytes = 20 * 1024 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly TransactionState[] Pending =
        [TransactionState.Lodged, TransactionState.FeesDue, TransactionState.Paid, TransactionState.Examined, TransactionState.Requisitioned];

    private static readonly TransactionKind[] BlockedByCaveat = [TransactionKind.Transfer, TransactionKind.Mortgage, TransactionKind.Subdivision];

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

    /// <summary>A notary lodges an instrument; it waits in state lodged for documents and submission.</summary>
    public Task<RegistryTransaction> LodgeAsync(Lodgement lodgement, string notary, CancellationToken ct) =>
        LodgeAsync(lodgement, notary, Lodger.Notary, ct);

    /// <summary>An instrument is lodged by whoever <see cref="ConsentRules.CheckLodger"/> allows for its kind.</summary>
    public async Task<RegistryTransaction> LodgeAsync(Lodgement lodgement, string notary, Lodger lodger, CancellationToken ct)
    {
        var kind = ParseKind(lodgement.Kind);
        ConsentRules.CheckLodger(kind, lodger);
        var normalised = await VerifyNewPersonsAsync(Validate(kind, lodgement), ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);

        // A shared lock on the title: a registration in progress (which holds it exclusively) finishes
        // first, so lodgement time orders priority exactly as the register saw it.
        var open = await db.Titles.FromSqlInterpolated($"SELECT * FROM registry.titles WHERE title_number = {normalised.TitleNumber} FOR SHARE")
            .AsNoTracking().SingleOrDefaultAsync(ct)
            ?? throw new ResourceNotFoundException("title-unknown", $"There is no title {normalised.TitleNumber} in the register.");
        if (open.ClosedAt is not null)
        {
            throw new DomainRuleViolationException("R-TITLE", $"Title {open.TitleNumber} was closed on {open.ClosedAt:yyyy-MM-dd}; lodge against the titles that replaced it.");
        }

        var now = clock.GetUtcNow();
        var lodged = new RegistryTransaction
        {
            Id = Guid.CreateVersion7(now),
            Kind = kind,
            State = TransactionState.Lodged,
            TitleNumber = normalised.TitleNumber,
            Instrument = JsonSerializer.Serialize(normalised, Json),
            InstrumentDate = normalised.InstrumentDate!.Value,
            LodgedAt = now,
            LodgedBy = notary,
        };
        db.Transactions.Add(lodged);
        db.Steps.Add(new TransactionStep { TransactionId = lodged.Id, State = TransactionState.Lodged, At = now, By = notary });
        await db.SaveChangesAsync(ct);
        await NoticeToOwnersAsync(lodged, ct);
        await transaction.CommitAsync(ct);
        return lodged;
    }

    /// <summary>The outbox event of every lodgement: the registered owners hear of any application against their title.</summary>
    public const string LodgedEvent = Landplatform.Cadastre.Contracts.Events.PlatformEventTypes.TransactionLodged;

    // In the lodgement's own database transaction (ARCHITECTURE.md, Events): no application is lodged unannounced.
    private async Task NoticeToOwnersAsync(RegistryTransaction lodged, CancellationToken ct)
    {
        var owners = await OwnersAsync(lodged.TitleNumber!, ct);
        var payload = JsonSerializer.Serialize(new
        {
            transactionId = lodged.Id,
            kind = KindName(lodged.Kind),
            titleNumber = lodged.TitleNumber,
            lodgedAt = lodged.LodgedAt,
            lodgedBy = lodged.LodgedBy,
            owners = owners.Select(o => new { o.PartyId, o.Uin, o.RegistrationNumber }),
        }, Json);
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO exchange.outbox (event_id, type, occurred_at, correlation_id, payload)
            VALUES ({Guid.CreateVersion7()}, {LodgedEvent}, {lodged.LodgedAt}, {lodged.Id}, {payload}::jsonb);
            SELECT pg_notify('lp_outbox', {LodgedEvent});
            """, ct);
    }

    /// <summary>A notary attaches a document to a lodged (or requisitioned) transaction; its SHA-256 is recorded.</summary>
    public async Task<TransactionDocument> AttachAsync(Guid id, DocumentUpload upload, string notary, CancellationToken ct)
    {
        var kind = upload.Kind.Trim().ToLowerInvariant();
        if (!DocumentKinds.Contains(kind))
        {
            throw new InvalidParameterException("kind", "document-kind", $"'{upload.Kind}' is not a document kind: {string.Join(", ", DocumentKinds)}.");
        }

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long length = 0;
        int read;
        while ((read = await upload.Content.ReadAsync(buffer, ct)) > 0)
        {
            length += read;
            if (length > MaxDocumentBytes)
            {
                throw new InvalidParameterException("file", "document-size", $"A document may hold at most {MaxDocumentBytes / 1024 / 1024} MiB.");
            }

            sha.AppendData(buffer, 0, read);
        }

        if (length == 0)
        {
            throw new InvalidParameterException("file", "document-empty", "The document is empty.");
        }

        return await RecordDocumentAsync(id, kind, Path.GetFileName(upload.FileName), length, Convert.ToHexStringLower(sha.GetHashAndReset()), notary, ct);
    }

    /// <summary>
    /// A notary attaches a document by its SHA-256, as stored by the documents module (a signed deed lodged
    /// at <c>POST /api/documents/deeds</c>): the registry keeps the reference, not a copy.
    /// </summary>
    public async Task<TransactionDocument> AttachReferenceAsync(Guid id, string? kind, string? sha256, string notary, CancellationToken ct)
    {
        var normalisedKind = (kind ?? string.Empty).Trim().ToLowerInvariant();
        if (!DocumentKinds.Contains(normalisedKind))
        {
            throw new InvalidParameterException("kind", "document-kind", $"'{kind}' is not a document kind: {string.Join(", ", DocumentKinds)}.");
        }

        var address = (sha256 ?? string.Empty).Trim().ToLowerInvariant();
        if (address.Length != 64 || !address.All(Uri.IsHexDigit))
        {
            throw new InvalidParameterException("sha256", "sha256-format", "A document is named by its SHA-256: 64 hexadecimal digits.");
        }

        return await RecordDocumentAsync(id, normalisedKind, $"{address}.pdf", null, address, notary, ct);
    }

    private async Task<TransactionDocument> RecordDocumentAsync(Guid id, string kind, string fileName, long? length, string sha256, string notary, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var lodged = await LockAsync(id, ct);
        RequireLodger(lodged, notary, "attach documents to");
        RequireState(lodged, "attach a document to", TransactionState.Lodged, TransactionState.Requisitioned);

        // A document is evidence for one transaction only: the same content never serves a second one.
        if (await db.Documents.AsNoTracking().Where(d => d.Sha256 == sha256 && d.TransactionId != id).Select(d => (Guid?)d.TransactionId).FirstOrDefaultAsync(ct) is { } other)
        {
            throw new DomainRuleViolationException("R-DOCS-REUSED",
                $"This document (SHA-256 {sha256}) is already attached to registry transaction {other}; a document is accepted once across the register.");
        }

        // A deed must be one the lodging notary lodged signed with the documents module, naming this transaction.
        string? signer = null;
        if (kind == "deed" && links.Deeds is { } deeds)
        {
            var verified = await VerifyDeedAsync(deeds, sha256, lodged, ct);

            signer = verified.SignerSubject;
            fileName = verified.DeedId is { } deedId && length is null ? $"deed-{deedId}.pdf" : fileName;
        }
        var document = new TransactionDocument
        {
            TransactionId = id, Kind = kind, FileName = fileName, Length = length ?? 0,
            Sha256 = sha256, AttachedAt = clock.GetUtcNow(), AttachedBy = signer is null ? notary : $"{notary} (signed by {signer})",
        };
        db.Documents.Add(document);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return document;
    }

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

        lodged.Fee ??= await fees.AssessAsync(lodged.Kind, ct);
        var paid = await fees.PaidAsync(id, ct);
        await MoveAsync(lodged, paid >= lodged.Fee ? TransactionState.Paid : TransactionState.FeesDue, notary, null, ct);
        await transaction.CommitAsync(ct);
        return lodged;
    }

    /// <summary>The fee code of the payments schedule for a kind of transaction, e.g. <c>registry.transfer</c>.</summary>
    public static string FeeCode(TransactionKind kind) => "registry." + KindName(kind);

    public const string DutyFeeCode = "tax.transfer-duty";

    private async Task InvoiceAsync(IFeeInvoicing invoicing, RegistryTransaction lodged, string notary, CancellationToken ct)
    {
        var items = new List<FeeItem> { new(FeeCode(lodged.Kind)) };
        var instrument = JsonSerializer.Deserialize<Lodgement>(lodged.Instrument, Json)!;
        if (lodged.Kind == TransactionKind.Transfer && links.Duty is { } assessor)
        {
            var upis = await db.TitleParcels.AsNoTracking().Where(p => p.TitleNumber == lodged.TitleNumber).OrderBy(p => p.Upi).Select(p => p.Upi).ToListAsync(ct);
            var consideration = instrument.Reason == "sale" ? instrument.Amount ?? 0m : 0m;
            var duty = await assessor.AssessAsync(new TransferDutyRequest(instrument.Reason!, upis, consideration, "XCD", lodged.InstrumentDate), ct);
            lodged.Duty = duty.Amount;
            lodged.DutyBasis = duty.Basis;
            if (duty.Amount > 0)
            {
                items.Add(new FeeItem(DutyFeeCode, 1, duty.Amount));
            }
        }

        var issued = await invoicing.IssueAsync(
            new InvoiceRequest(RegistryFeesSubscriber.SubjectType, lodged.Id.ToString(), notary, null, items, lodged.Id, notary), ct);
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

    /// <summary>An examiner checks every rule against the register as it stands; a failure leaves the state as it was.</summary>
    public async Task<RegistryTransaction> ExamineAsync(Guid id, string examiner, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var paid = await LockAsync(id, ct);
        RequireState(paid, "examine", TransactionState.Paid);
        var instrument = JsonSerializer.Deserialize<Lodgement>(paid.Instrument, Json)!;
        await CheckRulesAsync(paid, instrument, await ReadTitleAsync(paid, instrument, forRegistration: false, ct), ct);
        await MoveAsync(paid, TransactionState.Examined, examiner, null, ct);
        await transaction.CommitAsync(ct);
        return paid;
    }

    /// <summary>An examiner or registrar sends the transaction back to the notary with what to fix.</summary>
    public Task<RegistryTransaction> RequisitionAsync(Guid id, string reason, string by, CancellationToken ct) =>
        DecideAsync(id, TransactionState.Requisitioned, reason, by, ct,
            TransactionState.Lodged, TransactionState.FeesDue, TransactionState.Paid, TransactionState.Examined);

    /// <summary>An examiner or registrar rejects the transaction; it never registers.</summary>
    public Task<RegistryTransaction> RejectAsync(Guid id, string reason, string by, CancellationToken ct) =>
        DecideAsync(id, TransactionState.Rejected, reason, by, ct, Pending);

    /// <summary>
    /// The registrar registers an examined transaction: under an exclusive lock on the title every rule
    /// is checked again (priority included), the rights change, the journal gets its entry and the
    /// outbox its event, all in one database transaction. Registrations asked for at the same moment
    /// share that transaction and its commit (<see cref="RegistrationQueue"/>), each in a savepoint of its own.
    /// </summary>
    public Task<RegistrationResult> RegisterAsync(Guid id, string registrar, CancellationToken ct) => queue.RegisterAsync(id, registrar, ct);

    /// <summary>
    /// One registration inside the caller's database transaction: locks, rules, rights and the state change;
    /// the caller appends the journal entry and the event, then commits.
    /// </summary>
    internal async Task<PreparedRegistration> RegisterWithinAsync(Guid id, string registrar, CancellationToken ct)
    {
        var examined = await LockAsync(id, ct);
        RequireState(examined, "register", TransactionState.Examined);
        var instrument = JsonSerializer.Deserialize<Lodgement>(examined.Instrument, Json)!;

        // One round trip: the title locked for update, then everything the rules and the new rights read.
        var state = await ReadTitleAsync(examined, instrument, forRegistration: true, ct);
        await CheckRulesAsync(examined, instrument, state, ct);

        var now = clock.GetUtcNow();
        var title = state.Title;
        var previousOwners = state.Owners;
        var titles = new List<string> { title.TitleNumber };
        var parcels = state.Parcels.ToList();
        var added = new List<RegisteredRight>();
        IReadOnlyList<OwnerShare>? newOwners = null;
        switch (examined.Kind)
        {
            case TransactionKind.Transfer or TransactionKind.Rectification:
                EndRights(state, r => r.Kind == RightKind.Ownership, examined.Id, now);
                foreach (var grantee in instrument.Grantees!)
                {
                    var share = Share.Parse(grantee.Share, "grantees");
                    added.Add(NewRight(title.TitleNumber, RightKind.Ownership, await PartyAsync(grantee, state.Parties, ct), share, null, null, examined.Id, now));
                }

                break;
            case TransactionKind.Mortgage:
                added.Add(NewRight(title.TitleNumber, RightKind.Mortgage, await PartyAsync(instrument.Beneficiary!, state.Parties, ct), Share.Whole, instrument.Amount, instrument.Terms, examined.Id, now));
                newOwners = previousOwners;
                break;
            case TransactionKind.Caveat:
                added.Add(NewRight(title.TitleNumber, RightKind.Caveat, await PartyAsync(instrument.Beneficiary!, state.Parties, ct), Share.Whole, null, instrument.Terms, examined.Id, now));
                newOwners = previousOwners;
                break;
            case TransactionKind.Discharge or TransactionKind.CaveatWithdrawal:
                // The rules made sure the right is a mortgage or caveat in force: ownership does not change.
                EndRights(state, r => r.Id == instrument.RightId, examined.Id, now);
                newOwners = previousOwners;
                break;
            case TransactionKind.Subdivision:
                var children = await ChildParcelsAsync(parcels, ct);
                foreach (var child in children)
                {
                    var childTitle = "T-" + child;
                    db.Titles.Add(new Title { TitleNumber = childTitle, OpenedAt = now, OpenedByTransactionId = examined.Id });
                    db.TitleParcels.Add(new TitleParcel { TitleNumber = childTitle, Upi = child, CreatedByTransactionId = examined.Id });
                    foreach (var right in state.Current)
                    {
                        added.Add(NewRight(childTitle, right.Kind, right.PartyId, new Share(right.ShareNumerator, right.ShareDenominator), right.Amount, right.Terms, examined.Id, now));
                    }

                    titles.Add(childTitle);
                }

                EndRights(state, _ => true, examined.Id, now);
                db.Titles.Attach(title);
                title.ClosedAt = now;
                title.ClosedByTransactionId = examined.Id;
                parcels.AddRange(children);
                break;
            default:
                throw new DomainRuleViolationException("transaction-kind", $"{examined.Kind} is not registered through the desk.");
        }

        db.Rights.AddRange(added);
        examined.RegisteredAt = now;
        await MoveAsync(examined, TransactionState.Registered, registrar, null, ct);

        // The new owners as the register now holds them: the grantees' rights in the order they were written,
        // with the holders as the register knows them (read again only when a holder was entered just now).
        if (newOwners is null && examined.Kind is TransactionKind.Transfer or TransactionKind.Rectification &&
            added.All(r => state.Parties.ContainsKey(r.PartyId)))
        {
            newOwners = added.OrderBy(r => r.Id).Select(r => state.Parties[r.PartyId] with { Share = $"{r.ShareNumerator}/{r.ShareDenominator}" }).ToList();
        }

        newOwners ??= await OwnersAsync(examined.Kind == TransactionKind.Subdivision ? titles[1] : title.TitleNumber, ct);
        return new PreparedRegistration(examined.Id, KindName(examined.Kind), title.TitleNumber, titles, now,
            EventPayload(examined, instrument, titles, parcels, previousOwners, newOwners));
    }

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

    /// <summary>What the rules and a registration read about a transaction's title, fetched in one round trip.</summary>
    private sealed record TitleState(
        Title Title,
        (Guid Id, DateTimeOffset LodgedAt, TransactionState State)? Earlier,
        IReadOnlyList<RegisteredRight> Current,
        IReadOnlyList<OwnerShare> Owners,
        IReadOnlyList<(string Kind, string Sha256)> Documents,
        IReadOnlyList<string> Parcels,
        Dictionary<long, OwnerShare> Parties);

    /// <summary>
    /// Reads, in one batch (one round trip), the title (locked for update when registering), the earliest
    /// pending transaction lodged before this one (registering only), the rights in force, the owners, the
    /// documents, the parcels and (registering only) the parties the instrument names. Each statement runs
    /// after the one before, so everything after the lock sees the title as the lock holder leaves it.
    /// </summary>
    private async Task<TitleState> ReadTitleAsync(RegistryTransaction transaction, Lodgement instrument, bool forRegistration, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var batch = new NpgsqlBatch(connection);
        NpgsqlBatchCommand Add(string sql)
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.AddWithValue("t", transaction.TitleNumber!);
            command.Parameters.AddWithValue("id", transaction.Id);
            batch.BatchCommands.Add(command);
            return command;
        }

        Add("SELECT title_number, opened_at, opened_by_transaction_id, closed_at, closed_by_transaction_id FROM registry.titles WHERE title_number = @t"
            + (forRegistration ? " FOR UPDATE" : string.Empty));
        if (forRegistration)
        {
            var priority = Add("""
                SELECT id, lodged_at, state FROM registry.transactions
                WHERE title_number = @t AND id <> @id AND state = ANY(@pending) AND (lodged_at < @lodged OR (lodged_at = @lodged AND id < @id))
                ORDER BY lodged_at LIMIT 1
                """);
            priority.Parameters.AddWithValue("pending", Pending.Select(p => RegistryDbContext.SnakeCase(p.ToString())).ToArray());
            priority.Parameters.AddWithValue("lodged", transaction.LodgedAt);
        }

        Add("""
            SELECT id, title_number, kind, party_id, share_numerator, share_denominator, amount, terms, valid_from, created_by_transaction_id
            FROM registry.rights WHERE title_number = @t AND valid_to IS NULL ORDER BY id
            """);
        Add("""
            SELECT p.id, p.name, p.uin, p.registration_number, r.share_numerator, r.share_denominator
            FROM registry.rights r JOIN registry.parties p ON p.id = r.party_id
            WHERE r.title_number = @t AND r.valid_to IS NULL AND r.kind = 'ownership' ORDER BY r.id
            """);
        Add("SELECT kind, sha256 FROM registry.transaction_documents WHERE transaction_id = @id ORDER BY id");
        Add("SELECT upi FROM registry.title_parcels WHERE title_number = @t ORDER BY upi");
        if (forRegistration)
        {
            var named = (instrument.Grantees ?? []).Append(instrument.Beneficiary).Where(p => p is not null).Select(p => p!).ToList();
            var parties = Add("""
                SELECT id, name, uin, registration_number FROM registry.parties
                WHERE id = ANY(@ids) OR uin = ANY(@uins) OR registration_number = ANY(@numbers)
                """);
            parties.Parameters.AddWithValue("ids", named.Where(p => p.PartyId is not null).Select(p => p.PartyId!.Value).ToArray());
            parties.Parameters.AddWithValue("uins", named.Where(p => p.PartyId is null && p.Uin is not null).Select(p => p.Uin!).ToArray());
            parties.Parameters.AddWithValue("numbers", named.Where(p => p.PartyId is null && p.Uin is null && p.RegistrationNumber is not null).Select(p => p.RegistrationNumber!).ToArray());
        }

        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            throw new ResourceNotFoundException("title-unknown", $"There is no title {transaction.TitleNumber} in the register.");
        }

        var title = new Title
        {
            TitleNumber = reader.GetString(0), OpenedAt = reader.GetFieldValue<DateTimeOffset>(1), OpenedByTransactionId = reader.GetGuid(2),
            ClosedAt = reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), ClosedByTransactionId = reader.IsDBNull(4) ? null : reader.GetGuid(4),
        };
        (Guid, DateTimeOffset, TransactionState)? earlier = null;
        if (forRegistration)
        {
            await reader.NextResultAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                earlier = (reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), Enum.Parse<TransactionState>(reader.GetString(2).Replace("_", string.Empty, StringComparison.Ordinal), true));
            }
        }

        var current = new List<RegisteredRight>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            current.Add(new RegisteredRight
            {
                Id = reader.GetInt64(0), TitleNumber = reader.GetString(1),
                Kind = Enum.Parse<RightKind>(reader.GetString(2).Replace("_", string.Empty, StringComparison.Ordinal), true),
                PartyId = reader.GetInt64(3), ShareNumerator = reader.GetInt64(4), ShareDenominator = reader.GetInt64(5),
                Amount = reader.IsDBNull(6) ? null : reader.GetDecimal(6), Terms = reader.IsDBNull(7) ? null : reader.GetString(7),
                ValidFrom = reader.GetFieldValue<DateTimeOffset>(8), CreatedByTransactionId = reader.GetGuid(9),
            });
        }

        var owners = new List<OwnerShare>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            owners.Add(new OwnerShare(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), $"{reader.GetInt64(4)}/{reader.GetInt64(5)}"));
        }

        var documents = new List<(string, string)>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            documents.Add((reader.GetString(0), reader.GetString(1)));
        }

        var parcels = new List<string>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            parcels.Add(reader.GetString(0));
        }

        var known = new Dictionary<long, OwnerShare>();
        if (forRegistration)
        {
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                known[reader.GetInt64(0)] = new OwnerShare(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), string.Empty);
            }
        }

        return new TitleState(title, earlier, current, owners, documents, parcels, known);
    }

    /// <summary>
    /// Every rule a transaction must pass before it registers; the first that fails is thrown with its id.
    /// Registration reads the title under its lock, and only then is priority checked.
    /// </summary>
    private async Task CheckRulesAsync(RegistryTransaction transaction, Lodgement instrument, TitleState state, CancellationToken ct)
    {
        var titleNumber = transaction.TitleNumber!;
        var title = state.Title;
        if (title.ClosedAt is not null)
        {
            throw new DomainRuleViolationException("R-TITLE", $"Title {titleNumber} was closed on {title.ClosedAt:yyyy-MM-dd}; nothing more registers on it.");
        }

        if (transaction.InstrumentDate > Today())
        {
            throw new DomainRuleViolationException("R-DATE", $"The instrument is dated {transaction.InstrumentDate:yyyy-MM-dd}, a date still in the future.");
        }

        if (state.Earlier is { } earlier)
        {
            throw new DomainRuleViolationException("R-PRIORITY",
                $"Transaction {earlier.Id}, lodged earlier ({earlier.LodgedAt:O}) on title {titleNumber}, is still {StateName(earlier.State)}: it has priority, so this one waits until it is registered or rejected.");
        }

        var current = state.Current;
        var caveat = current.FirstOrDefault(r => r.Kind == RightKind.Caveat);
        if (caveat is not null && BlockedByCaveat.Contains(transaction.Kind))
        {
            throw new DomainRuleViolationException("R-CAVEAT",
                $"Caveat {caveat.Id} on title {titleNumber} forbids any {KindName(transaction.Kind)} until it is withdrawn.");
        }

        switch (transaction.Kind)
        {
            case TransactionKind.Transfer or TransactionKind.Mortgage:
                CheckGrantors(titleNumber, instrument.Grantors ?? [], state.Owners);
                break;
            case TransactionKind.Discharge or TransactionKind.CaveatWithdrawal:
                var wanted = transaction.Kind == TransactionKind.Discharge ? RightKind.Mortgage : RightKind.Caveat;
                if (!current.Any(r => r.Id == instrument.RightId && r.Kind == wanted))
                {
                    throw new DomainRuleViolationException("R-RIGHT",
                        $"Right {instrument.RightId} is not a registered {RegistryDbContext.SnakeCase(wanted.ToString())} in force on title {titleNumber}.");
                }

                break;
            case TransactionKind.Subdivision:
                if ((await ChildParcelsAsync(state.Parcels, ct)).Count == 0)
                {
                    throw new DomainRuleViolationException("R-SURVEY",
                        $"Parcel {string.Join(", ", state.Parcels)} of title {titleNumber} has not been subdivided by an approved survey: the fabric holds no current children of it.");
                }

                break;
        }

        if (transaction.Kind is TransactionKind.Transfer or TransactionKind.Rectification &&
            !Share.SumToOne((instrument.Grantees ?? []).Select((g, i) => Share.Parse(g.Share, $"grantees[{i}].share"))))
        {
            throw new DomainRuleViolationException("R-SHARES", "The new owners' shares must add up to exactly one.");
        }

        var attached = state.Documents.Select(d => d.Kind).Distinct().ToList();
        if (transaction.Kind == TransactionKind.Rectification)
        {
            ConsentRules.CheckRectification(instrument, attached, caveat is not null, Today(), links.RectificationNoticeDays);
        }

        if (transaction.Kind == TransactionKind.Transfer && instrument.Reason == "inheritance" && (instrument.Grantors ?? []).Any(g => g.Deceased != true))
        {
            throw new DomainRuleViolationException("R-DEATH", "A transmission on death registers only when the civil registry recorded each grantor's death at lodgement.");
        }

        var missing = RequiredDocuments(transaction.Kind, instrument.Reason, current.Any(r => r.Kind == RightKind.Mortgage))
            .Where(required => !attached.Any(a => ConsentRules.Satisfies(a, required))).ToList();
        if (missing.Count > 0)
        {
            throw new DomainRuleViolationException("R-DOCS",
                $"A {KindName(transaction.Kind)} needs {string.Join(" and ", missing)} attached before it can register.");
        }

        // The deed is checked again: content, signature (as of its receipt), binding to this transaction and its lodger.
        if (links.Deeds is { } deeds)
        {
            foreach (var deed in state.Documents.Where(d => d.Kind == "deed").Select(d => d.Sha256).Distinct())
            {
                await VerifyDeedAsync(deeds, deed, transaction, ct);
            }
        }
    }

    /// <summary>
    /// A deed counts for a transaction when its signature verifies (by a certificate not revoked when the platform
    /// received it), it names the transaction in what was signed, and the notary who lodged the transaction lodged it.
    /// </summary>
    private static async Task<DeedVerification> VerifyDeedAsync(ISignedDeeds deeds, string sha256, RegistryTransaction transaction, CancellationToken ct)
    {
        var verified = await deeds.VerifyAsync(sha256, transaction.Id.ToString(), ct);
        if (!verified.Verified)
        {
            throw new DomainRuleViolationException("R-DOCS", verified.Failure ?? $"Deed {sha256} does not verify.");
        }

        if (verified.LodgedBy is { } deedLodger && !string.Equals(deedLodger, transaction.LodgedBy, StringComparison.Ordinal))
        {
            throw new DomainRuleViolationException("R-DOCS",
                $"Deed {verified.DeedId} was signed and lodged by {deedLodger}, not by {transaction.LodgedBy}, who lodged this transaction: a notary attaches only deeds they signed for it.");
        }

        return verified;
    }

    /// <inheritdoc cref="ConsentRules.RequiredDocuments"/>
    public static IReadOnlyList<string> RequiredDocuments(TransactionKind kind, string? reason, bool mortgaged) =>
        ConsentRules.RequiredDocuments(kind, reason, mortgaged);

    /// <summary>
    /// Every grantor must be a registered owner, and every registered owner a grantor. A grantor is matched the
    /// way the register finds a party: by party id, else by UIN (unique), else by registration number (unique).
    /// </summary>
    private static void CheckGrantors(string titleNumber, IReadOnlyList<PartyReference> grantors, IReadOnlyList<OwnerShare> owners)
    {
        var signing = new HashSet<long>();
        foreach (var grantor in grantors)
        {
            var owner = owners.FirstOrDefault(o =>
                grantor.PartyId is { } id ? o.PartyId == id
                : grantor.Uin is { } uin ? o.Uin == uin
                : o.RegistrationNumber == grantor.RegistrationNumber);
            if (owner is null)
            {
                throw new DomainRuleViolationException("R-OWNER",
                    $"{Describe(grantor)} is not a registered owner of title {titleNumber}: only its registered owners can transfer or mortgage it.");
            }

            signing.Add(owner.PartyId);
        }

        var absent = owners.Where(o => !signing.Contains(o.PartyId)).DistinctBy(o => o.PartyId).Select(o => o.Name).ToList();
        if (absent.Count > 0)
        {
            throw new DomainRuleViolationException("R-OWNER",
                $"Registered owner(s) {string.Join(", ", absent)} of title {titleNumber} did not sign: every registered owner must be a grantor.");
        }
    }

    private static string Describe(PartyReference party) =>
        party.PartyId is { } id ? $"Party {id}" : party.Uin is { } uin ? $"The person with UIN {uin}" : $"The organisation {party.RegistrationNumber}";

    private async Task<long?> FindPartyAsync(PartyReference party, CancellationToken ct)
    {
        if (party.PartyId is { } id)
        {
            return await db.Parties.AnyAsync(p => p.Id == id, ct) ? id : null;
        }

        return party.Uin is { } uin
            ? await db.Parties.Where(p => p.Uin == uin).Select(p => (long?)p.Id).SingleOrDefaultAsync(ct)
            : await db.Parties.Where(p => p.RegistrationNumber == party.RegistrationNumber).Select(p => (long?)p.Id).SingleOrDefaultAsync(ct);
    }

    /// <summary>The party an instrument names, entered in the register when it is new to it.</summary>
    private async Task<long> PartyAsync(PartyReference reference, IReadOnlyDictionary<long, OwnerShare> read, CancellationToken ct)
    {
        var found = read.Values.FirstOrDefault(p =>
            reference.PartyId is { } id ? p.PartyId == id
            : reference.Uin is { } uin ? p.Uin == uin
            : p.RegistrationNumber == reference.RegistrationNumber);
        if (found is not null)
        {
            return found.PartyId;
        }

        if (await FindPartyAsync(reference, ct) is { } known)
        {
            return known;
        }

        if (string.IsNullOrWhiteSpace(reference.Name))
        {
            throw new DomainRuleViolationException("party-unknown", $"{Describe(reference)} is not in the register yet, and the instrument gives no name to enter.");
        }

        // Two registrations may bring in the same new person at once: the second waits for the first and takes its row.
        var person = reference.Uin is not null;
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO registry.parties (kind, uin, registration_number, name, recorded_at, date_of_birth, deceased, date_of_death, verified_at)
            VALUES ({(person ? "person" : "organisation")}, {reference.Uin}, {(person ? null : reference.RegistrationNumber)}, {reference.Name}, {clock.GetUtcNow()},
                    {reference.DateOfBirth}, {reference.Deceased == true}, {reference.DateOfDeath}, {reference.VerifiedAt})
            ON CONFLICT DO NOTHING
            """, ct);
        return await FindPartyAsync(reference, ct)
            ?? throw new DomainRuleViolationException("party-unknown", $"{Describe(reference)} could not be entered in the register.");
    }

    private static RegisteredRight NewRight(string title, RightKind kind, long party, Share share, decimal? amount, string? terms, Guid transaction, DateTimeOffset at) =>
        new()
        {
            TitleNumber = title, Kind = kind, PartyId = party, ShareNumerator = share.Numerator, ShareDenominator = share.Denominator,
            Amount = amount, Terms = terms, ValidFrom = at, CreatedByTransactionId = transaction,
        };

    /// <summary>Ends rights in force read under the title's lock; the next save writes valid_to and the ending transaction, nothing else.</summary>
    private void EndRights(TitleState state, Func<RegisteredRight, bool> which, Guid transaction, DateTimeOffset at)
    {
        foreach (var right in state.Current.Where(which))
        {
            db.Rights.Attach(right);
            right.ValidTo = at;
            right.EndedByTransactionId = transaction;
        }
    }

    private async Task<List<OwnerShare>> OwnersAsync(string title, CancellationToken ct)
    {
        await db.SaveChangesAsync(ct);
        return await (from r in db.Rights
                      join p in db.Parties on r.PartyId equals p.Id
                      where r.TitleNumber == title && r.ValidTo == null && r.Kind == RightKind.Ownership
                      orderby r.Id
                      select new OwnerShare(p.Id, p.Name, p.Uin, p.RegistrationNumber, r.ShareNumerator + "/" + r.ShareDenominator)).ToListAsync(ct);
    }

    /// <summary>The current children the fabric made of these parcels by a subdivision (read from the cadastre, never written).</summary>
    private async Task<List<string>> ChildParcelsAsync(IReadOnlyList<string> parcels, CancellationToken ct)
    {
        var upis = parcels.ToArray();
        return await db.Database.SqlQuery<string>($"""
            SELECT e.child_upi AS "Value" FROM cadastre.lineage_edges e
            JOIN cadastre.parcel_versions v ON v.upi = e.child_upi AND v.status = 'current'
            WHERE e.parent_upi = ANY({upis}) AND NOT EXISTS (SELECT 1 FROM registry.title_parcels tp WHERE tp.upi = e.child_upi)
            ORDER BY e.child_upi
            """).ToListAsync(ct);
    }

    // The event goes to the outbox in the same transaction as the registration (ARCHITECTURE.md, Events):
    // the tax roll and permits learn of the new owners once it commits, never before, never not.
    private static string EventPayload(RegistryTransaction transaction, Lodgement instrument, IReadOnlyList<string> titles,
        IReadOnlyList<string> parcels, IReadOnlyList<OwnerShare> previousOwners, IReadOnlyList<OwnerShare> newOwners) =>
        JsonSerializer.Serialize(new
        {
            transactionId = transaction.Id,
            kind = KindName(transaction.Kind),
            reason = instrument.Reason,
            titleNumber = transaction.TitleNumber,
            titles,
            parcels,
            previousOwners,
            newOwners,
            consideration = instrument.Amount,
            instrumentDate = transaction.InstrumentDate,
            registeredAt = transaction.RegisteredAt,
        }, Json);

    private DateOnly Today() => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    /// <summary>Checks the instrument's shape before anything is stored: bad input changes nothing.</summary>
    private Lodgement Validate(TransactionKind kind, Lodgement lodgement)
    {
        if (string.IsNullOrWhiteSpace(lodgement.TitleNumber))
        {
            throw new InvalidParameterException("titleNumber", "title-number", "Name the title the instrument acts on, e.g. T-CH-00012-0007.");
        }

        if (lodgement.InstrumentDate is null)
        {
            throw new InvalidParameterException("instrumentDate", "R-DATE", "The instrument's date (YYYY-MM-DD) is required.");
        }

        if (lodgement.InstrumentDate > Today())
        {
            throw new InvalidParameterException("instrumentDate", "R-DATE", $"The instrument is dated {lodgement.InstrumentDate:yyyy-MM-dd}, a date in the future.");
        }

        var reason = lodgement.Reason?.Trim().ToLowerInvariant();
        switch (kind)
        {
            case TransactionKind.Transfer:
                if (reason is not ("sale" or "gift" or "inheritance"))
                {
                    throw new InvalidParameterException("reason", "transfer-reason", "A transfer is a sale, a gift or an inheritance.");
                }

                RequireParties(lodgement.Grantors, "grantors", withShares: false);
                RequireParties(lodgement.Grantees, "grantees", withShares: true);
                break;
            case TransactionKind.Rectification:
                RequireParties(lodgement.Grantees, "grantees", withShares: true);
                if (string.IsNullOrWhiteSpace(lodgement.Grounds))
                {
                    throw new InvalidParameterException("grounds", "rectification-grounds", "A rectification states its grounds: what in the register is wrong and the order or decision that corrects it.");
                }

                break;
            case TransactionKind.Mortgage:
                RequireParties(lodgement.Grantors, "grantors", withShares: false);
                RequireParty(lodgement.Beneficiary, "beneficiary");
                if (lodgement.Amount is not > 0)
                {
                    throw new InvalidParameterException("amount", "amount-format", "A mortgage secures a positive amount.");
                }

                break;
            case TransactionKind.Caveat:
                RequireParty(lodgement.Beneficiary, "beneficiary");
                if (string.IsNullOrWhiteSpace(lodgement.Terms))
                {
                    throw new InvalidParameterException("terms", "caveat-grounds", "A caveat states the interest it protects.");
                }

                break;
            case TransactionKind.Discharge or TransactionKind.CaveatWithdrawal:
                if (lodgement.RightId is null)
                {
                    throw new InvalidParameterException("rightId", "right-required", "Name the right (rightId) that ends.");
                }

                break;
        }

        return lodgement with { Kind = KindName(kind), TitleNumber = lodgement.TitleNumber.Trim().ToUpperInvariant(), Reason = reason };
    }

    /// <summary>
    /// Every person an instrument names is checked against the civil registry before anything is stored, and
    /// the answers are kept in the instrument (deceased, date of death, when checked). A grantee or beneficiary
    /// new to the register must match by name (and date of birth, when given): a mismatch is refused naming the
    /// field, e.g. <c>grantees[0].name</c>. A person recorded dead takes nothing (R-DECEASED); a transmission on
    /// death needs each grantor's death recorded (R-DEATH), any other dealing living grantors (ConsentRules).
    /// </summary>
    private async Task<Lodgement> VerifyNewPersonsAsync(Lodgement lodgement, CancellationToken ct)
    {
        var persons = links.Persons;

        async Task<(PartyReference Party, bool IsPerson)> CheckAsync(PartyReference given, string parameter)
        {
            // What the civil registry said is for the registry to write, never the notary.
            var party = given with { Deceased = null, DateOfDeath = null, VerifiedAt = null };
            var known = await KnownPartyAsync(party, ct);
            if (known is not null)
            {
                if (known.Kind != PartyKind.Person)
                {
                    return (party, false);
                }

                party = party with { Name = party.Name ?? known.Name, Deceased = known.Deceased ? true : null, DateOfDeath = known.DateOfDeath };
                if (persons is null || known.Uin is not { } knownUin)
                {
                    return (party, true);
                }

                // A death may have been registered since the register last heard of this person: ask again.
                var answer = await AskAsync(persons, new PersonClaim(knownUin, known.Name, known.DateOfBirth), parameter, ct);
                return (party with { Deceased = answer.Deceased, DateOfDeath = answer.DateOfDeath, VerifiedAt = answer.CheckedAt }, true);
            }

            if (party.Uin is not { } uin)
            {
                return (party, party.RegistrationNumber is null);
            }

            if (persons is null)
            {
                return (party, true);
            }

            if (string.IsNullOrWhiteSpace(party.Name))
            {
                throw new InvalidParameterException($"{parameter}.name", "party-name", $"{Describe(party)} is new to the register: give the name as the civil registry records it.");
            }

            var verified = await AskAsync(persons, new PersonClaim(uin, party.Name.Trim(), party.DateOfBirth), parameter, ct);
            return (party with
            {
                Name = verified.Name, DateOfBirth = verified.DateOfBirth ?? party.DateOfBirth, Deceased = verified.Deceased,
                DateOfDeath = verified.DateOfDeath, VerifiedAt = verified.CheckedAt,
            }, true);
        }

        var grantees = lodgement.Grantees;
        if (grantees is not null)
        {
            var checkedGrantees = new List<PartyReference>();
            for (var i = 0; i < grantees.Count; i++)
            {
                var (grantee, _) = await CheckAsync(grantees[i], $"grantees[{i}]");
                ConsentRules.CheckTaker(grantee, $"grantees[{i}]");
                checkedGrantees.Add(grantee);
            }

            grantees = checkedGrantees;
        }

        var grantors = lodgement.Grantors;
        if (grantors is not null)
        {
            var checkedGrantors = new List<PartyReference>();
            for (var i = 0; i < grantors.Count; i++)
            {
                var (grantor, isPerson) = await CheckAsync(grantors[i], $"grantors[{i}]");
                if (persons is not null || lodgement.Reason == "inheritance")
                {
                    ConsentRules.CheckGrantor(lodgement.Reason, grantor, isPerson, $"grantors[{i}]");
                }

                checkedGrantors.Add(grantor);
            }

            grantors = checkedGrantors;
        }

        PartyReference? beneficiary = null;
        if (lodgement.Beneficiary is { } b)
        {
            (beneficiary, _) = await CheckAsync(b, "beneficiary");
            ConsentRules.CheckTaker(beneficiary, "beneficiary");
        }

        return lodgement with { Grantors = grantors, Grantees = grantees, Beneficiary = beneficiary };
    }

    private static async Task<VerifiedPerson> AskAsync(IPersonRegistry persons, PersonClaim claim, string parameter, CancellationToken ct)
    {
        try
        {
            return await persons.VerifyAsync(claim, ct);
        }
        catch (InvalidParameterException e)
        {
            throw new InvalidParameterException($"{parameter}.{e.Parameter}", e.Rule, e.Message);
        }
    }

    private async Task<Party?> KnownPartyAsync(PartyReference party, CancellationToken ct) =>
        party.PartyId is { } id ? await db.Parties.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, ct)
        : party.Uin is { } uin ? await db.Parties.AsNoTracking().SingleOrDefaultAsync(p => p.Uin == uin, ct)
        : party.RegistrationNumber is { } number ? await db.Parties.AsNoTracking().SingleOrDefaultAsync(p => p.RegistrationNumber == number, ct)
        : null;

    private void RequireParties(IReadOnlyList<PartyReference>? parties, string parameter, bool withShares)
    {
        if (parties is null || parties.Count == 0)
        {
            throw new InvalidParameterException(parameter, "parties-required", $"The instrument names no {parameter}.");
        }

        for (var i = 0; i < parties.Count; i++)
        {
            RequireParty(parties[i], $"{parameter}[{i}]");
            if (withShares)
            {
                Share.Parse(parties[i].Share, $"{parameter}[{i}].share");
            }
        }

        if (withShares && !Share.SumToOne(parties.Select((p, i) => Share.Parse(p.Share, $"{parameter}[{i}].share"))))
        {
            throw new InvalidParameterException(parameter, "R-SHARES",
                $"The shares of the {parameter} add up to {string.Join(" + ", parties.Select(p => p.Share))}, not exactly one.");
        }
    }

    private void RequireParty(PartyReference? party, string parameter)
    {
        if (party is null || (party.PartyId is null && party.Uin is null && party.RegistrationNumber is null))
        {
            throw new InvalidParameterException(parameter, "party-reference", "Name a party by partyId, uin (a person) or registrationNumber (an organisation).");
        }

        if (party.Uin is { } uin && uins.Check(uin) is { IsValid: false } check)
        {
            throw new InvalidParameterException($"{parameter}.uin", check.Rule, check.Message);
        }
    }
}

/// <summary>An owner as events and extracts show them.</summary>
public sealed record OwnerShare(long PartyId, string Name, string? Uin, string? RegistrationNumber, string Share);
