using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Events;
using Landplatform.Cadastre.Data;
using Microsoft.EntityFrameworkCore;
using NetTopologySuite.Geometries;

namespace Landplatform.Cadastre.Fabric;

/// <summary>A parcel a fabric change creates; its UPI is issued by the change.</summary>
public sealed record NewParcel(MultiPolygon Boundary, decimal OfficialArea, string LandUse, string? Address);

/// <summary>A subdivision (one parent, several children) or a merge (several parents, one child).</summary>
public sealed record FabricChangeRequest(
    FabricTransactionKind Kind,
    IReadOnlyList<string> ParentUpis,
    IReadOnlyList<NewParcel> Children,
    string Reference,
    string RecordedBy,
    DateTimeOffset EffectiveAt);

/// <summary>What a fabric change did: its transaction and the UPIs it issued, in the order of the children.</summary>
public sealed record FabricChangeResult(Guid TransactionId, IReadOnlyList<string> ChildUpis);

/// <summary>
/// Changes the fabric the only way the law allows: parents are retired (never deleted), children get new
/// UPIs that were never issued before, and lineage edges record which came from which, all in one
/// database transaction.
/// </summary>
public sealed class FabricChanges(CadastreDbContext db, TimeProvider clock)
{
    private const int MaxLotNumber = 9999;

    /// <summary>The outbox event type of every change to the fabric.</summary>
    public const string FabricChangedEvent = Landplatform.Cadastre.Contracts.Events.PlatformEventTypes.FabricChanged;

    public async Task<FabricChangeResult> ApplyAsync(FabricChangeRequest request, CancellationToken ct)
    {
        Validate(request);
        var parents = request.ParentUpis.Select(u => ParcelIdentifier.Parse(u, "parentUpis")).Distinct().Order(StringComparer.Ordinal).ToArray();

        // Joins the caller's transaction when there is one (survey approval), so both commit or neither.
        var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        try
        {
            var current = await db.ParcelVersions
                .FromSqlInterpolated($"SELECT * FROM cadastre.parcel_versions WHERE upi = ANY({parents}) AND status = 'current' ORDER BY upi FOR UPDATE")
                .ToListAsync(ct);
            var missing = parents.Except(current.Select(p => p.Upi), StringComparer.Ordinal).ToArray();
            if (missing.Length > 0)
            {
                throw new DomainRuleViolationException("fabric-parent-current",
                    $"Parcel(s) {string.Join(", ", missing)} are not current parcels of the fabric, so they cannot be retired.");
            }

            var latestStart = current.Max(p => p.ValidFrom);
            if (request.EffectiveAt <= latestStart)
            {
                throw new DomainRuleViolationException("fabric-effective-order",
                    $"The change must take effect after the parents' current versions began ({latestStart:O}).");
            }

            var block = current[0].BlockCode;
            var district = current[0].DistrictCode;
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtext({"cadastre.block:" + block}))", ct);
            var lastLot = await db.ParcelRecords.Where(r => r.BlockCode == block).MaxAsync(r => (int?)r.LotNumber, ct) ?? 0;
            if (lastLot + request.Children.Count > MaxLotNumber)
            {
                throw new DomainRuleViolationException("upi-exhausted", $"Block {block} has no lot numbers left for {request.Children.Count} new parcel(s).");
            }

            var change = new FabricTransaction
            {
                Id = Guid.CreateVersion7(clock.GetUtcNow()),
                Kind = request.Kind,
                Reference = request.Reference,
                RecordedBy = request.RecordedBy,
                EffectiveAt = request.EffectiveAt,
                RecordedAt = clock.GetUtcNow(),
            };
            db.Transactions.Add(change);

            var issued = new List<string>(request.Children.Count);
            foreach (var (child, index) in request.Children.Select((c, i) => (c, i)))
            {
                var lot = lastLot + index + 1;
                var upi = $"{block}-{lot:0000}";
                issued.Add(upi);
                db.ParcelRecords.Add(new ParcelRecord
                {
                    Upi = upi, DistrictCode = district, BlockCode = block, LotNumber = lot,
                    IssuedAt = change.RecordedAt, IssuedByTransactionId = change.Id,
                });
                db.ParcelVersions.Add(new ParcelVersion
                {
                    Upi = upi, Version = 1, Boundary = child.Boundary, OfficialArea = child.OfficialArea,
                    LandUse = child.LandUse, Address = child.Address, DistrictCode = district, BlockCode = block,
                    Status = ParcelStatus.Current, ValidFrom = request.EffectiveAt, TransactionId = change.Id,
                });
                foreach (var parent in parents)
                {
                    db.Lineage.Add(new LineageEdge { ParentUpi = parent, ChildUpi = upi, TransactionId = change.Id });
                }
            }

            foreach (var version in current)
            {
                version.Status = ParcelStatus.Historic;
                version.ValidTo = request.EffectiveAt;
                version.RetiredByTransactionId = change.Id;
            }

            await db.SaveChangesAsync(ct);
            await RecordEventAsync(change, parents, issued, current.Select(p => p.Boundary).Concat(request.Children.Select(c => c.Boundary)), ct);
            if (own is not null)
            {
                await own.CommitAsync(ct);
            }

            return new FabricChangeResult(change.Id, issued);
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync();
            }
        }
    }

    // The event goes to the outbox in the same transaction as the change (ARCHITECTURE.md, Events):
    // tiles, the tax roll and other subscribers learn of it once it commits, never before, never not.
    private async Task RecordEventAsync(FabricTransaction change, IReadOnlyList<string> retired, IReadOnlyList<string> created, IEnumerable<Geometry> touched, CancellationToken ct)
    {
        var extent = new Envelope();
        foreach (var shape in touched)
        {
            extent.ExpandToInclude(shape.EnvelopeInternal);
        }

        var payload = EventPayloads.Serialize(new FabricChangedPayload(
            change.Id, CadastreDbContext.SnakeCase(change.Kind.ToString()), change.Reference, change.EffectiveAt, retired, created,
            new EventExtent(CadastreDbContext.NationalSrid, extent.MinX, extent.MinY, extent.MaxX, extent.MaxY)));
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO exchange.outbox (event_id, type, occurred_at, correlation_id, payload) VALUES ({Guid.CreateVersion7()}, {FabricChangedEvent}, {change.RecordedAt}, {change.Id}, {payload}::jsonb)",
            ct);
        await db.Database.ExecuteSqlRawAsync("SELECT pg_notify('lp_outbox', 'cadastre.fabric.changed')", ct);
    }

    private void Validate(FabricChangeRequest request)
    {
        switch (request.Kind)
        {
            case FabricTransactionKind.Subdivision when request.ParentUpis.Count != 1 || request.Children.Count < 2:
                throw new InvalidParameterException("children", "subdivision-shape", "A subdivision retires one parent and creates two or more children.");
            case FabricTransactionKind.Merge when request.ParentUpis.Count < 2 || request.Children.Count != 1:
                throw new InvalidParameterException("parentUpis", "merge-shape", "A merge retires two or more parents and creates one child.");
            case FabricTransactionKind.Subdivision or FabricTransactionKind.Merge:
                break;
            default:
                throw new InvalidParameterException("kind", "fabric-change-kind", $"{request.Kind} is not a change that retires and creates parcels.");
        }

        if (request.EffectiveAt > clock.GetUtcNow().AddMinutes(5))
        {
            throw new InvalidParameterException("effectiveAt", "date-not-future", "A fabric change cannot take effect in the future.");
        }

        foreach (var (child, index) in request.Children.Select((c, i) => (c, i)))
        {
            if (child.Boundary.SRID != CadastreDbContext.NationalSrid)
            {
                throw new InvalidParameterException($"children[{index}].boundary", "national-grid",
                    $"Child {index + 1} is in SRID {child.Boundary.SRID}; new parcels are stored in EPSG:{CadastreDbContext.NationalSrid}.");
            }

            if (child.Boundary.IsEmpty || !child.Boundary.IsValid)
            {
                throw new InvalidParameterException($"children[{index}].boundary", "S-GEOM",
                    $"Child {index + 1} is not a valid, simple polygon.");
            }

            if (child.OfficialArea <= 0)
            {
                throw new InvalidParameterException($"children[{index}].officialArea", "area-positive", $"Child {index + 1} needs a positive official area.");
            }
        }
    }
}
