using Xunit.Abstractions;

namespace Landplatform.Continuity.Tests;

/// <summary>
/// The takeover drill with an asynchronous standby (the default of <c>./lp db standby start</c>): commits do not wait
/// for it, so a crash may lose what was acknowledged but not yet streamed. The drill measures that loss (the RPO of
/// this mode) and checks that the promoted standby holds a consistent fabric either way.
/// </summary>
public sealed class AsynchronousStandbyTests(ReplicatedIsland island, ITestOutputHelper output) : IClassFixture<ReplicatedIsland>
{
    [Fact]
    public async Task Takeover_from_an_asynchronous_standby_loses_at_most_the_writes_not_yet_streamed()
    {
        var outcome = await Takeover.RunAsync(island.Clusters, synchronous: false);
        output.WriteLine(outcome.Summary);

        // Streaming is continuous: what a crash can take is the last moment's writes, never older ones.
        var lost = outcome.LostAcknowledgedAgo;
        output.WriteLine(lost.Count == 0 ? "no acknowledged write lost" : $"lost writes were acknowledged at most {lost.Max().TotalMilliseconds:F0} ms before the crash");
        Assert.All(lost, ago => Assert.True(ago < TimeSpan.FromSeconds(1), $"a write acknowledged {ago.TotalMilliseconds:F0} ms before the crash was lost"));
    }
}
