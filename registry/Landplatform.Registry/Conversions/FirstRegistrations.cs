using System.Text;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Deeds;
using Landplatform.Cadastre.Contracts.Persons;
using Landplatform.Registry.Data;
using Landplatform.Registry.Journal;
using Landplatform.Registry.Transactions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Landplatform.Registry.Conversions;

/// <summary>A proprietor the registrar names for a first registration: a holder as the last deed writes them, identified.</summary>
/// <param name="Name">The name as the last deed of the chain writes it (and as the civil registry records the person).</param>
/// <param name="Share">The share as a fraction, e.g. 1/2; left out for every proprietor, the holders take equal shares.</param>
public sealed record ProposedProprietor(string? Name, string? Uin, string? RegistrationNumber, string? Share);

/// <summary>The lender of an unreleased mortgage, identified, so the mortgage becomes a charge on the new title.</summary>
/// <param name="Mortgage">The registration number of the mortgage deed.</param>
public sealed record ProposedCharge(string? Mortgage, string? Name, string? Uin, string? RegistrationNumber);

/// <summary>What the registrar (or an examiner) sends to open a first registration of a parcel from its root of title.</summary>
/// <param name="ProceedReason">Needed when the chain of deeds has breaks: why the registrar proceeds all the same (recorded and published).</param>
public sealed record ConversionRequest(string? Upi, IReadOnlyList<ProposedProprietor>? Proprietors, IReadOnlyList<ProposedCharge>? Charges, string? ProceedReason);

/// <summary>An objection to a first registration: the grounds and a reference to the evidence (a deed number, a court file, a document).</summary>
public sealed record ObjectionRequest(string? Grounds, string? Evidence);

/// <summary>The registrar's decision on an objection: <c>dismissed</c> or <c>upheld</c>, and why.</summary>
public sealed record ObjectionDecisionRequest(string? Decision, string? Reason);

/// <summary>An objection as the registry shows it; <paramref name="State"/> is pending, dismissed or upheld.</summary>
public sealed record ObjectionView(Guid Id, DateTimeOffset LodgedAt, string LodgedBy, string Grounds, string? Evidence, string State,
    DateTimeOffset? DecidedAt, string? DecidedBy, string? Reason);

/// <summary>A first registration; <paramref name="State"/> is provisional, absolute or cancelled (an objection upheld).</summary>
public sealed record ConversionView(Guid Id, string Upi, string TitleNumber, string State, DateTimeOffset OpenedAt, string OpenedBy,
    DateTimeOffset ChallengeEndsAt, DateTimeOffset? AbsoluteAt, FirstRegistrationBasis Basis, IReadOnlyList<ObjectionView> Objections);

/// <summary>The public notice of a provisional title: who the deeds make the proprietors, the charges, any break, and until when to object.</summary>
public sealed record ConversionNotice(Guid ConversionId, string Upi, string TitleNumber, IReadOnlyList<string> ProposedProprietors,
    IReadOnlyList<string> ProposedCharges, IReadOnlyList<string> Breaks, string? ProceedReason, DateTimeOffset PublishedAt, DateTimeOffset ChallengeEndsAt,
    bool ChallengeOpen, int Objections, int ObjectionsPending, string ObjectAt);

/// <summary>A proprietor or chargee as entered: the party, how the deed wrote them, and (proprietors) the share.</summary>
public sealed record EnteredParty(long PartyId, string Name, string AsWritten, string? Uin, string? RegistrationNumber, string? Share, string? Mortgage, decimal? Amount);

/// <summary>What a first registration rests on, kept as its transaction's instrument (so under the journal's digest).</summary>
public sealed record FirstRegistrationBasis(string Upi, string? RootDeed, string? LastDeed, IReadOnlyList<string> Holders, IReadOnlyList<ChainFinding> Findings,
    string? ProceedReason, IReadOnlyList<EnteredParty> Proprietors, IReadOnlyList<EnteredParty> Charges, DateOnly RootAsOf, DateTimeOffset ChallengeEndsAt);

/// <summary>
/// First registration (conversion): a parcel recorded in the register of deeds is brought onto the title register from
/// its root of title (<see cref="IDeedsChains"/>). The last grantees become the proprietors and unreleased mortgages
/// charges of a provisional title; a public notice runs for the challenge period (<c>Registry:Conversions:ChallengeDays</c>,
/// default 60), during which anyone signed in may object; the registrar decides each objection (upheld closes the
/// provisional title); after the period, with no objection pending, the registrar makes the title absolute. Every step is a
/// registered transaction of its own with its journal entry, its rows (<c>registry.conversions</c>,
/// <c>registry.conversion_steps</c>) under the entry's digest. A provisional title takes no dealings (R-PROVISIONAL); once
/// absolute, its dealings are lodged as any other title's and the register of deeds refuses new deeds for the parcel.
/// </summary>
public sealed class FirstRegistrations(
    RegistryDbContext db, RegistryLinks links, IUinScheme uins, [FromKeyedServices(FirstRegistrations.ClockKey)] TimeProvider clock, ConversionOptions options)
{
    /// <summary>The key of the clock conversions run on: the platform's, unless a host (a test) gives the challenge calendar its own.</summary>
    public const string ClockKey = "registry.conversions";

    public const int DefaultChallengeDays = 60;

    private const int MaxText = 4000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>SQL true when the title <paramref name="title"/> (an expression) is a provisional title of a first registration: the one test of "provisional".</summary>
    public static string ProvisionalSql(string title) =>
        $"EXISTS (SELECT 1 FROM registry.conversions pc WHERE pc.title_number = {title} AND NOT EXISTS (SELECT 1 FROM registry.conversion_steps ps WHERE ps.conversion_id = pc.id AND ps.step = 'absolute'))";

    /// <summary>Opens a first registration: the root of title read, the proprietors and charges identified, the provisional title opened and its notice published.</summary>
    public async Task<ConversionView> OpenAsync(ConversionRequest request, string registrar, CancellationToken ct)
    {
        var upi = ParcelIdentifier.Parse(request.Upi ?? string.Empty, "upi");
        var proceedReason = Text(request.ProceedReason, "proceedReason", "proceed-reason", required: false);
        var deeds = links.DeedsChains
            ?? throw new DomainRuleViolationException("conversion-no-deeds-register", "No register of deeds is composed with this registry: a first registration needs the root of title.");

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();

        // One conversion of a parcel at a time: a second waits here and then finds the first's open title.
        await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtext('registry.first-registration:' || @upi))", ct, ("upi", upi));
        var status = await ScalarAsync<string>(connection, "SELECT status FROM cadastre.parcel_versions WHERE upi = @upi ORDER BY version DESC LIMIT 1", ct, ("upi", upi))
            ?? throw new InvalidParameterException("upi", "upi-unknown", $"Parcel {upi} is not in the cadastral fabric.");
        if (status != "current")
        {
            throw new DomainRuleViolationException("conversion-parcel-retired", $"Parcel {upi} is {status} in the fabric: register the parcels that replaced it.");
        }

        if (await ScalarAsync<string>(connection, """
                SELECT t.title_number FROM registry.title_parcels tp JOIN registry.titles t ON t.title_number = tp.title_number
                WHERE tp.upi = @upi AND t.closed_at IS NULL LIMIT 1
                """, ct, ("upi", upi)) is { } existing)
        {
            throw new DomainRuleViolationException("conversion-title-exists",
                $"Parcel {upi} is already on the title register (title {existing}): its dealings go through that title, it needs no first registration.");
        }

        var chain = await deeds.ChainAsync(upi, ct);
        var breaks = Breaks(chain);
        if (breaks.Count > 0 && proceedReason is null)
        {
            throw new DomainRuleViolationException("conversion-root-unsound",
                $"The chain of deeds of parcel {upi} has breaks: {string.Join(" ", breaks)} Cure them in the register of deeds, or give proceedReason to proceed with them named in the public notice.");
        }

        var proprietors = await ProprietorsAsync(request.Proprietors, chain, ct);
        var charges = await ChargesAsync(request.Charges, chain, ct);

        var now = Micro(clock.GetUtcNow());
        var ends = now.AddDays(options.ChallengeDays);
        var id = Guid.CreateVersion7(now);
        var titleNumber = await NewTitleNumberAsync(connection, upi, ct);
        var entered = new List<EnteredParty>();
        foreach (var proprietor in proprietors.Concat(charges))
        {
            entered.Add(proprietor.Entered with { PartyId = await EnterAsync(connection, proprietor, now, ct) });
        }

        var basis = new FirstRegistrationBasis(upi, chain.RootDeed, chain.LastDeed, chain.Holders, chain.Findings, proceedReason,
            [.. entered.Where(e => e.Mortgage is null)], [.. entered.Where(e => e.Mortgage is not null)], chain.AsOf, ends);
        var note = $"First registration of {upi} from the register of deeds: provisional until {ends:yyyy-MM-dd}.";
        AddRegistered(id, TransactionKind.FirstRegistration, titleNumber, basis, now, registrar, note);
        db.Titles.Add(new Title { TitleNumber = titleNumber, OpenedAt = now, OpenedByTransactionId = id });
        db.TitleParcels.Add(new TitleParcel { TitleNumber = titleNumber, Upi = upi, CreatedByTransactionId = id });
        foreach (var owner in basis.Proprietors)
        {
            var share = Share.Parse(owner.Share, "share");
            db.Rights.Add(new RegisteredRight
            {
                TitleNumber = titleNumber, Kind = RightKind.Ownership, PartyId = owner.PartyId, ShareNumerator = share.Numerator, ShareDenominator = share.Denominator,
                ValidFrom = now, CreatedByTransactionId = id,
            });
        }

        foreach (var charge in basis.Charges)
        {
            db.Rights.Add(new RegisteredRight
            {
                TitleNumber = titleNumber, Kind = RightKind.Mortgage, PartyId = charge.PartyId, Amount = charge.Amount,
                Terms = $"Mortgage {charge.Mortgage} of the register of deeds, carried on first registration", ValidFrom = now, CreatedByTransactionId = id,
            });
        }

        await db.SaveChangesAsync(ct);
        await ExecuteAsync(connection, """
            INSERT INTO registry.conversions (id, upi, title_number, opened_at, opened_by, challenge_ends_at) VALUES (@id, @upi, @title, @at, @by, @ends)
            """, ct, ("id", id), ("upi", upi), ("title", titleNumber), ("at", now), ("by", registrar), ("ends", ends));
        await RegisterJournal.AppendAsync(connection, id, TransactionDesk.KindName(TransactionKind.FirstRegistration), titleNumber, [titleNumber], now, note, ct);
        await transaction.CommitAsync(ct);
        return await FindAsync(id, ct);
    }

    /// <summary>Anyone signed in objects during the challenge period, with grounds and a reference to the evidence.</summary>
    public async Task<ObjectionView> ObjectAsync(Guid conversionId, ObjectionRequest request, string objector, CancellationToken ct)
    {
        var grounds = Text(request.Grounds, "grounds", "objection-grounds", required: true)!;
        var evidence = Text(request.Evidence, "evidence", "objection-evidence", required: false, max: 500);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var conversion = await LockAsync(connection, conversionId, ct);
        var now = Micro(clock.GetUtcNow());
        RequireProvisional(conversion, "take an objection");
        if (now >= conversion.ChallengeEndsAt)
        {
            throw new DomainRuleViolationException("challenge-period-ended",
                $"The challenge period of the first registration of {conversion.Upi} ended on {conversion.ChallengeEndsAt:yyyy-MM-dd HH:mm} UTC: objections are no longer taken.");
        }

        var id = Guid.CreateVersion7(now);
        var note = $"Objection to the first registration of {conversion.Upi}.";
        AddRegistered(id, TransactionKind.ConversionObjection, conversion.TitleNumber, new { conversionId, grounds, evidence, objector }, now, objector, note);
        await db.SaveChangesAsync(ct);
        await StepAsync(connection, id, conversionId, "objection", null, now, objector, grounds, evidence, ct);
        await RegisterJournal.AppendAsync(connection, id, TransactionDesk.KindName(TransactionKind.ConversionObjection), conversion.TitleNumber, [conversion.TitleNumber], now, note, ct);
        await transaction.CommitAsync(ct);
        return (await FindAsync(conversionId, ct)).Objections.Single(o => o.Id == id);
    }

    /// <summary>The registrar decides an objection: dismissed, or upheld, which cancels the provisional title (closed, its rights ended).</summary>
    public async Task<ConversionView> DecideAsync(Guid conversionId, Guid objectionId, ObjectionDecisionRequest request, string registrar, CancellationToken ct)
    {
        var decision = request.Decision?.Trim().ToLowerInvariant();
        if (decision is not ("dismissed" or "upheld"))
        {
            throw new InvalidParameterException("decision", "objection-decision", "An objection is dismissed or upheld.");
        }

        var reason = Text(request.Reason, "reason", "reason-required", required: true)!;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var conversion = await LockAsync(connection, conversionId, ct);
        if (await ScalarAsync<string>(connection, "SELECT step FROM registry.conversion_steps WHERE transaction_id = @o AND conversion_id = @c AND step = 'objection'", ct,
                ("o", objectionId), ("c", conversionId)) is null)
        {
            throw new ResourceNotFoundException("objection-unknown", $"The first registration {conversionId} has no objection {objectionId}.");
        }

        if (await ScalarAsync<string>(connection, "SELECT step FROM registry.conversion_steps WHERE objection_id = @o", ct, ("o", objectionId)) is { } decided)
        {
            throw new DomainRuleViolationException("objection-decided", $"Objection {objectionId} is already decided: {decided}.");
        }

        RequireProvisional(conversion, "decide an objection");
        var now = Micro(clock.GetUtcNow());
        var id = Guid.CreateVersion7(now);
        var kind = TransactionDesk.KindName(TransactionKind.ConversionDecision);
        var note = decision == "upheld"
            ? $"Objection upheld: the provisional title {conversion.TitleNumber} is cancelled."
            : $"Objection dismissed: the first registration of {conversion.Upi} goes on.";
        AddRegistered(id, TransactionKind.ConversionDecision, conversion.TitleNumber, new { conversionId, objectionId, decision, reason }, now, registrar, note);
        await db.SaveChangesAsync(ct);
        if (decision == "upheld")
        {
            await ExecuteAsync(connection, """
                UPDATE registry.rights SET valid_to = @at, ended_by_transaction_id = @tx WHERE title_number = @title AND valid_to IS NULL;
                UPDATE registry.titles SET closed_at = @at, closed_by_transaction_id = @tx WHERE title_number = @title AND closed_at IS NULL;
                """, ct, ("at", now), ("tx", id), ("title", conversion.TitleNumber));
        }

        await StepAsync(connection, id, conversionId, decision, objectionId, now, registrar, reason, null, ct);
        await RegisterJournal.AppendAsync(connection, id, kind, conversion.TitleNumber, [conversion.TitleNumber], now, note, ct);
        await transaction.CommitAsync(ct);
        return await FindAsync(conversionId, ct);
    }

    /// <summary>After the challenge period, with every objection decided (none upheld, or the title would be cancelled), the registrar makes the title absolute.</summary>
    public async Task<ConversionView> MakeAbsoluteAsync(Guid conversionId, string registrar, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var conversion = await LockAsync(connection, conversionId, ct);
        RequireProvisional(conversion, "be made absolute");
        var now = Micro(clock.GetUtcNow());
        if (now < conversion.ChallengeEndsAt)
        {
            throw new DomainRuleViolationException("challenge-period-running",
                $"The challenge period of the first registration of {conversion.Upi} runs until {conversion.ChallengeEndsAt:yyyy-MM-dd HH:mm} UTC: the title can be made absolute only after it.");
        }

        var pending = await ScalarAsync<long>(connection, """
            SELECT count(*) FROM registry.conversion_steps o WHERE o.conversion_id = @c AND o.step = 'objection'
              AND NOT EXISTS (SELECT 1 FROM registry.conversion_steps d WHERE d.objection_id = o.transaction_id)
            """, ct, ("c", conversionId));
        if (pending > 0)
        {
            throw new DomainRuleViolationException("objection-pending", $"{pending} objection(s) to the first registration of {conversion.Upi} are not decided: decide each first.");
        }

        var id = Guid.CreateVersion7(now);
        var note = $"Title {conversion.TitleNumber} made absolute: parcel {conversion.Upi} is on the title register.";
        AddRegistered(id, TransactionKind.AbsoluteTitle, conversion.TitleNumber, new { conversionId }, now, registrar, note);
        await db.SaveChangesAsync(ct);
        await StepAsync(connection, id, conversionId, "absolute", null, now, registrar, null, null, ct);
        await RegisterJournal.AppendAsync(connection, id, TransactionDesk.KindName(TransactionKind.AbsoluteTitle), conversion.TitleNumber, [conversion.TitleNumber], now, note, ct);
        await transaction.CommitAsync(ct);
        return await FindAsync(conversionId, ct);
    }

    public async Task<ConversionView> FindAsync(Guid id, CancellationToken ct) =>
        (await ViewsAsync("c.id = @id", [new NpgsqlParameter("id", id)], ct)).SingleOrDefault()
        ?? throw new ResourceNotFoundException("conversion-unknown", $"There is no first registration {id}.");

    /// <summary>The current public notices: every provisional title of a first registration, newest first.</summary>
    public async Task<IReadOnlyList<ConversionNotice>> NoticesAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var views = await ViewsAsync($"f.state = 'provisional'", [], ct);
        return [.. views.OrderByDescending(v => v.OpenedAt).Select(v => new ConversionNotice(
            v.Id, v.Upi, v.TitleNumber,
            [.. v.Basis.Proprietors.Select(p => $"{p.AsWritten} ({p.Share})")],
            [.. v.Basis.Charges.Select(c => $"mortgage {c.Mortgage} to {c.AsWritten}{(c.Amount is { } a ? $" for {a:0.00} XCD" : string.Empty)}")],
            Breaks(v.Basis.Findings), v.Basis.ProceedReason, v.OpenedAt, v.ChallengeEndsAt, now < v.ChallengeEndsAt,
            v.Objections.Count, v.Objections.Count(o => o.State == "pending"), $"/api/registry/conversions/{v.Id}/objections"))];
    }

    private async Task<List<ConversionView>> ViewsAsync(string where, IReadOnlyList<NpgsqlParameter> parameters, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var close = connection.State != System.Data.ConnectionState.Open;
        if (close)
        {
            await connection.OpenAsync(ct);
        }

        try
        {
            var rows = new List<(Guid Id, string Upi, string Title, string State, DateTimeOffset At, string By, DateTimeOffset Ends, DateTimeOffset? Absolute, string Basis)>();
            await using (var command = new NpgsqlCommand($"""
                SELECT c.id, c.upi, c.title_number, f.state, c.opened_at, c.opened_by, c.challenge_ends_at, f.absolute_at, t.instrument
                FROM registry.conversions c
                JOIN registry.first_registrations f ON f.conversion_id = c.id
                JOIN registry.transactions t ON t.id = c.id
                WHERE {where} ORDER BY c.opened_at LIMIT 1000
                """, connection))
            {
                foreach (var parameter in parameters)
                {
                    command.Parameters.Add(parameter);
                }

                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    rows.Add((reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5),
                        reader.GetFieldValue<DateTimeOffset>(6), reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7), reader.GetString(8)));
                }
            }

            var objections = new List<(Guid Conversion, ObjectionView View)>();
            await using (var command = new NpgsqlCommand("""
                SELECT o.conversion_id, o.transaction_id, o.at, o."by", o.grounds, o.evidence, d.step, d.at, d."by", d.grounds
                FROM registry.conversion_steps o LEFT JOIN registry.conversion_steps d ON d.objection_id = o.transaction_id
                WHERE o.step = 'objection' AND o.conversion_id = ANY(@ids) ORDER BY o.at
                """, connection))
            {
                command.Parameters.AddWithValue("ids", rows.Select(r => r.Id).ToArray());
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    objections.Add((reader.GetGuid(0), new ObjectionView(reader.GetGuid(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetString(3), reader.GetString(4),
                        reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? "pending" : reader.GetString(6),
                        reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7), reader.IsDBNull(8) ? null : reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetString(9))));
                }
            }

            return [.. rows.Select(r => new ConversionView(r.Id, r.Upi, r.Title, r.State, r.At, r.By, r.Ends, r.Absolute,
                JsonSerializer.Deserialize<FirstRegistrationBasis>(r.Basis, Json)!, [.. objections.Where(o => o.Conversion == r.Id).Select(o => o.View)]))];
        }
        finally
        {
            if (close)
            {
                await connection.CloseAsync();
            }
        }
    }

    /// <summary>What in a chain of deeds stops a first registration unless the registrar gives a reason: its errors, except unreleased mortgages (they become charges).</summary>
    private static List<string> Breaks(ChainOfDeeds chain) => Breaks(chain.Findings);

    private static List<string> Breaks(IReadOnlyList<ChainFinding> findings) =>
        [.. findings.Where(f => f.Severity == "error" && f.Rule != "unreleased-mortgage").Select(f => $"{f.Rule}{(f.RegistrationNumber is { } n ? $" ({n})" : string.Empty)}: {f.Message}")];

    private sealed record Identified(EnteredParty Entered, DateOnly? DateOfBirth, bool Deceased, DateOnly? DateOfDeath, DateTimeOffset? VerifiedAt);

    /// <summary>Every holder of the chain named once, as written, identified; shares given for all or for none (then equal).</summary>
    private async Task<List<Identified>> ProprietorsAsync(IReadOnlyList<ProposedProprietor>? given, ChainOfDeeds chain, CancellationToken ct)
    {
        var holders = chain.Holders.Select(Normal).ToList();
        if (given is null || given.Count == 0)
        {
            throw new InvalidParameterException("proprietors", "conversion-proprietors",
                $"Name the proprietors: the deeds make {Listed(chain.Holders)} the holders of parcel {chain.Upi}; give each once, as written, with a UIN or a registration number.");
        }

        var shared = given.Count(p => p.Share is not null);
        if (shared != 0 && shared != given.Count)
        {
            throw new InvalidParameterException("proprietors", "share-format", "Give a share for every proprietor, or for none (the holders then take equal shares).");
        }

        var shares = given.Select((p, i) => p.Share is null ? new Share(1, given.Count) : Share.Parse(p.Share, $"proprietors[{i}].share")).ToList();
        if (!Share.SumToOne(shares))
        {
            throw new InvalidParameterException("proprietors", "R-SHARES", "The proprietors' shares add up to more or less than the whole title.");
        }

        var identified = new List<Identified>();
        var matched = new HashSet<int>();
        for (var i = 0; i < given.Count; i++)
        {
            var name = Text(given[i].Name, $"proprietors[{i}].name", "party-name", required: true, max: 200)!;
            var holder = holders.FindIndex(h => h == Normal(name));
            if (holder < 0 || !matched.Add(holder))
            {
                throw new InvalidParameterException($"proprietors[{i}].name", "conversion-proprietors",
                    $"'{name}' is not {(holder < 0 ? "one of" : "named once among")} the holders the deeds show ({Listed(chain.Holders)}).");
            }

            identified.Add(await IdentifyAsync(chain.Holders[holder], given[i].Uin, given[i].RegistrationNumber, $"proprietors[{i}]", shares[i].ToString(), null, null, ct));
        }

        if (matched.Count != holders.Count)
        {
            throw new InvalidParameterException("proprietors", "conversion-proprietors",
                $"The deeds make {Listed(chain.Holders)} the holders: every one of them becomes a proprietor ({holders.Count - matched.Count} not named).");
        }

        return identified;
    }

    /// <summary>Every unreleased mortgage's lender identified, and nothing else.</summary>
    private async Task<List<Identified>> ChargesAsync(IReadOnlyList<ProposedCharge>? given, ChainOfDeeds chain, CancellationToken ct)
    {
        given ??= [];
        var charges = new List<Identified>();
        for (var i = 0; i < given.Count; i++)
        {
            var number = given[i].Mortgage?.Trim().ToUpperInvariant();
            var mortgage = chain.UnreleasedMortgages.FirstOrDefault(m => m.RegistrationNumber == number)
                ?? throw new InvalidParameterException($"charges[{i}].mortgage", "conversion-charges",
                    $"'{given[i].Mortgage}' is not an unreleased mortgage of parcel {chain.Upi} ({(chain.UnreleasedMortgages.Count == 0 ? "it has none" : string.Join(", ", chain.UnreleasedMortgages.Select(m => m.RegistrationNumber)))}).");
            if (charges.Any(c => c.Entered.Mortgage == mortgage.RegistrationNumber))
            {
                throw new InvalidParameterException($"charges[{i}].mortgage", "conversion-charges", $"Mortgage {mortgage.RegistrationNumber} is named twice.");
            }

            var lender = Text(given[i].Name, $"charges[{i}].name", "party-name", required: false, max: 200) ?? string.Join(", ", mortgage.Mortgagees);
            charges.Add(await IdentifyAsync(lender, given[i].Uin, given[i].RegistrationNumber, $"charges[{i}]", null, mortgage.RegistrationNumber, mortgage.Amount, ct));
        }

        var missing = chain.UnreleasedMortgages.Where(m => charges.All(c => c.Entered.Mortgage != m.RegistrationNumber)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidParameterException("charges", "conversion-charges",
                $"Mortgage {string.Join(", ", missing.Select(m => $"{m.RegistrationNumber} to {string.Join(", ", m.Mortgagees)}"))} has no recorded release: it becomes a charge on the title; identify the lender (charges: mortgage and a UIN or registration number).");
        }

        return charges;
    }

    /// <summary>A person by UIN (checked with the civil registry when it is composed) or an organisation by registration number.</summary>
    private async Task<Identified> IdentifyAsync(string asWritten, string? uinText, string? numberText, string parameter, string? share, string? mortgage, decimal? amount, CancellationToken ct)
    {
        var uin = uinText?.Trim().ToUpperInvariant();
        var number = numberText?.Trim().ToUpperInvariant();
        if (string.IsNullOrEmpty(uin) == string.IsNullOrEmpty(number))
        {
            throw new InvalidParameterException(parameter, "party-identifier", $"Identify {asWritten} by uin (a person) or registrationNumber (an organisation), one of them.");
        }

        if (!string.IsNullOrEmpty(number))
        {
            if (number.Length > 32 || number.Any(char.IsControl))
            {
                throw new InvalidParameterException($"{parameter}.registrationNumber", "registration-number", "A registration number has at most 32 characters.");
            }

            var known = await db.Parties.AsNoTracking().Where(p => p.RegistrationNumber == number).Select(p => p.Name).SingleOrDefaultAsync(ct);
            return new Identified(new EnteredParty(0, known ?? asWritten, asWritten, null, number, share, mortgage, amount), null, false, null, null);
        }

        if (uins.Check(uin!) is { IsValid: false } check)
        {
            throw new InvalidParameterException($"{parameter}.uin", check.Rule, check.Message);
        }

        var party = await db.Parties.AsNoTracking().SingleOrDefaultAsync(p => p.Uin == uin, ct);
        VerifiedPerson? verified = null;
        if (links.Persons is { } persons)
        {
            try
            {
                verified = await persons.VerifyAsync(new PersonClaim(uin!, party?.Name ?? asWritten, null), ct);
            }
            catch (InvalidParameterException e)
            {
                throw new InvalidParameterException($"{parameter}.{e.Parameter}", e.Rule, e.Message);
            }
        }

        var identified = new Identified(new EnteredParty(0, verified?.Name ?? party?.Name ?? asWritten, asWritten, uin, null, share, mortgage, amount),
            verified?.DateOfBirth, verified?.Deceased == true, verified?.DateOfDeath, verified?.CheckedAt);
        if (mortgage is null)
        {
            ConsentRules.CheckTaker(new PartyReference(null, uin, null, asWritten, null) { Deceased = identified.Deceased, DateOfDeath = identified.DateOfDeath }, parameter);
        }

        return identified;
    }

    private async Task<long> EnterAsync(NpgsqlConnection connection, Identified party, DateTimeOffset now, CancellationToken ct)
    {
        var entered = party.Entered;
        var person = entered.Uin is not null;
        await ExecuteAsync(connection, """
            INSERT INTO registry.parties (kind, uin, registration_number, name, recorded_at, date_of_birth, deceased, date_of_death, verified_at)
            VALUES (@kind, @uin, @number, @name, @now, @born, @deceased, @died, @verified)
            ON CONFLICT DO NOTHING
            """, ct, ("kind", person ? "person" : "organisation"), ("uin", (object?)entered.Uin ?? DBNull.Value), ("number", (object?)entered.RegistrationNumber ?? DBNull.Value),
            ("name", entered.Name), ("now", now), ("born", (object?)party.DateOfBirth ?? DBNull.Value), ("deceased", party.Deceased),
            ("died", (object?)party.DateOfDeath ?? DBNull.Value), ("verified", (object?)party.VerifiedAt ?? DBNull.Value));
        return person
            ? await ScalarAsync<long>(connection, "SELECT id FROM registry.parties WHERE uin = @k", ct, ("k", entered.Uin!))
            : await ScalarAsync<long>(connection, "SELECT id FROM registry.parties WHERE registration_number = @k", ct, ("k", entered.RegistrationNumber!));
    }

    /// <summary>A step of a conversion as a registry transaction, registered as it is made (the registrar's or the objector's own act, nothing to examine).</summary>
    private void AddRegistered(Guid id, TransactionKind kind, string titleNumber, object instrument, DateTimeOffset now, string by, string note)
    {
        db.Transactions.Add(new RegistryTransaction
        {
            Id = id, Kind = kind, State = TransactionState.Registered, TitleNumber = titleNumber, Instrument = JsonSerializer.Serialize(instrument, Json),
            InstrumentDate = DateOnly.FromDateTime(now.UtcDateTime), LodgedAt = now, LodgedBy = by, RegisteredAt = now, Note = note,
        });
        db.Steps.Add(new TransactionStep { TransactionId = id, State = TransactionState.Lodged, At = now, By = by });
        db.Steps.Add(new TransactionStep { TransactionId = id, State = TransactionState.Registered, At = now, By = by, Note = note });
    }

    private static Task StepAsync(NpgsqlConnection connection, Guid id, Guid conversionId, string step, Guid? objectionId, DateTimeOffset at, string by, string? grounds, string? evidence, CancellationToken ct) =>
        ExecuteAsync(connection, """
            INSERT INTO registry.conversion_steps (transaction_id, conversion_id, step, objection_id, at, "by", grounds, evidence)
            VALUES (@id, @conversion, @step, @objection, @at, @by, @grounds, @evidence)
            """, ct, ("id", id), ("conversion", conversionId), ("step", step), ("objection", (object?)objectionId ?? DBNull.Value), ("at", at), ("by", by),
            ("grounds", (object?)grounds ?? DBNull.Value), ("evidence", (object?)evidence ?? DBNull.Value));

    private sealed record LockedConversion(string Upi, string TitleNumber, DateTimeOffset ChallengeEndsAt, string State);

    // The steps of one conversion queue on a transaction lock of their own (the runtime role may not lock the append-only rows), then read it as it stands.
    private static async Task<LockedConversion> LockAsync(NpgsqlConnection connection, Guid id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            SELECT pg_advisory_xact_lock(hashtext('registry.conversion:' || @id::text));
            SELECT c.upi, c.title_number, c.challenge_ends_at, f.state
            FROM registry.conversions c JOIN registry.first_registrations f ON f.conversion_id = c.id
            WHERE c.id = @id
            """, connection);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        return await reader.ReadAsync(ct)
            ? new LockedConversion(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetString(3))
            : throw new ResourceNotFoundException("conversion-unknown", $"There is no first registration {id}.");
    }

    private static void RequireProvisional(LockedConversion conversion, string action)
    {
        if (conversion.State != "provisional")
        {
            throw new DomainRuleViolationException($"conversion-{conversion.State}",
                $"The first registration of {conversion.Upi} is {conversion.State} (title {conversion.TitleNumber}): only a provisional title can {action}.");
        }
    }

    // T- and the UPI, as the register numbers titles; a parcel converted again after a cancelled conversion gets the next suffix.
    private static async Task<string> NewTitleNumberAsync(NpgsqlConnection connection, string upi, CancellationToken ct)
    {
        var taken = await ScalarAsync<long>(connection, "SELECT count(*) FROM registry.titles WHERE title_number = @t OR title_number LIKE @t || '-C%'", ct, ("t", "T-" + upi));
        return taken == 0 ? "T-" + upi : $"T-{upi}-C{taken + 1}";
    }

    /// <summary>Free text as a person writes it: trimmed, at most <paramref name="max"/> characters, no control characters but line breaks and tabs.</summary>
    private static string? Text(string? text, string parameter, string rule, bool required, int max = MaxText)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return required ? throw new InvalidParameterException(parameter, rule, $"{parameter} is required: say it in words.") : null;
        }

        if (trimmed.Length > max || trimmed.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
        {
            throw new InvalidParameterException(parameter, rule, $"{parameter} is text of at most {max} characters, without control characters.");
        }

        return trimmed;
    }

    private static string Listed(IReadOnlyList<string> names) => names.Count == 0 ? "nobody" : string.Join(", ", names.Select(n => $"'{n}'"));

    private static string Normal(string name)
    {
        var text = new StringBuilder();
        foreach (var c in name.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c))
            {
                text.Append(c);
            }
            else if (text.Length > 0 && text[^1] != ' ')
            {
                text.Append(' ');
            }
        }

        return text.ToString().Trim();
    }

    private static DateTimeOffset Micro(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % 10), TimeSpan.Zero);

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<T?> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var result = await command.ExecuteScalarAsync(ct);
        return result is null or DBNull ? default : (T)result;
    }
}

/// <summary>The first registration's settings (<c>Registry:Conversions</c>).</summary>
public sealed class ConversionOptions
{
    /// <summary>Days the public notice runs before a provisional title may be made absolute.</summary>
    public int ChallengeDays { get; set; } = FirstRegistrations.DefaultChallengeDays;
}
