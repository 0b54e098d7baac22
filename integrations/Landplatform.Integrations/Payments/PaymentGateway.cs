using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Landplatform.Cadastre.Contracts;
using Microsoft.Extensions.Options;

namespace Landplatform.Integrations.Payments;

/// <summary>Where the payment gateway is and the secrets we share with it (configuration section <c>Payments:Gateway</c>).</summary>
public sealed class PaymentGatewayOptions
{
    /// <summary>The gateway's API root, e.g. <c>http://127.0.0.1:8090/gateway/</c>.</summary>
    public string BaseUrl { get; set; } = "http://127.0.0.1:8090/gateway/";

    /// <summary>Our secret API key at the gateway (a bearer token); no default: demo mode takes it from appsettings.Demo.json.</summary>
    public string ApiKey { get; set; } = string.Empty;

    /// <summary>The gateway signs its webhooks with this; no default: demo mode takes it from appsettings.Demo.json.</summary>
    public string WebhookSecret { get; set; } = string.Empty;

    /// <summary>A call the gateway has not answered within this fails, and may be retried with the same idempotency key.</summary>
    public double TimeoutSeconds { get; set; } = 10;

    /// <summary>A webhook whose signed timestamp is further than this from our clock is refused as a replay.</summary>
    public double WebhookToleranceSeconds { get; set; } = 300;
}

/// <summary>A payment intent as the gateway describes it.</summary>
public sealed record PaymentIntent(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("amount")] long Amount,
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("next_action")] PaymentNextAction? NextAction,
    [property: JsonPropertyName("metadata")] Dictionary<string, string>? Metadata);

public sealed record PaymentNextAction(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("redirect_to_url")] PaymentRedirect? RedirectToUrl);

/// <summary>A refund as the gateway describes it.</summary>
public sealed record GatewayRefund(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("payment_intent")] string PaymentIntent,
    [property: JsonPropertyName("amount")] long Amount,
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("status")] string Status);

public sealed record PaymentRedirect([property: JsonPropertyName("url")] string Url);

/// <summary>
/// Our side of the payment gateway's REST API (modelled on the payment-intent APIs of card gateways):
/// every create carries an Idempotency-Key, so a retry after a timeout returns the same intent instead
/// of charging twice.
/// </summary>
public sealed class PaymentGatewayClient(HttpClient http, IOptions<PaymentGatewayOptions> options)
{
    public async Task<PaymentIntent> CreateIntentAsync(decimal amount, string currency, string description, IReadOnlyDictionary<string, string> metadata, string idempotencyKey, CancellationToken ct)
    {
        var settings = options.Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(settings.BaseUrl), "v1/payment_intents"))
        {
            Content = JsonContent.Create(new
            {
                amount = MinorUnits(amount),
                currency = currency.ToLowerInvariant(),
                description,
                metadata,
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSeconds));
        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new UpstreamUnavailableException("gateway-unavailable",
                    $"The payment gateway answered {(int)response.StatusCode}; the invoice stays unpaid and the payment may be retried.");
            }

            return await response.Content.ReadFromJsonAsync<PaymentIntent>(timeout.Token)
                ?? throw new UpstreamUnavailableException("gateway-unavailable", "The payment gateway answered with an empty body.");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new UpstreamUnavailableException("gateway-timeout",
                $"The payment gateway did not answer within {settings.TimeoutSeconds} s; the invoice stays unpaid and the payment may be retried.");
        }
        catch (HttpRequestException e)
        {
            throw new UpstreamUnavailableException("gateway-unavailable", $"The payment gateway cannot be reached ({e.Message}); the payment may be retried.");
        }
    }

    /// <summary>
    /// Cancels an intent the payer has not completed (one whose card was declined), so its checkout page can no longer
    /// charge: the gateway answers a cancelled intent, or one already cancelled, alike.
    /// </summary>
    public async Task CancelIntentAsync(string intentId, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, $"v1/payment_intents/{Uri.EscapeDataString(intentId)}/cancel", null, $"cancel-{intentId}", ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new UpstreamUnavailableException("gateway-unavailable",
                $"The payment gateway answered {(int)response.StatusCode} to cancelling {intentId}; the payment may be retried.");
        }
    }

    /// <summary>Refunds a succeeded intent in full, under an idempotency key of its own: a retry never refunds twice.</summary>
    public async Task<GatewayRefund> RefundAsync(string intentId, decimal amount, string reason, string idempotencyKey, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, "v1/refunds",
            JsonContent.Create(new { payment_intent = intentId, amount = MinorUnits(amount), reason, metadata = new { reason } }), idempotencyKey, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new UpstreamUnavailableException("gateway-unavailable",
                $"The payment gateway answered {(int)response.StatusCode} to refunding {intentId}; the refund stays due and is asked again.");
        }

        return await response.Content.ReadFromJsonAsync<GatewayRefund>(ct)
            ?? throw new UpstreamUnavailableException("gateway-unavailable", "The payment gateway answered a refund with an empty body.");
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, string idempotencyKey, CancellationToken ct)
    {
        var settings = options.Value;
        using var request = new HttpRequestMessage(method, new Uri(new Uri(settings.BaseUrl), path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSeconds));
        try
        {
            var response = await http.SendAsync(request, timeout.Token);
            await response.Content.LoadIntoBufferAsync(timeout.Token);
            return response;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new UpstreamUnavailableException("gateway-timeout", $"The payment gateway did not answer within {settings.TimeoutSeconds} s; it may be retried.");
        }
        catch (HttpRequestException e)
        {
            throw new UpstreamUnavailableException("gateway-unavailable", $"The payment gateway cannot be reached ({e.Message}); it may be retried.");
        }
    }

    public static long MinorUnits(decimal amount) => (long)decimal.Round(amount * 100m, 0, MidpointRounding.AwayFromZero);
}

/// <summary>
/// The gateway's webhook signature: header <c>Gateway-Signature: t=UNIX,v1=HEX</c>, HEX being
/// HMAC-SHA256 over "UNIX.body" under the shared webhook secret.
/// </summary>
public static class GatewaySignature
{
    public const string Header = "Gateway-Signature";

    public static string Sign(string secret, long unixSeconds, ReadOnlySpan<byte> body) =>
        $"t={unixSeconds.ToString(CultureInfo.InvariantCulture)},v1={Hex(secret, unixSeconds, body)}";

    /// <summary>Checks the header: the outcome names the rule broken, or null when the signature holds within the tolerance.</summary>
    public static string? Check(string secret, string? header, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(header))
        {
            return "webhook-signature-missing";
        }

        // No secret configured: nothing can be signed under it, so nothing is accepted.
        if (string.IsNullOrEmpty(secret))
        {
            return "webhook-signature";
        }

        long? timestamp = null;
        var signatures = new List<string>();
        foreach (var part in header.Split(','))
        {
            var pair = part.Split('=', 2);
            if (pair.Length != 2)
            {
                continue;
            }

            if (pair[0].Trim() == "t" && long.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                timestamp = t;
            }
            else if (pair[0].Trim() == "v1")
            {
                signatures.Add(pair[1].Trim());
            }
        }

        if (timestamp is null || signatures.Count == 0)
        {
            return "webhook-signature-format";
        }

        var expected = Encoding.ASCII.GetBytes(Hex(secret, timestamp.Value, body));
        if (!signatures.Any(s => CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(s))))
        {
            return "webhook-signature";
        }

        // Checked after the signature, so a forger cannot learn our clock; a valid but old message is a replay.
        return Math.Abs(now.ToUnixTimeSeconds() - timestamp.Value) > tolerance.TotalSeconds ? "webhook-replay-window" : null;
    }

    private static string Hex(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }
}
