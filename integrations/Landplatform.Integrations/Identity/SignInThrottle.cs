using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Landplatform.Integrations.Identity;

/// <summary>
/// Per-address throttling of password sign-ins, ahead of the per-account lockout: wrong passwords are counted per
/// account and client address, so a stranger's guesses block only the stranger's address for that account; the account
/// itself locks only after several addresses have each been blocked. Kept in memory, per server instance.
/// </summary>
public sealed class SignInThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> attempts;
    private readonly ConcurrentDictionary<(Guid User, string Address), Failures> failures = new();
    private readonly PlatformIdentityOptions options;
    private readonly TimeProvider clock;

    public SignInThrottle(IOptions<PlatformIdentityOptions> options, TimeProvider clock)
    {
        this.options = options.Value;
        this.clock = clock;
        var permits = Math.Max(1, this.options.SignInPermitsPerMinute);
        attempts = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    }

    /// <summary>The client address as the throttle keys it (after forwarded headers from a known proxy).</summary>
    public static string AddressOf(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "local";

    /// <summary>One password-grant attempt from this address; refused past <c>SignInPermitsPerMinute</c>.</summary>
    public RateLimitLease AcquireAttempt(string address) => attempts.AttemptAcquire(address);

    /// <summary>Whether this address has used up its wrong passwords for this account.</summary>
    public bool IsBlocked(Guid user, string address) =>
        failures.TryGetValue((user, address), out var entry) && entry.BlockedUntil is { } until && until > clock.GetUtcNow();

    /// <summary>Counts a wrong password; true when this one blocks the address for the account (the caller then counts it against the account).</summary>
    public bool RecordFailure(Guid user, string address)
    {
        var now = clock.GetUtcNow();
        var window = TimeSpan.FromMinutes(options.LockoutMinutes);
        Prune(now);
        var entry = failures.AddOrUpdate((user, address),
            _ => new Failures(1, now, null),
            (_, old) => old.BlockedUntil is { } until && until > now ? old
                : old.Since + window < now || old.BlockedUntil is not null ? new Failures(1, now, null)
                : old with { Count = old.Count + 1 });
        if (entry.BlockedUntil is null && entry.Count >= options.MaxFailedSignIns)
        {
            failures[(user, address)] = entry with { BlockedUntil = now + window };
            return true;
        }

        return false;
    }

    /// <summary>A right password from this address clears its count for the account.</summary>
    public void Clear(Guid user, string address) => failures.TryRemove((user, address), out _);

    /// <summary>An administrator's unlock clears every address's count for the account.</summary>
    public void ClearAccount(Guid user)
    {
        foreach (var key in failures.Keys.Where(k => k.User == user))
        {
            failures.TryRemove(key, out _);
        }
    }

    public void Dispose() => attempts.Dispose();

    // Bounded memory: entries whose window and block have both passed are dropped once the table grows.
    private void Prune(DateTimeOffset now)
    {
        if (failures.Count < 10_000)
        {
            return;
        }

        var window = TimeSpan.FromMinutes(options.LockoutMinutes);
        foreach (var (key, entry) in failures)
        {
            if (entry.Since + window < now && (entry.BlockedUntil is null || entry.BlockedUntil < now))
            {
                failures.TryRemove(key, out _);
            }
        }
    }

    private sealed record Failures(int Count, DateTimeOffset Since, DateTimeOffset? BlockedUntil);
}
