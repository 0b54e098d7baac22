using Landplatform.Testing;

namespace Landplatform.GisServer.Tests;

/// <summary>The portal's bundle is served without a source map: nothing of its sources is published beside it.</summary>
public sealed class PortalBundleTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    [Fact]
    public async Task The_bundle_names_no_source_map_and_none_is_served()
    {
        using var bundle = await server.Client.GetAsync("/portal/app.js");
        Assert.Equal(200, (int)bundle.StatusCode);
        Assert.DoesNotContain("sourceMappingURL", await bundle.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var map = await server.Client.GetAsync("/portal/app.js.map");
        Assert.Equal(404, (int)map.StatusCode);
    }
}
