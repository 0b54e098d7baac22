namespace Landplatform.Cadastre.Fabric;

/// <summary>An edge from a retired parent parcel to a child that a subdivision or merge created from it.</summary>
public sealed class LineageEdge
{
    public required string ParentUpi { get; init; }

    public required string ChildUpi { get; init; }

    public Guid TransactionId { get; init; }
}
