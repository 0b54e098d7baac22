using System.Text.Encodings.Web;
using Landplatform.Cadastre.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Landplatform.Integrations.Identity;

/// <summary>A person proving their password to enrol an authenticator, and the first code from it to confirm.</summary>
public sealed record AuthenticatorEnrolment(string? UserName, string? Password, string? Code);

/// <summary>The shared secret to load into an authenticator app (shown once, until confirmed).</summary>
public sealed record AuthenticatorSecret(string SharedKey, string OtpauthUri);

/// <summary>The recovery codes, shown once when the authenticator is confirmed.</summary>
public sealed record RecoveryCodes(IReadOnlyList<string> Codes);

/// <summary>
/// The second factor (TOTP, ASP.NET Core Identity's authenticator) that the roles in <c>Identity:SecondFactorRoles</c>
/// must give after their password, on the sign-in page and the password grant, with one-time recovery codes.
/// A person enrols by proving their password (the same throttled check as a sign-in), so nobody else learns the secret.
/// </summary>
public sealed class SecondFactor(UserManager<PlatformUser> users, IOptions<PlatformIdentityOptions> options)
{
    public const string NeededMessage = "Your role needs a second factor: give the code from your authenticator app, or one of your recovery codes.";
    public const string EnrolMessage = "Your role needs a second factor, and this account has no authenticator yet: enrol one (POST /api/identity/authenticator) and sign in again.";

    public async Task<bool> RequiredAsync(PlatformUser user)
    {
        var settings = options.Value;
        if (!(settings.RequireSecondFactor ?? !settings.DemoMode))
        {
            return false;
        }

        var roles = await users.GetRolesAsync(user);
        return roles.Any(settings.EffectiveSecondFactorRoles.Contains);
    }

    /// <summary>Null when the code is right (an authenticator code, or a recovery code, used up); else why not.</summary>
    public async Task<string?> RefusalAsync(PlatformUser user, string? code)
    {
        if (!await users.GetTwoFactorEnabledAsync(user))
        {
            return EnrolMessage;
        }

        var trimmed = code?.Replace(" ", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal);
        if (string.IsNullOrEmpty(trimmed))
        {
            return NeededMessage;
        }

        if (trimmed.Length == 6 && trimmed.All(char.IsAsciiDigit)
            && await users.VerifyTwoFactorTokenAsync(user, TokenOptions.DefaultAuthenticatorProvider, trimmed))
        {
            return null;
        }

        return (await users.RedeemTwoFactorRecoveryCodeAsync(user, code!.Trim())).Succeeded ? null : NeededMessage;
    }
}

/// <summary>The enrolment endpoints: a new shared secret, then its first code to switch the second factor on.</summary>
public static class SecondFactorEndpoints
{
    public static void MapSecondFactorEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/identity/authenticator").WithTags("Identity");
        group.MapPost("", EnrolAsync).AllowAnonymous().RequireRateLimiting(RateLimits.SignIn).DisableAntiforgery()
            .WithSummary("With your user name and password: a new authenticator secret (only while no authenticator is confirmed).");
        group.MapPost("/confirm", ConfirmAsync).AllowAnonymous().RequireRateLimiting(RateLimits.SignIn).DisableAntiforgery()
            .WithSummary("With your user name, password and the first code: switches the second factor on and shows the recovery codes once.");
    }

    private static async Task<IResult> EnrolAsync(AuthenticatorEnrolment body, PasswordCheck passwords, UserManager<PlatformUser> users, AuditTrail audit, HttpContext http)
    {
        var user = await ProvenAsync(body, passwords, audit, http);
        if (await users.GetTwoFactorEnabledAsync(user))
        {
            throw new DomainRuleViolationException("authenticator-enrolled", "This account has an authenticator already; an administrator resets it if it is lost.");
        }

        await users.ResetAuthenticatorKeyAsync(user);
        var key = (await users.GetAuthenticatorKeyAsync(user))!;
        await audit.RecordAsync("authenticator-enrolment", user.UserName, null, http, "new authenticator secret issued, awaiting its first code", http.RequestAborted);
        var label = UrlEncoder.Default.Encode("Landplatform:" + user.UserName);
        return TypedResults.Ok(new AuthenticatorSecret(key, $"otpauth://totp/{label}?secret={key}&issuer=Landplatform&digits=6"));
    }

    private static async Task<IResult> ConfirmAsync(AuthenticatorEnrolment body, PasswordCheck passwords, UserManager<PlatformUser> users, AuditTrail audit, HttpContext http)
    {
        var user = await ProvenAsync(body, passwords, audit, http);
        if (await users.GetTwoFactorEnabledAsync(user))
        {
            throw new DomainRuleViolationException("authenticator-enrolled", "This account has an authenticator already.");
        }

        if (await users.GetAuthenticatorKeyAsync(user) is null)
        {
            throw new DomainRuleViolationException("authenticator-not-enrolled", "Ask for an authenticator secret first (POST /api/identity/authenticator).");
        }

        var code = body.Code?.Replace(" ", string.Empty, StringComparison.Ordinal);
        if (string.IsNullOrEmpty(code) || !await users.VerifyTwoFactorTokenAsync(user, TokenOptions.DefaultAuthenticatorProvider, code))
        {
            throw new InvalidParameterException("code", "authenticator-code", "The code does not match the secret; give the 6 digits the app shows now.");
        }

        await users.SetTwoFactorEnabledAsync(user, true);
        var codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))!.ToList();
        await audit.RecordAsync("authenticator-enabled", user.UserName, null, http, "second factor switched on; 10 recovery codes issued", http.RequestAborted);
        return TypedResults.Ok(new RecoveryCodes(codes));
    }

    // The same throttled, oracle-free password check as a sign-in; a refusal names neither the account nor why.
    private static async Task<PlatformUser> ProvenAsync(AuthenticatorEnrolment body, PasswordCheck passwords, AuditTrail audit, HttpContext http)
    {
        var check = await passwords.CheckAsync(body.UserName, body.Password ?? string.Empty, SignInThrottle.AddressOf(http));
        if (!check.Succeeded)
        {
            await audit.RecordAsync(check.AuditKind, check.User?.UserName ?? body.UserName, null, http, "authenticator enrolment: " + check.AuditDetail, http.RequestAborted);
            throw new ActionNotPermittedException("sign-in-refused", PasswordCheck.Refusal);
        }

        return check.User!;
    }
}
