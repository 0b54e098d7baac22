using System.Security.Claims;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Landplatform.Integrations.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace Landplatform.Integrations.Permits;

/// <param name="Footprint">A GeoJSON Polygon in EPSG:2007 (metres); omit to check the whole parcel.</param>
/// <param name="OwnerUin">For an agent: the registered owner the application is made for, who must then consent.</param>
public sealed record PermitBody(string? Upi, string? Description, JsonElement? Footprint, string? OwnerUin);

public sealed record DecisionBody(string? Decision, string? Reasons);

/// <param name="TitleNumber">Withheld (null) from an agent until the owner consents.</param>
/// <param name="OwnerName">Withheld (null) from an agent until the owner consents: the agent named a UIN, and the answer must not tell them whose it is.</param>
public sealed record PermitView(Guid Id, string Number, string Upi, string? TitleNumber, string Description, string Status, string ApplicantName,
    string ApplicantCapacity, string? OwnerName, DateTimeOffset? ConsentedAt, IReadOnlyList<PermitFinding> Findings, DateTimeOffset CreatedAt,
    DateTimeOffset? SubmittedAt, DateTimeOffset? DecidedAt, string? Reasons)
{
    public static PermitView Of(PermitApplication a, ClaimsPrincipal viewer)
    {
        var uin = viewer.FindFirst(PlatformClaims.Uin)?.Value;
        var withheld = a.ApplicantCapacity == "agent" && a.ConsentedAt is null && uin == a.ApplicantUin && uin != a.OwnerUin
            && !viewer.IsInRole(PlatformRoles.PermitOfficer);
        return new(a.Id, a.Number, a.Upi, withheld ? null : a.TitleNumber, a.Description, a.Status, a.ApplicantName,
            a.ApplicantCapacity, withheld ? null : a.OwnerName, a.ConsentedAt, PermitDesk.Findings(a), a.CreatedAt, a.SubmittedAt, a.DecidedAt, a.Reasons);
    }
}

/// <summary>An approved permit as anyone may see it on the parcel: no personal data.</summary>
public sealed record ApprovedPermitView(string Number, string Upi, string Description, DateTimeOffset DecidedAt, IReadOnlyList<PermitFinding> Findings);

/// <summary>The permits API: applications by owners and agents, the owner's consent, the officer's decision, approved permits per parcel.</summary>
public static class PermitsEndpoints
{
    public static void MapPermitsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/permits").WithTags("Permits");
        group.MapGet("", ApprovedAsync).AllowAnonymous().RequireRateLimiting(RateLimits.Public)
            .WithSummary("Approved building permits on a parcel (?upi=), without personal data (public).");
        group.MapPost("", ApplyAsync).RequireAuthorization(AccessPolicies.SignedIn)
            .WithSummary("Applies for a building permit: by a registered owner (checked and submitted at once) or an agent naming the owner (awaits the owner's consent).");
        group.MapGet("/mine", MineAsync).RequireAuthorization(AccessPolicies.SignedIn)
            .WithSummary("The caller's own applications, as applicant or as owner, newest first, with their check reports and decisions.");
        group.MapGet("/{id:guid}", GetAsync).RequireAuthorization(AccessPolicies.SignedIn)
            .WithSummary("An application with its check report: the applicant, the owner, permit officers.");
        group.MapPost("/{id:guid}/consent", ConsentAsync).RequireAuthorization(AccessPolicies.SignedIn)
            .WithSummary("The owner an agent named confirms the application with their own sign-in; it is then checked and submitted.");
        group.MapPost("/{id:guid}/decision", DecideAsync).RequireAuthorization(AccessPolicies.PermitOfficers)
            .WithSummary("A permit officer approves or refuses a submitted application, with reasons.");
    }

    private static async Task<Ok<List<ApprovedPermitView>>> ApprovedAsync(string? upi, PermitsStore db, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(upi))
        {
            throw new InvalidParameterException("upi", "parameter-required", "Give the parcel: ?upi=CH-00012-0007.");
        }

        var id = ParcelIdentifier.Parse(upi, "upi");
        var rows = await db.Applications.AsNoTracking().Where(a => a.Upi == id && a.Status == "approved").OrderBy(a => a.DecidedAt).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(a => new ApprovedPermitView(a.Number, a.Upi, a.Description, a.DecidedAt!.Value, PermitDesk.Findings(a))).ToList());
    }

    private static async Task<Created<PermitView>> ApplyAsync(PermitBody body, PermitDesk desk, ClaimsPrincipal caller, UserManager<PlatformUser> users, CancellationToken ct)
    {
        var uin = CallerUin(caller);
        var footprint = body.Footprint is { ValueKind: JsonValueKind.Object } f ? f.GetRawText()
            : body.Footprint is null or { ValueKind: JsonValueKind.Null } ? null
            : throw new InvalidParameterException("footprint", "P-FOOTPRINT", "The footprint is a GeoJSON Polygon object.");

        // The token's name is the account name; the application carries the person's full name from their account.
        var account = Guid.TryParse(caller.GetClaim(OpenIddictConstants.Claims.Subject), out var subject) ? await users.FindByIdAsync(subject.ToString()) : null;
        var application = await desk.ApplyAsync(new PermitRequest(body.Upi ?? "", body.Description ?? "", footprint, body.OwnerUin), uin,
            account?.FullName ?? caller.Identity?.Name ?? uin, ct);
        return TypedResults.Created($"/api/permits/{application.Id}", PermitView.Of(application, caller));
    }

    private static async Task<Ok<List<PermitView>>> MineAsync(PermitDesk desk, ClaimsPrincipal caller, CancellationToken ct) =>
        TypedResults.Ok((await desk.MineAsync(CallerUin(caller), ct)).Select(a => PermitView.Of(a, caller)).ToList());

    private static async Task<Ok<PermitView>> GetAsync(Guid id, PermitDesk desk, ClaimsPrincipal caller, CancellationToken ct)
    {
        var application = await desk.FindAsync(id, ct);
        var uin = caller.FindFirst(PlatformClaims.Uin)?.Value;
        if (!caller.IsInRole(PlatformRoles.PermitOfficer) && uin != application.ApplicantUin && uin != application.OwnerUin)
        {
            throw new ResourceNotFoundException("permit-unknown", $"There is no permit application {id} of yours.");
        }

        return TypedResults.Ok(PermitView.Of(application, caller));
    }

    private static async Task<Ok<PermitView>> ConsentAsync(Guid id, PermitDesk desk, ClaimsPrincipal caller, CancellationToken ct) =>
        TypedResults.Ok(PermitView.Of(await desk.ConsentAsync(id, CallerUin(caller), ct), caller));

    private static async Task<Ok<PermitView>> DecideAsync(Guid id, DecisionBody body, PermitDesk desk, ClaimsPrincipal caller, CancellationToken ct) =>
        TypedResults.Ok(PermitView.Of(await desk.DecideAsync(id, body.Decision, body.Reasons, caller.Identity?.Name ?? "permit-officer", ct), caller));

    private static string CallerUin(ClaimsPrincipal caller) =>
        caller.FindFirst(PlatformClaims.Uin)?.Value
        ?? throw new DomainRuleViolationException("P-IDENTITY", "Only a person signed in with a verified UIN can apply for, consent to or list their permit applications.");
}

/// <summary>Registers the permits module.</summary>
public static class PermitsModule
{
    /// <summary>What other modules' SQL may read of the permits: the approved permits, not the applications' workflow.</summary>
    public static IReadOnlyList<PublishedRelation> PublishedRelations { get; } =
    [
        new("permits.approved_permits", "building permits granted: number, upi, decided_at"),
    ];

    public static IServiceCollection AddPermits(this IServiceCollection services)
    {
        services.AddDbContext<PermitsStore>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), o => o.MigrationsHistoryTable("__migrations", PermitsStore.Schema)));
        services.AddSingleton<PermitCheck>();
        services.AddScoped<PermitDesk>();
        return services;
    }
}
