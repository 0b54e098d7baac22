using Npgsql;

namespace Landplatform.GisServer;

/// <summary>The host's own endpoints: health and the index of where each service lives (<c>/services</c>; <c>/</c> is the map).</summary>
internal static class HostEndpoints
{
    public static void MapHealthEndpoint(this IEndpointRouteBuilder app) =>
        app.MapGet("/health", async (NpgsqlDataSource db, CancellationToken ct) =>
            {
                try
                {
                    await using var command = db.CreateCommand("SELECT version(), postgis_lib_version()");
                    await using var row = await command.ExecuteReaderAsync(ct);
                    await row.ReadAsync(ct);
                    return Results.Ok(new { status = "ok", database = row.GetString(0), postgis = row.GetString(1) });
                }
                catch (NpgsqlException e)
                {
                    return Results.Problem(title: "Database unavailable", detail: e.Message, statusCode: StatusCodes.Status503ServiceUnavailable,
                        extensions: new Dictionary<string, object?> { ["rule"] = "database-available" });
                }
            })
            .AllowAnonymous()
            .WithTags("Platform")
            .WithSummary("200 when the database answers, 503 with problem details when it does not.");

    public static void MapServiceIndex(this IEndpointRouteBuilder app) =>
        app.MapGet("/services", (HttpRequest request) =>
            {
                var root = $"{request.Scheme}://{request.Host}{request.PathBase}";
                return Results.Ok(new
                {
                    name = "Landplatform",
                    description = "Land information and cadastre platform: the parcel fabric of the sample island.",
                    links = new[]
                    {
                        new { rel = "health", href = $"{root}/health" },
                        new { rel = "service-desc", href = $"{root}/openapi/v1.json" },
                        new { rel = "parcels", href = $"{root}/api/parcels" },
                        new { rel = "surveys", href = $"{root}/api/surveys" },
                        new { rel = "fees", href = $"{root}/api/payments/fees" },
                        new { rel = "notary-ca", href = $"{root}/api/documents/authority.pem" },
                        new { rel = "exchange-subscriptions", href = $"{root}/api/exchange/subscriptions" },
                        new { rel = "ogc-api-features", href = $"{root}/ogc" },
                        new { rel = "wfs", href = $"{root}/wfs?SERVICE=WFS&REQUEST=GetCapabilities" },
                        new { rel = "wms", href = $"{root}/wms?SERVICE=WMS&REQUEST=GetCapabilities" },
                        new { rel = "tiles", href = $"{root}/tiles" },
                        new { rel = "ogc-api-tiles", href = $"{root}/ogc/tileMatrixSets" },
                        new { rel = "wmts", href = $"{root}/wmts?SERVICE=WMTS&REQUEST=GetCapabilities" },
                        new { rel = "map", href = $"{root}/" },
                        new { rel = "openid-configuration", href = $"{root}/.well-known/openid-configuration" },
                        new { rel = "sign-in", href = $"{root}/account/signin" },
                    },
                });
            })
            .AllowAnonymous()
            .WithTags("Platform")
            .WithSummary("Where each service lives.");
}
