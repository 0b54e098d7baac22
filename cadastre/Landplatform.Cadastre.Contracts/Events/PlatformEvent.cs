namespace Landplatform.Cadastre.Contracts.Events;

/// <summary>
/// An event as the exchange delivers it: what a module recorded in <c>exchange.outbox</c> in the
/// same transaction as its change.
/// </summary>
/// <param name="EventId">Unique per event: the idempotency key, so a subscriber that sees it twice does nothing the second time.</param>
/// <param name="Type">What happened, e.g. <c>cadastre.fabric.changed</c> or <c>payments.invoice.paid</c>.</param>
/// <param name="OccurredAt">When the change committed.</param>
/// <param name="CorrelationId">Ties the event to the request or transaction that caused it, across systems.</param>
/// <param name="Payload">The event body as JSON.</param>
public sealed record PlatformEvent(Guid EventId, string Type, DateTimeOffset OccurredAt, Guid CorrelationId, string Payload);

/// <summary>
/// Code in the host that wants to hear of events (tile invalidation, the tax roll, the registry).
/// The exchange delivers each event of a type it names at least once, and records the delivery per
/// (subscriber, event) so a delivered event is not delivered again; a handler that fails is retried
/// with back-off and, after the last attempt, dead-lettered. A crash between the handler finishing and
/// the record being written can repeat a delivery, so a handler uses <see cref="PlatformEvent.EventId"/>
/// to make a repeat harmless.
/// </summary>
public interface IEventSubscriber
{
    /// <summary>A stable name, unique in the host, e.g. <c>registry.fees</c>: deliveries are recorded under it.</summary>
    string Name { get; }

    /// <summary>The event types this subscriber takes: exact (<c>payments.invoice.paid</c>) or a prefix with <c>*</c> (<c>payments.*</c>).</summary>
    IReadOnlyCollection<string> EventTypes { get; }

    Task HandleAsync(PlatformEvent platformEvent, CancellationToken ct);
}
