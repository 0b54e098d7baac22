using System.Net.Http.Headers;
using System.Text.Json;
using Landplatform.Cadastre.Contracts.Events;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Landplatform.Integrations.Security;
using Npgsql;
using NpgsqlTypes;

namespace Landplatform.Integrations.Exchange;

/// <summary>
/// Delivers the outbox: fans each new event out to a delivery row per interested subscriber (in-process
/// <see cref="IEventSubscriber"/>s and administrators' webhook subscriptions), then attempts the due
/// deliveries, retrying with back-off until one succeeds or becomes a dead letter. Rows are claimed with
/// <c>FOR UPDATE SKIP LOCKED</c>, so several server instances on one database share the work and never
/// deliver the same row at the same time. <c>LISTEN lp_outbox</c> wakes it; polling covers a missed notification.
/// </summary>
public sealed class OutboxDispatcher(
    NpgsqlDataSource dataSource,
    IEnumerable<IEventSubscriber> subscribers,
    IHttpClientFactory httpClients,
    IOptions<ExchangeOptions> options,
    TimeProvider clock,
    KeyMaterialProtector protector,
    ILogger<OutboxDispatcher> log) : BackgroundService
{
    public const string Channel = "lp_outbox";
    public const string HttpClientName = "exchange-webhooks";
    private const string WebhookPrefix = "webhook:";

    private readonly IReadOnlyList<IEventSubscriber> inProcess = Distinct(subscribers);
    private readonly SemaphoreSlim wake = new(0, 1);

    /// <summary>Fans out new events and attempts due deliveries once; returns how many rows it handled.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var fannedOut = await FanOutAsync(ct);
        var attempted = await DeliverDueAsync(ct);
        return fannedOut + attempted;
    }

    /// <summary>True when the subscriber's patterns take this event type (exact, or a prefix ending in <c>*</c>).</summary>
    public static bool Matches(IEnumerable<string> patterns, string type) =>
        patterns.Any(p => p == "*" || p == type || (p.EndsWith('*') && type.StartsWith(p[..^1], StringComparison.Ordinal)));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listening = ListenAsync(stoppingToken);
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = TimeSpan.FromSeconds(settings.PollSeconds);
            try
            {
                if (await RunOnceAsync(stoppingToken) > 0)
                {
                    continue;
                }

                var untilNext = await UntilNextDueAsync(stoppingToken);
                if (untilNext is { } due && due < wait)
                {
                    wait = due < TimeSpan.Zero ? TimeSpan.Zero : due;
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                log.LogWarning(e, "Exchange round failed; trying again in {Wait}", wait);
            }

            try
            {
                await wake.WaitAsync(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await listening;
    }

    private void Wake()
    {
        try
        {
            wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken: one round handles every notification that arrived before it.
        }
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                connection.Notification += (_, _) => Wake();
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }

                Wake();
                while (!ct.IsCancellationRequested)
                {
                    await connection.WaitAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or System.IO.IOException)
            {
                log.LogWarning(e, "LISTEN {Channel} lost; polling until it is back", Channel);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(options.Value.PollSeconds), ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<int> FanOutAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var events = new List<(long Id, Guid EventId, string Type)>();
        await using (var select = new NpgsqlCommand(
            "SELECT id, event_id, type FROM exchange.outbox WHERE dispatched_at IS NULL ORDER BY id LIMIT @n FOR UPDATE SKIP LOCKED",
            connection, transaction))
        {
            select.Parameters.AddWithValue("n", options.Value.BatchSize);
            await using var rows = await select.ExecuteReaderAsync(ct);
            while (await rows.ReadAsync(ct))
            {
                events.Add((rows.GetInt64(0), rows.GetGuid(1), rows.GetString(2)));
            }
        }

        if (events.Count == 0)
        {
            return 0;
        }

        var webhooks = new List<(Guid Id, string Name, string[] Types)>();
        await using (var select = new NpgsqlCommand(
            "SELECT id, name, event_types FROM exchange.subscriptions WHERE retired_at IS NULL", connection, transaction))
        {
            await using var rows = await select.ExecuteReaderAsync(ct);
            while (await rows.ReadAsync(ct))
            {
                webhooks.Add((rows.GetGuid(0), rows.GetString(1), rows.GetFieldValue<string[]>(2)));
            }
        }

        var eventIds = new List<Guid>();
        var names = new List<string>();
        var subscriptionIds = new List<Guid?>();
        foreach (var e in events)
        {
            foreach (var s in inProcess.Where(s => Matches(s.EventTypes, e.Type)))
            {
                eventIds.Add(e.EventId);
                names.Add(s.Name);
                subscriptionIds.Add(null);
            }

            foreach (var w in webhooks.Where(w => Matches(w.Types, e.Type)))
            {
                eventIds.Add(e.EventId);
                names.Add(WebhookPrefix + w.Name);
                subscriptionIds.Add(w.Id);
            }
        }

        await using (var insert = new NpgsqlCommand("""
            INSERT INTO exchange.deliveries (event_id, subscriber, subscription_id, status, attempts, next_attempt_at, created_at)
            SELECT e, s, w, 'pending', 0, now(), now() FROM unnest(@events, @subscribers, @subscriptions) AS t(e, s, w)
            ON CONFLICT (subscriber, event_id) DO NOTHING
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue("events", eventIds.ToArray());
            insert.Parameters.AddWithValue("subscribers", names.ToArray());
            insert.Parameters.Add(new NpgsqlParameter("subscriptions", NpgsqlDbType.Array | NpgsqlDbType.Uuid)
            {
                Value = subscriptionIds.Select(id => id.HasValue ? (object)id.Value : DBNull.Value).ToArray(),
            });
            await insert.ExecuteNonQueryAsync(ct);
        }

        await using (var mark = new NpgsqlCommand("UPDATE exchange.outbox SET dispatched_at = now() WHERE id = ANY(@ids)", connection, transaction))
        {
            mark.Parameters.AddWithValue("ids", events.Select(e => e.Id).ToArray());
            await mark.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return events.Count;
    }

    private sealed record DueDelivery(long Id, string Subscriber, int Attempts, PlatformEvent Event, string? CallbackUrl, string? Secret, bool Retired, string? SubscriptionId);

    private sealed record Outcome(bool Delivered, string? Error);

    private async Task<int> DeliverDueAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var due = new List<DueDelivery>();
        await using (var select = new NpgsqlCommand("""
            SELECT d.id, d.subscriber, d.attempts, o.event_id, o.type, o.occurred_at, o.correlation_id, o.payload::text,
                   s.callback_url, s.secret, s.retired_at IS NOT NULL, s.id::text
            FROM exchange.deliveries d
            JOIN exchange.outbox o ON o.event_id = d.event_id
            LEFT JOIN exchange.subscriptions s ON s.id = d.subscription_id
            WHERE d.status = 'pending' AND d.next_attempt_at <= now()
            ORDER BY d.next_attempt_at, d.id
            LIMIT @n
            FOR UPDATE OF d SKIP LOCKED
            """, connection, transaction))
        {
            select.Parameters.AddWithValue("n", options.Value.BatchSize);
            await using var rows = await select.ExecuteReaderAsync(ct);
            while (await rows.ReadAsync(ct))
            {
                var platformEvent = new PlatformEvent(rows.GetGuid(3), rows.GetString(4), rows.GetFieldValue<DateTimeOffset>(5), rows.GetGuid(6), rows.GetString(7));
                due.Add(new DueDelivery(rows.GetInt64(0), rows.GetString(1), rows.GetInt32(2), platformEvent,
                    rows.IsDBNull(8) ? null : rows.GetString(8), rows.IsDBNull(9) ? null : rows.GetString(9), !rows.IsDBNull(10) && rows.GetBoolean(10),
                    rows.IsDBNull(11) ? null : rows.GetString(11)));
            }
        }

        if (due.Count == 0)
        {
            return 0;
        }

        // The claimed rows stay locked until the outcomes are written, so no other instance attempts them meanwhile.
        // The wait counts from the end of the attempt (clock_timestamp), not from the start of the transaction (now()).
        var outcomes = await Task.WhenAll(due.Select(d => AttemptAsync(d, ct)));
        var settings = options.Value;
        for (var i = 0; i < due.Count; i++)
        {
            var (delivery, outcome) = (due[i], outcomes[i]);
            var attempts = delivery.Attempts + 1;
            var status = delivery.Retired ? "cancelled" : outcome.Delivered ? "delivered" : attempts >= settings.MaxAttempts ? "dead" : "pending";
            await using var update = new NpgsqlCommand("""
                UPDATE exchange.deliveries
                SET status = @status, attempts = @attempts, last_error = @error,
                    next_attempt_at = clock_timestamp() + @wait, delivered_at = CASE WHEN @status = 'delivered' THEN clock_timestamp() END
                WHERE id = @id
                """, connection, transaction);
            update.Parameters.AddWithValue("status", status);
            update.Parameters.AddWithValue("attempts", delivery.Retired ? delivery.Attempts : attempts);
            update.Parameters.AddWithValue("error", (object?)outcome.Error ?? DBNull.Value);
            update.Parameters.AddWithValue("wait", status == "pending" ? settings.BackOff(attempts) : TimeSpan.Zero);
            update.Parameters.AddWithValue("id", delivery.Id);
            await update.ExecuteNonQueryAsync(ct);
            if (status == "dead")
            {
                log.LogWarning("Event {EventId} ({Type}) to {Subscriber} dead-lettered after {Attempts} attempts: {Error} (correlation {CorrelationId})",
                    delivery.Event.EventId, delivery.Event.Type, delivery.Subscriber, attempts, outcome.Error, delivery.Event.CorrelationId);
            }
        }

        await transaction.CommitAsync(ct);
        return due.Count;
    }

    private async Task<Outcome> AttemptAsync(DueDelivery delivery, CancellationToken ct)
    {
        if (delivery.Retired)
        {
            return new Outcome(false, "subscription removed");
        }

        using var scope = log.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = delivery.Event.CorrelationId, ["EventId"] = delivery.Event.EventId });
        try
        {
            if (delivery.CallbackUrl is not null && delivery.Secret is not null)
            {
                return await PostWebhookAsync(delivery, ct);
            }

            var subscriber = inProcess.FirstOrDefault(s => s.Name == delivery.Subscriber);
            if (subscriber is null)
            {
                return new Outcome(false, $"no subscriber named {delivery.Subscriber} in this host");
            }

            await subscriber.HandleAsync(delivery.Event, ct);
            return new Outcome(true, null);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // A subscriber's failure is recorded against its delivery and retried; it must not stop the others.
            log.LogInformation(e, "Delivery of {EventId} to {Subscriber} failed", delivery.Event.EventId, delivery.Subscriber);
            return new Outcome(false, Truncate($"{e.GetType().Name}: {e.Message}"));
        }
    }

    private async Task<Outcome> PostWebhookAsync(DueDelivery delivery, CancellationToken ct)
    {
        var body = Envelope(delivery.Event);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.CallbackUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(protector.Reveal(WebhookSecrets.PurposeOf(delivery.SubscriptionId!), delivery.Secret!), timestamp, body));
        request.Headers.Add(WebhookSignature.EventIdHeader, delivery.Event.EventId.ToString());
        request.Headers.Add(WebhookSignature.EventTypeHeader, delivery.Event.Type);
        request.Headers.Add(WebhookSignature.IdempotencyKeyHeader, delivery.Event.EventId.ToString());
        request.Headers.Add(WebhookSignature.CorrelationIdHeader, delivery.Event.CorrelationId.ToString());
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.WebhookTimeoutSeconds));
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            return response.IsSuccessStatusCode
                ? new Outcome(true, null)
                : new Outcome(false, $"HTTP {(int)response.StatusCode} from {delivery.CallbackUrl}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new Outcome(false, $"no answer from {delivery.CallbackUrl} within {options.Value.WebhookTimeoutSeconds} s");
        }
    }

    /// <summary>The webhook body: the event's identity and the module's payload under <c>data</c>.</summary>
    public static byte[] Envelope(PlatformEvent platformEvent)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", platformEvent.EventId);
            json.WriteString("type", platformEvent.Type);
            json.WriteString("occurredAt", platformEvent.OccurredAt);
            json.WriteString("correlationId", platformEvent.CorrelationId);
            json.WritePropertyName("data");
            json.WriteRawValue(platformEvent.Payload);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private async Task<TimeSpan?> UntilNextDueAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT min(next_attempt_at) - now() FROM exchange.deliveries WHERE status = 'pending'");
        var value = await command.ExecuteScalarAsync(ct);
        return value is TimeSpan span ? span : null;
    }

    private static string Truncate(string text) => text.Length <= 2000 ? text : text[..2000];

    private static IReadOnlyList<IEventSubscriber> Distinct(IEnumerable<IEventSubscriber> subscribers)
    {
        var list = subscribers.ToList();
        var duplicate = list.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null ? list : throw new InvalidOperationException($"Two in-process subscribers are named {duplicate.Key}.");
    }
}
