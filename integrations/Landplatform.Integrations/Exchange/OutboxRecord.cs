using Microsoft.EntityFrameworkCore;

namespace Landplatform.Integrations.Exchange;

/// <summary>
/// How an integrations module records an event: an outbox row and a notification through its own
/// DbContext, so both commit (or roll back) with the change that caused them.
/// </summary>
public static class OutboxRecord
{
    public static async Task<Guid> RecordAsync(DbContext db, string type, Guid correlationId, string payloadJson, DateTimeOffset occurredAt, CancellationToken ct)
    {
        var eventId = Guid.CreateVersion7();
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO exchange.outbox (event_id, type, occurred_at, correlation_id, payload) VALUES ({eventId}, {type}, {occurredAt}, {correlationId}, {payloadJson}::jsonb)",
            ct);
        await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_notify({OutboxDispatcher.Channel}, {type})", ct);
        return eventId;
    }
}
