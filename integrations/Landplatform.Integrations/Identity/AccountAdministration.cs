using System.Security.Claims;
using System.Security.Cryptography;
using Landplatform.Cadastre.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Caching.Memory;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Landplatform.Integrations.Identity;

/// <summary>An administrator's action on an account or client: always with the reason, and a role where one is named.</summary>
public sealed record AdministrativeAction(string? Reason, string? Role);

/// <summary>What an action did: the account or client it touched, its state now, and how many tokens it revoked.</summary>
public sealed record AdministrativeOutcome(string Action, string Target, bool? Disabled, bool? LockedOut, IReadOnlyList<string>? Roles, int TokensRevoked);

/// <summary>A client's new secret, shown once.</summary>
public sealed record RotatedSecret(string ClientId, string Secret, int TokensRevoked);

/// <summary>
/// The account lifecycle for administrators: disable and enable, unlock, roles, token revocation, client secrets. Every
/// action names its reason and is audited with who did it and why. Whatever takes a right away (disable, a removed role,
/// a revocation, a new client secret) also revokes the tokens already issued, which the validation checks on every
/// request (IdentityModule: token entry validation), so they stop working at once, not when they expire.
/// </summary>
public static class AccountAdministration
{
    public const int ReasonLength = 500;

    public static void MapAccountAdministration(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/identity/users/{id:guid}").WithTags("Identity").RequireAuthorization(AccessPolicies.Administrators);
        users.MapPost("/disable", DisableAsync).WithSummary("Disables an account and revokes its tokens (administrators; reason required).");
        users.MapPost("/enable", EnableAsync).WithSummary("Enables a disabled account again (administrators; reason required).");
        users.MapPost("/unlock", UnlockAsync).WithSummary("Ends a lockout and clears every address's failed sign-ins (administrators; reason required).");
        users.MapPost("/roles", AddRoleAsync).WithSummary("Gives the account a role (administrators; role and reason required).");
        users.MapPost("/roles/remove", RemoveRoleAsync).WithSummary("Takes a role away and revokes the account's tokens (administrators; role and reason required).");
        users.MapPost("/authenticator/reset", ResetAuthenticatorAsync).WithSummary("Switches a lost authenticator off, so the person enrols a new one; revokes their tokens (administrators; reason required).");
        users.MapPost("/tokens/revoke", RevokeTokensAsync).WithSummary("Revokes every token issued to the account (administrators; reason required).");

        var clients = app.MapGroup("/api/identity/clients/{clientId}").WithTags("Identity").RequireAuthorization(AccessPolicies.Administrators);
        clients.MapPost("/secret", RotateSecretAsync).WithSummary("Gives a machine client a new secret, shown once; the old one and its tokens stop working (administrators; reason required).");
        clients.MapPost("/secret/revoke", RevokeSecretAsync).WithSummary("Revokes a machine client's secret and tokens; it signs in again only after a rotation (administrators; reason required).");
    }

    private static async Task<IResult> DisableAsync(Guid id, AdministrativeAction? action, ClaimsPrincipal caller, UserManager<PlatformUser> users,
        IMemoryCache cache, IOpenIddictTokenManager tokens, IOpenIddictAuthorizationManager authorizations, AuditTrail audit, HttpContext http, CancellationToken ct)
    {
        var reason = Reason(action);
        var user = await UserAsync(users, id);
        if (caller.GetClaim(Claims.Subject) == user.Id.ToString())
        {
            throw new DomainRuleViolationException("self-disable", "An administrator cannot disable their own account; ask another administrator.");
        }

        if (await AccountState.IsDisabledAsync(users, user))
        {
            throw new DomainRuleViolationException("account-disabled", $"The account {user.UserName} is disabled already.");
        }

        // Locked first, so no new token is issued while the old ones are revoked.
        Check(await users.SetLockoutEnabledAsync(user, true));
        Check(await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue));
        Check(await users.AddClaimAsync(user, new Claim(AccountState.DisabledClaim, reason)));
        Check(await users.UpdateSecurityStampAsync(user));
        cache.Remove(AccountStateHandler.CacheKey(user.Id.ToString()));
        var revoked = await RevokeUserTokensAsync(tokens, authorizations, user, ct);
        await RecordAsync(audit, http, caller, "account-disabled", user.UserName, reason, $"{revoked} token(s) revoked");
        return TypedResults.Ok(await OutcomeAsync(users, user, "disable", revoked));
    }

    private static async Task<IResult> EnableAsync(Guid id, AdministrativeAction? action, ClaimsPrincipal caller, UserManager<PlatformUser> users,
        IMemoryCache cache, SignInThrottle throttle, AuditTrail audit, HttpContext http, CancellationToken ct)
    {
        var reason = Reason(action);
        var user = await UserAsync(users, id);
        var marks = (await users.GetClaimsAsync(user)).Where(c => c.Type == AccountState.DisabledClaim).ToList();
        if (marks.Count == 0)
        {
            throw new DomainRuleViolationException("account-enabled", $"The account {user.UserName} is not disabled.");
        }

        Check(await users.RemoveClaimsAsync(user, marks));
        Check(await users.SetLockoutEndDateAsync(user, null));
        Check(await users.ResetAccessFailedCountAsync(user));
        throttle.ClearAccount(user.Id);
        cache.Remove(AccountStateHandler.CacheKey(user.Id.ToString()));
        await RecordAsync(audit, http, caller, "account-enabled", user.UserName, reason, null);
        return TypedResults.Ok(await OutcomeAsync(users, user, "enable", 0));
    }

    private static async Task<IResult> UnlockAsync(Guid id, AdministrativeAction? action, ClaimsPrincipal caller, UserManager<PlatformUser> users,
        SignInThrottle throttle, AuditTrail audit, HttpContext http, CancellationToken ct)
    {
        var reason = Reason(action);
        var user = await UserAsync(users, id);
        if (await AccountState.IsDisabledAsync(users, user))
        {
            throw new DomainRuleViolationException("account-disabled", $"The account {user.UserName} is disabled, not locked: enable it instead.");
        }

        Check(await users.SetLockoutEndDateAsync(user, null));
        Check(await users.ResetAccessFailedCountAsync(user));
        throttle.ClearAccount(user.Id);
        await RecordAsync(audit, http, caller, "account-unlocked", user.UserName, reason, null);
        return TypedResults.Ok(await OutcomeAsync(users, user, "unlock", 0));
    }

    private static async Task<IResult> AddRoleAsync(Guid id, AdministrativeAction? action, ClaimsPrincipal caller, UserManager<PlatformUser> users,
        AuditTrail audit, HttpContext http, CancellationToken ct)
    {
        var reason = Reason(action);
        var role = Role(action);
        var user = await UserAsync(users, id);
        if (await users.IsInRoleAsync(user, role))
        {
            throw new DomainRuleViolationException("role-held", $"The account {user.UserName} has the role {role} already.");
        }

        if (role == PlatformRoles.Surveyor && string.IsNullOrWhiteSpace(user.LicenceNumber))
        {
            throw new DomainRuleViolationException("surveyor-licence", "A surveyor is registered with their licence number; this account has none.");
        }

        Check(await users.AddToRoleAsync(user, role));
        await RecordAsync(audit, http, caller, "role-added", user.UserName, reason, "role " + role);
        return TypedResults.Ok(await OutcomeAsync(users, user, "role-add", 0));
    }

    private static async Task<IResult> RemoveRoleAsync(Guid id, AdministrativeAction? action, ClaimsPrincipal caller, UserManager<PlatformUser> users,
        IOpenIddictTokenManager tokens, IOpenIddictAuthorizationManager authorizations, AuditTrail audit, HttpContext http, CancellationToken ct)
    {
        var reason = Reason(action);
        var role = Role(action);
        var user = await UserAsync(users, id);
        if (!await users.IsInRoleAsync(user, role))
        {
            throw new DomainRuleViolationException("role-not-held", $"The account {user.UserName} does not have the role {role}.");
        }

        if (role == PlatformRoles.Administrator && caller.GetClaim(Claims.Subject) == user.Id.ToString())
        {
            throw new DomainRuleViolationException("self-demotion", "An administrator cannot take their own administrator role away; ask another administrator.");
        }

        Check(await users.RemoveFromRoleAsync(user, role));
        // Issued tokens carry the role they were issued with: they go, and the next sign-in carries the roles as they are now.
        var revoked = await RevokeUserTokensAsync(tokens, authorizations, user, ct);
        await RecordAsync(audit, http, caller, "role-removed", user.UserName, reason, $"role {role}; {revoked} token(s) revoked");
        return TypedResults.Ok(await OutcomeAsync(users, user, "role-remove", revoked));
    }

    private static async Task<IResult> RevokeTokensAsync(Guid id, AdministrativeAction? action, ClaimsPrincipal caller, UserManager<PlatformUser> users,
        IOpenIddictTokenManager tokens, IOpenIddictAuthorizationManager authorizations, AuditTrail audit, HttpContext http, CancellationToken ct)
    {
        var reason = Reason(action);
        var user = await UserAsync(users, id);
        var revoked = await RevokeUserTokensAsync(tokens, authorizations, user, ct);
        await RecordAsync(audit, http, caller, "tokens-revoked", user.UserName, reason, $"{revoked} token(s) revoked");
        return TypedResults.Ok(await OutcomeAsync(users, user, "revoke-tokens", revoked));
    }

    private static async Task<IResult> ResetAuthenticatorAsync(Guid id, AdministrativeAction? action, ClaimsPrincipal caller, UserManager<PlatformUser> users,
        IOpenIddictTokenManager tokens, IOpenIddictAuthorizationManager authorizations, AuditTrail audit, HttpContext http, CancellationToken ct)
    {
        var reason = Reason(action);
        var user = await UserAsync(users, id);
        if (!await users.GetTwoFactorEnabledAsync(user))
        {
            throw new DomainRuleViolationException("authenticator-not-enrolled", $"The account {user.UserName} has no authenticator to reset.");
        }

        // Off, with a fresh key nobody has seen and the old recovery codes replaced: the person enrols anew with their password.
        Check(await users.SetTwoFactorEnabledAsync(user, false));
        Check(await users.ResetAuthenticatorKeyAsync(user));
        await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 1);
        var revoked = await RevokeUserTokensAsync(tokens, authorizations, user, ct);
        await RecordAsync(audit, http, caller, "authenticator-reset", user.UserName, reason, $"{revoked} token(s) revoked");
        return TypedResults.Ok(await OutcomeAsync(users, user, "authenticator-reset", revoked));
    }

    private static async Task<IResult> RotateSecretAsync(string clientId, AdministrativeAction? action, ClaimsPrincipal caller,
        IOpenIddictApplicationManager apps, IOpenIddictTokenManager tokens, AuditTrail audit, HttpContext http, CancellationToken ct)
    {
        var reason = Reason(action);
        var (client, appId) = await ConfidentialClientAsync(apps, clientId, ct);
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await apps.UpdateAsync(client, secret, ct);
        var revoked = await RevokeClientTokensAsync(tokens, appId, ct);
        await RecordAsync(audit, http, caller, "client-secret-rotated", clientId, reason, $"{revoked} token(s) revoked");
        return TypedResults.Ok(new RotatedSecret(clientId, secret, revoked));
    }

    private static async Task<IResult> RevokeSecretAsync(string clientId, AdministrativeAction? action, ClaimsPrincipal caller,
        IOpenIddictApplicationManager apps, IOpenIddictTokenManager tokens, AuditTrail audit, HttpContext http, CancellationToken ct)
    {
        var reason = Reason(action);
        var (client, appId) = await ConfidentialClientAsync(apps, clientId, ct);
        // A random secret nobody is told: the client is shut out until an administrator rotates it.
        await apps.UpdateAsync(client, Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)), ct);
        var revoked = await RevokeClientTokensAsync(tokens, appId, ct);
        await RecordAsync(audit, http, caller, "client-secret-revoked", clientId, reason, $"{revoked} token(s) revoked");
        return TypedResults.Ok(new AdministrativeOutcome("revoke-secret", clientId, null, null, null, revoked));
    }

    private static string Reason(AdministrativeAction? action)
    {
        var reason = action?.Reason?.Trim();
        if (string.IsNullOrEmpty(reason))
        {
            throw new InvalidParameterException("reason", "reason-required", "Say why (reason): it is kept in the audit trail with your name.");
        }

        return reason.Length <= ReasonLength
            ? reason
            : throw new InvalidParameterException("reason", "reason-length", $"The reason is at most {ReasonLength} characters.");
    }

    private static string Role(AdministrativeAction? action) =>
        action?.Role is { } role && PlatformRoles.All.Contains(role)
            ? role
            : throw new InvalidParameterException("role", "role-known", $"Name one role: {string.Join(", ", PlatformRoles.All)}.");

    private static async Task<PlatformUser> UserAsync(UserManager<PlatformUser> users, Guid id) =>
        await users.FindByIdAsync(id.ToString()) ?? throw new ResourceNotFoundException("user-unknown", $"No user has the id {id}.");

    private static async Task<(object Client, string Id)> ConfidentialClientAsync(IOpenIddictApplicationManager apps, string clientId, CancellationToken ct)
    {
        var client = await apps.FindByClientIdAsync(clientId, ct) ?? throw new ResourceNotFoundException("client-unknown", $"No client is registered as '{clientId}'.");
        if (await apps.GetClientTypeAsync(client, ct) != ClientTypes.Confidential)
        {
            throw new DomainRuleViolationException("client-public", $"The client '{clientId}' is public (it has no secret to rotate or revoke).");
        }

        return (client, (await apps.GetIdAsync(client, ct))!);
    }

    private static async Task<int> RevokeUserTokensAsync(IOpenIddictTokenManager tokens, IOpenIddictAuthorizationManager authorizations, PlatformUser user, CancellationToken ct)
    {
        var subject = user.Id.ToString();
        var found = new List<object>();
        await foreach (var token in tokens.FindBySubjectAsync(subject, ct))
        {
            found.Add(token);
        }

        var grants = new List<object>();
        await foreach (var authorization in authorizations.FindBySubjectAsync(subject, ct))
        {
            grants.Add(authorization);
        }

        foreach (var authorization in grants)
        {
            await authorizations.TryRevokeAsync(authorization, ct);
        }

        return await RevokeAllAsync(tokens, found, ct);
    }

    private static async Task<int> RevokeClientTokensAsync(IOpenIddictTokenManager tokens, string applicationId, CancellationToken ct)
    {
        var found = new List<object>();
        await foreach (var token in tokens.FindByApplicationIdAsync(applicationId, ct))
        {
            found.Add(token);
        }

        return await RevokeAllAsync(tokens, found, ct);
    }

    private static async Task<int> RevokeAllAsync(IOpenIddictTokenManager tokens, List<object> found, CancellationToken ct)
    {
        var revoked = 0;
        foreach (var token in found)
        {
            if (await tokens.HasStatusAsync(token, Statuses.Valid, ct) && await tokens.TryRevokeAsync(token, ct))
            {
                revoked++;
            }
        }

        return revoked;
    }

    private static Task RecordAsync(AuditTrail audit, HttpContext http, ClaimsPrincipal caller, string kind, string? target, string reason, string? effect) =>
        audit.RecordAsync(kind, target, caller.GetClaim(Claims.ClientId), http,
            $"by {caller.Identity?.Name ?? caller.GetClaim(Claims.Subject)}; reason: {reason}" + (effect is null ? string.Empty : $"; {effect}"), http.RequestAborted);

    private static async Task<AdministrativeOutcome> OutcomeAsync(UserManager<PlatformUser> users, PlatformUser user, string action, int revoked) =>
        new(action, user.UserName!, await AccountState.IsDisabledAsync(users, user), await users.IsLockedOutAsync(user), [.. await users.GetRolesAsync(user)], revoked);

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("Identity refused an administrator's change: " + string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }
}
