using System.Text.Json;
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
        using var payload = JsonDocument.Parse(platformEvent.Payload);
        var root = payload.RootElement;
        var kind = root.TryGetProperty("kind", out var k) ? k.GetString() : null;
        var parcels = root.TryGetProperty("parcels", out var p) && p.ValueKind == JsonValueKind.Array
            ? p.EnumerateArray().Select(e => e.GetString()!).ToList()
            : [];
        switch (kind)
        {
            case "transfer" or "rectification" when root.TryGetProperty("newOwners", out var owners):
                await roll.ChangeOwnersAsync(parcels, root.TryGetProperty("titleNumber", out var t) ? t.GetString() : null, owners.GetRawText(), platformEvent.EventId, ct);
                break;
            case "subdivision":
                // The children's titles now exist in the register: value them again with their owners.
                await roll.RevalueAsync(parcels, "new-owner", platformEvent.EventId, ct);
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
        using var payload = JsonDocument.Parse(platformEvent.Payload);
        var root = payload.RootElement;
        var kind = root.TryGetProperty("kind", out var k) ? k.GetString() ?? "change" : "change";
        var created = Upis(root, "created");
        var retired = Upis(root, "retired");

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

    private static List<string> Upis(JsonElement root, string name) =>
        root.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(e => e.GetString()!).ToList()
            : [];
}
