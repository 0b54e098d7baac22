using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Landplatform.Testing;

namespace Landplatform.GisServer.Tests;

/// <summary>GeoPackage downloads of any collection (issue #26 item 7), read back by GDAL: the database's features, types and CRS.</summary>
public sealed partial class GeoPackageDownloadTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    private async Task<string> DownloadAsync(string path)
    {
        using var response = await server.Client.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/geopackage+sqlite3", response.Content.Headers.ContentType?.MediaType);
        var file = Path.Combine(Path.GetTempPath(), $"lp-download-{Guid.NewGuid():N}.gpkg");
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync());
        return file;
    }

    private static async Task<string> OgrInfoAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("ogrinfo", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"ogrinfo {string.Join(' ', arguments)}: {await errors}");
        return await output + await errors;
    }

    [Fact]
    public async Task The_whole_parcel_fabric_comes_as_a_GeoPackage_that_GDAL_reads_with_the_database_count_and_types()
    {
        var expected = await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.parcel_versions WHERE status = 'current'");
        var area = await server.Database.ScalarAsync<decimal>("SELECT sum(official_area) FROM cadastre.parcel_versions WHERE status = 'current'");
        var file = await DownloadAsync("/ogc/collections/parcels/items?f=gpkg&crs=EPSG:2007");
        try
        {
            var summary = await OgrInfoAsync("-ro", "-so", file, "parcels");
            Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), FeatureCount().Match(summary).Groups[1].Value);
            Assert.Contains("Geometry: Multi Polygon", summary, StringComparison.Ordinal);
            Assert.Contains("official_area: Real", summary, StringComparison.Ordinal);
            Assert.Contains("valid_from: DateTime", summary, StringComparison.Ordinal);
            Assert.Contains("version: Integer", summary, StringComparison.Ordinal);
            Assert.Matches(@"ID\[""EPSG"",2007\]|AUTHORITY\[""EPSG"",""2007""\]", summary);
            var sums = await OgrInfoAsync("-ro", "-sql", "SELECT sum(official_area) AS total, count(DISTINCT upi) AS parcels FROM parcels", file);
            Assert.Contains($"parcels (Integer) = {expected}", sums, StringComparison.Ordinal);
            Assert.Contains($"total (Real) = {area.ToString(CultureInfo.InvariantCulture)}", sums, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_filtered_download_of_another_collection_holds_what_the_filter_selects_in_longitude_latitude()
    {
        var expected = await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.buildings WHERE use = 'school'");
        Assert.True(expected > 0);
        var file = await DownloadAsync($"/ogc/collections/buildings/items?f=gpkg&filter={Uri.EscapeDataString("use = 'school'")}");
        try
        {
            var summary = await OgrInfoAsync("-ro", "-so", file, "buildings");
            Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), FeatureCount().Match(summary).Groups[1].Value);
            var extent = Regex.Match(summary, @"Extent: \((-?[\d.]+), (-?[\d.]+)\)");
            Assert.InRange(double.Parse(extent.Groups[1].Value, CultureInfo.InvariantCulture), -61.5, -61.0);
            Assert.InRange(double.Parse(extent.Groups[2].Value, CultureInfo.InvariantCulture), 13.0, 13.5);
        }
        finally
        {
            File.Delete(file);
        }

        var zones = await DownloadAsync("/ogc/collections/flood-zones/items?f=gpkg&limit=3");
        try
        {
            Assert.Equal("3", FeatureCount().Match(await OgrInfoAsync("-ro", "-so", zones, "flood-zones")).Groups[1].Value);
        }
        finally
        {
            File.Delete(zones);
        }
    }

    [GeneratedRegex(@"Feature Count: (\d+)")]
    private static partial Regex FeatureCount();
}
