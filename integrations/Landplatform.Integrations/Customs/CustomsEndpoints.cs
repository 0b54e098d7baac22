using System.Security.Claims;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Landplatform.Integrations.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenIddict.Abstractions;

namespace Landplatform.Integrations.Customs;

/// <summary>One condition of the concession and whether it holds.</summary>
public sealed record EligibilityReason(string Code, bool Met, string Message);

/// <summary>The answer to customs: yes or no and why, with no personal data beyond what was asked.</summary>
public sealed record EligibilityAnswer(string Upi, bool Eligible, IReadOnlyList<EligibilityReason> Reasons, string? PermitNumber, long QueryId);

public sealed record AuditView(long Id, DateTimeOffset AskedAt, string ClientId, string Uin, string Upi, bool Eligible, IReadOnlyList<EligibilityReason> Reasons);

/// <summary>
/// The read-only link for the customs system: may this person have a duty concession on building
/// materials for this parcel — do they hold a registered ownership share of its title, and is there an
/// approved building permit on it? Every question and answer is audited.
/// </summary>
public sealed class ConcessionEligibility(NpgsqlDataSource dataSource, CustomsStore db, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<EligibilityAnswer> AskAsync(string? uin, string? upi, string clientId, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(uin))
        {
            throw new InvalidParameterException("uin", "parameter-required", "Give the person's UIN: ?uin=…");
        }

        var parcel = ParcelIdentifier.Parse(upi ?? "", "upi");
        var person = uin.Trim().ToUpperInvariant();
        await using var command = dataSource.CreateCommand("""
            SELECT EXISTS (SELECT 1 FROM registry.parcel_owners o WHERE o.upi = @upi AND o.uin = @uin),
                   (SELECT a.number FROM permits.approved_permits a WHERE a.upi = @upi ORDER BY a.decided_at DESC LIMIT 1),
                   EXISTS (SELECT 1 FROM cadastre.parcel_versions v WHERE v.upi = @upi AND v.status = 'current')
            """);
        command.Parameters.AddWithValue("upi", parcel);
        command.Parameters.AddWithValue("uin", person);
        bool owns, current;
        string? permit;
        await using (var row = await command.ExecuteReaderAsync(ct))
        {
            await row.ReadAsync(ct);
            owns = row.GetBoolean(0);
            permit = row.IsDBNull(1) ? null : row.GetString(1);
            current = row.GetBoolean(2);
        }

        var reasons = new List<EligibilityReason>
        {
            new("C-PARCEL", current, current ? $"Parcel {parcel} is a current parcel of the fabric." : $"Parcel {parcel} is not a current parcel of the fabric."),
            new("C-TITLE", owns, owns ? $"The person holds a registered ownership share of the title of parcel {parcel}."
                                      : $"The person holds no registered ownership share of the title of parcel {parcel}."),
            new("C-PERMIT", permit is not null, permit is not null ? $"Building permit {permit} on parcel {parcel} is approved."
                                                                   : $"There is no approved building permit on parcel {parcel}."),
        };
        var eligible = reasons.All(r => r.Met);
        var query = new CustomsQuery
        {
            AskedAt = clock.GetUtcNow(),
            ClientId = clientId,
            Uin = person,
            Upi = parcel,
            Eligible = eligible,
            Reasons = JsonSerializer.Serialize(reasons, Json),
            CorrelationId = Guid.CreateVersion7(),
        };
        db.Queries.Add(query);
        await db.SaveChangesAsync(ct);
        return new EligibilityAnswer(parcel, eligible, reasons, eligible ? permit : null, query.Id);
    }
}

public static class CustomsEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void MapCustomsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/customs").WithTags("Customs");
        group.MapGet("/concession-eligibility", AskAsync).RequireAuthorization(AccessPolicies.CustomsReaders)
            .WithSummary("For the customs system (client credentials, scope customs.read): does this person (uin) hold a registered title and an approved building permit for this parcel (upi)? Audited.");
        group.MapGet("/audit", AuditAsync).RequireAuthorization(AccessPolicies.CustomsAuditors)
            .WithSummary("The audit of customs queries, newest first (?uin=, ?upi= to narrow): administrators.");
    }

    private static async Task<Ok<EligibilityAnswer>> AskAsync(string? uin, string? upi, ConcessionEligibility eligibility, ClaimsPrincipal caller, CancellationToken ct) =>
        TypedResults.Ok(await eligibility.AskAsync(uin, upi, caller.GetClaim(OpenIddictConstants.Claims.ClientId) ?? caller.Identity?.Name ?? "unknown", ct));

    private static async Task<Ok<List<AuditView>>> AuditAsync(string? uin, string? upi, int? limit, CustomsStore db, CancellationToken ct)
    {
        var query = db.Queries.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(uin))
        {
            query = query.Where(q => q.Uin == uin);
        }

        if (!string.IsNullOrWhiteSpace(upi))
        {
            query = query.Where(q => q.Upi == upi);
        }

        var take = Math.Clamp(limit ?? 100, 1, 1000);
        var rows = await query.OrderByDescending(q => q.Id).Take(take).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(q => new AuditView(q.Id, q.AskedAt, q.ClientId, q.Uin, q.Upi, q.Eligible,
            JsonSerializer.Deserialize<List<EligibilityReason>>(q.Reasons, Json) ?? [])).ToList());
    }
}

/// <summary>Registers the customs link.</summary>
public static class CustomsModule
{
    /// <summary>The customs query audit, append-only (InitialCustoms's triggers).</summary>
    public static IReadOnlyList<Landplatform.Cadastre.Contracts.HistoryTable> HistoryTables { get; } = [new("customs.queries", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly)];

    public static IServiceCollection AddCustoms(this IServiceCollection services)
    {
        services.AddDbContext<CustomsStore>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>(), o => o.MigrationsHistoryTable("__migrations", CustomsStore.Schema)));
        services.AddScoped<ConcessionEligibility>();
        return services;
    }
}
