using System.Security.Cryptography;
using Landplatform.Integrations.Identity;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Landplatform.GisServer;

/// <summary>
/// Registers the OpenID clients of a real deployment, where nothing is seeded: a public client (authorization code +
/// PKCE, e.g. the portal) or a confidential machine client (client credentials) whose secret is printed once.
/// </summary>
internal static class ClientCommands
{
    private const string Usage = "usage: clients add NAME --redirect URL [--redirect URL..] | clients add NAME --scopes \"SCOPE ..\" | clients rotate-secret NAME";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output, CancellationToken ct)
    {
        var apps = services.GetRequiredService<IOpenIddictApplicationManager>();
        switch (args)
        {
            case ["add", var name, .. var options]:
                return await AddAsync(apps, name, options, output, ct);
            case ["rotate-secret", var name]:
                if (await apps.FindByClientIdAsync(name, ct) is not { } client || await apps.GetClientTypeAsync(client, ct) != ClientTypes.Confidential)
                {
                    Console.Error.WriteLine($"clients: no confidential client '{name}'.");
                    return 1;
                }

                var secret = NewSecret();
                await apps.UpdateAsync(client, secret, ct);
                output.WriteLine($"client {name}: new secret (shown once; the old one no longer works): {secret}");
                return 0;
            default:
                Console.Error.WriteLine(Usage);
                return 2;
        }
    }

    private static async Task<int> AddAsync(IOpenIddictApplicationManager apps, string name, string[] options, TextWriter output, CancellationToken ct)
    {
        var redirects = new List<Uri>();
        var scopes = new List<string>();
        for (var i = 0; i + 1 < options.Length; i += 2)
        {
            switch (options[i])
            {
                case "--redirect" when Uri.TryCreate(options[i + 1], UriKind.Absolute, out var uri)
                    && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)):
                    redirects.Add(uri);
                    break;
                case "--redirect":
                    Console.Error.WriteLine($"clients: --redirect {options[i + 1]}: an absolute https address (http only on loopback).");
                    return 2;
                case "--scopes":
                    scopes.AddRange(options[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
                    break;
                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        if (options.Length % 2 != 0 || (redirects.Count == 0) == (scopes.Count == 0))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        if (scopes.FirstOrDefault(s => !PlatformScopes.All.Contains(s)) is { } unknown)
        {
            Console.Error.WriteLine($"clients: unknown scope '{unknown}'; the scopes are {string.Join(' ', PlatformScopes.All)}.");
            return 2;
        }

        if (await apps.FindByClientIdAsync(name, ct) is not null)
        {
            Console.Error.WriteLine($"clients: '{name}' is registered already (clients rotate-secret {name} gives a confidential client a new secret).");
            return 1;
        }

        var descriptor = new OpenIddictApplicationDescriptor { ClientId = name, DisplayName = name, ConsentType = ConsentTypes.Implicit };
        string? secret = null;
        if (redirects.Count > 0)
        {
            descriptor.ClientType = ClientTypes.Public;
            descriptor.Permissions.UnionWith([
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession,
                Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code,
                Permissions.Scopes.Profile, Permissions.Scopes.Roles, Permissions.Prefixes.Scope + Scopes.OfflineAccess]);
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
            foreach (var redirect in redirects)
            {
                descriptor.RedirectUris.Add(redirect);
                descriptor.PostLogoutRedirectUris.Add(new Uri(redirect.GetLeftPart(UriPartial.Authority) + "/"));
            }
        }
        else
        {
            secret = NewSecret();
            descriptor.ClientType = ClientTypes.Confidential;
            descriptor.ClientSecret = secret;
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials]);
            descriptor.Permissions.UnionWith(scopes.Select(s => Permissions.Prefixes.Scope + s));
        }

        await apps.CreateAsync(descriptor, ct);
        output.WriteLine(secret is null
            ? $"public client {name} (authorization code + PKCE) registered for {string.Join(' ', redirects)}"
            : $"confidential client {name} registered for {string.Join(' ', scopes)}; its secret (shown once): {secret}");
        return 0;
    }

    private static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
