using NetTopologySuite.Geometries;

namespace Landplatform.Cadastre.Fabric;

/// <summary>
/// One version of a parcel. A change to a parcel never overwrites a version: it closes the old one
/// (sets <see cref="ValidTo"/>) and writes a new one, both naming the transaction that made them.
/// </summary>
public sealed class ParcelVersion
{
    public long Id { get; init; }

    public required string Upi { get; init; }

    /// <summary>1 for the first version of a UPI, then counting up.</summary>
    public int Version { get; init; }

    /// <summary>The boundary in the national grid (EPSG:2007).</summary>
    public required MultiPolygon Boundary { get; init; }

    /// <summary>The surveyed area in square metres, as stated on the survey plan.</summary>
    public decimal OfficialArea { get; init; }

    /// <summary>The area PostGIS computes from <see cref="Boundary"/>, in square metres (kept by the database).</summary>
    public double ComputedArea { get; private set; }

    public required string LandUse { get; init; }

    public string? Address { get; init; }

    public required string DistrictCode { get; init; }

    public required string BlockCode { get; init; }

    public ParcelStatus Status { get; set; }

    public DateTimeOffset ValidFrom { get; init; }

    public DateTimeOffset? ValidTo { get; set; }

    /// <summary>The fabric transaction that created this version.</summary>
    public Guid TransactionId { get; init; }

    /// <summary>The fabric transaction that closed this version, if it is closed.</summary>
    public Guid? RetiredByTransactionId { get; set; }
}

/// <summary>Where a parcel version stands in the fabric.</summary>
public enum ParcelStatus
{
    /// <summary>Part of today's fabric.</summary>
    Current,

    /// <summary>Retired by a later change; still readable for its time.</summary>
    Historic,

    /// <summary>Proposed by a survey that is not yet approved.</summary>
    Pending,
}
