using Microsoft.Net.Http.Headers;

namespace Landplatform.GisServer;

/// <summary>
/// The headers every response carries, whatever answered it (an endpoint, a static file, an error page): content types are
/// not sniffed, the referrer leaves the site as its origin only, and no other site may frame a page of ours. A page that
/// sets its own Content-Security-Policy (the sign-in page) keeps it; every other response gets one that forbids framing.
/// </summary>
public static class SecurityHeaders
{
    public const string FramingPolicy = "frame-ancestors 'none'";

    /// <summary>
    /// The portal's policy: its script and styles come only from its own bundle under <c>/portal</c>, nothing inline and
    /// nothing evaluated; it talks only to this origin. Images may be data or blob URLs (map icons, an opened deed),
    /// workers blob URLs (the map library's). Navigations to the gateway's page are not fetches, so they stay possible.
    /// </summary>
    public const string PortalPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; " +
        "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; " +
        FramingPolicy;

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var headers = ((HttpContext)state).Response.Headers;
                headers[HeaderNames.XContentTypeOptions] = "nosniff";
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
                headers[HeaderNames.XFrameOptions] = "DENY";
                if (!headers.ContainsKey(HeaderNames.ContentSecurityPolicy))
                {
                    headers[HeaderNames.ContentSecurityPolicy] = FramingPolicy;
                }

                return Task.CompletedTask;
            }, context);
            return next(context);
        });
}
