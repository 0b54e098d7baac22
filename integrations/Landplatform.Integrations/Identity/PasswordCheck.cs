using Microsoft.AspNetCore.Identity;

namespace Landplatform.Integrations.Identity;

/// <summary>How a password sign-in ended; the caller shows one answer for every refusal.</summary>
public sealed record PasswordCheckResult(PlatformUser? User, bool Succeeded, string AuditKind, string AuditDetail);

/// <summary>
/// The one password check of the sign-in page and the password grant. Unknown, locked, disabled and throttled accounts
/// are refused exactly like a wrong password and cost the same work (one password hash), so neither the answer nor its
/// timing tells a stranger which accounts exist or are locked.
/// </summary>
public sealed class PasswordCheck(UserManager<PlatformUser> users, SignInManager<PlatformUser> signIn, SignInThrottle throttle, IPasswordHasher<PlatformUser> hasher)
{
    /// <summary>The single wording every refused password sign-in gets.</summary>
    public const string Refusal = "The user name or the password is wrong, or this sign-in is not allowed now.";

    private static readonly PlatformUser Nobody = new() { FullName = "nobody", UserName = "nobody" };
    private static string? decoyHash;

    public async Task<PasswordCheckResult> CheckAsync(string? userName, string password, string address)
    {
        var user = string.IsNullOrWhiteSpace(userName) ? null : await users.FindByNameAsync(userName.Trim());
        if (user is null)
        {
            Decoy(password);
            return new(null, false, "sign-in-failed", "unknown user");
        }

        if (await AccountState.IsDisabledAsync(users, user))
        {
            Decoy(password);
            return new(user, false, "sign-in-failed", "account disabled");
        }

        if (await users.IsLockedOutAsync(user))
        {
            Decoy(password);
            return new(user, false, "sign-in-failed", "account locked");
        }

        if (throttle.IsBlocked(user.Id, address))
        {
            Decoy(password);
            return new(user, false, "sign-in-failed", "this address is blocked for the account after repeated wrong passwords");
        }

        // Lockout is ours (per address first), so Identity's own counter is not fed here.
        var result = await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: false);
        if (result.Succeeded)
        {
            throttle.Clear(user.Id, address);
            return new(user, true, "sign-in", "password accepted");
        }

        if (throttle.RecordFailure(user.Id, address))
        {
            // One more blocked address counts against the account; enough of them lock it for everyone.
            await users.AccessFailedAsync(user);
            return new(user, false, "lockout", "wrong password; this address is now blocked for the account");
        }

        return new(user, false, "sign-in-failed", "wrong password");
    }

    // The same hash work as a real check, on a decoy, so a refusal without a password check takes as long as one with it.
    private void Decoy(string password)
    {
        decoyHash ??= hasher.HashPassword(Nobody, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));
        hasher.VerifyHashedPassword(Nobody, decoyHash, password);
    }
}

/// <summary>An account an administrator disabled: a marker claim (with the reason) and a lockout without end.</summary>
public static class AccountState
{
    public const string DisabledClaim = "lp:disabled";

    public static async Task<bool> IsDisabledAsync(UserManager<PlatformUser> users, PlatformUser user) =>
        (await users.GetClaimsAsync(user)).Any(c => c.Type == DisabledClaim);
}
