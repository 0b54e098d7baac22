using System.Security.Claims;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Persons;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Landplatform.Integrations.Identity;

/// <summary>A user as the API shows them; identifiers only to those the disclosure policy allows.</summary>
public sealed record UserProfile(Guid Id, string UserName, string FullName, IReadOnlyList<string> Roles, string? Uin, string? LicenceNumber, string? Email, bool Disabled, bool LockedOut);

/// <summary>A new user, as an administrator registers them.</summary>
public sealed record NewUser(string? UserName, string? FullName, string? Password, string? Uin, IReadOnlyList<string>? Roles, string? LicenceNumber);

/// <summary>The answer to a UIN check.</summary>
public sealed record UinCheckResponse(string Uin, bool Valid, string? Rule, string Message);

/// <summary>The identity API: who am I, users (administrators), the audit log, and the public UIN check.</summary>
public static class IdentityEndpoints
{
    public static void MapIdentityEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/identity").WithTags("Identity");

        group.MapGet("/me", MeAsync).RequireAuthorization(AccessPolicies.SignedIn)
            .WithSummary("The signed-in person (with their own UIN) or machine client.");
        group.MapGet("/users", ListUsersAsync).RequireAuthorization(AccessPolicies.Administrators)
            .WithSummary("Every user with their roles (administrators).");
        group.MapPost("/users", CreateUserAsync).RequireAuthorization(AccessPolicies.Administrators)
            .WithSummary("Registers a user, linked by UIN to a person the civil registry holds under the same name (administrators).")
            .ProducesValidationProblem();
        group.MapGet("/users/{id:guid}", GetUserAsync).RequireAuthorization(AccessPolicies.SignedIn)
            .WithSummary("One user: administrators may read anyone, others only themselves.");
        group.MapGet("/audit", AuditAsync).RequireAuthorization(AccessPolicies.Administrators)
            .WithSummary("The latest security events: sign-ins, tokens issued, access refused (administrators).");
        group.MapGet("/uin/{uin}", (string uin, IUinScheme scheme) =>
            {
                var check = scheme.Check(uin);
                return TypedResults.Ok(new UinCheckResponse(uin, check.IsValid, check.IsValid ? null : check.Rule, check.Message));
            })
            .AllowAnonymous().RequireRateLimiting(RateLimits.Public)
            .WithSummary("Whether a UIN is well formed and its check digit right; says nothing about whether it was issued.");
        app.MapAccountAdministration();
        app.MapSecondFactorEndpoints();
    }

    private static async Task<IResult> MeAsync(ClaimsPrincipal caller, UserManager<PlatformUser> users)
    {
        var subject = caller.GetClaim(Claims.Subject);
        var user = Guid.TryParse(subject, out var id) ? await users.FindByIdAsync(id.ToString()) : null;
        if (user is null)
        {
            return TypedResults.Ok(new { client = caller.GetClaim(Claims.ClientId) ?? subject, name = caller.GetClaim(Claims.Name), scopes = caller.GetScopes() });
        }

        return TypedResults.Ok(await ProfileAsync(users, user, PersonView.Everything));
    }

    private static async Task<IResult> ListUsersAsync(UserManager<PlatformUser> users, CancellationToken ct)
    {
        var all = await users.Users.OrderBy(u => u.UserName).ToListAsync(ct);
        var profiles = new List<UserProfile>(all.Count);
        foreach (var user in all)
        {
            profiles.Add(await ProfileAsync(users, user, PersonView.Everything));
        }

        return TypedResults.Ok(profiles);
    }

    private static async Task<IResult> GetUserAsync(Guid id, ClaimsPrincipal caller, UserManager<PlatformUser> users, PersonalDataDisclosure disclosure)
    {
        var user = await users.FindByIdAsync(id.ToString());
        var self = caller.GetClaim(Claims.Subject) == id.ToString();
        if (!self && !caller.IsInRole(PlatformRoles.Administrator))
        {
            return TypedResults.Forbid();
        }

        if (user is null)
        {
            throw new ResourceNotFoundException("user-unknown", $"No user has the id {id}.");
        }

        return TypedResults.Ok(await ProfileAsync(users, user, disclosure.For(caller, user.Uin)));
    }

    private static async Task<IResult> CreateUserAsync(
        NewUser request, UserManager<PlatformUser> users, IUinScheme uins, IPersonRegistry persons, TimeProvider clock, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.UserName))
        {
            throw new InvalidParameterException("userName", "required", "userName is required.");
        }

        if (string.IsNullOrWhiteSpace(request.FullName))
        {
            throw new InvalidParameterException("fullName", "required", "fullName is required.");
        }

        if (request.Uin is not null)
        {
            var check = uins.Check(request.Uin);
            if (!check.IsValid)
            {
                throw new InvalidParameterException("uin", check.Rule, check.Message);
            }

            if (await users.Users.AnyAsync(u => u.Uin == request.Uin, ct))
            {
                throw new DomainRuleViolationException("uin-unique", "Another user is already linked to this UIN.");
            }
        }

        var roles = request.Roles ?? [];
        var unknown = roles.Where(r => !PlatformRoles.All.Contains(r)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidParameterException("roles", "role-known", $"Unknown role(s) {string.Join(", ", unknown)}; roles are {string.Join(", ", PlatformRoles.All)}.");
        }

        if (roles.Contains(PlatformRoles.Surveyor) && string.IsNullOrWhiteSpace(request.LicenceNumber))
        {
            throw new InvalidParameterException("licenceNumber", "surveyor-licence", "A surveyor is registered with their licence number.");
        }

        if (request.Uin is not null)
        {
            await CheckWithCivilRegistryAsync(persons, request.Uin, request.FullName, ct);
        }

        var user = new PlatformUser
        {
            UserName = request.UserName.Trim(), FullName = request.FullName.Trim(), Uin = request.Uin, LicenceNumber = request.LicenceNumber,
            CreatedAt = clock.GetUtcNow(),
        };
        var created = await users.CreateAsync(user, request.Password ?? string.Empty);
        if (!created.Succeeded)
        {
            var first = created.Errors.First();
            var parameter = first.Code.StartsWith("Password", StringComparison.Ordinal) ? "password" : "userName";
            throw new InvalidParameterException(parameter, first.Code, string.Join(" ", created.Errors.Select(e => e.Description)));
        }

        foreach (var role in roles)
        {
            await users.AddToRoleAsync(user, role);
        }

        return TypedResults.Created($"/api/identity/users/{user.Id}", await ProfileAsync(users, user, PersonView.Everything));
    }

    // A well-formed UIN may still be unissued, or another person's: the account is linked only to a UIN the civil
    // registry holds, under the name given, of a living person. Nothing is created otherwise.
    private static async Task CheckWithCivilRegistryAsync(IPersonRegistry persons, string uin, string fullName, CancellationToken ct)
    {
        VerifiedPerson person;
        try
        {
            person = await persons.VerifyAsync(new PersonClaim(uin, fullName, DateOfBirth: null), ct);
        }
        catch (InvalidParameterException e) when (e.Parameter == "name")
        {
            // The registry's rule, under this request's own field name.
            throw new InvalidParameterException("fullName", e.Rule, e.Message);
        }

        if (person.Deceased)
        {
            throw new InvalidParameterException("uin", "uin-deceased", $"The civil registry records the holder of UIN {uin} as deceased: no account can be linked to it.");
        }
    }

    private static async Task<IResult> AuditAsync(IdentityStore store, string? kind, int? limit, CancellationToken ct)
    {
        var take = Math.Clamp(limit ?? 100, 1, 1000);
        var query = store.AuditEvents.AsNoTracking();
        if (kind is not null)
        {
            query = query.Where(a => a.Kind == kind);
        }

        return TypedResults.Ok(await query.OrderByDescending(a => a.Id).Take(take).ToListAsync(ct));
    }

    private static async Task<UserProfile> ProfileAsync(UserManager<PlatformUser> users, PlatformUser user, PersonView view) =>
        new(user.Id, user.UserName!, view.Name ? user.FullName : "(withheld)", [.. await users.GetRolesAsync(user)],
            view.Identifiers ? user.Uin : null, user.LicenceNumber, view.ContactDetails ? user.Email : null,
            await AccountState.IsDisabledAsync(users, user), await users.IsLockedOutAsync(user));
}
