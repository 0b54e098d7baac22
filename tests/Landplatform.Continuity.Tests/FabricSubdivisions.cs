using Landplatform.Cadastre;
using Landplatform.Cadastre.Data;
using Landplatform.Cadastre.Fabric;
using Landplatform.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Landplatform.Continuity.Tests;

/// <summary>Subdivisions through the cadastre's own <see cref="FabricChanges"/>: parents retired, two children each, lineage recorded.</summary>
public sealed class FabricSubdivisions : IRegisterChanges
{
    public const string RecordedBy = "continuity-drill";

    public string Kind => "fabric subdivision";

    public async Task<IReadOnlyList<string>> MakeAsync(NpgsqlDataSource primary, int count, CancellationToken ct)
    {
        await using var services = Services(primary);
        var made = new List<string>();
        foreach (var parent in await SplittableParcelsAsync(services, count, ct))
        {
            made.Add((await SubdivideAsync(services, parent, "Drill subdivision", ct)).TransactionId.ToString());
        }

        return made;
    }

    public Task<IReadOnlySet<string>> RecordedAsync(NpgsqlDataSource database, CancellationToken ct) =>
        RegisterChanges.IdsAsync(database, "SELECT id::text FROM cadastre.fabric_transactions WHERE kind = 'subdivision'", ct);

    public async Task VerifyIntegrityAsync(NpgsqlDataSource restored, DrillClusters clusters, CancellationToken ct)
    {
        // Each subdivision is whole: one parent retired by it, two current children made by it, two lineage edges.
        await using (var command = restored.CreateCommand("""
            SELECT t.id::text,
                   (SELECT count(*) FROM cadastre.parcel_versions v WHERE v.retired_by_transaction_id = t.id AND v.status = 'historic'),
                   (SELECT count(*) FROM cadastre.parcel_versions v WHERE v.transaction_id = t.id),
                   (SELECT count(*) FROM cadastre.lineage_edges e WHERE e.transaction_id = t.id)
            FROM cadastre.fabric_transactions t WHERE t.kind = 'subdivision'
            """))
        {
            await using var rows = await command.ExecuteReaderAsync(ct);
            while (await rows.ReadAsync(ct))
            {
                Assert.True(rows.GetInt64(1) == 1 && rows.GetInt64(2) == 2 && rows.GetInt64(3) == 2,
                    $"subdivision {rows.GetString(0)} restored incomplete: {rows.GetInt64(1)} parent(s) retired, {rows.GetInt64(2)} children, {rows.GetInt64(3)} lineage edges");
            }
        }

        // The database still refuses to delete or rewrite history.
        var retired = (string)(await restored.CreateCommand(
            "SELECT min(upi) FROM cadastre.parcel_versions WHERE status = 'historic'").ExecuteScalarAsync(ct))!;
        await AssertRefusedAsync(restored, "LPH01", "DELETE FROM cadastre.parcel_versions WHERE upi = @upi", retired, ct);
        await AssertRefusedAsync(restored, "LPH02", "UPDATE cadastre.parcel_versions SET land_use = 'rewritten' WHERE upi = @upi AND status = 'historic'", retired, ct);
        await AssertRefusedAsync(restored, "LPH02", "UPDATE cadastre.fabric_transactions SET reference = 'rewritten' WHERE kind = 'subdivision' AND @upi IS NOT NULL", retired, ct);
        await AssertRefusedAsync(restored, "LPH01", "DELETE FROM cadastre.lineage_edges WHERE parent_upi = @upi", retired, ct);
    }

    /// <summary>The cadastre module over a data source, as the host composes it.</summary>
    public static ServiceProvider Services(NpgsqlDataSource dataSource) =>
        new ServiceCollection().AddSingleton(dataSource).AddCadastre().BuildServiceProvider();

    /// <summary>Current parcels big enough to halve, smallest UPI first.</summary>
    public static async Task<IReadOnlyList<ParcelVersion>> SplittableParcelsAsync(ServiceProvider services, int count, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CadastreDbContext>();
        return await db.ParcelVersions.AsNoTracking()
            .Where(p => p.Status == ParcelStatus.Current && p.ComputedArea > 2000)
            .OrderBy(p => p.Upi)
            .Take(count)
            .ToListAsync(ct);
    }

    /// <summary>Halves a parcel west and east, as a subdivision survey would, effective now.</summary>
    public static async Task<FabricChangeResult> SubdivideAsync(ServiceProvider services, ParcelVersion parent, string reference, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var halves = FabricScenarios.SplitInTwo(parent.Boundary);
        return await scope.ServiceProvider.GetRequiredService<FabricChanges>().ApplyAsync(
            new FabricChangeRequest(
                FabricTransactionKind.Subdivision,
                [parent.Upi],
                halves.Select(h => new NewParcel(h, decimal.Round((decimal)h.Area, 2), parent.LandUse, parent.Address)).ToList(),
                $"{reference} of {parent.Upi}",
                RecordedBy,
                DateTimeOffset.UtcNow.AddSeconds(-1)),
            ct);
    }

    private static async Task AssertRefusedAsync(NpgsqlDataSource db, string sqlState, string sql, string upi, CancellationToken ct)
    {
        await using var command = db.CreateCommand(sql);
        command.Parameters.AddWithValue("upi", upi);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(ct));
        Assert.Equal(sqlState, refused.SqlState);
    }
}
