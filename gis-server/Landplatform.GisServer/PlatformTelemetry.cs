using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Landplatform.GisServer;

/// <summary>
/// OpenTelemetry for the platform (docs/operations.md, "Telemetry"): traces of requests, outgoing calls and database
/// commands (ASP.NET Core, HttpClient, Npgsql); metrics — ASP.NET Core's request count and duration histogram, each
/// request tagged with the service its path belongs to, Kestrel, HttpClient, Npgsql and the runtime — scraped by
/// Prometheus from the host at <see cref="MetricsPath"/>; both exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is
/// set; and JSON console logs that carry each request's trace and span ids.
/// </summary>
public static class PlatformTelemetry
{
    public const string MetricsPath = "/metrics";

    /// <summary>The tag on <c>http.server.request.duration</c> naming the service a request went to.</summary>
    public const string ServiceTag = "landplatform.service";

    private static readonly (string Prefix, string Service)[] Services =
    [
        ("/ogc", "ogc-api"), ("/wfs", "wfs"), ("/wms", "wms"), ("/wmts", "wmts"), ("/tiles", "tiles"),
        ("/api/registry", "registry"), ("/api/deeds", "deeds"), ("/api/surveys", "surveys"), ("/api/parcels", "parcels"),
        ("/api/payments", "payments"), ("/api/tax", "tax"), ("/api/permits", "permits"), ("/api/customs", "customs"),
        ("/api/documents", "documents"), ("/api/exchange", "exchange"), ("/api/identity", "identity"), ("/connect", "identity"),
        ("/account", "identity"), ("/api/exports", "exports"), ("/health", "health"),
    ];

    /// <summary>Telemetry for the host; JSON logs only when it serves (the CLI commands keep plain console output).</summary>
    public static WebApplicationBuilder AddPlatformTelemetry(this WebApplicationBuilder builder, bool serving)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("landplatform", serviceVersion: typeof(PlatformTelemetry).Assembly.GetName().Version?.ToString()))
            .WithTracing(tracing =>
            {
                tracing.AddAspNetCoreInstrumentation(o => o.Filter = http => http.Request.Path != MetricsPath)
                    .AddHttpClientInstrumentation()
                    .AddNpgsql();
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter("Npgsql")
                    .AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (serving && builder.Configuration.GetValue("Telemetry:JsonLogs", true))
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
            builder.Logging.Configure(o => o.ActivityTrackingOptions =
                ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        }

        return builder;
    }

    /// <summary>
    /// The Prometheus scrape endpoint, for a scraper on this host only (loopback, a Unix socket or in process): a request
    /// from elsewhere, or through the proxy, whose client address the forwarded headers give, falls through to a 404.
    /// Then every request is tagged with its service.
    /// </summary>
    public static IApplicationBuilder UsePlatformTelemetry(this IApplicationBuilder app)
    {
        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            predicate: IsLocalScrape,
            path: null,
            configureBranchedPipeline: null,
            optionsName: null);
        return app.Use((http, next) =>
        {
            http.Features.Get<IHttpMetricsTagsFeature>()?.Tags.Add(new(ServiceTag, ServiceOf(http.Request.Path)));
            return next(http);
        });
    }

    /// <summary>Whether a request is a scrape of <see cref="MetricsPath"/> from this host.</summary>
    public static bool IsLocalScrape(HttpContext http) =>
        http.Request.Path == MetricsPath && (http.Connection.RemoteIpAddress is not { } address || IPAddress.IsLoopback(address));

    /// <summary>The service a path belongs to, as metrics name it (<c>other</c> for the map page and the rest).</summary>
    public static string ServiceOf(PathString path)
    {
        foreach (var (prefix, service) in Services)
        {
            if (path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return service;
            }
        }

        return "other";
    }
}
