using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Landplatform.Cadastre.Contracts.Events;
using Landplatform.Integrations.Exchange;
using Landplatform.Integrations.Identity;
using Landplatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Landplatform.Integrations.Tests;

/// <summary>An in-process subscriber that records what it was given and can be told to fail.</summary>
public sealed class RecordingSubscriber : IEventSubscriber
{
    private readonly ConcurrentQueue<(DateTimeOffset At, PlatformEvent Event)> handled = new();
    private int failuresLeft;

    public string Name => "test.recorder";

    public IReadOnlyCollection<string> EventTypes { get; } = ["exchange-test.*"];

    public int FailuresLeft { get => failuresLeft; set => failuresLeft = value; }

    public IReadOnlyList<(DateTimeOffset At, PlatformEvent Event)> Handled => handled.ToList();

    public async Task HandleAsync(PlatformEvent platformEvent, CancellationToken ct)
    {
        if (platformEvent.Type == "exchange-test.flaky" && Interlocked.Decrement(ref failuresLeft) >= 0)
        {
            throw new InvalidOperationException("the tax roll is being rebuilt");
        }

        // Long enough that competing dispatchers would overlap if they could claim the same row.
        await Task.Delay(5, ct);
        handled.Enqueue((DateTimeOffset.UtcNow, platformEvent));
    }
}

/// <summary>The host with fast retries (0.4 s, doubling, 3 attempts) and a recording in-process subscriber.</summary>
public sealed class ExchangeServer : PlatformServer
{
    public RecordingSubscriber Recorder { get; } = new();

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Exchange:RetryBaseSeconds"] = "0.4",
        ["Exchange:MaxAttempts"] = "3",
        ["Exchange:PollSeconds"] = "1",
        ["Exchange:WebhookTimeoutSeconds"] = "3",

        // The test's receivers listen on loopback, which only an administrator's list lets a callback reach.
        ["Exchange:AllowedWebhookHosts:0"] = "127.0.0.1",
    };

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<IEventSubscriber>(Recorder);
}

public sealed class ExchangeTests(ExchangeServer server) : IClassFixture<ExchangeServer>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_event_reaches_the_in_process_subscriber_and_the_webhook_once_each_signed_and_correlated()
    {
        await using var receiver = await WebhookReceiver.StartAsync(NewSecret());
        await SubscribeAsync("land-office", receiver, "exchange-test.delivered");
        var correlation = Guid.NewGuid();
        var eventId = await PublishAsync("exchange-test.delivered", """{"parcel":"CH-00053-0001"}""", correlation);

        await Until(() => receiver.Accepted.Count == 1 && server.Recorder.Handled.Any(h => h.Event.EventId == eventId));
        var hook = receiver.Accepted.Single();
        Assert.True(hook.SignatureValid);
        Assert.Equal(eventId.ToString(), hook.Headers[WebhookSignature.IdempotencyKeyHeader]);
        Assert.Equal(eventId.ToString(), hook.Headers[WebhookSignature.EventIdHeader]);
        Assert.Equal(correlation.ToString(), hook.Headers[WebhookSignature.CorrelationIdHeader]);
        var body = JsonDocument.Parse(hook.Body).RootElement;
        Assert.Equal("exchange-test.delivered", body.GetProperty("type").GetString());
        Assert.Equal(correlation, body.GetProperty("correlationId").GetGuid());
        Assert.Equal("CH-00053-0001", body.GetProperty("data").GetProperty("parcel").GetString());
        Assert.Equal(correlation, server.Recorder.Handled.Single(h => h.Event.EventId == eventId).Event.CorrelationId);

        // Wake every dispatcher again and give them rounds: a delivered event is not delivered again.
        await NotifyAsync();
        await RunCompetingDispatcherAsync();
        await Task.Delay(1500);
        Assert.Single(receiver.Received);
        Assert.Single(server.Recorder.Handled, h => h.Event.EventId == eventId);
    }

    [Fact]
    public async Task A_webhook_that_is_down_receives_its_events_when_it_is_back_once_each_after_growing_waits()
    {
        await using var receiver = await WebhookReceiver.StartAsync(NewSecret());
        receiver.FailuresLeft = 2;
        await SubscribeAsync("tax-roll-mirror", receiver, "exchange-test.down");
        var eventId = await PublishAsync("exchange-test.down", """{"n":1}""", Guid.NewGuid());

        await Until(() => receiver.Accepted.Count == 1);
        var attempts = receiver.Received.ToList();
        Assert.Equal([503, 503, 200], attempts.Select(a => a.AnsweredWith));
        Assert.All(attempts, a => Assert.Equal(eventId.ToString(), a.Headers[WebhookSignature.IdempotencyKeyHeader]));
        var firstWait = attempts[1].At - attempts[0].At;
        var secondWait = attempts[2].At - attempts[1].At;
        Assert.True(firstWait >= TimeSpan.FromSeconds(0.35), $"first retry after {firstWait}");
        Assert.True(secondWait >= TimeSpan.FromSeconds(0.75), $"second retry after {secondWait}: the wait doubles");

        await Task.Delay(1500);
        Assert.Single(receiver.Accepted);
        Assert.Equal("delivered", await DeliveryStatusAsync(eventId, "webhook:tax-roll-mirror"));
    }

    [Fact]
    public async Task A_subscriber_failing_every_attempt_becomes_a_dead_letter_that_an_administrator_retries()
    {
        await using var receiver = await WebhookReceiver.StartAsync(NewSecret());
        receiver.FailuresLeft = int.MaxValue;
        await SubscribeAsync("customs-feed", receiver, "exchange-test.dead");
        var correlation = Guid.NewGuid();
        var eventId = await PublishAsync("exchange-test.dead", """{"n":2}""", correlation);

        var admin = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        JsonElement letter = default;
        await Until(async () =>
        {
            var letters = await SendAsync(HttpMethod.Get, "/api/exchange/dead-letters", admin);
            letter = letters.EnumerateArray().FirstOrDefault(l => l.GetProperty("eventId").GetGuid() == eventId);
            return letter.ValueKind == JsonValueKind.Object;
        });
        Assert.Equal(3, receiver.Received.Count);
        Assert.Equal("webhook:customs-feed", letter.GetProperty("subscriber").GetString());
        Assert.Equal(3, letter.GetProperty("attempts").GetInt32());
        Assert.Equal(correlation, letter.GetProperty("correlationId").GetGuid());
        Assert.Contains("503", letter.GetProperty("lastError").GetString());

        // Nothing more is attempted while it is dead.
        await Task.Delay(2000);
        Assert.Equal(3, receiver.Received.Count);

        var registrar = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Registrar);
        using (var refused = await RequestAsync(HttpMethod.Get, "/api/exchange/dead-letters", registrar))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        receiver.FailuresLeft = 0;
        await SendAsync(HttpMethod.Post, $"/api/exchange/dead-letters/{letter.GetProperty("id").GetInt64()}/retry", admin, expected: HttpStatusCode.Accepted);
        await Until(() => receiver.Accepted.Count == 1);
        await Task.Delay(1000);
        Assert.Single(receiver.Accepted);
        var after = await SendAsync(HttpMethod.Get, "/api/exchange/dead-letters", admin);
        Assert.DoesNotContain(after.EnumerateArray(), l => l.GetProperty("eventId").GetGuid() == eventId);
    }

    [Fact]
    public async Task A_failing_in_process_subscriber_is_retried_until_it_succeeds()
    {
        server.Recorder.FailuresLeft = 1;
        var eventId = await PublishAsync("exchange-test.flaky", """{"n":3}""", Guid.NewGuid());
        await Until(() => server.Recorder.Handled.Any(h => h.Event.EventId == eventId));
        Assert.Equal("delivered", await DeliveryStatusAsync(eventId, "test.recorder"));
        Assert.Equal(2, await server.Database.ScalarAsync<int>(
            "SELECT attempts FROM exchange.deliveries WHERE event_id = @e AND subscriber = 'test.recorder'", ("e", eventId)));
    }

    [Fact]
    public async Task Competing_dispatchers_on_one_database_deliver_each_event_exactly_once()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 120; i++)
        {
            ids.Add(await PublishAsync("exchange-test.bulk", $$"""{"n":{{i}}}""", Guid.NewGuid(), notify: false));
        }

        // Three more instances race the host's own dispatcher for the same rows.
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => RunCompetingDispatcherAsync(rounds: 20)));
        await NotifyAsync();
        await Until(() => ids.All(id => server.Recorder.Handled.Any(h => h.Event.EventId == id)));
        await Task.Delay(1000);
        var counts = server.Recorder.Handled.Where(h => ids.Contains(h.Event.EventId)).GroupBy(h => h.Event.EventId).Select(g => g.Count()).ToList();
        Assert.Equal(120, counts.Count);
        Assert.All(counts, c => Assert.Equal(1, c));
    }

    [Fact]
    public async Task Only_administrators_manage_subscriptions_and_a_bad_one_is_refused_naming_the_field()
    {
        var registrar = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Registrar);
        using (var refused = await RequestAsync(HttpMethod.Post, "/api/exchange/subscriptions", registrar,
            new { name = "sneaky", callbackUrl = "http://127.0.0.1:9/hook", eventTypes = new[] { "*" } }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (var anonymous = await RequestAsync(HttpMethod.Get, "/api/exchange/subscriptions", null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        var admin = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        await AssertProblemAsync(admin, new { name = "x y", callbackUrl = "http://127.0.0.1:9/hook", eventTypes = new[] { "*" } }, "name", "subscription-name");
        await AssertProblemAsync(admin, new { name = "bad-url", callbackUrl = "ftp://example.org/x", eventTypes = new[] { "*" } }, "callbackUrl", "callback-url");
        await AssertProblemAsync(admin, new { name = "bad-types", callbackUrl = "https://example.org/x", eventTypes = Array.Empty<string>() }, "eventTypes", "event-type-pattern");
        await AssertProblemAsync(admin, new { name = "bad-secret", callbackUrl = "https://example.org/x", eventTypes = new[] { "*" }, secret = "short" }, "secret", "secret-length");
        var list = await SendAsync(HttpMethod.Get, "/api/exchange/subscriptions", admin);
        Assert.DoesNotContain(list.EnumerateArray(), s => s.GetProperty("name").GetString()!.StartsWith("bad", StringComparison.Ordinal));

        var made = await SendAsync(HttpMethod.Post, "/api/exchange/subscriptions", admin,
            new { name = "planning-agency", callbackUrl = "https://planning.example.org/events", eventTypes = new[] { "cadastre.*" } }, HttpStatusCode.Created);
        Assert.StartsWith("whsec_", made.GetProperty("secret").GetString());
        var listed = (await SendAsync(HttpMethod.Get, "/api/exchange/subscriptions", admin)).EnumerateArray()
            .Single(s => s.GetProperty("name").GetString() == "planning-agency");
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("secret").ValueKind);
        using var duplicate = await RequestAsync(HttpMethod.Post, "/api/exchange/subscriptions", admin,
            new { name = "planning-agency", callbackUrl = "https://planning.example.org/events", eventTypes = new[] { "*" } });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        await SendAsync(HttpMethod.Delete, $"/api/exchange/subscriptions/{made.GetProperty("id").GetGuid()}", admin, expected: HttpStatusCode.NoContent);
    }

    private async Task AssertProblemAsync(string token, object body, string parameter, string rule)
    {
        using var response = await RequestAsync(HttpMethod.Post, "/api/exchange/subscriptions", token, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        Assert.Equal(rule, problem.GetProperty("rule").GetString());
    }

    private static string NewSecret() => "test-secret-" + Guid.NewGuid().ToString("N");

    private async Task SubscribeAsync(string name, WebhookReceiver receiver, string eventType)
    {
        var admin = await Tokens.AccessTokenForAsync(server.Client, PlatformRoles.Administrator);
        await SendAsync(HttpMethod.Post, "/api/exchange/subscriptions", admin,
            new { name, callbackUrl = receiver.CallbackUrl.ToString(), eventTypes = new[] { eventType }, secret = receiver.Secret }, HttpStatusCode.Created);
    }

    /// <summary>Records an event as a module does: the outbox row and the notification in one transaction.</summary>
    private async Task<Guid> PublishAsync(string type, string payload, Guid correlation, bool notify = true)
    {
        var eventId = Guid.CreateVersion7();
        await using var connection = await server.Database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var insert = new Npgsql.NpgsqlCommand(
            "INSERT INTO exchange.outbox (event_id, type, occurred_at, correlation_id, payload) VALUES (@id, @type, now(), @correlation, @payload::jsonb)",
            connection, transaction))
        {
            insert.Parameters.AddWithValue("id", eventId);
            insert.Parameters.AddWithValue("type", type);
            insert.Parameters.AddWithValue("correlation", correlation);
            insert.Parameters.AddWithValue("payload", payload);
            await insert.ExecuteNonQueryAsync();
        }

        if (notify)
        {
            await using var wake = new Npgsql.NpgsqlCommand("SELECT pg_notify('lp_outbox', @type)", connection, transaction);
            wake.Parameters.AddWithValue("type", type);
            await wake.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return eventId;
    }

    private Task NotifyAsync() => server.Database.ScalarAsync<object>("SELECT pg_notify('lp_outbox', 'test')");

    /// <summary>Another server instance's dispatcher on the same database, run for some rounds.</summary>
    private async Task RunCompetingDispatcherAsync(int rounds = 3)
    {
        var other = ActivatorUtilities.CreateInstance<OutboxDispatcher>(server.Services, NullLogger<OutboxDispatcher>.Instance);
        for (var i = 0; i < rounds; i++)
        {
            await other.RunOnceAsync(CancellationToken.None);
        }
    }

    private Task<string> DeliveryStatusAsync(Guid eventId, string subscriber) =>
        server.Database.ScalarAsync<string>("SELECT status FROM exchange.deliveries WHERE event_id = @e AND subscriber = @s", ("e", eventId), ("s", subscriber));

    private async Task<HttpResponseMessage> RequestAsync(HttpMethod method, string path, string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await server.Client.SendAsync(request);
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, string token, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await RequestAsync(method, path, token, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static Task Until(Func<bool> condition) => Until(() => Task.FromResult(condition()));

    private static async Task Until(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within " + Patience);
            await Task.Delay(100);
        }
    }
}
