using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Landplatform.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Landplatform.GisServer.Tests;

/// <summary>The platform with an in-memory span exporter beside its own telemetry, so a test can read the traces it made.</summary>
public sealed class TracedPlatformServer : PlatformServer
{
    public List<Activity> Spans { get; } = [];

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddOpenTelemetry().WithTracing(tracing => tracing.AddInMemoryExporter(Spans));
}

/// <summary>
/// Telemetry as an operator reads it (issue #27 item 3): the Prometheus scrape finds request counts and duration
/// histograms per service and route after a few requests, and the trace of one items request holds its database span.
/// </summary>
public sealed partial class TelemetryTests(TracedPlatformServer server) : IClassFixture<TracedPlatformServer>
{
    [Fact]
    public async Task The_metrics_endpoint_counts_requests_and_their_durations_per_service()
    {
        for (var i = 0; i < 3; i++)
        {
            (await server.Client.GetAsync("/ogc/collections/parcels/items?limit=5")).EnsureSuccessStatusCode();
        }

        (await server.Client.GetAsync("/wfs?SERVICE=WFS&REQUEST=GetCapabilities")).EnsureSuccessStatusCode();
        (await server.Client.GetAsync("/api/registry/search?upi=CH-0005")).EnsureSuccessStatusCode();

        // Measurements are taken as each request ends, and the exporter caches a scrape briefly: ask until they show.
        string text = string.Empty;
        for (var attempt = 0; attempt < 40 && !(Count(text, "ogc-api", "/ogc/collections/{collectionId}/items") >= 3 && Count(text, "wfs") >= 1 && Count(text, "registry") >= 1); attempt++)
        {
            await Task.Delay(250);
            using var response = await server.Client.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
            text = await response.Content.ReadAsStringAsync();
        }

        Assert.True(Count(text, "ogc-api", "/ogc/collections/{collectionId}/items") >= 3, "three items requests counted under the OGC API:\n" + Excerpt(text));
        Assert.True(Count(text, "wfs") >= 1, "the WFS request counted under wfs:\n" + Excerpt(text));
        Assert.True(Count(text, "registry") >= 1, "the register search counted under registry:\n" + Excerpt(text));
        Assert.Contains(text.Split('\n'), line => line.StartsWith("http_server_request_duration_seconds_bucket{", StringComparison.Ordinal)
            && line.Contains("landplatform_service=\"ogc-api\"", StringComparison.Ordinal) && line.Contains("le=\"0.1\"", StringComparison.Ordinal));
        Assert.Contains("db_client_operation_duration", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_trace_of_an_items_request_holds_its_database_span()
    {
        // Only this request carries an offset (the instrumentation redacts query values).
        using var response = await server.Client.GetAsync("/ogc/collections/parcels/items?limit=3&offset=17");
        response.EnsureSuccessStatusCode();

        Activity? request = null;
        Activity[] database = [];
        for (var attempt = 0; attempt < 40 && (request is null || database.Length == 0); attempt++)
        {
            await Task.Delay(250);
            Activity[] spans;
            lock (server.Spans)
            {
                spans = [.. server.Spans];
            }

            request = spans.LastOrDefault(s => s.Kind == ActivityKind.Server && s.GetTagItem("url.query") is string q && q.Contains("offset", StringComparison.Ordinal));
            database = request is null ? [] : spans.Where(s => s.Source.Name == "Npgsql" && s.TraceId == request.TraceId).ToArray();
        }

        Assert.NotNull(request);
        Assert.Equal("/ogc/collections/{collectionId}/items", request.GetTagItem("http.route"));
        Assert.NotEmpty(database);
        Assert.Contains(database, span => (span.GetTagItem("db.query.text") ?? span.GetTagItem("db.statement")) is string sql && sql.Contains("parcel", StringComparison.OrdinalIgnoreCase));
        Assert.All(database, span => Assert.True(span.StartTimeUtc >= request.StartTimeUtc && span.StartTimeUtc + span.Duration <= request.StartTimeUtc + request.Duration + TimeSpan.FromMilliseconds(1)));
    }

    [Theory]
    [InlineData("127.0.0.1", "/metrics", true)]
    [InlineData("::1", "/metrics", true)]
    [InlineData("10.20.30.40", "/metrics", false)]
    [InlineData("192.0.2.7", "/metrics", false)]
    [InlineData("127.0.0.1", "/metrics/other", false)]
    public void Only_a_scraper_on_this_host_reads_the_metrics(string address, string path, bool allowed)
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(address);
        http.Request.Path = path;
        Assert.Equal(allowed, PlatformTelemetry.IsLocalScrape(http));
    }

    /// <summary>The request count of a service (and route) in a Prometheus text exposition, summed over its series.</summary>
    private static double Count(string text, string service, string? route = null) => text.Split('\n')
        .Where(line => line.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal)
            && line.Contains($"landplatform_service=\"{service}\"", StringComparison.Ordinal)
            && (route is null || line.Contains($"http_route=\"{route}\"", StringComparison.Ordinal)))
        .Sum(line => double.Parse(Value().Match(line).Groups[1].Value, CultureInfo.InvariantCulture));

    private static string Excerpt(string text) =>
        string.Join('\n', text.Split('\n').Where(l => l.StartsWith("http_server_request_duration_seconds_count", StringComparison.Ordinal)).Take(30));

    [GeneratedRegex(@"\}\s+([0-9.eE+-]+)")]
    private static partial Regex Value();
}
