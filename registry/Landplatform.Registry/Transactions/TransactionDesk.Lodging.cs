using System.Security.Cryptography;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Documents;
using Landplatform.Cadastre.Contracts.Events;
using Landplatform.Cadastre.Contracts.Payments;
using Landplatform.Cadastre.Contracts.Persons;
using Landplatform.Cadastre.Contracts.Tax;
using Landplatform.Registry.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Landplatform.Registry.Transactions;

/// <summary>Lodging: a notary lodges an instrument (checked for shape and against the civil registry), the owners hear of it, and documents are attached.</summary>
public sealed partial class TransactionDesk
{
    /// <summary>A notary lodges an instrument; it waits in state lodged for documents and submission.</summary>
    public Task<RegistryTransaction> LodgeAsync(Lodgement lodgement, string notary, CancellationToken ct) =>
        LodgeAsync(lodgement, notary, Lodger.Notary, ct);

    /// <summary>An instrument is lodged by whoever <see cref="ConsentRules.CheckLodger"/> allows for its kind.</summary>
    public async Task<RegistryTransaction> LodgeAsync(Lodgement lodgement, string notary, Lodger lodger, CancellationToken ct) =>
        (await LodgeAsync(lodgement, notary, lodger, null, ct)).Transaction;

    /// <summary>
    /// Lodges with an Idempotency-Key: the first request with the key lodges; a retry with the same key and the same
    /// instrument (also one sent at the same moment) lodges nothing and gets the first application back, with the answer
    /// the first request got once it was stored (<see cref="RememberAnswerAsync"/>); the same key with another instrument
    /// is refused (422 idempotency-key-reused). Without a key every request is a new application.
    /// </summary>
    public async Task<LodgedApplication> LodgeAsync(Lodgement lodgement, string notary, Lodger lodger, string? idempotencyKey, CancellationToken ct)
    {
        var fingerprint = IdempotencyKeys.Fingerprint($"POST /api/registry/transactions {lodger} {JsonSerializer.Serialize(lodgement, Json)}");
        if (idempotencyKey is not null && await ReplayAsync(notary, idempotencyKey, fingerprint, ct) is { } replayed)
        {
            return replayed;
        }

        var kind = ParseKind(lodgement.Kind);
        ConsentRules.CheckLodger(kind, lodger);
        var normalised = await VerifyNewPersonsAsync(Validate(kind, lodgement), ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var id = Guid.CreateVersion7(clock.GetUtcNow());
        if (idempotencyKey is not null)
        {
            // The key's row is written first: a request with the same key at the same moment waits here for this one's commit, then replays it.
            var claimed = await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO registry.idempotency_keys (caller, key, fingerprint, transaction_id, created_at)
                VALUES ({notary}, {idempotencyKey}, {fingerprint}, {id}, {clock.GetUtcNow()}) ON CONFLICT DO NOTHING
                """, ct);
            if (claimed == 0)
            {
                await transaction.RollbackAsync(ct);
                return await ReplayAsync(notary, idempotencyKey, fingerprint, ct)
                    ?? throw new InvalidOperationException($"Idempotency-Key {idempotencyKey} was taken and then not found.");
            }
        }

        // An exclusive lock on the title (registration's too): a registration in progress finishes first, and two lodgements on
        // one title take their day-book places and times one after the other, so the day book orders priority as the register saw it.
        var open = await db.Titles.FromSqlInterpolated($"SELECT * FROM registry.titles WHERE title_number = {normalised.TitleNumber} FOR NO KEY UPDATE")
            .AsNoTracking().SingleOrDefaultAsync(ct)
            ?? throw new ResourceNotFoundException("title-unknown", $"There is no title {normalised.TitleNumber} in the register.");
        if (open.ClosedAt is not null)
        {
            throw new DomainRuleViolationException("R-TITLE", $"Title {open.TitleNumber} was closed on {open.ClosedAt:yyyy-MM-dd}; lodge against the titles that replaced it.");
        }

        if (await db.Database.SqlQueryRaw<bool>(ProvisionalTitleSql, open.TitleNumber).SingleAsync(ct))
        {
            throw new DomainRuleViolationException("R-PROVISIONAL",
                $"Title {open.TitleNumber} is provisional (a first registration whose challenge period or objections are not done): it takes no dealings until it is made absolute.");
        }

        var now = clock.GetUtcNow();
        var lodged = new RegistryTransaction
        {
            Id = id,
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
        return new LodgedApplication(lodged, null);
    }

    // A key already used: the same request gets its application (and the first answer, once stored); another request is refused.
    private async Task<LodgedApplication?> ReplayAsync(string caller, string key, string fingerprint, CancellationToken ct)
    {
        var earlier = await db.Database.SqlQuery<StoredAnswer>($"""
            SELECT fingerprint AS "Fingerprint", transaction_id AS "TransactionId", response::text AS "Response"
            FROM registry.idempotency_keys WHERE caller = {caller} AND key = {key}
            """).SingleOrDefaultAsync(ct);
        if (earlier is null)
        {
            return null;
        }

        if (earlier.Fingerprint != fingerprint)
        {
            throw IdempotencyKeys.Reused(key);
        }

        var first = await db.Transactions.AsNoTracking().SingleAsync(t => t.Id == earlier.TransactionId, ct);
        return new LodgedApplication(first, earlier.Response) { Replayed = true };
    }

    /// <summary>
    /// Keeps the answer the first request with an Idempotency-Key got, so a retry gets exactly it (status and body); returns the
    /// answer kept, which is another request's when a twin sent at the same moment kept its own first.
    /// </summary>
    public async Task<string> RememberAnswerAsync(string caller, string key, int status, string body, CancellationToken ct)
    {
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            UPDATE registry.idempotency_keys SET status = {status}, response = {body} WHERE caller = {caller} AND key = {key} AND response IS NULL
            """, ct);
        return await db.Database.SqlQuery<string>($"SELECT response AS \"Value\" FROM registry.idempotency_keys WHERE caller = {caller} AND key = {key}").SingleAsync(ct);
    }

    // Whether the title {0} is a provisional title of a first registration (R-PROVISIONAL).
    private static readonly string ProvisionalTitleSql = $"SELECT {Conversions.FirstRegistrations.ProvisionalSql("{0}")} AS \"Value\"";

    /// <summary>The outbox event of every lodgement: the registered owners hear of any application against their title.</summary>
    public const string LodgedEvent = Landplatform.Cadastre.Contracts.Events.PlatformEventTypes.TransactionLodged;

    // In the lodgement's own database transaction (ARCHITECTURE.md, Events): no application is lodged unannounced.
    private async Task NoticeToOwnersAsync(RegistryTransaction lodged, CancellationToken ct)
    {
        var owners = await OwnersAsync(lodged.TitleNumber!, ct);
        var payload = EventPayloads.Serialize(new TransactionLodgedPayload(lodged.Id, KindName(lodged.Kind), lodged.TitleNumber, lodged.LodgedAt, lodged.LodgedBy,
            [.. owners.Select(o => new NoticedOwner(o.PartyId, o.Uin, o.RegistrationNumber))]));
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
            var verified = await RegistrationRules.VerifyDeedAsync(deeds, sha256, lodged, ct);
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

    private async Task<List<OwnerShare>> OwnersAsync(string title, CancellationToken ct)
    {
        await db.SaveChangesAsync(ct);
        return await (from r in db.Rights
                      join p in db.Parties on r.PartyId equals p.Id
                      where r.TitleNumber == title && r.ValidTo == null && r.Kind == RightKind.Ownership
                      orderby r.Id
                      select new OwnerShare(p.Id, p.Name, p.Uin, p.RegistrationNumber, r.ShareNumerator + "/" + r.ShareDenominator)).ToListAsync(ct);
    }

    /// <summary>The earliest date an instrument lodged for registration may bear.</summary>
    public static readonly DateOnly EarliestInstrumentDate = new(1800, 1, 1);

    /// <summary>The largest amount an instrument may state (ten billion EC dollars, far above any parcel of the island).</summary>
    public const decimal MaxAmount = 10_000_000_000m;

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

        if (lodgement.InstrumentDate < EarliestInstrumentDate)
        {
            throw new InvalidParameterException("instrumentDate", "R-DATE",
                $"The instrument is dated {lodgement.InstrumentDate:yyyy-MM-dd}, before {EarliestInstrumentDate:yyyy-MM-dd}: no instrument that old is lodged for registration (a historic deed belongs in the root of title of a first registration).");
        }

        if (lodgement.Amount is { } amount && (amount < 0 || amount > MaxAmount || decimal.Round(amount, 2) != amount))
        {
            throw new InvalidParameterException("amount", "amount-range",
                $"An instrument's amount is in EC dollars, from 0 to {MaxAmount:N0}, with at most two decimals; {amount} is not.");
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
            case TransactionKind.Subdivision when reason == ConsentRules.ApprovedSurvey:
                throw new InvalidParameterException("reason", "subdivision-reason",
                    "A subdivision for an approved survey is registered by the registry when the registrar approves the survey; a notary lodges one with its deed.");
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
            var party = given with { Deceased = null, DateOfDeath = null, VerifiedAt = null, Citizen = null };
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
                return (party with { Deceased = answer.Deceased, DateOfDeath = answer.DateOfDeath, VerifiedAt = answer.CheckedAt, Citizen = answer.Citizen }, true);
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
                DateOfDeath = verified.DateOfDeath, VerifiedAt = verified.CheckedAt, Citizen = verified.Citizen,
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
