using Microsoft.Net.Http.Headers;

namespace Landplatform.GisServer;

/// <summary>
/// Cross-origin access (CORS). The public read services — OGC API (<c>/ogc</c>), WFS, WMS, WMTS, tiles and TileJSON, and
/// the API description they link to — answer any origin without credentials, so another agency's web map can use them.
/// Everything else (the authenticated APIs, edits through OGC API Features) answers only the origins listed in
/// <c>Cors:AllowedOrigins</c>, again without credentials: their callers send a bearer token, never our cookies.
/// Preflight requests are answered here, before rate limits and authentication.
/// </summary>
public static class CrossOrigin
{
    public const string AllowedOriginsSetting = "Cors:AllowedOrigins";

    /// <summary>Headers a script on another origin may read from our answers (paging, CRS, versions, rate limits).</summary>
    public const string ExposedHeaders = "Content-Crs, Content-Disposition, ETag, Last-Modified, Link, Location, Retry-After, OGC-NumberMatched";

    private static readonly string[] PublicPrefixes = ["/ogc", "/wfs", "/wms", "/wmts", "/tiles", "/openapi"];

    /// <summary>Whether a request with this path and method is a public read, open to every origin.</summary>
    public static bool IsPublicRead(PathString path, string method)
    {
        if (!PublicPrefixes.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        // WFS takes its XML requests (GetFeature with a filter) by POST too; they read, like its GETs.
        return HttpMethods.IsGet(method) || HttpMethods.IsHead(method)
            || (HttpMethods.IsPost(method) && path.StartsWithSegments("/wfs", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The origins listed in <see cref="AllowedOriginsSetting"/> (an array, or one comma-separated value), normalised.</summary>
    public static IReadOnlySet<string> AllowedOrigins(IConfiguration configuration)
    {
        var section = configuration.GetSection(AllowedOriginsSetting);
        var values = section.GetChildren().Select(c => c.Value).Append(section.Value)
            .Where(v => !string.IsNullOrWhiteSpace(v))
            .SelectMany(v => v!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var origins = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            origins.Add(Normalise(value) ?? throw new InvalidOperationException(
                $"{AllowedOriginsSetting}: '{value}' is not an origin (scheme://host[:port], e.g. https://maps.agency.example)."));
        }

        return origins;
    }

    public static IApplicationBuilder UseCrossOrigin(this IApplicationBuilder app)
    {
        var allowed = AllowedOrigins(app.ApplicationServices.GetRequiredService<IConfiguration>());
        return app.Use((http, next) =>
        {
            var request = http.Request;
            var origin = request.Headers.Origin.ToString();
            var requestedMethod = request.Headers.AccessControlRequestMethod.ToString();
            var preflight = HttpMethods.IsOptions(request.Method) && requestedMethod.Length > 0;
            var method = preflight ? requestedMethod : request.Method;
            var isPublic = IsPublicRead(request.Path, method);

            if (HttpMethods.IsOptions(request.Method) && (preflight || IsPublicRead(request.Path, HttpMethods.Get)))
            {
                // A preflight, or a plain OPTIONS on a public service: answered with what the resource allows.
                var headers = http.Response.Headers;
                headers.Allow = AllowedMethods(request.Path, isPublic || !preflight);
                if (origin.Length > 0 && (isPublic || allowed.Contains(Normalise(origin) ?? string.Empty)))
                {
                    headers.AccessControlAllowOrigin = isPublic ? "*" : origin;
                    headers.AccessControlAllowMethods = AllowedMethods(request.Path, isPublic);
                    // Public reads take any request header but the credentials ones ('*' excludes Authorization).
                    headers.AccessControlAllowHeaders = isPublic ? "*" : "Authorization, Content-Type, Accept, If-Match, If-None-Match";
                    headers.AccessControlMaxAge = isPublic ? "86400" : "600";
                }

                if (!isPublic)
                {
                    headers.Vary = HeaderNames.Origin;
                }

                http.Response.StatusCode = StatusCodes.Status204NoContent;
                return Task.CompletedTask;
            }

            if (origin.Length > 0)
            {
                var granted = isPublic ? "*" : allowed.Contains(Normalise(origin) ?? string.Empty) ? origin : null;
                // Set when the answer starts, so an error page written after the exception handler cleared the headers carries them too.
                http.Response.OnStarting(() =>
                {
                    var headers = http.Response.Headers;
                    if (granted is not null)
                    {
                        headers.AccessControlAllowOrigin = granted;
                        headers.AccessControlExposeHeaders = ExposedHeaders;
                    }

                    if (!isPublic)
                    {
                        headers.Append(HeaderNames.Vary, HeaderNames.Origin);
                    }

                    return Task.CompletedTask;
                });
            }

            return next(http);
        });
    }

    private static string AllowedMethods(PathString path, bool publicRead) =>
        publicRead
            ? path.StartsWithSegments("/wfs", StringComparison.OrdinalIgnoreCase) ? "GET, HEAD, POST, OPTIONS" : "GET, HEAD, OPTIONS"
            : "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

    /// <summary>scheme://host[:port] in lower case with the default port left out; null when it is not an http(s) origin.</summary>
    public static string? Normalise(string origin)
    {
        if (!Uri.TryCreate(origin.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") ||
            uri.AbsolutePath is not ("/" or "") || uri.Query.Length > 0 || uri.UserInfo.Length > 0 || origin.TrimEnd().EndsWith('/'))
        {
            return null;
        }

        return uri.IsDefaultPort ? $"{uri.Scheme}://{uri.IdnHost}" : $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}";
    }
}

/// <summary>
/// HEAD wherever GET is (RFC 9110): the request is routed as a GET, and Kestrel, which still knows it was a HEAD,
/// sends the status and headers of the GET and no body.
/// </summary>
public static class HeadRequests
{
    public static IApplicationBuilder UseHeadAsGet(this IApplicationBuilder app) =>
        app.Use((http, next) =>
        {
            if (HttpMethods.IsHead(http.Request.Method))
            {
                http.Request.Method = HttpMethods.Get;
            }

            return next(http);
        });
}
