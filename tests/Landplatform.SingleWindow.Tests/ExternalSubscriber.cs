using System.Collections.Concurrent;
using System.Text.Json;
using Landplatform.Integrations.Exchange;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Landplatform.SingleWindow.Tests;

/// <summary>An event as the external system took it in (our signature on it held): its id, type, correlation and idempotency key.</summary>
public sealed record TakenEvent(DateTimeOffset At, Guid EventId, string Type, Guid CorrelationId, string? IdempotencyKey);

/// <summary>
/// Another government system subscribed to our events by webhook: a real HTTP listener on a fixed loopback
/// port that checks the signature as a receiver should. <see cref="GoDownAsync"/> stops it listening at all
/// (the port refuses connections, as a machine that is off); <see cref="ComeBackAsync"/> listens on the
/// same port again, so the callback address registered with the exchange stays right.
/// </summary>
public sealed class ExternalSubscriber : IAsyncDisposable
{
    private readonly ConcurrentQueue<TakenEvent> taken = new();
    private readonly string secret;
    private WebApplication? app;
    private int refused;

    private ExternalSubscriber(string secret) => this.secret = secret;

    public Uri CallbackUrl { get; private set; } = null!;

    public string Secret => secret;

    /// <summary>Requests refused because the signature did not hold.</summary>
    public int Refused => refused;

    /// <summary>Every event it accepted (answered 200), in the order they came.</summary>
    public IReadOnlyList<TakenEvent> Taken => taken.ToList();

    public static async Task<ExternalSubscriber> StartAsync()
    {
        var subscriber = new ExternalSubscriber("land-office-" + Guid.NewGuid().ToString("N"));
        await subscriber.ListenAsync(0);
        return subscriber;
    }

    public async Task GoDownAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            app = null;
        }
    }

    public Task ComeBackAsync() => app is null ? ListenAsync(CallbackUrl.Port) : Task.CompletedTask;

    private async Task ListenAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        var started = builder.Build();
        started.MapPost("/events", ReceiveAsync);
        await started.StartAsync();
        app = started;
        CallbackUrl = new Uri(started.Urls.First().TrimEnd('/') + "/events");
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var valid = long.TryParse(request.Headers[WebhookSignature.TimestampHeader], out var timestamp)
            && WebhookSignature.Verify(secret, timestamp, body, request.Headers[WebhookSignature.SignatureHeader]);
        if (!valid)
        {
            Interlocked.Increment(ref refused);
            return Results.StatusCode(401);
        }

        var root = JsonDocument.Parse(body).RootElement;
        taken.Enqueue(new TakenEvent(DateTimeOffset.UtcNow, Guid.Parse(request.Headers[WebhookSignature.EventIdHeader].ToString()),
            root.GetProperty("type").GetString()!, root.GetProperty("correlationId").GetGuid(), request.Headers[WebhookSignature.IdempotencyKeyHeader]));
        return Results.Ok();
    }

    public ValueTask DisposeAsync() => new(GoDownAsync());
}
