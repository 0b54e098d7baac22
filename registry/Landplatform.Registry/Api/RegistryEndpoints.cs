using System.Security.Claims;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Payments;
using Landplatform.Registry.Data;
using Landplatform.Registry.Journal;
using Landplatform.Registry.Search;
using Landplatform.Registry.Transactions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Landplatform.Registry.Api;

/// <summary>A requisition or rejection: what is wrong.</summary>
public sealed record RegistryDecision(string Reason);

/// <summary>A notary's withdrawal of their application: why, optionally.</summary>
public sealed record RegistryWithdrawal(string? Reason);

/// <summary>A payment the registrar records against a transaction's fee.</summary>
public sealed record PaymentRecord(decimal Amount, string Reference);

/// <summary>A document of a transaction as the API shows it.</summary>
public sealed record DocumentView(string Kind, string FileName, long Length, string Sha256, DateTimeOffset AttachedAt, string AttachedBy);

/// <summary>A state change as the API shows it.</summary>
public sealed record StepView(string State, DateTimeOffset At, string By, string? Note);

/// <summary>A document attached by reference: the SHA-256 of a signed deed (or other document) the documents module holds.</summary>
public sealed record DocumentReference(string? Kind, string? Sha256);

/// <summary>
/// The invoice for a transaction's fee and duty, as the payments module issued it: the notary pays it through
/// <c>POST /api/payments/invoices/{InvoiceId}/payments</c>. Status is <c>open</c> until the payment is reported, then <c>paid</c>.
/// </summary>
public sealed record InvoiceSummary(Guid InvoiceId, string? Number, decimal? Total, string Currency, string Status, decimal? Fee, decimal? Duty, string? DutyBasis,
    string? ReceiptNumber, DateTimeOffset? PaidAt, string PaymentUrl);

/// <summary>A registry fee of the one schedule; <paramref name="Kind"/> is the transaction kind (or search) it is charged on.</summary>
public sealed record RegistryFeeView(string Code, string Kind, string Description, decimal? Amount, string Unit, decimal? PerThousand, decimal? Threshold, string Charge);

/// <summary>A registry transaction as the API shows it.</summary>
public sealed record TransactionView(
    Guid Id, string Kind, string State, string? TitleNumber, DateOnly InstrumentDate, DateTimeOffset LodgedAt, string LodgedBy,
    decimal? Fee, decimal Paid, DateTimeOffset? RegisteredAt, string? Note, JsonElement Instrument,
    IReadOnlyList<DocumentView> Documents, IReadOnlyList<StepView> Steps, InvoiceSummary? Invoice,
    string? ApplicationNumber = null, LodgementReceipt? Receipt = null, IReadOnlyList<LodgementWarning>? Warnings = null,
    DateTimeOffset? RequisitionDueAt = null, Guid? SupersededBy = null, RefundSummary? Refund = null);

/// <summary>The lodgement receipt: the application's number and place in the day book, what it acts on, and when it was lodged (to the second).</summary>
public sealed record LodgementReceipt(string ApplicationNumber, long DayBookPlace, string? TitleNumber, string Kind, DateTimeOffset LodgedAt, string LodgedBy);

/// <summary>The refund of a lapsed, rejected or withdrawn application's fee, as the payments module made it at the gateway.</summary>
public sealed record RefundSummary(DateTimeOffset RefundedAt, string Reference);

/// <summary>The day-book columns of a transaction (kept beside the ones EF maps).</summary>
internal sealed record ApplicationFacts(string? ApplicationNumber, long? DayBookPlace, DateTimeOffset? RequisitionDueAt, Guid? SupersededBy, DateTimeOffset? RefundedAt, string? RefundReference);

/// <summary>An application lodged against a title the signed-in person owns.</summary>
public sealed record OwnerNotice(Guid TransactionId, string Kind, string TitleNumber, string State, DateTimeOffset LodgedAt);

/// <summary>The registry's API under <c>/api/registry</c>.</summary>
public static class RegistryEndpoints
{
    /// <summary>Maps every registry endpoint; returns the group of public reads so the host can rate-limit it.</summary>
    private const int CheckpointsPerPage = 10_000;

    public static RouteGroupBuilder MapRegistryEndpoints(this IEndpointRouteBuilder app)
    {
        var registry = app.MapGroup("/api/registry").WithTags("Registry");
        var reads = registry.MapGroup(string.Empty).AllowAnonymous();
        reads.MapGet("/search", SearchAsync)
            .WithSummary("Titles by upi= (a UPI or its prefix), name= (an owner's name, fuzzy) or address= (part of an address); history=true adds past owners. No UINs for the public.");
        reads.MapGet("/titles/{titleNumber}", async (string titleNumber, bool? history, ClaimsPrincipal user, TitleExtracts extracts, CancellationToken ct) =>
                TypedResults.Ok(await extracts.BuildAsync(titleNumber.Trim().ToUpperInvariant(), history == true, user, ct)))
            .WithSummary("The title extract: parcels with boundaries, current owners, rights, restrictions, hazard zones touching the parcels; history=true adds past owners.");
        reads.MapGet("/titles/{titleNumber}/extract.pdf", async (string titleNumber, ClaimsPrincipal user, TitleExtracts extracts, ExtractFont font, CancellationToken ct) =>
            {
                var extract = await extracts.BuildAsync(titleNumber.Trim().ToUpperInvariant(), false, user, ct);
                return TypedResults.File(TitleExtractDocument.Render(extract, font), "application/pdf", $"{extract.TitleNumber}.pdf");
            })
            .WithSummary("The title extract as a printable PDF: parcel map, parcels, owners, rights, restrictions, hazard zones.");
        reads.MapGet("/parcels/{upi}/title", async (string upi, bool? history, ClaimsPrincipal user, TitleExtracts extracts, CancellationToken ct) =>
                TypedResults.Ok(await extracts.BuildAsync(await extracts.TitleOfParcelAsync(ParcelIdentifier.Parse(upi, "upi"), ct), history == true, user, ct)))
            .WithSummary("The extract of the title that covers a parcel (the open one, else the last).");
        reads.MapGet("/journal/checkpoints", (long? after, JournalCheckpointLog log) =>
            {
                if (!log.Configured)
                {
                    throw new ResourceNotFoundException("checkpoints-not-configured", "This server writes no journal checkpoints (Registry:Checkpoints:Directory is not set).");
                }

                var all = log.Read();
                var page = all.Where(c => after is null || c.Seq > after).Take(CheckpointsPerPage).ToList();
                return TypedResults.Ok(new
                {
                    algorithm = "ECDSA P-256 with SHA-256; signature DER (RFC 3279), base64",
                    signedText = "landplatform journal checkpoint v1\n{seq}\n{hash}\n{at}",
                    publicKey = log.PublicKeyPem(),
                    checkpoints = page,
                    next = page.Count == CheckpointsPerPage && all.Count > 0 && page[^1].Seq < all[^1].Seq ? $"/api/registry/journal/checkpoints?after={page[^1].Seq}" : null,
                });
            })
            .WithSummary("The journal's signed checkpoints (seq, hash, at, keyId, signature), oldest first, after= a seq, 10,000 a page, and the public key: keep a copy and verify with ./lp registry verify --checkpoints FILE --public-key FILE.");
        reads.MapGet("/fees", async (RegistryLinks links, CancellationToken ct) =>
            {
                // The payments module's schedule when composed (the one a deployment changes), else the standard one it starts from.
                var schedule = links.Invoicing is { } invoicing ? await invoicing.ScheduleAsync("registry", ct) : StandardFees.Initial.Where(f => f.Category == "registry").ToList();
                return TypedResults.Ok(schedule.Select(f => new RegistryFeeView(f.Code, f.Code["registry.".Length..], f.Description, f.Amount, f.Unit, f.PerThousand, f.Threshold, StandardFees.Describe(f))));
            })
            .WithSummary("The registry's fees from the one fee schedule (the payments module's), in EC dollars: code, kind, amount or base, per 1,000 above the threshold for a fee by value band, and the rule in words.");

        registry.MapGet("/search/by-uin", async (string uin, bool? history, int? limit, ClaimsPrincipal user, RegisterSearch search, CancellationToken ct) =>
                TypedResults.Ok(await search.FindAsync(SearchBy.Uin, uin.Trim().ToUpperInvariant(), history != false, Limit(limit), user, ct)))
            .RequireAuthorization(AccessPolicyNames.RegistryReaders)
            .WithSummary("Titles a person holds or held, by UIN: registry staff and clients with registry.read only.");

        registry.MapGet("/notices", async (ClaimsPrincipal user, RegistryDbContext db, TimeProvider clock, CancellationToken ct) =>
            {
                // The owner's notice of every application against their land (the registry.transaction.lodged events, read back).
                var uin = user.FindFirst(AccessPolicyNames.UinClaim)?.Value;
                if (string.IsNullOrEmpty(uin))
                {
                    return TypedResults.Ok(Array.Empty<OwnerNotice>());
                }

                var since = clock.GetUtcNow().AddDays(-365);
                var titles = db.Rights.Where(r => r.Kind == RightKind.Ownership && r.ValidTo == null && db.Parties.Any(p => p.Id == r.PartyId && p.Uin == uin))
                    .Select(r => r.TitleNumber);
                var notices = await db.Transactions.AsNoTracking()
                    .Where(t => t.Kind != TransactionKind.InitialLoad && t.LodgedAt >= since && titles.Contains(t.TitleNumber!))
                    .OrderByDescending(t => t.LodgedAt).Take(200).ToListAsync(ct);
                return TypedResults.Ok(notices.Select(t => new OwnerNotice(t.Id, TransactionDesk.KindName(t.Kind), t.TitleNumber!, TransactionDesk.StateName(t.State), t.LodgedAt)).ToArray());
            })
            .RequireAuthorization(AccessPolicyNames.SignedIn)
            .WithSummary("The signed-in owner's notices: every application lodged against a title they own in the last year, newest first, with its state.");

        var transactions = registry.MapGroup("/transactions");
        transactions.MapPost("/", async (Lodgement lodgement, HttpRequest request, ClaimsPrincipal user, TransactionDesk desk, RegistryDbContext db,
                IOptions<JsonOptions> json, CancellationToken ct) =>
            {
                var key = IdempotencyKeys.Read(request.Headers[IdempotencyKeys.Header].ToString());
                var lodged = await desk.LodgeAsync(lodgement, Who(user), Lodger.Notary, key, ct);
                var location = $"/api/registry/transactions/{lodged.Transaction.Id}";
                request.HttpContext.Response.Headers.Location = location;
                if (lodged.Replayed)
                {
                    request.HttpContext.Response.Headers["Idempotent-Replayed"] = "true";
                }

                // The first answer as sent is what a retry gets back, byte for byte.
                var body = lodged.Replay ?? JsonSerializer.Serialize(await ViewAsync(db, lodged.Transaction.Id, ct), json.Value.SerializerOptions);
                if (key is not null && lodged.Replay is null)
                {
                    body = await desk.RememberAnswerAsync(Who(user), key, StatusCodes.Status201Created, body, ct);
                }

                return Results.Text(body, "application/json", System.Text.Encoding.UTF8, StatusCodes.Status201Created);
            })
            .Produces<TransactionView>(StatusCodes.Status201Created)
            .RequireAuthorization(AccessPolicyNames.Notaries)
            .WithSummary("A notary lodges a transfer, mortgage, discharge, caveat, caveat-withdrawal or subdivision (a rectification is the registrar's: 403 R-RECTIFY). With an Idempotency-Key, a retry of the same instrument gets the first answer (Idempotent-Replayed: true) and lodges nothing; the key with another instrument is a 422 idempotency-key-reused.");
        // A rectification is the registrar's: lodged, documented (a court order) and submitted by the registrar,
        // then examined and registered as any other instrument (ConsentRules).
        var rectifications = registry.MapGroup("/rectifications").RequireAuthorization(AccessPolicyNames.Registrars);
        rectifications.MapPost("/", async (Lodgement lodgement, ClaimsPrincipal user, TransactionDesk desk, RegistryDbContext db, CancellationToken ct) =>
            {
                var lodged = await desk.LodgeAsync(lodgement with { Kind = "rectification" }, Who(user), Lodger.Registrar, ct);
                return TypedResults.Created($"/api/registry/transactions/{lodged.Id}", await ViewAsync(db, lodged.Id, ct));
            })
            .WithSummary("The registrar lodges a rectification: grantees (the corrected owners), grounds, and noticeServedAt (notice to the registered proprietor) unless a court order is attached.");
        rectifications.MapPost("/{id:guid}/documents", AttachAsync).DisableAntiforgery()
            .WithSummary("The registrar attaches the court order (kind court-order) or another document to their rectification.");
        rectifications.MapPost("/{id:guid}/submission", async (Guid id, ClaimsPrincipal user, TransactionDesk desk, RegistryDbContext db, CancellationToken ct) =>
                await Then(db, (await desk.SubmitAsync(id, Who(user), ct)).Id, ct))
            .WithSummary("The registrar submits the rectification for examination (no fee).");
        transactions.MapPost("/{id:guid}/documents", AttachAsync).RequireAuthorization(AccessPolicyNames.Notaries).DisableAntiforgery()
            .WithSummary("A notary attaches a document: JSON {kind, sha256} naming one the documents module holds (a deed must be a signed deed lodged there, its signature verified), or multipart file + kind; its SHA-256 is recorded.");
        transactions.MapPost("/{id:guid}/submission", async (Guid id, ClaimsPrincipal user, TransactionDesk desk, RegistryDbContext db, CancellationToken ct) =>
                await Then(db, (await desk.SubmitAsync(id, Who(user), ct)).Id, ct))
            .RequireAuthorization(AccessPolicyNames.Notaries).WithSummary("The notary submits: the fee (and a transfer's duty) is invoiced through the payments module (state fees-due, or paid when paid already).");
        transactions.MapPost("/{id:guid}/payments", async (Guid id, PaymentRecord payment, ClaimsPrincipal user, TransactionDesk desk, RegistryDbContext db, CancellationToken ct) =>
                await Then(db, (await desk.RecordPaymentAsync(id, payment.Amount, payment.Reference, Who(user), ct)).Id, ct))
            .RequireAuthorization(AccessPolicyNames.Registrars).WithSummary("Only where no payments module is composed: the registrar records a payment towards the fee. With payments, a 409 R-FEE: pay the invoice.");
        transactions.MapPost("/{id:guid}/examination", async (Guid id, ClaimsPrincipal user, TransactionDesk desk, RegistryDbContext db, CancellationToken ct) =>
                await Then(db, (await desk.ExamineAsync(id, Who(user), ct)).Id, ct))
            .RequireAuthorization(AccessPolicyNames.Examiners).WithSummary("An examiner checks the rules (R-OWNER, R-SHARES, R-CAVEAT, R-ALIEN, R-DOCS, R-DATE, R-RIGHT, R-SURVEY); a failure is a 409 naming the rule.");
        transactions.MapPost("/{id:guid}/registration", async (Guid id, ClaimsPrincipal user, TransactionDesk desk, RegistryDbContext db, CancellationToken ct) =>
            {
                var result = await desk.RegisterAsync(id, Who(user), ct);
                return TypedResults.Ok(new { transaction = await ViewAsync(db, id, ct), journalEntry = result.JournalSeq, titles = result.Titles });
            })
            .RequireAuthorization(AccessPolicyNames.Registrars).WithSummary("The registrar registers an examined transaction: every rule again (R-PRIORITY too) under a lock on the title, then the rights, the journal entry and the event.");
        transactions.MapPost("/{id:guid}/requisition", async (Guid id, RegistryDecision decision, ClaimsPrincipal user, TransactionDesk desk, RegistryDbContext db, CancellationToken ct) =>
                await Then(db, (await desk.RequisitionAsync(id, decision.Reason, Who(user), ct)).Id, ct))
            .RequireAuthorization(AccessPolicyNames.RegistryDeciders).WithSummary("An examiner or registrar sends the transaction back to the notary, saying what to fix.");
        transactions.MapPost("/{id:guid}/rejection", async (Guid id, RegistryDecision decision, ClaimsPrincipal user, TransactionDesk desk, RegistryDbContext db, CancellationToken ct) =>
                await Then(db, (await desk.RejectAsync(id, decision.Reason, Who(user), ct)).Id, ct))
            .RequireAuthorization(AccessPolicyNames.RegistryDeciders).WithSummary("An examiner or registrar rejects the transaction, with the reason.");
        transactions.MapPost("/{id:guid}/withdrawal", async (Guid id, RegistryWithdrawal? withdrawal, ClaimsPrincipal user, TransactionDesk desk, RegistryDbContext db, CancellationToken ct) =>
                await Then(db, (await desk.WithdrawAsync(id, withdrawal?.Reason, Who(user), ct)).Id, ct))
            .RequireAuthorization(AccessPolicyNames.Notaries)
            .WithSummary("The notary who lodged an application withdraws it before it registers (optional reason); a fee paid for it is refunded through the gateway.");
        transactions.MapGet("/{id:guid}", async (Guid id, RegistryDbContext db, CancellationToken ct) => TypedResults.Ok(await ViewAsync(db, id, ct)))
            .RequireAuthorization(AccessPolicyNames.RegistryReaders).WithSummary("A transaction with its documents and every state change.");
        transactions.MapGet("/", async (string? state, string? title, int? limit, bool? mine, ClaimsPrincipal user, RegistryDbContext db, CancellationToken ct) =>
            {
                var query = db.Transactions.AsNoTracking().Where(t => t.Kind != TransactionKind.InitialLoad);
                if (mine == true)
                {
                    var who = Who(user);
                    query = query.Where(t => t.LodgedBy == who);
                }

                if (state is not null)
                {
                    var wanted = Enum.GetValues<TransactionState>().FirstOrDefault(s => TransactionDesk.StateName(s) == state, (TransactionState)(-1));
                    if ((int)wanted < 0)
                    {
                        throw new InvalidParameterException("state", "transaction-state", $"'{state}' is not a state: lodged, fees-due, paid, examined, registered, rejected, requisitioned, lapsed, withdrawn.");
                    }

                    query = query.Where(t => t.State == wanted);
                }

                if (title is not null)
                {
                    query = query.Where(t => t.TitleNumber == title.Trim().ToUpperInvariant());
                }

                // The queue reads oldest first; a person's own list (mine=true) newest first, so the latest is never cut off.
                var ordered = mine == true ? query.OrderByDescending(t => t.LodgedAt) : query.OrderBy(t => t.LodgedAt);
                var rows = await ordered.Take(Limit(limit)).ToListAsync(ct);
                return TypedResults.Ok(rows.Select(t => new { t.Id, kind = TransactionDesk.KindName(t.Kind), state = TransactionDesk.StateName(t.State), t.TitleNumber, t.LodgedAt, t.LodgedBy, t.Fee }));
            })
            .RequireAuthorization(AccessPolicyNames.RegistryReaders)
            .WithSummary("The queue: transactions by state= and title=, oldest lodged first; with mine=true only the caller's own lodgements, newest first.");

        // Alien Land-Holding Licences: recorded and revoked by the registrar, read by registry staff (they carry UINs).
        var licences = registry.MapGroup("/alien-licences");
        licences.MapPost("/", async (LicenceRecord record, ClaimsPrincipal user, AlienLicences register, CancellationToken ct) =>
            {
                var licence = await register.RecordAsync(record, Who(user), ct);
                return TypedResults.Created($"/api/registry/alien-licences/{Uri.EscapeDataString(licence.Number)}", licence);
            })
            .RequireAuthorization(AccessPolicyNames.Registrars)
            .WithSummary("The registrar records an Alien Land-Holding Licence: number, holder (uin or registrationNumber, name), upis, grantedOn, expiresOn, conditions. Never changed; revoke it instead.");
        licences.MapPost("/{number}/revocation", async (string number, LicenceRevocationRecord record, ClaimsPrincipal user, AlienLicences register, CancellationToken ct) =>
                TypedResults.Ok(await register.RevokeAsync(number, record, Who(user), ct)))
            .RequireAuthorization(AccessPolicyNames.Registrars)
            .WithSummary("The registrar revokes a licence (revokedOn, reason): a new record; from that day the licence lets no transfer register.");
        licences.MapGet("/", async (string? upi, string? uin, string? registrationNumber, AlienLicences register, CancellationToken ct) =>
                TypedResults.Ok(await register.SearchAsync(upi, uin, registrationNumber, ct)))
            .RequireAuthorization(AccessPolicyNames.RegistryReaders)
            .WithSummary("Licences by upi=, uin= or registrationNumber= of the holder, newest first, each with its parcels, status today and any revocation.");
        licences.MapGet("/{number}", async (string number, AlienLicences register, CancellationToken ct) => TypedResults.Ok(await register.FindAsync(number, ct)))
            .RequireAuthorization(AccessPolicyNames.RegistryReaders)
            .WithSummary("One licence by its number.");

        DayBookEndpoints.MapDayBook(registry);
        registry.MapGet("/journal/verification", async (RegisterJournal journal, JournalCheckpointLog checkpoints, CancellationToken ct) =>
            {
                var result = await journal.VerifyAsync(checkpoints.Read(), null, ct);
                return TypedResults.Ok(new { intact = result.Intact, entries = result.Entries, firstBadEntry = result.FirstBadSeq, findings = result.Findings, message = result.Message });
            })
            .RequireAuthorization(AccessPolicyNames.Registrars).WithSummary("Recomputes the register journal's hash chain and digests; names the first entry that fails.");
        ConversionEndpoints.MapConversions(registry, reads);
        return reads;
    }

    private static async Task<IResult> SearchAsync(string? upi, string? name, string? address, bool? history, int? limit, ClaimsPrincipal user, RegisterSearch search, CancellationToken ct)
    {
        var given = new[] { ("upi", upi), ("name", name), ("address", address) }.Where(p => !string.IsNullOrWhiteSpace(p.Item2)).ToArray();
        if (given.Length != 1)
        {
            throw new InvalidParameterException(given.Length == 0 ? "upi" : given[1].Item1, "search-one-key", "Search by exactly one of upi=, name= or address=.");
        }

        var (key, text) = (given[0].Item1, given[0].Item2!.Trim());
        if (text.Length < 3 || text.Length > 200)
        {
            throw new InvalidParameterException(key, "search-length", "Search with 3 to 200 characters.");
        }

        var by = key switch { "upi" => SearchBy.Upi, "name" => SearchBy.Name, _ => SearchBy.Address };
        return TypedResults.Ok(await search.FindAsync(by, by == SearchBy.Upi ? text.ToUpperInvariant() : text, history == true, Limit(limit), user, ct));
    }

    private static int Limit(int? limit) => limit switch
    {
        null => 20,
        >= 1 and <= RegisterSearch.MaxLimit => limit.Value,
        _ => throw new InvalidParameterException("limit", "limit-range", $"limit is between 1 and {RegisterSearch.MaxLimit}."),
    };

    private static async Task<IResult> AttachAsync(Guid id, HttpRequest request, ClaimsPrincipal user, TransactionDesk desk, RegistryDbContext db, CancellationToken ct)
    {
        TransactionDocument document;
        if (request.HasJsonContentType())
        {
            DocumentReference? reference;
            try
            {
                reference = await request.ReadFromJsonAsync<DocumentReference>(ct);
            }
            catch (JsonException)
            {
                throw new InvalidParameterException("sha256", "document-reference", "Send {\"kind\": \"deed\", \"sha256\": \"…\"} naming a document the documents module holds.");
            }

            document = await desk.AttachReferenceAsync(id, reference?.Kind, reference?.Sha256, Who(user), ct);
            return TypedResults.Created($"/api/registry/transactions/{id}",
                new DocumentView(document.Kind, document.FileName, document.Length, document.Sha256, document.AttachedAt, document.AttachedBy));
        }

        if (!request.HasFormContentType)
        {
            throw new InvalidParameterException("file", "multipart-required", "Send the document as multipart/form-data with the fields file and kind, or as JSON {kind, sha256}.");
        }

        var form = await request.ReadFormAsync(ct);
        var file = form.Files.GetFile("file") ?? throw new InvalidParameterException("file", "document-required", "The form holds no file field.");
        var kind = form["kind"].ToString();
        await using var content = file.OpenReadStream();
        document = await desk.AttachAsync(id, new DocumentUpload(kind, file.FileName, content), Who(user), ct);
        return TypedResults.Created($"/api/registry/transactions/{id}",
            new DocumentView(document.Kind, document.FileName, document.Length, document.Sha256, document.AttachedAt, document.AttachedBy));
    }

    private static async Task<IResult> Then(RegistryDbContext db, Guid id, CancellationToken ct) => TypedResults.Ok(await ViewAsync(db, id, ct));

    private static async Task<TransactionView> ViewAsync(RegistryDbContext db, Guid id, CancellationToken ct)
    {
        var t = await db.Transactions.AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, ct)
            ?? throw new ResourceNotFoundException("transaction-unknown", $"There is no registry transaction {id}.");
        var documents = await db.Documents.AsNoTracking().Where(d => d.TransactionId == id).OrderBy(d => d.Id)
            .Select(d => new DocumentView(d.Kind, d.FileName, d.Length, d.Sha256, d.AttachedAt, d.AttachedBy)).ToListAsync(ct);
        var steps = await db.Steps.AsNoTracking().Where(s => s.TransactionId == id).OrderBy(s => s.Id).ToListAsync(ct);
        var paid = t.InvoicePaidAt is not null ? t.InvoiceTotal ?? 0m : await db.Payments.Where(p => p.TransactionId == id).SumAsync(p => p.Amount, ct);
        var facts = await db.Database.SqlQuery<ApplicationFacts>($"""
            SELECT application_number AS "ApplicationNumber", day_book_seq AS "DayBookPlace", requisition_due_at AS "RequisitionDueAt",
                   superseded_by AS "SupersededBy", refunded_at AS "RefundedAt", refund_reference AS "RefundReference"
            FROM registry.transactions WHERE id = {id}
            """).SingleAsync(ct);
        var instrument = JsonSerializer.Deserialize<Lodgement>(t.Instrument, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        var lodgedAt = new DateTimeOffset(t.LodgedAt.Ticks - (t.LodgedAt.Ticks % TimeSpan.TicksPerSecond), t.LodgedAt.Offset);
        return new TransactionView(t.Id, TransactionDesk.KindName(t.Kind), TransactionDesk.StateName(t.State), t.TitleNumber, t.InstrumentDate, t.LodgedAt, t.LodgedBy,
            t.Fee, paid, t.RegisteredAt, t.Note, JsonDocument.Parse(t.Instrument).RootElement.Clone(), documents,
            steps.Select(s => new StepView(TransactionDesk.StateName(s.State), s.At, s.By, s.Note)).ToList(),
            t.InvoiceId is { } invoice
                ? new InvoiceSummary(invoice, t.InvoiceNumber, t.InvoiceTotal, "XCD", t.InvoicePaidAt is null ? "open" : "paid", t.Fee, t.Duty, t.DutyBasis,
                    t.ReceiptNumber, t.InvoicePaidAt, $"/api/payments/invoices/{invoice}/payments")
                : null,
            facts.ApplicationNumber,
            facts is { ApplicationNumber: { } number, DayBookPlace: { } place } ? new LodgementReceipt(number, place, t.TitleNumber, TransactionDesk.KindName(t.Kind), lodgedAt, t.LodgedBy) : null,
            await LodgementWarnings.ForAsync(db, t, instrument, ct),
            facts.RequisitionDueAt, facts.SupersededBy,
            facts is { RefundedAt: { } refundedAt, RefundReference: { } reference } ? new RefundSummary(refundedAt, reference) : null);
    }

    private static string Who(ClaimsPrincipal user) => user.Identity?.Name ?? user.FindFirst("sub")?.Value ?? "unknown";
}
