using Landplatform.Cadastre.Data;
using Landplatform.Cadastre.Fabric;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NetTopologySuite.Geometries;

namespace Landplatform.Testing;

/// <summary>Changes to the sample fabric that tests make through the cadastre's own code.</summary>
public static class FabricScenarios
{
    /// <summary>A current parcel of the sample big enough to split, chosen the same way every run.</summary>
    public static async Task<ParcelVersion> SplittableParcelAsync(this SampleIslandDatabase database, int skip = 0)
    {
        await using var services = database.CadastreServices();
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CadastreDbContext>();
        return await db.ParcelVersions.AsNoTracking()
            .Where(p => p.Status == ParcelStatus.Current && p.ComputedArea > 2000)
            .OrderBy(p => p.Upi)
            .Skip(skip)
            .FirstAsync();
    }

    /// <summary>The current version of a parcel.</summary>
    public static async Task<ParcelVersion> SplittableChildAsync(this SampleIslandDatabase database, string upi)
    {
        await using var services = database.CadastreServices();
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CadastreDbContext>();
        return await db.ParcelVersions.AsNoTracking().SingleAsync(p => p.Upi == upi && p.Status == ParcelStatus.Current);
    }

    /// <summary>Splits a parcel into its western and eastern halves, as a subdivision survey would.</summary>
    public static async Task<FabricChangeResult> SubdivideInTwoAsync(this SampleIslandDatabase database, ParcelVersion parent, DateTimeOffset effectiveAt)
    {
        var halves = SplitInTwo(parent.Boundary);
        await using var services = database.CadastreServices();
        await using var scope = services.CreateAsyncScope();
        var changes = scope.ServiceProvider.GetRequiredService<FabricChanges>();
        return await changes.ApplyAsync(
            new FabricChangeRequest(
                FabricTransactionKind.Subdivision,
                [parent.Upi],
                halves.Select(h => new NewParcel(h, decimal.Round((decimal)h.Area, 2), parent.LandUse, parent.Address)).ToList(),
                $"Test subdivision of {parent.Upi}",
                "test-surveyor",
                effectiveAt),
            CancellationToken.None);
    }

    public static IReadOnlyList<MultiPolygon> SplitInTwo(MultiPolygon boundary)
    {
        var box = boundary.EnvelopeInternal;
        var middle = (box.MinX + box.MaxX) / 2;
        var factory = boundary.Factory;
        return
        [
            AsMultiPolygon(boundary.Intersection(factory.ToGeometry(new Envelope(box.MinX - 1, middle, box.MinY - 1, box.MaxY + 1)))),
            AsMultiPolygon(boundary.Intersection(factory.ToGeometry(new Envelope(middle, box.MaxX + 1, box.MinY - 1, box.MaxY + 1)))),
        ];
    }

    private static MultiPolygon AsMultiPolygon(Geometry geometry)
    {
        var polygons = Enumerable.Range(0, geometry.NumGeometries).Select(geometry.GetGeometryN).OfType<Polygon>().ToArray();
        var result = geometry.Factory.CreateMultiPolygon(polygons);
        result.SRID = CadastreDbContext.NationalSrid;
        return result;
    }
}
