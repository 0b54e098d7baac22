using System.Globalization;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Events;
using Landplatform.Integrations.Exchange;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Landplatform.Integrations.Permits;

/// <summary>A registered owner of a parcel, as the register holds them now.</summary>
public sealed record ParcelOwner(string TitleNumber, string? Uin, string Name);

/// <summary>What an applicant sends.</summary>
public sealed record PermitRequest(string Upi, string Description, string? Footprint, string? OwnerUin);

/// <summary>
/// Building permit applications: made by a registered owner of the parcel, or by an agent whose owner
/// confirms with their own sign-in; checked automatically once submitted; decided by a permit officer.
/// </summary>
public sealed class PermitDesk(PermitsStore db, PermitCheck check, NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const string DecidedEvent = Landplatform.Cadastre.Contracts.Events.PlatformEventTypes.PermitDecided;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The current registered owners of the parcel's open title (read from the registry, never written).</summary>
    public async Task<IReadOnlyList<ParcelOwner>> OwnersAsync(string upi, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT o.title_number, o.uin, o.name
            FROM registry.parcel_owners o
            WHERE o.upi = @upi ORDER BY o.right_id
            """);
        command.Parameters.AddWithValue("upi", upi);
        var owners = new List<ParcelOwner>();
        await using var rows = await command.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
        {
            owners.Add(new ParcelOwner(rows.GetString(0), rows.IsDBNull(1) ? null : rows.GetString(1), rows.GetString(2)));
        }

        return owners;
    }

    public async Task<PermitApplication> ApplyAsync(PermitRequest request, string applicantUin, string applicantName, CancellationToken ct)
    {
        var upi = ParcelIdentifier.Parse(request.Upi, "upi");
        if (string.IsNullOrWhiteSpace(request.Description))
        {
            throw new InvalidParameterException("description", "parameter-required", "Describe the building: use, storeys, floor area.");
        }

        var owners = await OwnersAsync(upi, ct);
        if (owners.Count == 0)
        {
            throw new DomainRuleViolationException("P-TITLE", $"Parcel {upi} has no registered owner on an open title.");
        }

        var self = owners.FirstOrDefault(o => o.Uin == applicantUin);
        if (self is null && request.OwnerUin is null)
        {
            throw new DomainRuleViolationException("P-OWNER",
                $"Only a registered owner of parcel {upi}, or an agent naming that owner (ownerUin), can apply for a permit on it.");
        }

        // Checked now, so a footprint outside the parcel is refused before anything is stored.
        var findings = await check.RunAsync(upi, request.Footprint, ct);
        var now = clock.GetUtcNow();

        // An agent's application is taken the same way whether or not ownerUin names an owner of the parcel, so the answer
        // never confirms a UIN/owner pair; one naming a non-owner simply never gets consent (ConsentAsync checks the register).
        var agentFor = self is null ? owners.FirstOrDefault(o => o.Uin == request.OwnerUin) : null;
        var owner = self ?? agentFor;
        var application = new PermitApplication
        {
            Id = Guid.CreateVersion7(),
            Number = await NextNumberAsync(now, ct),
            Upi = upi,
            TitleNumber = owner?.TitleNumber ?? owners[0].TitleNumber,
            Description = request.Description.Trim(),
            Footprint = request.Footprint,
            ApplicantName = applicantName,
            ApplicantUin = applicantUin,
            ApplicantCapacity = self is not null ? "owner" : "agent",
            OwnerUin = owner?.Uin ?? request.OwnerUin!.Trim(),
            OwnerName = owner?.Name ?? string.Empty,
            Status = "awaiting-consent",
            CreatedAt = now,
        };
        if (self is not null)
        {
            Submit(application, findings, now);
        }

        db.Applications.Add(application);
        await db.SaveChangesAsync(ct);
        return application;
    }

    /// <summary>The owner confirms an agent's application with their own sign-in; it is then checked and submitted.</summary>
    public async Task<PermitApplication> ConsentAsync(Guid id, string callerUin, CancellationToken ct)
    {
        var application = await FindAsync(id, ct);
        if (application.OwnerUin != callerUin)
        {
            throw new DomainRuleViolationException("P-CONSENT", $"Only the owner the agent named can consent to application {application.Number}.");
        }

        if (application.Status != "awaiting-consent")
        {
            throw new DomainRuleViolationException("P-STATE", $"Application {application.Number} is {application.Status}; consent is given only while it awaits it.");
        }

        var owners = await OwnersAsync(application.Upi, ct);
        if (owners.All(o => o.Uin != callerUin))
        {
            throw new DomainRuleViolationException("P-OWNER", $"You are no longer a registered owner of parcel {application.Upi}.");
        }

        var now = clock.GetUtcNow();
        application.ConsentedAt = now;
        Submit(application, await check.RunAsync(application.Upi, application.Footprint, ct), now);
        await db.SaveChangesAsync(ct);
        return application;
    }

    /// <summary>A permit officer approves or refuses, with reasons; the decision goes to the outbox in the same transaction.</summary>
    public async Task<PermitApplication> DecideAsync(Guid id, string? decision, string? reasons, string officer, CancellationToken ct)
    {
        if (decision is not ("approve" or "refuse"))
        {
            throw new InvalidParameterException("decision", "P-DECISION", "The decision is approve or refuse.");
        }

        if (string.IsNullOrWhiteSpace(reasons))
        {
            throw new InvalidParameterException("reasons", "reason-required", "Give the reasons for the decision.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var application = await db.Applications.FromSqlInterpolated($"SELECT * FROM permits.applications WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct)
            ?? throw new ResourceNotFoundException("permit-unknown", $"There is no permit application {id}.");
        if (application.Status != "submitted")
        {
            throw new DomainRuleViolationException("P-STATE", $"Application {application.Number} is {application.Status}; only a submitted application is decided.");
        }

        var findings = Findings(application);
        if (decision == "approve" && findings.Any(f => f.Severity == "blocking"))
        {
            throw new DomainRuleViolationException("P-BLOCKING",
                $"Application {application.Number} has blocking findings ({string.Join(", ", findings.Where(f => f.Severity == "blocking").Select(f => f.Id))}): it cannot be approved as proposed.");
        }

        var now = clock.GetUtcNow();
        application.Status = decision == "approve" ? "approved" : "refused";
        application.DecidedBy = officer;
        application.DecidedAt = now;
        application.Reasons = reasons.Trim();
        await db.SaveChangesAsync(ct);
        var payload = EventPayloads.Serialize(new PermitDecidedPayload(
            application.Id, application.Number, application.Upi, application.TitleNumber, application.Status, application.Reasons,
            [.. findings.Select(f => f.Id)], now));
        await OutboxRecord.RecordAsync(db, DecidedEvent, application.Id, payload, now, ct);
        await transaction.CommitAsync(ct);
        return application;
    }

    /// <summary>The applications a person made (as owner or agent) or that are made on their land, newest first.</summary>
    public async Task<List<PermitApplication>> MineAsync(string uin, CancellationToken ct) =>
        await db.Applications.AsNoTracking()
            .Where(a => a.ApplicantUin == uin || a.OwnerUin == uin)
            .OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Number)
            .ToListAsync(ct);

    public async Task<PermitApplication> FindAsync(Guid id, CancellationToken ct) =>
        await db.Applications.SingleOrDefaultAsync(a => a.Id == id, ct)
        ?? throw new ResourceNotFoundException("permit-unknown", $"There is no permit application {id}.");

    public static IReadOnlyList<PermitFinding> Findings(PermitApplication application) =>
        application.Findings is null ? [] : JsonSerializer.Deserialize<List<PermitFinding>>(application.Findings, Json) ?? [];

    private static void Submit(PermitApplication application, IReadOnlyList<PermitFinding> findings, DateTimeOffset now)
    {
        application.Findings = JsonSerializer.Serialize(findings, Json);
        application.CheckedAt = now;
        application.SubmittedAt = now;
        application.Status = "submitted";
    }

    private async Task<string> NextNumberAsync(DateTimeOffset now, CancellationToken ct)
    {
        var next = await db.Database.SqlQuery<long>($"SELECT nextval('permits.application_number') AS \"Value\"").SingleAsync(ct);
        return string.Create(CultureInfo.InvariantCulture, $"BP-{now.Year}-{next:000000}");
    }
}
