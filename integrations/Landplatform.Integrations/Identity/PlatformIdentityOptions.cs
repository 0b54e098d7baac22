namespace Landplatform.Integrations.Identity;

/// <summary>Settings of the identity module (configuration section <c>Identity</c>).</summary>
public sealed class PlatformIdentityOptions
{
    public const string Section = "Identity";

    /// <summary>
    /// The embedded demo configuration: enables the password grant (for the CLI and tests) and plain
    /// HTTP on loopback. Off unless <c>./lp run</c> or a test turns it on.
    /// </summary>
    public bool DemoMode { get; set; }

    /// <summary>
    /// The OpenID issuer, the platform's public https address (e.g. https://land.example/); required outside demo mode,
    /// so tokens never name whatever Host header a request carried.
    /// </summary>
    public string? Issuer { get; set; }

    public int AccessTokenLifetimeSeconds { get; set; } = 3600;

    /// <summary>Whether the <see cref="SecondFactorRoles"/> must give a second factor; unset, it is required outside demo mode.</summary>
    public bool? RequireSecondFactor { get; set; }

    /// <summary>The roles that sign in with a second factor (TOTP or a recovery code); unset: registrar, examiner, administrator.</summary>
    public List<string>? SecondFactorRoles { get; set; }

    /// <summary>The roles that sign in with a second factor, as configured or by default.</summary>
    public IReadOnlyList<string> EffectiveSecondFactorRoles => SecondFactorRoles is { Count: > 0 } roles ? roles : [PlatformRoles.Registrar, PlatformRoles.Examiner, PlatformRoles.Administrator];

    public int RefreshTokenLifetimeDays { get; set; } = 14;

    /// <summary>Wrong passwords from one client address before that address is blocked for the account (for <see cref="LockoutMinutes"/>).</summary>
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>Client addresses blocked for an account before the account itself locks for everyone.</summary>
    public int BlockedAddressesBeforeLockout { get; set; } = 5;

    public int LockoutMinutes { get; set; } = 15;

    /// <summary>Sign-in attempts per client address per minute: the sign-in page, and the password grant counted on its own.</summary>
    public int SignInPermitsPerMinute { get; set; } = 20;

    /// <summary>Token requests per client address per minute.</summary>
    public int TokenPermitsPerMinute { get; set; } = 120;

    /// <summary>Anonymous searches and look-ups per client address per minute.</summary>
    public int PublicPermitsPerMinute { get; set; } = 600;

    /// <summary>
    /// Further pages of a paged download (a request that follows a next link, i.e. carries a <c>cursor</c>) per client
    /// address per minute, counted apart from <see cref="PublicPermitsPerMinute"/>: a keyset page costs what a first page
    /// costs, and a client that keeps its own small default page (GDAL pages by 10: 2,002 pages for the island) still
    /// finishes. The first page of each download counts as a public request.
    /// </summary>
    public int PagePermitsPerMinute { get; set; } = 6000;
}

/// <summary>
/// What anonymous users may see of persons (configuration section <c>Disclosure</c>). One policy for
/// every API and service; the default shows no personal identifier or contact detail to the public.
/// </summary>
public sealed class DisclosureOptions
{
    public const string Section = "Disclosure";

    public bool AnonymousSeeOwnerNames { get; set; } = true;

    public bool AnonymousSeeIdentifiers { get; set; }

    public bool AnonymousSeeContactDetails { get; set; }
}
