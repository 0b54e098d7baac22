using Microsoft.Extensions.FileProviders;

namespace Landplatform.GisServer;

/// <summary>
/// The public map at <c>/</c>: the portal app that <c>./lp</c> builds from <c>gis-server/portal</c> into
/// <c>wwwroot/portal</c> (OpenLayers, bundled: no CDN, works offline). Its scripts and styles are served
/// under <c>/portal</c>.
/// </summary>
internal static class MapPage
{
    private static string PortalDirectory(IWebHostEnvironment environment) => Path.Combine(environment.ContentRootPath, "wwwroot", "portal");

    public static void UseMapPage(this WebApplication app)
    {
        var directory = PortalDirectory(app.Environment);
        if (Directory.Exists(directory))
        {
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = new PhysicalFileProvider(directory),
                RequestPath = "/portal",
                OnPrepareResponse = c => c.Context.Response.Headers.CacheControl = "public, no-cache",
            });
        }
    }

    public static void MapMapPage(this IEndpointRouteBuilder app)
    {
        MapIndex(app, "/").WithSummary("The public map: parcels as vector tiles, hazard layers, search, parcel details. The index of services is at /services.");
        // Where the sign-in sends the browser back with its authorization code: the same app finishes it.
        MapIndex(app, "/signin-callback").WithSummary("The portal, finishing an OpenID Connect sign-in (authorization code + PKCE).");
        // Pages without a link to the icon (sign-in, the HTML of the OGC services) make browsers ask here.
        app.MapGet("/favicon.ico", (IWebHostEnvironment environment) =>
            {
                var icon = Path.Combine(PortalDirectory(environment), "favicon.svg");
                return File.Exists(icon) ? Results.File(icon, "image/svg+xml") : Results.NotFound();
            })
            .AllowAnonymous()
            .ExcludeFromDescription();
    }

    private static RouteHandlerBuilder MapIndex(IEndpointRouteBuilder app, string path) =>
        app.MapGet(path, (HttpContext http, IWebHostEnvironment environment) =>
            {
                var index = Path.Combine(PortalDirectory(environment), "index.html");
                if (File.Exists(index))
                {
                    http.Response.Headers.ContentSecurityPolicy = SecurityHeaders.PortalPolicy;
                }

                return File.Exists(index)
                    ? Results.File(index, "text/html; charset=utf-8")
                    : Results.Problem(title: "The map page is not built", statusCode: StatusCodes.Status503ServiceUnavailable,
                        detail: "Build it with ./lp run or ./lp test (npm ci and the portal build in gis-server/portal). The services are listed at /services.",
                        extensions: new Dictionary<string, object?> { ["rule"] = "portal-built" });
            })
            .AllowAnonymous()
            .WithTags("Platform");
}
