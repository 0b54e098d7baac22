using System.Threading.RateLimiting;
using Landplatform.Cadastre.Contracts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Landplatform.Integrations.Security;
using Npgsql;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Landplatform.Integrations.Identity;

/// <summary>Rate-limit policy names; endpoints name one of them.</summary>
public static class RateLimits
{
    public const string SignIn = "sign-in";
    public const string Public = "public";
}

/// <summary>Registers identity and access: users, the OpenID Connect server, token validation, policies, rate limits.</summary>
public static class IdentityModule
{
    /// <summary>The identity audit trail, append-only (InitialIdentity's triggers).</summary>
    public static IReadOnlyList<Landplatform.Cadastre.Contracts.HistoryTable> HistoryTables { get; } = [new("identity.audit_events", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly)];

    public static IServiceCollection AddPlatformIdentity(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.GetSection(PlatformIdentityOptions.Section).Get<PlatformIdentityOptions>() ?? new PlatformIdentityOptions();
        services.Configure<PlatformIdentityOptions>(configuration.GetSection(PlatformIdentityOptions.Section));
        services.Configure<DisclosureOptions>(configuration.GetSection(DisclosureOptions.Section));
        services.AddSingleton<PersonalDataDisclosure>();
        services.AddSingleton<IPersonalDataDisclosure>(sp => sp.GetRequiredService<PersonalDataDisclosure>());
        services.AddScoped<AuditTrail>();
        services.AddSingleton<SignInThrottle>();
        services.AddScoped<PasswordCheck>();
        services.AddScoped<SecondFactor>();
        services.AddMemoryCache();
        services.AddSingleton<IUinScheme>(new VerhoeffUinScheme());
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AccessResultHandler>();
        services.TryAddTimeProvider();

        services.AddDbContext<IdentityStore>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>(), o => o.MigrationsHistoryTable("__migrations", IdentityStore.Schema))
            .UseOpenIddict<Guid>());

        services.AddIdentityCore<PlatformUser>(o =>
            {
                o.Password.RequiredLength = 10;
                // Identity's counter counts blocked addresses (SignInThrottle), not single wrong passwords.
                o.Lockout.MaxFailedAccessAttempts = settings.BlockedAddressesBeforeLockout;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(settings.LockoutMinutes);
                o.Lockout.AllowedForNewUsers = true;
                o.User.RequireUniqueEmail = false;
            })
            .AddRoles<IdentityRole<Guid>>()
            .AddEntityFrameworkStores<IdentityStore>()
            .AddSignInManager<DemoAwareSignInManager>()
            .AddPasswordValidator<PublishedPasswordValidator>()
            .AddDefaultTokenProviders();

        services.AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
            .AddIdentityCookies(cookies => cookies.ApplicationCookie?.Configure(c =>
            {
                c.LoginPath = "/account/signin";
                c.LogoutPath = "/account/signout";
                c.Cookie.Name = "lp.session";
                c.Cookie.SameSite = SameSiteMode.Lax;
                c.Cookie.SecurePolicy = settings.DemoMode ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
                c.ExpireTimeSpan = TimeSpan.FromHours(8);
            }));

        services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<IdentityStore>().ReplaceDefaultEntities<Guid>())
            .AddServer(o =>
            {
                if (!string.IsNullOrWhiteSpace(settings.Issuer))
                {
                    o.SetIssuer(new Uri(settings.Issuer));
                }

                o.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetUserInfoEndpointUris("connect/userinfo")
                    .SetEndSessionEndpointUris("connect/logout");
                o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                // PKCE with S256 only: a plain challenge is the verifier itself, so whoever sees the request can redeem the code.
                o.Configure(server => server.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));
                o.AllowClientCredentialsFlow();
                o.AllowRefreshTokenFlow();
                if (settings.DemoMode)
                {
                    o.AllowPasswordFlow();
                }

                o.RegisterScopes([Scopes.OpenId, Scopes.Profile, Scopes.Roles, Scopes.OfflineAccess, .. PlatformScopes.All]);
                o.RegisterClaims([Claims.Subject, Claims.Name, Claims.Role, PlatformClaims.Uin, PlatformClaims.LicenceNumber]);
                o.DisableAccessTokenEncryption();
                o.SetAccessTokenLifetime(TimeSpan.FromSeconds(settings.AccessTokenLifetimeSeconds));
                o.SetRefreshTokenLifetime(TimeSpan.FromDays(settings.RefreshTokenLifetimeDays));
                // Refresh tokens are single-use with no grace window: a second use revokes every token of its authorization.
                o.SetRefreshTokenReuseLeeway(TimeSpan.Zero);
                var aspNetCore = o.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough();
                if (settings.DemoMode)
                {
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            })
            .AddValidation(o =>
            {
                o.UseLocalServer();
                // Each access token is checked against its stored entry and authorization, so a revoked token (a replayed
                // refresh token's family, a disabled account, an administrator's revocation) stops working at once.
                o.EnableTokenEntryValidation();
                o.EnableAuthorizationEntryValidation();
                o.AddEventHandler(AccountStateHandler.Descriptor);
                // Tokens only in the Authorization header: query strings end up in logs, proxies and browser history.
                o.UseAspNetCore().DisableAccessTokenExtractionFromQueryString().DisableAccessTokenExtractionFromBodyForm();
            });
        services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>, TokenKeyring>();
        services.AddKeyMaterialProtection();
        services.AddStoredKeyColumn("identity.token_keys", "purpose", "material", TokenKeyMaterial.PurposeOf);

        services.AddAuthorizationBuilder()
            .AddPolicy(AccessPolicies.SignedIn, p => p.RequireAuthenticatedUser())
            .AddPolicy(AccessPolicies.Administrators, p => p.RequireRole(PlatformRoles.Administrator))
            .AddPolicy(AccessPolicies.Registrars, p => p.RequireRole(PlatformRoles.Registrar))
            .AddPolicy(AccessPolicies.DeedsClerks, p => p.RequireRole(PlatformRoles.Registrar, PlatformRoles.Examiner))
            .AddPolicy(AccessPolicyNames.Surveyors, p => p.RequireRole(PlatformRoles.Surveyor))
            .AddPolicy(AccessPolicyNames.Examiners, p => p.RequireRole(PlatformRoles.Examiner))
            .AddPolicy(AccessPolicyNames.SurveyDeciders, p => p.RequireRole(PlatformRoles.Examiner, PlatformRoles.Registrar))
            .AddPolicy(AccessPolicyNames.SurveyReaders, p => p.RequireRole(
                PlatformRoles.Surveyor, PlatformRoles.Examiner, PlatformRoles.Registrar, PlatformRoles.Administrator))
            .AddPolicy(AccessPolicyNames.RegistryDeciders, p => p.RequireRole(PlatformRoles.Examiner, PlatformRoles.Registrar))
            .AddPolicy(AccessPolicies.FabricEditors, p => p.RequireRole(PlatformRoles.Registrar, PlatformRoles.Administrator))
            .AddPolicy(AccessPolicies.CertificateRevokers, p => p.RequireRole(PlatformRoles.Registrar, PlatformRoles.Administrator))
            .AddPolicy(AccessPolicies.RegistryReaders, p => p.RequireAssertion(c =>
                c.User.IsInRole(PlatformRoles.Registrar) || c.User.IsInRole(PlatformRoles.Examiner) ||
                c.User.IsInRole(PlatformRoles.Notary) || c.User.IsInRole(PlatformRoles.Administrator) ||
                c.User.HasScope(PlatformScopes.RegistryRead)))
            .AddPolicy(AccessPolicies.InvoiceIssuers, p => p.RequireRole(
                PlatformRoles.Notary, PlatformRoles.Examiner, PlatformRoles.Registrar, PlatformRoles.TaxOfficer, PlatformRoles.PermitOfficer, PlatformRoles.Administrator))
            .AddPolicy(AccessPolicies.FinanceOfficers, p => p.RequireRole(PlatformRoles.TaxOfficer, PlatformRoles.Administrator))
            .AddPolicy(AccessPolicies.Notaries, p => p.RequireRole(PlatformRoles.Notary))
            .AddPolicy(AccessPolicies.TaxOfficers, p => p.RequireRole(PlatformRoles.TaxOfficer))
            .AddPolicy(AccessPolicies.PermitOfficers, p => p.RequireRole(PlatformRoles.PermitOfficer))
            .AddPolicy(AccessPolicies.CustomsReaders, p => p.RequireAssertion(c => c.User.HasScope(PlatformScopes.CustomsRead)))
            .AddPolicy(AccessPolicies.CustomsAuditors, p => p.RequireRole(PlatformRoles.Administrator));

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (context, ct) => new ValueTask(WriteRateLimitProblemAsync(context.HttpContext, context.Lease));
            o.AddPolicy(RateLimits.SignIn, http => PerAddress(http, settings.SignInPermitsPerMinute));

            // The token endpoint is limited globally, before OpenIddict runs: it refuses bad client secrets
            // before any endpoint is reached, and those guesses must count too.
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                http.Request.Path.StartsWithSegments("/connect/token", StringComparison.OrdinalIgnoreCase)
                    ? PerAddress(http, settings.TokenPermitsPerMinute)
                    : RateLimitPartition.GetNoLimiter("unlimited"));
            o.AddPolicy(RateLimits.Public, http => http.Request.Query.ContainsKey("cursor")
                ? PerAddress(http, settings.PagePermitsPerMinute, "pages")
                : PerAddress(http, settings.PublicPermitsPerMinute));
        });

        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "lp.antiforgery";
            // Behind the TLS proxy the request is https (forwarded headers), so the cookie still reaches the sign-in form.
            o.Cookie.SecurePolicy = settings.DemoMode ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        });
        return services;
    }

    /// <summary>
    /// Outside demo mode the antiforgery cookie is Secure, so a form (the sign-in page) over plain http could neither set
    /// nor check it: such a request is answered with a 400 problem naming the rule, before the antiforgery middleware.
    /// Behind the TLS proxy requests are https (forwarded headers), so nobody meets this but a client that skips the proxy.
    /// </summary>
    public static IApplicationBuilder UseHttpsForForms(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var secure = http.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Antiforgery.AntiforgeryOptions>>().Value.Cookie.SecurePolicy == CookieSecurePolicy.Always;
        var endpoint = http.GetEndpoint();
        var usesForms = endpoint?.Metadata.GetMetadata<Microsoft.AspNetCore.Antiforgery.IAntiforgeryMetadata>()?.RequiresValidation == true
            || http.Request.Path.StartsWithSegments("/account", StringComparison.OrdinalIgnoreCase);
        if (secure && usesForms && !http.Request.IsHttps)
        {
            await WriteMiddlewareProblemAsync(http, StatusCodes.Status400BadRequest, "HTTPS required", "https-required",
                "Forms are served over https only outside the demo configuration; use the platform's https address.");
            return;
        }

        await next(http);
    });

    /// <summary>The 429 problem every rate limit answers with, with <c>Retry-After</c> when the limiter knows it.</summary>
    internal static async Task WriteRateLimitProblemAsync(HttpContext http, RateLimitLease lease)
    {
        if (lease.TryGetMetadata(MetadataName.RetryAfter, out var retry))
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await WriteMiddlewareProblemAsync(http, StatusCodes.Status429TooManyRequests, "Too many requests", "rate-limit",
            "This address sent too many requests in a short time; wait a minute and try again.");
    }

    // A refusal made before any endpoint runs (so not through the exception mapper), written as the platform's problems are.
    private static async Task WriteMiddlewareProblemAsync(HttpContext http, int status, string title, string rule, string detail)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Type = $"https://landplatform.example/problems/{rule}" };
        problem.Extensions["rule"] = rule;
        http.Response.StatusCode = status;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
    }

    private static RateLimitPartition<string> PerAddress(HttpContext http, int permits, string budget = "requests") =>
        RateLimitPartition.GetFixedWindowLimiter(
            $"{budget}:{http.Connection.RemoteIpAddress?.ToString() ?? "local"}",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (services.All(d => d.ServiceType != typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}
