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
    public async Task Ogrinfo_reads_a_FlatGeobuf_download_with_the_features_attributes_and_extent_the_database_holds()
    {
        const string window = "-61.25,13.14,-61.20,13.18";
        const string sql = """
            FROM cadastre.parcel_versions WHERE status = 'current'
            AND ST_Intersects(boundary, ST_Transform(ST_MakeEnvelope(-61.25, 13.14, -61.20, 13.18, 4326), 2007))
            """;
        var count = await server.Database.ScalarAsync<long>($"SELECT count(*) {sql}");
        var area = await server.Database.ScalarAsync<decimal>($"SELECT sum(official_area) {sql}");
        var extent = (await server.Database.ScalarAsync<string>($"SELECT concat_ws(' ', ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)) FROM (SELECT ST_Extent(ST_Transform(boundary, 4326)) e {sql}) x"))
            .Split(' ').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.InRange(count, 1, 10_000);

        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        using var response = await client.GetAsync($"/ogc/collections/parcels/items?f=fgb&limit=10000&bbox={window}");
        Assert.Equal("application/flatgeobuf", response.Content.Headers.ContentType?.MediaType);
        var file = Path.Combine(Path.GetTempPath(), $"lp-parcels-{Guid.NewGuid():N}.fgb");
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync());
        try
        {
            var summary = await OgrInfoAsync("-ro", "-so", "-al", file);
            Assert.Equal(count.ToString(System.Globalization.CultureInfo.InvariantCulture), FeatureCount().Match(summary).Groups[1].Value);
            Assert.Contains("official_area: Real", summary, StringComparison.Ordinal);
            Assert.Contains("valid_from: DateTime", summary, StringComparison.Ordinal);
            var box = Regex.Match(summary, @"Extent: \((-?[\d.]+), (-?[\d.]+)\) - \((-?[\d.]+), (-?[\d.]+)\)");
            var read = box.Groups.Values.Skip(1).Select(g => double.Parse(g.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(4, read.Count);
            Assert.All(read.Zip(extent), pair => Assert.InRange(pair.First, pair.Second - 1e-5, pair.Second + 1e-5));

            var sums = await OgrInfoAsync("-ro", "-dialect", "SQLite", "-sql", "SELECT sum(official_area) AS total, count(DISTINCT upi) AS parcels FROM parcels", file);
            // SQLite prints the sum without trailing zeros (14852998.6 for 14852998.60): compare the number.
            var total = Regex.Match(sums, @"total \(Real\) = (-?[\d.]+)");
            Assert.True(total.Success, sums);
            Assert.InRange(decimal.Parse(total.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), area - 0.005m, area + 0.005m);
            Assert.Contains($"parcels (Integer) = {count}", sums, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
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
