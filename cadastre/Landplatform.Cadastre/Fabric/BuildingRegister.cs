using System.Data;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NetTopologySuite.Geometries;
using Npgsql;

namespace Landplatform.Cadastre.Fabric;

/// <summary>A building as an editor sends it: the footprint in any supported CRS (its SRID says which).</summary>
public sealed record BuildingDraft(string Upi, string Use, int Storeys, Polygon Footprint);

/// <summary>A partial change: only the fields given are replaced.</summary>
public sealed record BuildingPatch(string? Upi, string? Use, int? Storeys, Polygon? Footprint);

public enum BuildingWriteStatus
{
    Done,
    NotFound,

    /// <summary>The building changed since the caller read it (its tag differs).</summary>
    Stale,
}

/// <summary>What a write did: the building's id and its tag afterwards (null once deleted).</summary>
public sealed record BuildingWriteResult(BuildingWriteStatus Status, long Id, string? Tag);

/// <summary>
/// Keeps building footprints: each building stands within one current parcel, as a valid polygon in the
/// national grid. Writes check the caller's tag (the hash of the row it read) under a row lock, so a
/// change made in between is never overwritten.
/// </summary>
public sealed class BuildingRegister(CadastreDbContext db)
{
    public const int MaxStoreys = 200;

    /// <summary>How far (metres) a footprint may stray outside its parcel: the rounding of a CRS84 round trip.</summary>
    public const double ParcelTolerance = 0.05;

    private static readonly int[] AcceptedSrids = [4326, 3857, CadastreDbContext.NationalSrid];

    /// <summary>The tag of a stored building: md5 of its row as PostgreSQL prints it; null when there is none.</summary>
    public async Task<string?> TagAsync(long id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT md5(b::text) FROM cadastre.buildings b WHERE b.id = @id", await ConnectionAsync(ct));
        command.Transaction = Transaction();
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    public async Task<BuildingWriteResult> AddAsync(BuildingDraft draft, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        var building = await CheckedAsync(0, draft, ct);
        db.Buildings.Add(building);
        await db.SaveChangesAsync(ct);
        var tag = await TagAsync(building.Id, ct);
        await transaction.CommitAsync(ct);
        return new BuildingWriteResult(BuildingWriteStatus.Done, building.Id, tag);
    }

    public Task<BuildingWriteResult> ReplaceAsync(long id, string expectedTag, BuildingDraft draft, CancellationToken ct) =>
        WriteAsync(id, expectedTag, _ => draft, ct);

    public Task<BuildingWriteResult> UpdateAsync(long id, string expectedTag, BuildingPatch patch, CancellationToken ct) =>
        WriteAsync(id, expectedTag, stored => new BuildingDraft(
            patch.Upi ?? stored.Upi, patch.Use ?? stored.Use, patch.Storeys ?? stored.Storeys, patch.Footprint ?? stored.Footprint), ct);

    public async Task<BuildingWriteResult> RemoveAsync(long id, string expectedTag, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        var (status, _) = await LockAsync(id, expectedTag, ct);
        if (status != BuildingWriteStatus.Done)
        {
            return new BuildingWriteResult(status, id, null);
        }

        await db.Buildings.Where(b => b.Id == id).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
        return new BuildingWriteResult(BuildingWriteStatus.Done, id, null);
    }

    private async Task<BuildingWriteResult> WriteAsync(long id, string expectedTag, Func<Building, BuildingDraft> change, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        var (status, stored) = await LockAsync(id, expectedTag, ct);
        if (status != BuildingWriteStatus.Done)
        {
            return new BuildingWriteResult(status, id, null);
        }

        var building = await CheckedAsync(id, change(stored!), ct);
        db.Buildings.Update(building);
        await db.SaveChangesAsync(ct);
        var tag = await TagAsync(id, ct);
        await transaction.CommitAsync(ct);
        return new BuildingWriteResult(BuildingWriteStatus.Done, id, tag);
    }

    private async Task<(BuildingWriteStatus Status, Building? Stored)> LockAsync(long id, string expectedTag, CancellationToken ct)
    {
        var stored = await db.Buildings.FromSqlInterpolated($"SELECT * FROM cadastre.buildings WHERE id = {id} FOR UPDATE")
            .AsNoTracking().SingleOrDefaultAsync(ct);
        if (stored is null)
        {
            return (BuildingWriteStatus.NotFound, null);
        }

        return await TagAsync(id, ct) == expectedTag ? (BuildingWriteStatus.Done, stored) : (BuildingWriteStatus.Stale, stored);
    }

    // Checks every rule and returns the building to store, its footprint in the national grid.
    private async Task<Building> CheckedAsync(long id, BuildingDraft draft, CancellationToken ct)
    {
        var upi = ParcelIdentifier.Parse(draft.Upi ?? string.Empty, "upi");
        var use = draft.Use?.Trim() ?? string.Empty;
        if (use.Length is 0 or > 32)
        {
            throw new InvalidParameterException("use", "building-use", "A building's use is 1 to 32 characters, e.g. dwelling or shop.");
        }

        if (draft.Storeys is < 1 or > MaxStoreys)
        {
            throw new InvalidParameterException("storeys", "building-storeys", $"storeys is a whole number from 1 to {MaxStoreys}.");
        }

        if (draft.Footprint is null || draft.Footprint.IsEmpty || !AcceptedSrids.Contains(draft.Footprint.SRID))
        {
            throw new InvalidParameterException("geometry", "building-geometry", "A building's geometry is a non-empty Polygon in CRS84, EPSG:4326, EPSG:3857 or EPSG:2007.");
        }

        await using var command = new NpgsqlCommand("""
            SELECT g, ST_IsValid(g), p.boundary IS NOT NULL, COALESCE(ST_CoveredBy(g, ST_Buffer(p.boundary, @tolerance)), false)
            FROM (SELECT ST_Transform(@footprint, 2007) AS g) f
            LEFT JOIN cadastre.parcel_versions p ON p.upi = @upi AND p.status = 'current'
            """, await ConnectionAsync(ct));
        command.Transaction = Transaction();
        command.Parameters.AddWithValue("footprint", (Geometry)draft.Footprint);
        command.Parameters.AddWithValue("upi", upi);
        command.Parameters.AddWithValue("tolerance", ParcelTolerance);
        await using var row = await command.ExecuteReaderAsync(ct);
        await row.ReadAsync(ct);
        var footprint = (Polygon)row.GetFieldValue<Geometry>(0);
        var valid = row.GetBoolean(1);
        var parcelCurrent = row.GetBoolean(2);
        var withinParcel = row.GetBoolean(3);
        await row.DisposeAsync();

        if (!valid)
        {
            throw new InvalidParameterException("geometry", "building-geometry-valid", "The footprint is not a valid polygon (closed, simple, not self-intersecting).");
        }

        if (!parcelCurrent)
        {
            throw new DomainRuleViolationException("building-parcel-current", $"upi: {upi} is not a current parcel, so no building can stand on it.");
        }

        if (!withinParcel)
        {
            throw new DomainRuleViolationException("building-within-parcel", $"geometry: the footprint does not lie within parcel {upi}.");
        }

        footprint.SRID = CadastreDbContext.NationalSrid;
        return new Building { Id = id, Upi = upi, Use = use, Storeys = draft.Storeys, Footprint = footprint };
    }

    private async Task<NpgsqlConnection> ConnectionAsync(CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        if (connection.State != ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync(ct);
        }

        return connection;
    }

    private NpgsqlTransaction? Transaction() => db.Database.CurrentTransaction?.GetDbTransaction() as NpgsqlTransaction;
}
