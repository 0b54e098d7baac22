namespace Landplatform.Cadastre.Fabric;

/// <summary>
/// The permanent record that a UPI was issued. Rows are never deleted, so a UPI can never be issued twice.
/// </summary>
public sealed class ParcelRecord
{
    public required string Upi { get; init; }

    public required string DistrictCode { get; init; }

    public required string BlockCode { get; init; }

    /// <summary>The lot number within the block, the last part of the UPI.</summary>
    public int LotNumber { get; init; }

    public DateTimeOffset IssuedAt { get; init; }

    public Guid IssuedByTransactionId { get; init; }
}
