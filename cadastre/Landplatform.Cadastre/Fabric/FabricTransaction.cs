namespace Landplatform.Cadastre.Fabric;

/// <summary>A change to the fabric: the initial load, a subdivision, a merge, a rectification.</summary>
public sealed class FabricTransaction
{
    public Guid Id { get; init; }

    public required FabricTransactionKind Kind { get; init; }

    /// <summary>What authorised the change, e.g. a survey plan number or the sample's seed.</summary>
    public required string Reference { get; init; }

    /// <summary>The moment the change takes legal effect: new versions start, old ones end, here.</summary>
    public DateTimeOffset EffectiveAt { get; init; }

    public DateTimeOffset RecordedAt { get; init; }

    /// <summary>Who recorded it: a user name, or a system name for loads.</summary>
    public required string RecordedBy { get; init; }
}

public enum FabricTransactionKind
{
    InitialLoad,
    Subdivision,
    Merge,
    Rectification,
}
