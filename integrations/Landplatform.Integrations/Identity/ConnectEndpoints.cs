using System.Collections.Immutable;
using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Landplatform.Integrations.Identity;

/// <summary>
/// The OpenID Connect endpoints OpenIddict passes through to us: it has already checked the protocol
/// (client, PKCE, scopes); we decide who the subject is and what goes in the tokens.
/// </summary>
public static class ConnectEndpoints
{
    public static void MapConnectEndpoints(this IEndpointRouteBuilder app)
    {
        var connect = app.MapGroup("/connect").WithTags("OpenID Connect").ExcludeFromDescription();

        // Anonymous here because the endpoint itself sends an unsigned-in browser to the sign-in page.
        connect.MapMethods("/authorize", [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync).AllowAnonymous();
        // Rate-limited by the global limiter (see IdentityModule), which runs before OpenIddict.
        connect.MapPost("/token", ExchangeAsync).AllowAnonymous().DisableAntiforgery();
        connect.MapMethods("/userinfo", [HttpMethods.Get, HttpMethods.Post], UserInfoAsync)
            .RequireAuthorization(p => p.AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme).RequireAuthenticatedUser())
            .DisableAntiforgery();
        // GET only asks: signing out is a POST carrying the page's antiforgery token, so no link or image can do it.
        connect.MapGet("/logout", (HttpContext http, IAntiforgery antiforgery) => SignInPage.SignOutPage(http, antiforgery)).AllowAnonymous();
        connect.MapPost("/logout", EndSessionAsync).AllowAnonymous();
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext http, UserManager<PlatformUser> users, AuditTrail audit)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var session = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var user = session.Succeeded ? await users.GetUserAsync(session.Principal) : null;
        if (user is null || await users.IsLockedOutAsync(user))
        {
            var back = http.Request.PathBase + http.Request.Path + (http.Request.HasFormContentType
                ? QueryString.Create(http.Request.Form.Select(f => KeyValuePair.Create(f.Key, (string?)f.Value.ToString())))
                : http.Request.QueryString);
            return Results.Challenge(new AuthenticationProperties { RedirectUri = back }, [IdentityConstants.ApplicationScheme]);
        }

        var principal = await UserPrincipalAsync(users, user, request.GetScopes());
        await audit.RecordAsync("token-issued", user.UserName, request.ClientId, http, "authorization code issued", http.RequestAborted);
        return Results.SignIn(principal, properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> ExchangeAsync(
        HttpContext http, UserManager<PlatformUser> users, PasswordCheck passwords, SecondFactor factor, SignInThrottle throttle, IOpenIddictApplicationManager apps, AuditTrail audit,
        Microsoft.Extensions.Options.IOptions<PlatformIdentityOptions> platform)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var ct = http.RequestAborted;

        if (request.IsPasswordGrantType())
        {
            // The documented sign-in limit (SignInPermitsPerMinute per address) holds for the password grant too.
            var address = SignInThrottle.AddressOf(http);
            using var lease = throttle.AcquireAttempt(address);
            if (!lease.IsAcquired)
            {
                await IdentityModule.WriteRateLimitProblemAsync(http, lease);
                return Results.Empty;
            }

            var check = await passwords.CheckAsync(request.Username, request.Password ?? string.Empty, address);
            if (!check.Succeeded)
            {
                await audit.RecordAsync(check.AuditKind, check.User?.UserName ?? request.Username, request.ClientId, http, "password grant: " + check.AuditDetail, ct);
                return Refuse(Errors.InvalidGrant, PasswordCheck.Refusal);
            }

            var user = check.User!;
            if (await factor.RequiredAsync(user) && await factor.RefusalAsync(user, request.GetParameter("otp")?.ToString()) is { } missing)
            {
                // A wrong code counts like a wrong password, so six digits cannot be tried at will.
                throttle.RecordFailure(user.Id, address);
                await audit.RecordAsync("second-factor-failed", user.UserName, request.ClientId, http, "password grant: " + missing, ct);
                return Refuse(Errors.InvalidGrant, missing);
            }

            await audit.RecordAsync("sign-in", user.UserName, request.ClientId, http, "password grant", ct);
            return await IssueAsync(http, audit, await UserPrincipalAsync(users, user, request.GetScopes()), user.UserName, request.ClientId);
        }

        if (request.IsClientCredentialsGrantType())
        {
            if (!platform.Value.DemoMode && request.ClientSecret is { } secret && DemoAccounts.IsPublished(secret))
            {
                await audit.RecordAsync("sign-in-failed", request.ClientId, request.ClientId, http, "client credentials: published demo secret outside demo mode", ct);
                return Refuse(Errors.InvalidClient, "This client secret is published with the demo; rotate it (./lp clients rotate-secret).");
            }

            var application = await apps.FindByClientIdAsync(request.ClientId!, ct)
                ?? throw new InvalidOperationException("OpenIddict validated a client that does not exist.");
            var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, request.ClientId);
            identity.SetClaim(Claims.Name, await apps.GetDisplayNameAsync(application, ct));
            identity.SetClaim(Claims.ClientId, request.ClientId);
            identity.SetScopes(request.GetScopes());
            identity.SetDestinations(_ => [Destinations.AccessToken]);
            return await IssueAsync(http, audit, new ClaimsPrincipal(identity), request.ClientId, request.ClientId);
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            var granted = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var user = granted.Principal?.GetClaim(Claims.Subject) is { } id ? await users.FindByIdAsync(id) : null;
            if (user is null || await users.IsLockedOutAsync(user) || await AccountState.IsDisabledAsync(users, user))
            {
                await audit.RecordAsync("sign-in-failed", user?.UserName, request.ClientId, http, "code or refresh token of a missing, locked or disabled user", ct);
                return Refuse(Errors.InvalidGrant, "The account no longer exists, or it is locked or disabled.");
            }

            return await IssueAsync(http, audit, await UserPrincipalAsync(users, user, granted.Principal!.GetScopes()), user.UserName, request.ClientId);
        }

        return Refuse(Errors.UnsupportedGrantType, "This grant type is not supported.");
    }

    private static async Task<IResult> UserInfoAsync(HttpContext http, UserManager<PlatformUser> users)
    {
        var user = http.User.GetClaim(Claims.Subject) is { } id ? await users.FindByIdAsync(id) : null;
        if (user is null)
        {
            return Results.Challenge(authenticationSchemes: [OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme]);
        }

        var roles = await users.GetRolesAsync(user);
        return Results.Ok(new Dictionary<string, object?>
        {
            [Claims.Subject] = user.Id.ToString(),
            [Claims.Name] = user.FullName,
            [Claims.PreferredUsername] = user.UserName,
            [Claims.Role] = roles,
            [PlatformClaims.Uin] = user.Uin,
        });
    }

    // The form field binding makes the framework check the antiforgery token first (a 400 problem without it).
    private static async Task<IResult> EndSessionAsync(HttpContext http, [FromForm(Name = "confirm")] string? confirm)
    {
        await http.SignOutAsync(IdentityConstants.ApplicationScheme);
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    private static async Task<IResult> IssueAsync(HttpContext http, AuditTrail audit, ClaimsPrincipal principal, string? subject, string? clientId)
    {
        await audit.RecordAsync("token-issued", subject, clientId, http,
            $"scopes: {string.Join(' ', principal.GetScopes())}", http.RequestAborted);
        return Results.SignIn(principal, properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    internal static async Task<ClaimsPrincipal> UserPrincipalAsync(UserManager<PlatformUser> users, PlatformUser user, ImmutableArray<string> scopes)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id.ToString());
        identity.SetClaim(Claims.Name, user.UserName);
        identity.SetClaim(Claims.PreferredUsername, user.UserName);
        identity.SetClaims(Claims.Role, [.. await users.GetRolesAsync(user)]);
        if (user.Uin is not null)
        {
            identity.SetClaim(PlatformClaims.Uin, user.Uin);
        }

        if (user.LicenceNumber is not null)
        {
            identity.SetClaim(PlatformClaims.LicenceNumber, user.LicenceNumber);
        }

        identity.SetScopes(scopes);
        identity.SetDestinations(claim => claim.Type switch
        {
            Claims.Name or Claims.PreferredUsername when identity.HasScope(Scopes.Profile) => [Destinations.AccessToken, Destinations.IdentityToken],
            Claims.Role when identity.HasScope(Scopes.Roles) => [Destinations.AccessToken, Destinations.IdentityToken],
            PlatformClaims.Uin or PlatformClaims.LicenceNumber => [Destinations.AccessToken],
            _ => [Destinations.AccessToken],
        });
        return new ClaimsPrincipal(identity);
    }

    private static IResult Refuse(string error, string description) =>
        Results.Forbid(
            new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
            }),
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
