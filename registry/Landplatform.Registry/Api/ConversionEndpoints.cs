using System.Security.Claims;
using Landplatform.Cadastre.Contracts;
using Landplatform.Registry.Conversions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Landplatform.Registry.Api;

/// <summary>First registration under <c>/api/registry/conversions</c>: open, public notices, objections and decisions, absolute.</summary>
internal static class ConversionEndpoints
{
    public static void MapConversions(RouteGroupBuilder registry, RouteGroupBuilder reads)
    {
        reads.MapGet("/conversions/notices", async (FirstRegistrations conversions, CancellationToken ct) => TypedResults.Ok(await conversions.NoticesAsync(ct)))
            .WithSummary("The public notices of first registration: every provisional title, its proposed proprietors and charges (as the deeds write them), any break in the chain and the registrar's reason to proceed, the challenge period's end and where to object. Anyone may read.");

        var conversions = registry.MapGroup("/conversions");
        conversions.MapPost("/", async (ConversionRequest request, ClaimsPrincipal user, FirstRegistrations desk, CancellationToken ct) =>
            {
                var opened = await desk.OpenAsync(request, Who(user), ct);
                return TypedResults.Created($"/api/registry/conversions/{opened.Id}", opened);
            })
            .RequireAuthorization(AccessPolicyNames.RegistryDeciders)
            .WithSummary("A registrar or examiner opens the first registration of a parcel from its root of title (upi, proprietors: the last grantees as written with uin or registrationNumber and share, charges: each unreleased mortgage's lender, proceedReason when the chain has breaks): a provisional title and its public notice.");
        conversions.MapGet("/{id:guid}", async (Guid id, FirstRegistrations desk, CancellationToken ct) => TypedResults.Ok(await desk.FindAsync(id, ct)))
            .RequireAuthorization(AccessPolicyNames.RegistryReaders)
            .WithSummary("A first registration: its state (provisional, absolute, cancelled), what it rests on (root deed, last deed, findings, proprietors, charges) and every objection with its decision.");
        conversions.MapPost("/{id:guid}/objections", async (Guid id, ObjectionRequest request, ClaimsPrincipal user, FirstRegistrations desk, CancellationToken ct) =>
            {
                var objection = await desk.ObjectAsync(id, request, Who(user), ct);
                return TypedResults.Created($"/api/registry/conversions/{id}", objection);
            })
            .RequireAuthorization(AccessPolicyNames.SignedIn)
            .WithSummary("Anyone signed in objects to a provisional title during its challenge period: grounds and evidence (a reference: deed number, court file, document). After the period: 409 challenge-period-ended.");
        conversions.MapPost("/{id:guid}/objections/{objectionId:guid}/decision", async (Guid id, Guid objectionId, ObjectionDecisionRequest request, ClaimsPrincipal user,
                FirstRegistrations desk, CancellationToken ct) => TypedResults.Ok(await desk.DecideAsync(id, objectionId, request, Who(user), ct)))
            .RequireAuthorization(AccessPolicyNames.Registrars)
            .WithSummary("The registrar decides an objection: decision dismissed or upheld, and the reason. Upheld cancels the provisional title (closed, its rights ended).");
        conversions.MapPost("/{id:guid}/absolute", async (Guid id, ClaimsPrincipal user, FirstRegistrations desk, CancellationToken ct) =>
                TypedResults.Ok(await desk.MakeAbsoluteAsync(id, Who(user), ct)))
            .RequireAuthorization(AccessPolicyNames.Registrars)
            .WithSummary("The registrar makes the title absolute once the challenge period has ended and every objection is decided (409 challenge-period-running, objection-pending); from then the parcel's dealings are lodged against the title and the register of deeds takes no new deeds for it.");
    }

    private static string Who(ClaimsPrincipal user) => user.Identity?.Name ?? user.FindFirst("sub")?.Value ?? "unknown";
}
