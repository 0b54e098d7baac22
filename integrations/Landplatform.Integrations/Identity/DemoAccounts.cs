using System.Globalization;
using Landplatform.Cadastre.Contracts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Landplatform.Integrations.Identity;

/// <summary>A demo person: one per role, for trying the platform and for the tests.</summary>
public sealed record DemoUser(string UserName, string Password, string Role, string FullName, string Uin, string? LicenceNumber);

/// <summary>A demo machine client, standing for another government system.</summary>
public sealed record DemoClient(string ClientId, string Secret, string DisplayName, IReadOnlyList<string> Scopes);

/// <summary>
/// Seeds the embedded demo: one user per role, the portal and CLI clients, and machine clients. Only
/// the demo configuration calls it; a real deployment registers people and systems itself.
/// </summary>
public static class DemoAccounts
{
    public const string PortalClientId = "portal";
    public const string CliClientId = "lp-cli";

    private static readonly string[] DemoNames =
    [
        "Keisha Browne", "Marlon Cupid", "Denise Hadaway", "Curtis King", "Angela Jack",
        "Rawle Samuel", "Sharon Daniel", "Trevor Ollivierre", "Jacqueline Providence",
    ];

    public static IReadOnlyList<DemoUser> Users { get; } = PlatformRoles.All
        .Select((role, i) => new DemoUser(
            role,
            $"Demo-{role}-2026",
            role,
            DemoNames[i],
            DemoUin(i + 1),
            role == PlatformRoles.Surveyor ? "LS-0042" : null))
        .ToList();

    public static IReadOnlyList<DemoClient> Clients { get; } =
    [
        new("payment-gateway", "demo-secret-payment-gateway", "Payment gateway", [PlatformScopes.PaymentsNotify]),
        new("customs", "demo-secret-customs", "Customs and Excise", [PlatformScopes.CustomsRead, PlatformScopes.ParcelsRead]),
        new("planning-agency", "demo-secret-planning-agency", "Physical Planning Unit", [PlatformScopes.ParcelsRead, PlatformScopes.RegistryRead]),
    ];

    /// <summary>True for a password or client secret published with the demo (refused outside demo mode).</summary>
    public static bool IsPublished(string secret) =>
        Users.Any(u => u.Password == secret) || Clients.Any(c => c.Secret == secret);

    /// <summary>A valid UIN for demo person <paramref name="n"/>: VC, nine digits, Verhoeff check digit.</summary>
    public static string DemoUin(int n)
    {
        var payload = (900_000_000 + n).ToString(CultureInfo.InvariantCulture);
        return "VC" + payload + VerhoeffUinScheme.CheckDigit(payload).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Writes the demo persons as a people file the civil registry simulator loads (<c>uin,name,date_of_birth</c>, the
    /// columns of the sample's parties.csv), so that in the demo the registry knows them and they can receive a title.
    /// The simulator reads the file; it never references this module.
    /// </summary>
    public static async Task WritePeopleCsvAsync(string path, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var lines = Users.Select(u => $"{u.Uin},\"{u.FullName.Replace("\"", "\"\"", StringComparison.Ordinal)}\",").Prepend("uin,name,date_of_birth");
        await File.WriteAllLinesAsync(path, lines, ct);
    }

    /// <summary>Creates what is missing; running it again changes nothing but the portal's redirect address.</summary>
    public static async Task SeedAsync(IServiceProvider services, Uri portalBase, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole<Guid>>>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PlatformUser>>();
        var apps = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();

        foreach (var role in PlatformRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole<Guid>(role)), role);
            }
        }

        foreach (var demo in Users)
        {
            if (await users.FindByNameAsync(demo.UserName) is not null)
            {
                continue;
            }

            var user = new PlatformUser
            {
                UserName = demo.UserName, FullName = demo.FullName, Uin = demo.Uin, LicenceNumber = demo.LicenceNumber,
                Email = $"{demo.UserName}@demo.landplatform.invalid", EmailConfirmed = true, CreatedAt = DateTimeOffset.UtcNow,
            };
            Check(await users.CreateAsync(user, demo.Password), demo.UserName);
            Check(await users.AddToRoleAsync(user, demo.Role), demo.UserName);
        }

        var redirects = new[] { new Uri(portalBase, "signin-callback"), new Uri("http://localhost/signin-callback") };
        var portal = new OpenIddictApplicationDescriptor
        {
            ClientId = PortalClientId, DisplayName = "Landplatform portal", ClientType = ClientTypes.Public, ConsentType = ConsentTypes.Implicit,
            Permissions =
            {
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession,
                Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code,
                Permissions.Scopes.Profile, Permissions.Scopes.Roles, Permissions.Prefixes.Scope + Scopes.OfflineAccess,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        foreach (var redirect in redirects)
        {
            portal.RedirectUris.Add(redirect);
            portal.PostLogoutRedirectUris.Add(new Uri(redirect.GetLeftPart(UriPartial.Authority) + "/"));
        }

        await Upsert(apps, portal, ct);

        await Upsert(apps, new OpenIddictApplicationDescriptor
        {
            ClientId = CliClientId, DisplayName = "Landplatform command line (demo only)", ClientType = ClientTypes.Public,
            Permissions =
            {
                Permissions.Endpoints.Token, Permissions.GrantTypes.Password, Permissions.GrantTypes.RefreshToken,
                Permissions.Scopes.Profile, Permissions.Scopes.Roles, Permissions.Prefixes.Scope + Scopes.OfflineAccess,
            },
        }, ct);

        foreach (var client in Clients)
        {
            var descriptor = new OpenIddictApplicationDescriptor
            {
                ClientId = client.ClientId, ClientSecret = client.Secret, DisplayName = client.DisplayName, ClientType = ClientTypes.Confidential,
                Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials },
            };
            foreach (var scope2 in client.Scopes)
            {
                descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope2);
            }

            await Upsert(apps, descriptor, ct);
        }
    }

    private static async Task Upsert(IOpenIddictApplicationManager apps, OpenIddictApplicationDescriptor descriptor, CancellationToken ct)
    {
        var existing = await apps.FindByClientIdAsync(descriptor.ClientId!, ct);
        if (existing is null)
        {
            await apps.CreateAsync(descriptor, ct);
        }
        else
        {
            await apps.UpdateAsync(existing, descriptor, ct);
        }
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Seeding {what} failed: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }
}
