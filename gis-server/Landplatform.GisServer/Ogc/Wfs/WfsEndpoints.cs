using Landplatform.Cadastre.Contracts;
using Landplatform.Integrations.Identity;
using Npgsql;

namespace Landplatform.GisServer.Ogc.Wfs;

/// <summary>WFS 2.0 at /wfs: one KVP endpoint (GET) that dispatches on REQUEST; every refusal is an OWS ExceptionReport.</summary>
public static class WfsEndpoints
{
    public static IEndpointConventionBuilder MapWfs(this IEndpointRouteBuilder app) =>
        app.MapMethods("/wfs", [HttpMethods.Get, HttpMethods.Post], HandleAsync)
            .AllowAnonymous()
            .RequireRateLimiting(RateLimits.Public)
            .WithTags("WFS")
            .WithSummary("OGC Web Feature Service 2.0 (KVP by GET, XML by POST): GetCapabilities, DescribeFeatureType, GetFeature, GetPropertyValue, ListStoredQueries, DescribeStoredQueries.")
            .WithDescription("Feature types lp:parcels, lp:buildings, lp:roads, lp:flood-zones, lp:landslide-zones, lp:storm-surge-zones, "
                + "lp:districts, lp:blocks (namespace https://landplatform.example/wfs). Errors are OWS 1.1 ExceptionReports.")
            .Produces(StatusCodes.Status200OK, contentType: "application/xml")
            .Produces(StatusCodes.Status400BadRequest, contentType: "application/xml");

    private static Task HandleAsync(HttpContext http, [FromKeyedServices(DataSourceKeys.Reads)] NpgsqlDataSource db, ILoggerFactory logs, CancellationToken ct) =>
        WfsExceptionReport.RunAsync(http, logs.CreateLogger("Landplatform.Wfs"), async () =>
        {
            var parameters = HttpMethods.IsPost(http.Request.Method)
                ? await WfsXmlRequest.ReadAsync(http.Request, ct)
                : new WfsParameters(http.Request.Query);
            await DispatchAsync(http, db, parameters, ct);
        }, ct);

    private static async Task DispatchAsync(HttpContext http, NpgsqlDataSource db, WfsParameters parameters, CancellationToken ct)
    {
        var service = parameters.Require("SERVICE");
        if (!service.Equals("WFS", StringComparison.OrdinalIgnoreCase))
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, parameters.Locator("SERVICE"), $"This is a WFS; SERVICE must be WFS, not '{service}'.");
        }

        var request = parameters.Require("REQUEST");
        if (request.Equals("GetCapabilities", StringComparison.OrdinalIgnoreCase))
        {
            WfsCapabilities.CheckVersions(parameters);
            await WfsCapabilities.WriteAsync(http, http.RequestServices.GetRequiredService<CollectionExtents>(), ct);
            return;
        }

        CheckVersion(parameters);
        switch (request.ToUpperInvariant())
        {
            case "DESCRIBEFEATURETYPE":
                await WfsFeatureTypeSchema.WriteAsync(http, parameters, ct);
                break;
            case "GETFEATURE":
                await WfsGetFeature.RunAsync(http, db, parameters, ct);
                break;
            case "GETPROPERTYVALUE":
                await WfsGetFeature.RunAsync(http, db, parameters, ct, propertyValue: true);
                break;
            case "LISTSTOREDQUERIES":
                await WfsStoredQueries.WriteListAsync(http, ct);
                break;
            case "DESCRIBESTOREDQUERIES":
                await WfsStoredQueries.WriteDescriptionAsync(http, parameters, ct);
                break;
            default:
                throw new WfsException(OwsExceptionCode.OperationNotSupported, parameters.Locator("REQUEST"),
                    $"'{request}' is not an operation of this service; it offers {string.Join(", ", WfsCapabilities.Operations)}.");
        }
    }

    private static void CheckVersion(WfsParameters parameters)
    {
        var version = parameters.Require("VERSION");
        if (version is not ("2.0.0" or "2.0.2"))
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, parameters.Locator("VERSION"), $"This service speaks WFS 2.0.0 (and 2.0.2); VERSION '{version}' is not supported.");
        }
    }
}
