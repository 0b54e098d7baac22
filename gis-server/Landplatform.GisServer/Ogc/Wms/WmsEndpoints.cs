using Landplatform.Cadastre.Contracts;
using Landplatform.Integrations.Identity;
using Npgsql;

namespace Landplatform.GisServer.Ogc.Wms;

/// <summary>The WMS 1.3.0 service at /wms: GetCapabilities, GetMap, GetFeatureInfo and GetLegendGraphic (KVP over GET).</summary>
public static class WmsEndpoints
{
    public static IServiceCollection AddWms(this IServiceCollection services, IConfiguration configuration) =>
        services
            .AddSingleton(_ => MapLabelFont.Load(configuration["Maps:LabelFont"] is { Length: > 0 } path ? path : MapLabelFont.DefaultPath))
            .AddSingleton<MapRenderer>();

    public static IEndpointConventionBuilder MapWms(this WebApplication app)
    {
        // Loaded now so a missing font stops the host at start instead of yielding maps without labels.
        app.Services.GetRequiredService<MapLabelFont>();
        return app.MapGet("/wms", HandleAsync)
            .WithName("Wms")
            .WithTags("WMS")
            .WithSummary("OGC Web Map Service 1.3.0 and 1.1.1: GetCapabilities, GetMap (PNG, JPEG), GetFeatureInfo, GetLegendGraphic.")
            .AddEndpointFilter(WmsExceptionReport.Filter)
            .AllowAnonymous()
            .RequireRateLimiting(RateLimits.Public);
    }

    private static async Task HandleAsync(HttpContext http, [FromKeyedServices(DataSourceKeys.Reads)] NpgsqlDataSource db, MapRenderer renderer, MapLabelFont font, CancellationToken ct)
    {
        var parameters = new WmsParameters(http.Request.Query);
        if (parameters["SERVICE"] is { Length: > 0 } service && !service.Trim().Equals("WMS", StringComparison.OrdinalIgnoreCase))
        {
            throw new WmsException(null, "SERVICE", $"This endpoint is a WMS; SERVICE {WmsException.Quote(service)} is not served here.");
        }

        var request = parameters.Required("REQUEST").Trim();
        switch (request.ToUpperInvariant())
        {
            case "GETCAPABILITIES":
                await WmsCapabilities.WriteAsync(http, db, parameters.NegotiatesVersion111(), ct);
                break;
            case "GETMAP":
                parameters.RequireVersion();
                var map = parameters.MapRequest();
                http.Response.ContentType = map.Format == MapImageFormat.Png ? "image/png" : "image/jpeg";
                using (var image = await renderer.RenderToDataAsync(map, ct))
                {
                    http.Response.ContentLength = image.Size;
                    await using var bytes = image.AsStream();
                    await bytes.CopyToAsync(http.Response.Body, ct);
                }

                break;
            case "GETFEATUREINFO":
                parameters.RequireVersion();
                await WmsFeatureInfo.WriteAsync(http, parameters, db, ct);
                break;
            case "GETLEGENDGRAPHIC":
                await WmsLegend.WriteAsync(http, parameters, font, ct);
                break;
            default:
                throw new WmsException("OperationNotSupported", "REQUEST",
                    $"{WmsException.Quote(request)} is not an operation of this WMS; use GetCapabilities, GetMap, GetFeatureInfo or GetLegendGraphic.");
        }
    }
}
