using System.Diagnostics;
using System.Text.RegularExpressions;
using Landplatform.Testing;

namespace Landplatform.GisServer.Tests;

/// <summary>GDAL's OGC API Features driver (OAPIF) as a peer client against the real server on a loopback port.</summary>
public sealed partial class OgcFeaturesGdalTests(LoopbackPlatformServer server) : IClassFixture<LoopbackPlatformServer>
{
    private string Endpoint => $"OAPIF:{new Uri(server.BaseAddress, "/ogc")}";

    private static async Task<string> OgrInfoAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("ogrinfo", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["GDAL_HTTP_TIMEOUT"] = "15";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        Assert.True(process.ExitCode == 0, $"ogrinfo {string.Join(' ', arguments)} exited {process.ExitCode}: {await errors}");
        return await output + await errors;
    }

    [Fact]
    public async Task Ogrinfo_lists_the_collections_and_counts_the_parcels_as_the_database_does()
    {
        var layers = await OgrInfoAsync("-ro", "-q", Endpoint);
        foreach (var id in (string[])["parcels", "buildings", "roads", "flood-zones", "districts", "blocks"])
        {
            Assert.Contains(id, layers, StringComparison.Ordinal);
        }

        var summary = await OgrInfoAsync("-ro", "-so", Endpoint, "parcels");
        var expected = await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.parcel_versions WHERE status = 'current'");
        Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), FeatureCount().Match(summary).Groups[1].Value);
        Assert.Contains("land_use: String", summary, StringComparison.Ordinal);
        Assert.Contains("official_area: Real", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ogrinfo_with_an_attribute_filter_and_a_spatial_filter_reads_the_buildings_the_database_holds()
    {
        var expected = await server.Database.ScalarAsync<long>("""
            SELECT count(*) FROM cadastre.buildings WHERE use = 'school'
            AND ST_Intersects(footprint, ST_Transform(ST_MakeEnvelope(-61.30, 13.10, -61.15, 13.25, 4326), 2007))
            """);
        Assert.True(expected > 0);
        // GDAL 3.6 evaluates -where itself over the pages the server sends (bbox is sent to the server); PAGE_SIZE keeps the pages few.
        var summary = await OgrInfoAsync("-ro", "-so", "-oo", "PAGE_SIZE=1000", "-where", "use = 'school'", "-spat", "-61.30", "13.10", "-61.15", "13.25", Endpoint, "buildings");
        Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), FeatureCount().Match(summary).Groups[1].Value);
        Assert.Contains("storeys: Integer", summary, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Feature Count: (\d+)")]
    private static partial Regex FeatureCount();
}
