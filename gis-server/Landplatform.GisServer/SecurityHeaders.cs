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
