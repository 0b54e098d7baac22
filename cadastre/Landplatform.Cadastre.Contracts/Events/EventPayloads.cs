using System.Text.Json;
using System.Text.Json.Serialization;

namespace Landplatform.Cadastre.Contracts.Events;

/// <summary>
/// The body of every platform event, one record per event type (<see cref="PlatformEventTypes"/>), declared once here:
/// the module that records an event serializes its record and every subscriber reads the same record, so a field
/// renamed on one side fails to compile on the other. JSON is camelCase (web defaults); on reading, unknown fields, missing fields
/// and nulls where the record allows none are refused, so a payload that drifted from its record is found by the first
/// subscriber, not silently misread.
/// </summary>
public static class EventPayloads
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    /// <summary>The record each event type carries.</summary>
    public static IReadOnlyDictionary<string, Type> ByType { get; } = new Dictionary<string, Type>
    {
        [PlatformEventTypes.FabricChanged] = typeof(FabricChangedPayload),
        [PlatformEventTypes.FabricEdited] = typeof(FabricEditedPayload),
        [PlatformEventTypes.TransactionRegistered] = typeof(TransactionRegisteredPayload),
        [PlatformEventTypes.TransactionLodged] = typeof(TransactionLodgedPayload),
        [PlatformEventTypes.PermitDecided] = typeof(PermitDecidedPayload),
        [PlatformEventTypes.InvoicePaid] = typeof(InvoicePaidPayload),
    };

    /// <summary>The JSON an event of this payload is recorded with.</summary>
    public static string Serialize<TPayload>(TPayload payload) where TPayload : class => JsonSerializer.Serialize(payload, Json);

    /// <summary>Reads an event's body as its record; a body that does not fit the record is a <see cref="JsonException"/>.</summary>
    public static TPayload Read<TPayload>(PlatformEvent platformEvent) where TPayload : class => Read<TPayload>(platformEvent.Payload);

    /// <inheritdoc cref="Read{TPayload}(PlatformEvent)"/>
    public static TPayload Read<TPayload>(string payload) where TPayload : class =>
        JsonSerializer.Deserialize<TPayload>(payload, Json) ?? throw new JsonException($"The event body is null, not a {typeof(TPayload).Name}.");

    /// <summary>Reads a body as the record its event type declares (for checks over every event).</summary>
    public static object Read(string type, string payload) =>
        JsonSerializer.Deserialize(payload, ByType[type], Json) ?? throw new JsonException($"The {type} event body is null.");
}

/// <summary>An extent in the national grid (EPSG:2007 unless <see cref="Srid"/> says otherwise).</summary>
public sealed record EventExtent(int Srid, double MinX, double MinY, double MaxX, double MaxY);

/// <summary><see cref="PlatformEventTypes.FabricChanged"/>: a fabric transaction retired and created parcels.</summary>
public sealed record FabricChangedPayload(
    Guid TransactionId, string Kind, string? Reference, DateTimeOffset EffectiveAt,
    IReadOnlyList<string> Retired, IReadOnlyList<string> Created, EventExtent Extent);

/// <summary><see cref="PlatformEventTypes.FabricEdited"/>: a direct edit of a fabric table (recorded by a database trigger).</summary>
public sealed record FabricEditedPayload(string Table, string Operation, long Rows, IReadOnlyList<EventExtent> Extents);

/// <summary>An owner (or other holder) as events name them.</summary>
public sealed record EventOwner(long PartyId, string Name, string? Uin, string? RegistrationNumber, string Share);

/// <summary><see cref="PlatformEventTypes.TransactionRegistered"/>: what a registration changed, with the owners before and after.</summary>
public sealed record TransactionRegisteredPayload(
    Guid TransactionId, string Kind, string? Reason, string? TitleNumber, IReadOnlyList<string> Titles, IReadOnlyList<string> Parcels,
    IReadOnlyList<EventOwner> PreviousOwners, IReadOnlyList<EventOwner> NewOwners, decimal? Consideration, DateOnly InstrumentDate,
    DateTimeOffset? RegisteredAt);

/// <summary>A registered owner told of a lodgement against their title.</summary>
public sealed record NoticedOwner(long PartyId, string? Uin, string? RegistrationNumber);

/// <summary><see cref="PlatformEventTypes.TransactionLodged"/>: an instrument lodged against a title, and the owners to tell.</summary>
public sealed record TransactionLodgedPayload(
    Guid TransactionId, string Kind, string? TitleNumber, DateTimeOffset LodgedAt, string LodgedBy, IReadOnlyList<NoticedOwner> Owners);

/// <summary><see cref="PlatformEventTypes.PermitDecided"/>: a permit application approved or refused.</summary>
public sealed record PermitDecidedPayload(
    Guid ApplicationId, string Number, string Upi, string? TitleNumber, string Decision, string? Reasons,
    IReadOnlyList<string> Findings, DateTimeOffset DecidedAt);

/// <summary><see cref="PlatformEventTypes.InvoicePaid"/>: an invoice paid in full at the gateway.</summary>
public sealed record InvoicePaidPayload(
    Guid InvoiceId, string? InvoiceNumber, string? SubjectType, string? SubjectReference, decimal Amount, string Currency,
    string? ReceiptNumber, DateTimeOffset PaidAt, string? GatewayPaymentId);
