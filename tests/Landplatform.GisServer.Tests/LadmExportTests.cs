using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Landplatform.Testing;

namespace Landplatform.GisServer.Tests;

/// <summary>
/// The LADM (ISO 19152) export: one GeoPackage of spatial units, basic administrative units, parties, rights and
/// sources, read back by GDAL with every table's count equal to PostGIS's and every reference resolving; only for
/// registry readers.
/// </summary>
public sealed partial class LadmExportTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    [Fact]
    public async Task The_LADM_GeoPackage_holds_the_whole_fabric_and_register_with_every_reference_resolving()
    {
        var file = Path.Combine(Path.GetTempPath(), $"lp-ladm-{Guid.NewGuid():N}.gpkg");
        try
        {
            using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/exports/ladm.gpkg"))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Tokens.AccessTokenForAsync(server.Client, "registrar"));
                using var response = await server.Client.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("application/geopackage+sqlite3", response.Content.Headers.ContentType?.MediaType);
                await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync());
            }

            var expected = new Dictionary<string, string>
            {
                ["la_spatialunit"] = "SELECT count(*) FROM cadastre.parcel_versions",
                ["la_baunit"] = "SELECT count(*) FROM registry.titles",
                ["la_baunit_spatialunit"] = "SELECT count(*) FROM registry.title_parcels",
                ["la_party"] = "SELECT count(*) FROM registry.parties",
                ["la_rrr"] = "SELECT count(*) FROM registry.rights",
                ["la_administrativesource"] = "SELECT count(*) FROM registry.transactions WHERE state = 'registered'",
            };
            var summary = await GdalAsync("ogrinfo", "-ro", "-so", "-al", file);
            foreach (var (table, sql) in expected)
            {
                var count = await server.Database.ScalarAsync<long>(sql);
                Assert.True(count > 0, $"{table}: nothing in the sample to export");
                Assert.Equal(count, await SqliteCountAsync(file, $"SELECT count(*) AS n FROM {table}"));
            }

            // GDAL reads the spatial units as a polygon layer in the national grid.
            Assert.Contains("Layer name: la_spatialunit", summary, StringComparison.Ordinal);
            Assert.Matches(MultiPolygon(), summary);
            Assert.Contains("2007", summary, StringComparison.Ordinal);

            // Every right names a unit, a party and a source the file holds; every unit's parcel is a spatial unit.
            Assert.Equal(0, await SqliteCountAsync(file,
                "SELECT count(*) AS n FROM la_rrr r WHERE r.baunit_id NOT IN (SELECT u_id FROM la_baunit) OR r.party_id NOT IN (SELECT p_id FROM la_party) OR r.source_id NOT IN (SELECT s_id FROM la_administrativesource)"));
            Assert.Equal(0, await SqliteCountAsync(file,
                "SELECT count(*) AS n FROM la_baunit_spatialunit l WHERE l.su_id NOT IN (SELECT su_id FROM la_spatialunit) OR l.baunit_id NOT IN (SELECT u_id FROM la_baunit)"));
            var ownership = await server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.rights WHERE kind = 'ownership'");
            Assert.Equal(ownership, await SqliteCountAsync(file, "SELECT count(*) AS n FROM la_rrr WHERE class = 'LA_Right' AND type = 'ownership'"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("citizen", HttpStatusCode.Forbidden)]
    [InlineData("surveyor", HttpStatusCode.Forbidden)]
    public async Task Only_registry_readers_may_export_the_register(string? role, HttpStatusCode status)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/exports/ladm.gpkg");
        if (role is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Tokens.AccessTokenForAsync(server.Client, role));
        }

        using var response = await server.Client.SendAsync(request);
        Assert.Equal(status, response.StatusCode);
    }

    private static async Task<long> SqliteCountAsync(string file, string sql)
    {
        var text = await GdalAsync("ogrinfo", "-ro", "-q", "-dialect", "SQLite", "-sql", sql, file);
        var match = CountValue().Match(text);
        Assert.True(match.Success, $"ogrinfo answered no count for {sql}: {text}");
        return long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<string> GdalAsync(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var text = await output + await errors;
        Assert.True(process.ExitCode == 0, $"{tool} exited {process.ExitCode}: {text[^Math.Min(text.Length, 2000)..]}");
        return text;
    }

    [GeneratedRegex(@"n \((?:Integer|Integer64)\) = (\d+)")]
    private static partial Regex CountValue();

    [GeneratedRegex(@"Geometry: Multi Polygon")]
    private static partial Regex MultiPolygon();
}
