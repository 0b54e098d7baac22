namespace Landplatform.Cadastre.Contracts.Events;

/// <summary>
/// Every event type the platform's modules record in the outbox, declared once: the module that records an event and
/// every subscriber name it from here, so a renamed event cannot leave a subscriber listening to nothing.
/// </summary>
public static class PlatformEventTypes
{
    /// <summary>The cadastre changed the fabric (a subdivision, a merge, a survey's registration): kind, parcels created and retired.</summary>
    public const string FabricChanged = "cadastre.fabric.changed";

    /// <summary>A fabric editor changed buildings or zones directly (OGC API Features Part 4): the tiles follow it.</summary>
    public const string FabricEdited = "cadastre.fabric.edited";

    /// <summary>The registry registered a transaction: kind, title, parcels, the new owners.</summary>
    public const string TransactionRegistered = "registry.transaction.registered";

    /// <summary>An instrument was lodged against a title: the notice to its registered owners.</summary>
    public const string TransactionLodged = "registry.transaction.lodged";

    /// <summary>A building permit application was decided.</summary>
    public const string PermitDecided = "permits.permit.decided";

    /// <summary>An invoice was paid at the gateway.</summary>
    public const string InvoicePaid = "payments.invoice.paid";

    public static IReadOnlyList<string> All { get; } = [FabricChanged, FabricEdited, TransactionRegistered, TransactionLodged, PermitDecided, InvoicePaid];
}
