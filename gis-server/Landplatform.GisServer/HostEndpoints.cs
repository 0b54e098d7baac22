using Landplatform.Cadastre.Contracts;
using Npgsql;

namespace Landplatform.GisServer;

/// <summary>The host's own endpoints: health and the index of where each service lives (<c>/services</c>; <c>/</c> is the map).</summary>
internal static class HostEndpoints
{
    public static void MapHealthEndpoint(this IEndpointRouteBuilder app) =>
        app.MapGet("/health", async (NpgsqlDataSource db, [FromKeyedServices(DataSourceKeys.Reads)] NpgsqlDataSource reads, IConfiguration configuration, CancellationToken ct) =>
            {
                string database, postgis;
                try
                {
                    await using var command = db.CreateCommand("SELECT version(), postgis_lib_version()");
                    await using var row = await command.ExecuteReaderAsync(ct);
                    await row.ReadAsync(ct);
                    (database, postgis) = (row.GetString(0), row.GetString(1));
                }
                catch (NpgsqlException e)
                {
                    return Unavailable("Database unavailable", e.Message, "database-available");
                }

                if (PlatformDatabase.ReplicaConnectionString(configuration) is null)
                {
                    return Results.Ok(new { status = "ok", database, postgis });
                }

                // Read-only paths read from a replica: how far it runs behind is part of the answer.
                try
                {
                    return Results.Ok(new { status = "ok", database, postgis, replica = await ReplicaAsync(reads, ct) });
                }
                catch (NpgsqlException e)
                {
                    return Unavailable("Replica unavailable", $"Read-only paths read from a replica that does not answer: {e.Message}", "replica-available");
                }
            })
            .AllowAnonymous()
            .WithTags("Platform")
            .WithSummary("200 when the database (and the replica reads use, if any, with its replay lag) answers, 503 with problem details when not.");

    /// <summary>
    /// The replica's state: still a standby or not, WAL received but not replayed yet (bytes), and the lag in
    /// seconds: 0 when everything received is replayed (an idle primary sends nothing, so the age of the last
    /// replayed commit would say nothing), else the age of the last replayed commit.
    /// </summary>
    private static async Task<ReplicaHealth> ReplicaAsync(NpgsqlDataSource reads, CancellationToken ct)
    {
        await using var command = reads.CreateCommand("""
            SELECT pg_is_in_recovery(),
                   coalesce(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)::bigint,
                   CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                        ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8,
                   pg_is_in_recovery() AND pg_is_wal_replay_paused(),
                   pg_last_xact_replay_timestamp()
            """);
        await using var row = await command.ExecuteReaderAsync(ct);
        await row.ReadAsync(ct);
        return new ReplicaHealth(
            row.GetBoolean(0) ? "standby" : "primary",
            row.GetInt64(1),
            Math.Round(row.GetDouble(2), 3),
            row.GetBoolean(3),
            row.IsDBNull(4) ? null : row.GetFieldValue<DateTimeOffset>(4));
    }

    private static IResult Unavailable(string title, string detail, string rule) =>
        Results.Problem(title: title, detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable,
            extensions: new Dictionary<string, object?> { ["rule"] = rule });

    /// <param name="Role">"standby" while it replays the primary's WAL; "primary" once promoted.</param>
    /// <param name="ReplayLagBytes">WAL received and not yet replayed.</param>
    /// <param name="ReplayLagSeconds">0 when all received WAL is replayed, else the age of the last replayed commit.</param>
    private sealed record ReplicaHealth(string Role, long ReplayLagBytes, double ReplayLagSeconds, bool ReplayPaused, DateTimeOffset? LastReplayedCommitAt);

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
