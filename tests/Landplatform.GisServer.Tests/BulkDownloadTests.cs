using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Landplatform.Testing;

namespace Landplatform.GisServer.Tests;

/// <summary>The real host on a loopback port with the production rate limits (600 public requests a minute per address).</summary>
public sealed class ProductionLimitsServer : PlatformServer
{
    protected override bool ListensOnLoopback => true;

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Identity:DemoMode"] = "true",
        ["Identity:SignInPermitsPerMinute"] = "1000",
        ["Identity:TokenPermitsPerMinute"] = "1000",
    };
}

/// <summary>
/// Bulk clients with their defaults: GDAL's ogr2ogr downloads every parcel over OGC API Features and over WFS within the
/// production rate limits, and keyset next links walk the whole fabric without gaps or repeats.
/// </summary>
public sealed partial class BulkDownloadTests(ProductionLimitsServer server, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<ProductionLimitsServer>
{
    private Task<long> CurrentParcelsAsync() =>
        server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.parcel_versions WHERE status = 'current'");

    [Fact]
    public async Task Ogr2ogr_with_its_defaults_downloads_every_parcel_over_OGC_API_Features_within_the_rate_limit()
    {
        var expected = await CurrentParcelsAsync();
        var file = Path.Combine(Path.GetTempPath(), $"lp-oapif-{Guid.NewGuid():N}.gpkg");
        try
        {
            var log = await GdalAsync("ogr2ogr", "-f", "GPKG", file, $"OAPIF:{new Uri(server.BaseAddress, "/ogc")}", "parcels");
            var summary = await GdalAsync("ogrinfo", "-ro", "-so", file, "parcels");
            Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), FeatureCount().Match(summary).Groups[1].Value);
            var itemRequests = Fetches().Matches(log).Count(m => m.Value.Contains("/items", StringComparison.Ordinal));
            // GDAL 3.6 asks for limit=10 whatever the server's default: some 2,000 pages, far above 600 requests a minute.
            // They follow next links (cursor), which count against the page budget, so the download finishes.
            Assert.True(itemRequests >= expected / 10, $"GDAL fetched {itemRequests} pages of items");
            output.WriteLine($"ogr2ogr over OAPIF: {expected} parcels in {itemRequests} requests for items");
            Assert.DoesNotContain("HTTP error code : 429", log, StringComparison.Ordinal);
            var distinct = await GdalAsync("ogrinfo", "-ro", "-dialect", "SQLite", "-sql", "SELECT count(DISTINCT upi) AS parcels FROM parcels", file);
            Assert.Contains($"parcels (Integer) = {expected}", distinct, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Ogr2ogr_with_its_defaults_downloads_every_parcel_over_WFS()
    {
        var expected = await CurrentParcelsAsync();
        var file = Path.Combine(Path.GetTempPath(), $"lp-wfs-{Guid.NewGuid():N}.gpkg");
        try
        {
            await GdalAsync("ogr2ogr", "-f", "GPKG", file, $"WFS:{new Uri(server.BaseAddress, "/wfs")}", "lp:parcels");
            var summary = await GdalAsync("ogrinfo", "-ro", "-so", "-al", file);
            Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), FeatureCount().Match(summary).Groups[1].Value);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Next_links_walk_every_parcel_version_of_a_period_once_in_order()
    {
        const string period = "2000-01-01T00:00:00Z/..";
        // Two subdivisions: their parents become historic versions, in force within the period beside the current fabric.
        for (var skip = 0; skip < 2; skip++)
        {
            await server.Database.SubdivideInTwoAsync(await server.Database.SplittableParcelAsync(skip), DateTimeOffset.UtcNow.AddDays(-2));
        }

        var expected = new List<string>();
        await using (var command = server.Database.DataSource.CreateCommand("""
            SELECT upi || '#' || version FROM cadastre.parcel_versions
            WHERE status <> 'pending' AND (valid_to IS NULL OR valid_to > '2000-01-01T00:00:00Z') ORDER BY upi, version
            """))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                expected.Add(reader.GetString(0));
            }
        }

        Assert.True(expected.Count > await CurrentParcelsAsync(), "the period must hold historic versions beside the current ones");
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        var seen = new List<string>();
        string? next = $"/ogc/collections/parcels/items?limit=5000&properties=version&datetime={Uri.EscapeDataString(period)}";
        var pages = 0;
        while (next is not null)
        {
            using var response = await client.GetAsync(next);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{next}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            seen.AddRange(page.GetProperty("features").EnumerateArray()
                .Select(f => $"{f.GetProperty("id").GetString()}#{f.GetProperty("properties").GetProperty("version").GetInt32()}"));
            next = page.GetProperty("links").EnumerateArray().Where(l => l.GetProperty("rel").GetString() == "next")
                .Select(l => new Uri(l.GetProperty("href").GetString()!).PathAndQuery).FirstOrDefault();
            Assert.True(next is null || next.Contains("cursor=", StringComparison.Ordinal), next);
            Assert.True(++pages < 50, "the walk does not end");
            if (next is null)
            {
                // The last page knows where it stands in the whole: numberMatched is the true total.
                Assert.Equal(expected.Count, page.GetProperty("numberMatched").GetInt32());
            }
        }

        Assert.Equal(expected, seen);
    }

    [Theory]
    [InlineData("cursor=not-a-cursor", "cursor", "cursor-format")]
    [InlineData("cursor=MQoxMAp4eHgK&offset=5", "cursor", "cursor-offset")]
    [InlineData("cursor=%27%3BDROP%20TABLE%20x", "cursor", "cursor-format")]
    public async Task A_cursor_that_is_not_ours_is_refused_naming_the_parameter(string query, string parameter, string rule)
    {
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        using var response = await client.GetAsync($"/ogc/collections/parcels/items?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        Assert.Equal(rule, problem.GetProperty("rule").GetString());
    }

    [Fact]
    public async Task A_cursor_for_a_numeric_collection_seeks_by_its_id()
    {
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        var first = JsonDocument.Parse(await client.GetStringAsync("/ogc/collections/buildings/items?limit=3&properties=use")).RootElement;
        var next = first.GetProperty("links").EnumerateArray().First(l => l.GetProperty("rel").GetString() == "next").GetProperty("href").GetString()!;
        var second = JsonDocument.Parse(await client.GetStringAsync(new Uri(next).PathAndQuery)).RootElement;
        var ids = second.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetInt64()).ToList();
        var expected = new List<long>();
        await using var command = server.Database.DataSource.CreateCommand("SELECT id FROM cadastre.buildings ORDER BY id OFFSET 3 LIMIT 3");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            expected.Add(reader.GetInt64(0));
        }

        Assert.Equal(expected, ids);
    }

    private static async Task<string> GdalAsync(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["GDAL_HTTP_TIMEOUT"] = "60";
        start.Environment["CPL_DEBUG"] = "ON";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var text = await output + await errors;
        Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', arguments)} exited {process.ExitCode}: {text[^Math.Min(text.Length, 3000)..]}");
        return text;
    }

    [GeneratedRegex(@"Feature Count: (\d+)")]
    private static partial Regex FeatureCount();

    [GeneratedRegex(@"HTTP: Fetch\([^)]*\)")]
    private static partial Regex Fetches();
}

/// <summary>A host with a public limit of five requests a minute, to meet the limit quickly.</summary>
public sealed class TightLimitServer : PlatformServer
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Identity:DemoMode"] = "true",
        ["Identity:PublicPermitsPerMinute"] = "5",
    };
}

/// <summary>A client over the limit is told when it may come back, in a header every HTTP client understands.</summary>
public sealed class RateLimitAnswerTests(TightLimitServer server) : IClassFixture<TightLimitServer>
{
    [Fact]
    public async Task Over_the_limit_a_public_read_answers_429_with_Retry_After_in_seconds_and_a_problem()
    {
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 10 && refused is null; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/ogc/collections/parcels/items?limit=1");
            request.Headers.Add("Origin", "https://webmap.other-island.example");
            var response = await server.Client.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                response.Dispose();
            }
        }

        Assert.NotNull(refused);
        using (refused)
        {
            var wait = refused.Headers.RetryAfter?.Delta;
            Assert.NotNull(wait);
            Assert.InRange(wait.Value.TotalSeconds, 1, 60);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Equal("rate-limit", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("rule").GetString());
            // A web map on another origin can read the answer and its Retry-After.
            Assert.Equal("*", refused.Headers.GetValues("Access-Control-Allow-Origin").Single());
            Assert.Contains("Retry-After", refused.Headers.GetValues("Access-Control-Expose-Headers").Single(), StringComparison.Ordinal);
        }
    }
}
