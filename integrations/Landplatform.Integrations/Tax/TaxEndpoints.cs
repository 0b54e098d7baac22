using System.Security.Claims;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Tax;
using Landplatform.Integrations.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Landplatform.Integrations.Tax;

public sealed record RollOwnerView(string Name, string? Uin, string Share);

/// <summary>A parcel's roll entry; <see cref="Owners"/> is null for callers who may not see them.</summary>
public sealed record RollEntryView(string Upi, int Version, string Status, decimal Value, decimal LandValue, decimal BuildingValue, string Currency,
    decimal OfficialArea, string LandUse, string DistrictCode, decimal FloorArea, string Basis, string Reason, DateOnly ValuedOn, DateTimeOffset RecordedAt,
    string? TitleNumber, IReadOnlyList<RollOwnerView>? Owners, IReadOnlyList<RollEntryView>? History);

public sealed record BillParcelView(string Upi, decimal Value, string Share, decimal Assessed);

public sealed record TaxBillView(Guid Id, int TaxYear, string OwnerName, string? OwnerUin, decimal AssessedValue, decimal Rate, decimal Amount, string Currency,
    IReadOnlyList<BillParcelView> Parcels, string? InvoiceNumber, DateTimeOffset CreatedAt);

public sealed record BillRunView(int TaxYear, int Created, int Total, decimal Rate);

public sealed record DutyBody(string? Kind, IReadOnlyList<string>? Upis, decimal? Consideration, string? Currency, DateOnly? EffectiveOn);

/// <summary>The tax API: roll entries (public value, owners for staff and the owners), annual bills, a transfer duty quote.</summary>
public static class TaxEndpoints
{
    private static readonly string[] Staff = [PlatformRoles.TaxOfficer, PlatformRoles.Registrar, PlatformRoles.Examiner, PlatformRoles.Administrator];
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void MapTaxEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tax").WithTags("Tax");
        group.MapGet("/parcels/{upi}", ParcelAsync).AllowAnonymous().RequireRateLimiting(RateLimits.Public)
            .WithSummary("A parcel's roll entry: value and basis for everyone; owners for tax and registry staff and the owners themselves; ?history=true for staff.");
        group.MapPost("/bills/{year:int}", CreateBillsAsync).RequireAuthorization(AccessPolicies.TaxOfficers)
            .WithSummary("Makes the year's property tax bills from the roll (one per owner; again adds only those missing).");
        group.MapGet("/bills/{year:int}", BillsAsync).RequireAuthorization(AccessPolicies.SignedIn)
            .WithSummary("A year's bills: a citizen sees their own; tax officers see all (?ownerUin= to narrow).");
        group.MapPost("/transfer-duty", DutyAsync).RequireAuthorization(AccessPolicies.InvoiceIssuers)
            .WithSummary("What duty a transfer would owe (the assessment the registry makes at fees due), for notaries and staff.");
    }

    private static async Task<Ok<RollEntryView>> ParcelAsync(string upi, bool? history, TaxStore db, ClaimsPrincipal caller, CancellationToken ct)
    {
        var id = ParcelIdentifier.Parse(upi, "upi");
        var versions = await db.Roll.AsNoTracking().Where(r => r.Upi == id).OrderByDescending(r => r.Version).ToListAsync(ct);
        if (versions.Count == 0)
        {
            throw new ResourceNotFoundException("roll-parcel-unknown", $"Parcel {id} is not on the valuation roll.");
        }

        var staff = Staff.Any(caller.IsInRole);
        var uin = caller.FindFirst(PlatformClaims.Uin)?.Value;
        var latest = versions[0];
        var owners = Owners(latest.Owners);
        var isOwner = uin is not null && owners.Any(o => o.Uin == uin);
        var shown = staff ? owners : isOwner ? owners.Select(o => o with { Uin = o.Uin == uin ? uin : null }).ToList() : null;
        if (history == true && !staff)
        {
            throw new InvalidParameterException("history", "roll-history-staff", "Only tax and registry staff see the roll's history of a parcel.");
        }

        return TypedResults.Ok(View(latest, shown, history == true ? versions.Skip(1).Select(v => View(v, Owners(v.Owners), null)).ToList() : null));
    }

    private static RollEntryView View(RollEntry e, IReadOnlyList<RollOwnerView>? owners, IReadOnlyList<RollEntryView>? history) =>
        new(e.Upi, e.Version, e.Status, e.Value, e.LandValue, e.BuildingValue, TaxSchedule.Currency, e.OfficialArea, e.LandUse, e.DistrictCode, e.FloorArea,
            e.Basis, e.Reason, e.ValuedOn, e.RecordedAt, e.TitleNumber, owners, history);

    private static List<RollOwnerView> Owners(string json) =>
        JsonSerializer.Deserialize<List<RollOwnerView>>(json, Json) ?? [];

    private static async Task<Created<BillRunView>> CreateBillsAsync(int year, PropertyTaxBills bills, TaxStore db, ClaimsPrincipal caller, TimeProvider clock, CancellationToken ct)
    {
        var thisYear = clock.GetUtcNow().Year;
        if (year < 2026 || year > thisYear + 1)
        {
            throw new InvalidParameterException("year", "tax-year", $"Bills are made for a tax year from 2026 to {thisYear + 1}.");
        }

        var (created, rate) = await bills.CreateAsync(year, caller.Identity?.Name ?? "tax-officer", ct);
        var total = await db.Bills.CountAsync(b => b.TaxYear == year, ct);
        return TypedResults.Created($"/api/tax/bills/{year}", new BillRunView(year, created, total, rate));
    }

    private static async Task<Ok<List<TaxBillView>>> BillsAsync(int year, string? ownerUin, TaxStore db, ClaimsPrincipal caller, CancellationToken ct)
    {
        var query = db.Bills.AsNoTracking().Where(b => b.TaxYear == year);
        if (caller.IsInRole(PlatformRoles.TaxOfficer))
        {
            if (!string.IsNullOrWhiteSpace(ownerUin))
            {
                query = query.Where(b => b.OwnerUin == ownerUin);
            }
        }
        else
        {
            var uin = caller.FindFirst(PlatformClaims.Uin)?.Value;
            query = query.Where(b => uin != null && b.OwnerUin == uin);
        }

        var rows = await query.OrderBy(b => b.OwnerName).ThenBy(b => b.Id).Take(1000).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(b => new TaxBillView(b.Id, b.TaxYear, b.OwnerName, b.OwnerUin, b.AssessedValue, b.Rate, b.Amount, TaxSchedule.Currency,
            JsonSerializer.Deserialize<List<BillParcelView>>(b.Parcels, Json) ?? [], b.InvoiceNumber, b.CreatedAt)).ToList());
    }

    private static async Task<Ok<TransferDuty>> DutyAsync(DutyBody body, ITransferDutyAssessor assessor, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(await assessor.AssessAsync(new TransferDutyRequest(
            body.Kind ?? throw new InvalidParameterException("kind", "parameter-required", "Give the transfer kind: sale, gift or inheritance."),
            body.Upis ?? [], body.Consideration ?? 0m, body.Currency ?? TaxSchedule.Currency,
            body.EffectiveOn ?? DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)), ct));
}
