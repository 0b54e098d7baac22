using System.Diagnostics;
using Landplatform.Testing;

namespace Landplatform.GisServer.Tests;

public sealed class LoopbackServerTests(LoopbackPlatformServer server) : IClassFixture<LoopbackPlatformServer>
{
    [Fact]
    public async Task The_host_serves_on_a_real_loopback_port_that_an_outside_process_can_reach()
    {
        Assert.True(server.BaseAddress.IsLoopback, server.BaseAddress.ToString());
        Assert.NotEqual(80, server.BaseAddress.Port);
        var start = new ProcessStartInfo("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", new Uri(server.BaseAddress, "/health").ToString()])
        {
            RedirectStandardOutput = true,
        };
        using var curl = Process.Start(start)!;
        var status = await curl.StandardOutput.ReadToEndAsync();
        await curl.WaitForExitAsync();
        Assert.Equal("200", status);
    }
}
