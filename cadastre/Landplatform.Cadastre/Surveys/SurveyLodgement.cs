using System.Security.Cryptography;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Payments;
using Landplatform.Cadastre.Contracts.Register;
using Landplatform.Cadastre.Data;
using Landplatform.Cadastre.Fabric;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NetTopologySuite.Geometries;

namespace Landplatform.Cadastre.Surveys;

/// <summary>A file a surveyor lodges, with what the upload declares.</summary>
public sealed record SurveyUpload(byte[] Content, string FileName, int? DeclaredSrid, IReadOnlyList<string> ParentUpis);

/// <summary>A survey with its latest report, and the invoice of its fees when this lodgement issued one.</summary>
public sealed record LodgedSurvey(Survey Survey, SurveyRevision Revision, SurveyReport Report)
{
    public IssuedInvoice? Invoice { get; init; }
}

/// <summary>
/// The survey workflow: a surveyor lodges (submitted, then checked at once), may resubmit (every
/// earlier report is kept), an examiner examines, a registrar approves — which changes the fabric in
/// the same database transaction — or the survey is rejected with reasons.
/// </summary>
public sealed class SurveyLodgement(CadastreDbContext db, SurveyReader reader, SurveyChecks checks, FabricChanges fabric, TimeProvider clock, IServiceProvider services)
{
    /// <summary>The published fees of a lodgement: one per survey, one per new lot (the payments module's schedule).</summary>
    public const string LodgementFee = "survey.lodgement";

    public const string PerLotFee = "survey.per-lot";

    public static readonly JsonSerializerOptions ReportJson = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    public async Task<LodgedSurvey> LodgeAsync(string? reference, string surveyor, string? licence, SurveyUpload upload, CancellationToken ct)
    {
        var plan = await reader.ReadAsync(upload.Content, upload.FileName, upload.DeclaredSrid, upload.ParentUpis, ct);
        var id = Guid.CreateVersion7(clock.GetUtcNow());
        var name = string.IsNullOrWhiteSpace(reference) ? $"SP-{clock.GetUtcNow():yyyy}-{id.ToString("N")[^8..].ToUpperInvariant()}" : reference.Trim();
        if (name.Length > 64)
        {
            throw new InvalidParameterException("reference", "reference-length", "A plan reference has at most 64 characters.");
        }

        // Two lodgements under one reference at once: the second waits for the first's commit, then is refused (never a unique-index failure).
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtext('cadastre.surveys.reference:' || {name}))", ct);
        if (await db.Surveys.AnyAsync(s => s.Reference == name, ct))
        {
            throw new DomainRuleViolationException("survey-reference-unique", $"A survey with reference {name} is already lodged; resubmit it instead.");
        }

        await ClaimParentsAsync(plan.ParentUpis, ct);
        var report = WithHeader(await checks.RunAsync(plan, id, ct), plan, licence);
        var survey = new Survey
        {
            Id = id, Reference = name, Surveyor = surveyor, LicenceNumber = licence, Status = SurveyStatus.Checked,
            ParentUpis = [.. plan.ParentUpis], CurrentRevision = 1, SubmittedAt = clock.GetUtcNow(),
        };
        db.Surveys.Add(survey);
        var revision = Record(survey, 1, upload, plan, report);
        await db.SaveChangesAsync(ct);

        // The fees are invoiced with the lodgement (the check is the service); without the payments module there is no invoice.
        IssuedInvoice? invoice = null;
        if (services.GetService(typeof(IFeeInvoicing)) is IFeeInvoicing invoicing)
        {
            invoice = await invoicing.IssueAsync(new InvoiceRequest("survey", survey.Reference, surveyor, null,
                [new FeeItem(LodgementFee), new FeeItem(PerLotFee, Math.Max(plan.Parcels.Count, 1))], survey.Id, surveyor), ct);
        }

        await transaction.CommitAsync(ct);
        return new LodgedSurvey(survey, revision, report) { Invoice = invoice };
    }

    public async Task<LodgedSurvey> ResubmitAsync(Guid id, string surveyor, SurveyUpload upload, CancellationToken ct)
    {
        var survey = await FindAsync(id, ct);
        if (survey.Surveyor != surveyor)
        {
            throw new DomainRuleViolationException("survey-owner", "Only the surveyor who lodged a survey may resubmit it.");
        }

        if (survey.Status is SurveyStatus.Approved or SurveyStatus.Examined)
        {
            throw new DomainRuleViolationException("survey-state", $"Survey {survey.Reference} is {survey.Status.ToString().ToLowerInvariant()}; it can no longer be resubmitted.");
        }

        var plan = await reader.ReadAsync(upload.Content, upload.FileName, upload.DeclaredSrid, upload.ParentUpis, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await ClaimParentsAsync(plan.ParentUpis, ct);
        var report = WithHeader(await checks.RunAsync(plan, id, ct), plan, survey.LicenceNumber);
        survey.CurrentRevision++;
        survey.Status = SurveyStatus.Checked;
        survey.ParentUpis = [.. plan.ParentUpis];
        survey.DecidedBy = null;
        survey.DecidedAt = null;
        survey.DecisionReason = null;
        var revision = Record(survey, survey.CurrentRevision, upload, plan, report);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new LodgedSurvey(survey, revision, report);
    }

    public async Task<Survey> ExamineAsync(Guid id, string examiner, CancellationToken ct)
    {
        var survey = await FindAsync(id, ct);
        Require(survey, SurveyStatus.Checked, "examined");
        var latest = await db.SurveyRevisions.SingleAsync(r => r.SurveyId == id && r.Revision == survey.CurrentRevision, ct);
        if (latest.Errors > 0)
        {
            throw new DomainRuleViolationException("survey-checks-failed",
                $"Survey {survey.Reference} has {latest.Errors} error(s) in its latest check report; it must be corrected and resubmitted first.");
        }

        survey.Status = SurveyStatus.Examined;
        survey.DecidedBy = examiner;
        survey.DecidedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return survey;
    }

    public async Task<Survey> RejectAsync(Guid id, string decider, string? reason, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new InvalidParameterException("reason", "reason-required", "A rejection states its reasons, so the surveyor can correct the plan.");
        }

        var survey = await FindAsync(id, ct);
        if (survey.Status is SurveyStatus.Approved or SurveyStatus.Rejected)
        {
            throw new DomainRuleViolationException("survey-state", $"Survey {survey.Reference} is already {survey.Status.ToString().ToLowerInvariant()}.");
        }

        survey.Status = SurveyStatus.Rejected;
        survey.DecidedBy = decider;
        survey.DecidedAt = clock.GetUtcNow();
        survey.DecisionReason = reason.Trim();
        await db.SaveChangesAsync(ct);
        return survey;
    }

    /// <summary>
    /// Approves an examined survey: the checks run again on today's fabric and register, then the fabric changes and, in
    /// the same database transaction, the register (when composed) closes the parents' titles and opens the children's
    /// with the parents' rights (<see cref="IParcelTitles.CarryForwardAsync"/>), journaled. All of it commits, or none.
    /// </summary>
    public async Task<(Survey Survey, FabricChangeResult Change, CarriedTitles Titles)> ApproveAsync(Guid id, string registrar, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var survey = await db.Surveys.FromSqlInterpolated($"SELECT * FROM cadastre.surveys WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct)
            ?? throw new ResourceNotFoundException("survey-unknown", $"No survey has the id {id}.");
        Require(survey, SurveyStatus.Examined, "approved");
        var lots = await db.SurveyLots.Where(l => l.SurveyId == id && l.Revision == survey.CurrentRevision).OrderBy(l => l.Label).ToListAsync(ct);
        var recheck = await checks.RunAsync(
            new SurveyPlan("stored", CadastreDbContext.NationalSrid, lots.Select(l => new SurveyedParcel(l.Label, l.Boundary, l.StatedArea)).ToList(), [], survey.ParentUpis),
            id, ct);
        if (!recheck.Passed)
        {
            throw new DomainRuleViolationException("survey-checks-failed",
                "The fabric changed since the survey was checked: " + string.Join(" ", recheck.Findings.Where(f => f.Severity == FindingSeverity.Error).Select(f => f.Message)));
        }

        var kind = (survey.ParentUpis.Length, lots.Count) switch
        {
            (1, >= 2) => FabricTransactionKind.Subdivision,
            (>= 2, 1) => FabricTransactionKind.Merge,
            _ => throw new DomainRuleViolationException("survey-kind",
                "Approval changes the fabric by a subdivision (one parent, several lots) or a merge (several parents, one lot)."),
        };
        var land = await db.ParcelVersions.Where(p => p.Upi == survey.ParentUpis[0] && p.Status == ParcelStatus.Current)
            .Select(p => new { p.LandUse, p.Address }).SingleAsync(ct);
        var change = await fabric.ApplyAsync(
            new FabricChangeRequest(kind, survey.ParentUpis,
                lots.Select(l => new NewParcel(Multi(l.Boundary), l.StatedArea ?? decimal.Round((decimal)l.Boundary.Area, 2), land.LandUse, land.Address)).ToList(),
                $"Survey {survey.Reference}", registrar, clock.GetUtcNow()),
            ct);
        // Buildings of the parents go with the new lot that holds most of their footprint.
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            UPDATE cadastre.buildings b SET upi = (
                SELECT c.upi FROM cadastre.parcel_versions c
                WHERE c.upi = ANY({change.ChildUpis.ToArray()}) AND c.status = 'current' AND c.boundary && b.footprint
                ORDER BY ST_Area(ST_Intersection(c.boundary, b.footprint)) DESC, c.upi LIMIT 1)
            WHERE b.upi = ANY({survey.ParentUpis}) AND EXISTS (
                SELECT 1 FROM cadastre.parcel_versions c WHERE c.upi = ANY({change.ChildUpis.ToArray()}) AND c.status = 'current' AND c.boundary && b.footprint)
            """, ct);
        survey.Status = SurveyStatus.Approved;
        survey.DecidedBy = registrar;
        survey.DecidedAt = clock.GetUtcNow();
        survey.FabricTransactionId = change.TransactionId;
        await db.SaveChangesAsync(ct);

        // The register last: its journal's tail lock is then held only to this commit.
        var titles = services.GetService(typeof(IParcelTitles)) is IParcelTitles register
            ? await register.CarryForwardAsync(
                new ApprovedFabricChange(change.TransactionId, CadastreDbContext.SnakeCase(kind.ToString()), survey.Reference, survey.ParentUpis, change.ChildUpis, registrar),
                transaction.GetDbTransaction(), ct)
            : CarriedTitles.None;
        await transaction.CommitAsync(ct);
        return (survey, change, titles);
    }

    /// <summary>
    /// Lodgements on the same parents queue here until the one before has committed, so its S-PENDING check sees every
    /// earlier claim (the checks read through their own connection, which sees only what is committed).
    /// </summary>
    private async Task ClaimParentsAsync(IReadOnlyList<string> parents, CancellationToken ct)
    {
        foreach (var upi in parents.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtextextended('cadastre.survey-parent:' || {upi}, 0))", ct);
        }
    }

    private SurveyReport WithHeader(SurveyReport report, SurveyPlan plan, string? licence) =>
        report with { Findings = [.. report.Findings, .. SurveyChecks.CheckHeader(plan, licence, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime))] };

    public async Task<Survey> FindAsync(Guid id, CancellationToken ct) =>
        await db.Surveys.SingleOrDefaultAsync(s => s.Id == id, ct)
        ?? throw new ResourceNotFoundException("survey-unknown", $"No survey has the id {id}.");

    private SurveyRevision Record(Survey survey, int number, SurveyUpload upload, SurveyPlan plan, SurveyReport report)
    {
        var revision = new SurveyRevision
        {
            SurveyId = survey.Id, Revision = number, FileName = Path.GetFileName(upload.FileName), Format = plan.Format, Srid = plan.Srid,
            FileSha256 = Convert.ToHexStringLower(SHA256.HashData(upload.Content)),
            Findings = JsonSerializer.Serialize(report.Findings, ReportJson), Errors = report.Errors, Warnings = report.Warnings,
            CheckedAt = clock.GetUtcNow(),
        };
        db.SurveyRevisions.Add(revision);
        foreach (var lot in report.Lots)
        {
            db.SurveyLots.Add(new SurveyLot { SurveyId = survey.Id, Revision = number, Label = lot.Label, StatedArea = lot.StatedArea, Boundary = lot.Boundary });
        }

        return revision;
    }

    private static void Require(Survey survey, SurveyStatus status, string action)
    {
        if (survey.Status != status)
        {
            throw new DomainRuleViolationException("survey-state",
                $"Survey {survey.Reference} is {survey.Status.ToString().ToLowerInvariant()}; only a {status.ToString().ToLowerInvariant()} survey can be {action}.");
        }
    }

    private static MultiPolygon Multi(Polygon polygon)
    {
        var multi = polygon.Factory.CreateMultiPolygon([polygon]);
        multi.SRID = CadastreDbContext.NationalSrid;
        return multi;
    }
}
