using System.Collections.Concurrent;
using Landplatform.Integrations.Exchange;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Landplatform.Integrations.Tests;

/// <summary>A webhook request as an external system received it over HTTP.</summary>
public sealed record ReceivedWebhook(DateTimeOffset At, IReadOnlyDictionary<string, string> Headers, byte[] Body, bool SignatureValid, int AnsweredWith);

/// <summary>
/// An external system subscribed to our events: a real HTTP listener on a loopback port that checks
/// the signature as a receiver should, and can be told to be down.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<ReceivedWebhook> received = new();
    private int failuresLeft;

    private WebhookReceiver(WebApplication app, string secret)
    {
        this.app = app;
        Secret = secret;
    }

    public string Secret { get; }

    public Uri CallbackUrl { get; private set; } = null!;

    /// <summary>Answer 503 to this many requests before accepting.</summary>
    public int FailuresLeft { get => failuresLeft; set => failuresLeft = value; }

    public IReadOnlyList<ReceivedWebhook> Received => received.ToList();

    /// <summary>The requests that were answered 2xx.</summary>
    public IReadOnlyList<ReceivedWebhook> Accepted => received.Where(r => r.AnsweredWith == 200).ToList();

    public static async Task<WebhookReceiver> StartAsync(string secret)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var receiver = new WebhookReceiver(builder.Build(), secret);
        receiver.app.MapPost("/hook", receiver.ReceiveAsync);
        await receiver.app.StartAsync();
        receiver.CallbackUrl = new Uri(receiver.app.Urls.First() + "/hook");
        return receiver;
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var valid = long.TryParse(headers.GetValueOrDefault(WebhookSignature.TimestampHeader), out var timestamp)
            && WebhookSignature.Verify(Secret, timestamp, body, headers.GetValueOrDefault(WebhookSignature.SignatureHeader));
        var status = !valid ? 401 : Interlocked.Decrement(ref failuresLeft) >= 0 ? 503 : 200;
        received.Enqueue(new ReceivedWebhook(DateTimeOffset.UtcNow, headers, body, valid, status));
        return Results.StatusCode(status);
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();
}
