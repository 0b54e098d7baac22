using Landplatform.Cadastre.Contracts.Events;

namespace Landplatform.Integrations.Tax;

/// <summary>
/// The roll follows the register: a registered transfer (or rectification) gives each parcel of the title a
/// version naming the new owners; a registered subdivision names the owners of the children's titles.
/// Repeats of an event add nothing (the event id is on the version).
/// </summary>
public sealed class RollFollowsRegister(TaxRoll roll) : IEventSubscriber
{
    public const string RegisteredEvent = Landplatform.Cadastre.Contracts.Events.PlatformEventTypes.TransactionRegistered;

    public string Name => "tax.roll.owners";

    public IReadOnlyCollection<string> EventTypes { get; } = [RegisteredEvent];

    public async Task HandleAsync(PlatformEvent platformEvent, CancellationToken ct)
    {
        var registered = EventPayloads.Read<TransactionRegisteredPayload>(platformEvent);
        switch (registered.Kind)
        {
            case "transfer" or "rectification":
                await roll.ChangeOwnersAsync(registered.Parcels, registered.TitleNumber, EventPayloads.Serialize(registered.NewOwners), platformEvent.EventId, ct);
                break;
            case "subdivision":
                // The children's titles now exist in the register: value them again with their owners.
                await roll.RevalueAsync(registered.Parcels, "new-owner", platformEvent.EventId, ct);
                break;
        }
    }
}

/// <summary>
/// The roll follows the fabric: on a subdivision or merge the retired parcels leave the roll and the
/// parcels created are valued (owners from the register, or else carried over from the parent's entry).
/// </summary>
public sealed class RollFollowsFabric(TaxRoll roll) : IEventSubscriber
{
    public const string FabricChangedEvent = Landplatform.Cadastre.Contracts.Events.PlatformEventTypes.FabricChanged;

    public string Name => "tax.roll.fabric";

    public IReadOnlyCollection<string> EventTypes { get; } = [FabricChangedEvent];

    public async Task HandleAsync(PlatformEvent platformEvent, CancellationToken ct)
    {
        var changed = EventPayloads.Read<FabricChangedPayload>(platformEvent);
        var kind = changed.Kind;
        var created = changed.Created.ToList();
        var retired = changed.Retired.ToList();

        // Children first, so they can carry over their parents' owners before the parents leave the roll.
        if (created.Count > 0)
        {
            await roll.RevalueAsync(created, kind, platformEvent.EventId, ct);
        }

        if (retired.Count > 0)
        {
            await roll.RetireAsync(retired, platformEvent.EventId, ct);
        }
    }
}
