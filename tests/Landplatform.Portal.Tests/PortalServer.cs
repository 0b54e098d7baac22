using Landplatform.Integrations.Identity;
using Landplatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace Landplatform.Portal.Tests;

/// <summary>
/// The real host on a loopback port over its own clone of the sample island, beside the external systems'
/// simulators (payment gateway with its hosted pay page and signed webhooks, bank, civil registry) as
/// <c>./lp run</c> starts them, with the portal client allowed to come back to this port after sign-in
/// (as <c>seed-demo URL</c> registers it for <c>./lp run</c>).
/// </summary>
public sealed class PortalServer : SingleWindowServer
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await using var scope = Services.CreateAsyncScope();
        var apps = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var portal = await apps.FindByClientIdAsync(DemoAccounts.PortalClientId) ?? throw new InvalidOperationException("the portal client is not seeded");
        var descriptor = new OpenIddictApplicationDescriptor();
        await apps.PopulateAsync(descriptor, portal);
        var origin = BaseAddress.GetLeftPart(UriPartial.Authority);
        descriptor.RedirectUris.Add(new Uri($"{origin}/signin-callback"));
        descriptor.PostLogoutRedirectUris.Add(new Uri($"{origin}/"));
        await apps.UpdateAsync(portal, descriptor);
    }
}

/// <summary>The portal's browser tests run one class at a time: each drives a Chromium of its own.</summary>
[CollectionDefinition("portal", DisableParallelization = true)]
public sealed class PortalCollection;
