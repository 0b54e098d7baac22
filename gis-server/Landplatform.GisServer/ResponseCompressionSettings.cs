using System.IO.Compression;
using Microsoft.AspNetCore.ResponseCompression;

namespace Landplatform.GisServer;

/// <summary>
/// Brotli or gzip, as the client accepts, for what is large and repetitive: the portal's bundle and styles, JSON and
/// GeoJSON, GML and XML, vector tiles. Never for the sign-in, token and account endpoints, whose answers carry secrets
/// beside text a caller may choose (the BREACH attack on compressed HTTPS), and never for images already compressed.
/// Fastest level: the services stream large answers, and CPU is what a tile or feature server runs short of.
/// </summary>
internal static class ResponseCompressionSettings
{
    private static readonly string[] MimeTypes =
    [
        "text/javascript", "application/javascript", "text/css", "text/html", "text/plain", "text/csv", "text/xml",
        "application/json", "application/geo+json", "application/problem+json", "application/schema+json",
        "application/xml", "application/gml+xml", "application/vnd.ogc.se_xml", "application/vnd.mapbox-vector-tile",
        "application/openapi+json", "image/svg+xml",
    ];

    private static readonly string[] SecretBearing = ["/connect", "/account", "/api/identity"];

    public static IServiceCollection AddPlatformResponseCompression(this IServiceCollection services)
    {
        services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true;
            o.MimeTypes = MimeTypes;
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
        });
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        return services;
    }

    public static IApplicationBuilder UsePlatformResponseCompression(this IApplicationBuilder app) =>
        app.UseWhen(http => !SecretBearing.Any(prefix => http.Request.Path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase)),
            branch => branch.UseResponseCompression());
}
