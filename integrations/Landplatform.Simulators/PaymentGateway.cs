using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Landplatform.Simulators;

/// <summary>The gateway's configuration: the merchant's API key, the webhook secret and where webhooks go.</summary>
public sealed class GatewaySettings
{
    public string ApiKey { get; set; } = "sk_test_landplatform_demo";

    public string WebhookSecret { get; set; } = "whsec_landplatform_demo_0123456789abcdef";

    /// <summary>The merchant's webhook endpoint, e.g. http://127.0.0.1:8080/api/payments/gateway/webhook.</summary>
    public string? WebhookUrl { get; set; }
}

/// <summary>What the gateway can be told to do wrong, through <c>POST /control/gateway</c>.</summary>
public sealed record GatewayFaults(int FailNextCreates = 0, int CreateDelayMs = 0, int WebhookCopies = 1, int WebhookDelayMs = 0, string? WebhookUrl = null);

/// <summary>A webhook as the gateway sent it: body and signature header exactly as on the wire.</summary>
public sealed record SentWebhook(string EventId, string Type, string Body, string Signature, int Status);

/// <summary>
/// A card gateway modelled on the payment-intent APIs of real ones: a merchant creates an intent
/// (Bearer API key, Idempotency-Key), the payer completes a hosted "pay" step, and the gateway tells
/// the merchant by webhooks signed <c>Gateway-Signature: t=UNIX,v1=HMAC-SHA256("UNIX.body")</c>.
/// Succeeded payments settle into the bank ledger the same day.
/// </summary>
public sealed class PaymentGateway(IOptions<GatewaySettings> settings, BankLedger bank, IHttpClientFactory http, TimeProvider clock, ILogger<PaymentGateway> log)
{
    public const string WebhookClient = "gateway-webhooks";
    public const string SucceedingCard = "4242424242424242";
    public const string DecliningCard = "4000000000000002";

    private readonly ConcurrentDictionary<string, JsonObject> intents = new();
    private readonly ConcurrentDictionary<string, (string BodyHash, string IntentId)> idempotency = new();
    private readonly ConcurrentQueue<SentWebhook> sent = new();
    private readonly Lock gate = new();
    private GatewayFaults faults = new();

    public GatewayFaults Faults
    {
        get { lock (gate) { return faults; } }
        set { lock (gate) { faults = value; } }
    }

    public IReadOnlyList<SentWebhook> Sent => sent.ToList();

    /// <summary>Every intent created so far.</summary>
    public IReadOnlyList<JsonObject> Intents => intents.Values.ToList();

    /// <summary>Where webhooks go unless the faults name another URL.</summary>
    public string? WebhookUrl { get => webhookUrl ?? settings.Value.WebhookUrl; set => webhookUrl = value; }

    private string? webhookUrl;

    /// <summary>Takes one "fail the next create" off the counter, if any are left.</summary>
    public bool ConsumeFailure()
    {
        lock (gate)
        {
            if (faults.FailNextCreates <= 0)
            {
                return false;
            }

            faults = faults with { FailNextCreates = faults.FailNextCreates - 1 };
            return true;
        }
    }

    public string ApiKey => settings.Value.ApiKey;

    public (JsonObject Intent, bool Replayed)? Create(string? idempotencyKey, string body, long amount, string currency, string? description, JsonObject? metadata, string payUrlBase)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        if (idempotencyKey is not null && idempotency.TryGetValue(idempotencyKey, out var earlier))
        {
            return earlier.BodyHash == hash ? (intents[earlier.IntentId], true) : null;
        }

        var id = "pi_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var intent = new JsonObject
        {
            ["id"] = id,
            ["object"] = "payment_intent",
            ["amount"] = amount,
            ["currency"] = currency,
            ["description"] = description,
            ["status"] = "requires_payment_method",
            ["created"] = clock.GetUtcNow().ToUnixTimeSeconds(),
            ["metadata"] = metadata?.DeepClone() ?? new JsonObject(),
            ["next_action"] = new JsonObject
            {
                ["type"] = "redirect_to_url",
                ["redirect_to_url"] = new JsonObject { ["url"] = $"{payUrlBase.TrimEnd('/')}/gateway/pay/{id}" },
            },
        };
        if (idempotencyKey is not null && !idempotency.TryAdd(idempotencyKey, (hash, id)))
        {
            // Two requests with one key raced: the first one's intent is the answer to both.
            var winner = idempotency[idempotencyKey];
            return winner.BodyHash == hash ? (intents[winner.IntentId], true) : null;
        }

        intents[id] = intent;
        return (intent, false);
    }

    public JsonObject? Find(string id) => intents.TryGetValue(id, out var intent) ? intent : null;

    /// <summary>Every refund made so far.</summary>
    public IReadOnlyList<JsonObject> Refunds => refunds.Values.ToList();

    private readonly ConcurrentDictionary<string, JsonObject> refunds = new();

    /// <summary>Cancels an intent not yet paid: from then on its checkout page charges nothing. A paid intent cannot be cancelled (null).</summary>
    public JsonObject? Cancel(string id)
    {
        var intent = Find(id) ?? throw new KeyNotFoundException(id);
        lock (intent)
        {
            var status = (string)intent["status"]!;
            if (status == "succeeded")
            {
                return null;
            }

            intent["status"] = "canceled";
            return intent;
        }
    }

    /// <summary>
    /// Refunds a succeeded intent (in full or in part, never more than was paid, under the idempotency key): the bank
    /// books the debit, and the merchant hears of it by a signed <c>refund.succeeded</c> webhook. Null and a reason when refused.
    /// </summary>
    public (JsonObject? Refund, bool Replayed, string? Refused) Refund(string? idempotencyKey, string body, string intentId, long amount, string? reason)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        lock (gate)
        {
            if (idempotencyKey is not null && idempotency.TryGetValue("refund:" + idempotencyKey, out var earlier))
            {
                return earlier.BodyHash == hash ? (refunds[earlier.IntentId], true, null) : (null, false, "idempotency");
            }

            var intent = Find(intentId);
            if (intent is null || (string)intent["status"]! != "succeeded")
            {
                return (null, false, "payment_intent");
            }

            var refunded = refunds.Values.Where(r => (string)r["payment_intent"]! == intentId).Sum(r => (long)r["amount"]!);
            if (amount < 1 || refunded + amount > (long)intent["amount"]!)
            {
                return (null, false, "amount");
            }

            var id = "re_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
            var refund = new JsonObject
            {
                ["id"] = id,
                ["object"] = "refund",
                ["payment_intent"] = intentId,
                ["amount"] = amount,
                ["currency"] = (string)intent["currency"]!,
                ["reason"] = reason,
                ["status"] = "succeeded",
                ["created"] = clock.GetUtcNow().ToUnixTimeSeconds(),
                ["metadata"] = intent["metadata"]?.DeepClone() ?? new JsonObject(),
            };
            refunds[id] = refund;
            if (idempotencyKey is not null)
            {
                idempotency["refund:" + idempotencyKey] = (hash, id);
            }

            bank.Book(id, -amount / 100m, ((string)intent["currency"]!).ToUpperInvariant(),
                intent["metadata"]?["invoice_number"]?.GetValue<string>(), DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
            _ = Task.Run(() => NotifyAsync("refund.succeeded", refund.DeepClone().AsObject()));
            return (refund, false, null);
        }
    }

    /// <summary>The payer's card decides: the succeeding test card pays, the declining one fails. Webhooks follow.</summary>
    public string Pay(string id, string card)
    {
        var intent = Find(id) ?? throw new KeyNotFoundException(id);
        lock (intent)
        {
            if ((string)intent["status"]! != "requires_payment_method")
            {
                return (string)intent["status"]!;
            }

            var succeeded = card.Replace(" ", "", StringComparison.Ordinal) == SucceedingCard;
            intent["status"] = succeeded ? "succeeded" : "requires_payment_method";
            if (succeeded)
            {
                bank.Book(id, (long)intent["amount"]! / 100m, ((string)intent["currency"]!).ToUpperInvariant(),
                    intent["metadata"]?["invoice_number"]?.GetValue<string>(), DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
            }

            var type = succeeded ? "payment_intent.succeeded" : "payment_intent.payment_failed";
            _ = Task.Run(() => NotifyAsync(type, intent.DeepClone().AsObject()));
            return succeeded ? "succeeded" : "payment_failed";
        }
    }

    private async Task NotifyAsync(string type, JsonObject intent)
    {
        var f = Faults;
        var url = f.WebhookUrl ?? WebhookUrl;
        if (url is null)
        {
            log.LogWarning("No webhook URL configured; {Type} for {Intent} not sent", type, intent["id"]);
            return;
        }

        var eventId = "evt_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var body = new JsonObject
        {
            ["id"] = eventId,
            ["object"] = "event",
            ["type"] = type,
            ["created"] = clock.GetUtcNow().ToUnixTimeSeconds(),
            ["data"] = new JsonObject { ["object"] = intent },
        }.ToJsonString();
        if (f.WebhookDelayMs > 0)
        {
            await Task.Delay(f.WebhookDelayMs);
        }

        // Real gateways deliver at least once: copies carry the same event id, each freshly signed.
        for (var copy = 0; copy < Math.Max(1, f.WebhookCopies); copy++)
        {
            for (var attempt = 1; attempt <= 5; attempt++)
            {
                var signature = Sign(settings.Value.WebhookSecret, clock.GetUtcNow().ToUnixTimeSeconds(), body);
                var status = 0;
                try
                {
                    using var content = new StringContent(body, Encoding.UTF8, "application/json");
                    using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
                    request.Headers.Add("Gateway-Signature", signature);
                    using var response = await http.CreateClient(WebhookClient).SendAsync(request);
                    status = (int)response.StatusCode;
                }
                catch (HttpRequestException e)
                {
                    log.LogInformation("Webhook {Event} to {Url} failed: {Message}", eventId, url, e.Message);
                }

                sent.Enqueue(new SentWebhook(eventId, type, body, signature, status));
                if (status is >= 200 and < 300 || status is >= 400 and < 500)
                {
                    break;
                }

                await Task.Delay(200 * attempt);
            }
        }
    }

    public static string Sign(string secret, long unixSeconds, string body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + "." + body));
        return $"t={unixSeconds.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(mac)}";
    }
}

/// <summary>The gateway's HTTP surface.</summary>
public static class PaymentGatewayEndpoints
{
    public static void MapPaymentGateway(this IEndpointRouteBuilder app)
    {
        app.MapPost("/gateway/v1/payment_intents", CreateAsync);
        app.MapGet("/gateway/v1/payment_intents/{id}", (string id, HttpRequest request, PaymentGateway gateway) =>
            !Authorised(request, gateway) ? Error(401, "authentication_error", "Invalid API key.", null)
            : gateway.Find(id) is { } intent ? Results.Json(intent) : Error(404, "invalid_request_error", $"No such payment_intent: {id}", "id"));
        app.MapGet("/gateway/pay/{id}", (string id, PaymentGateway gateway) => gateway.Find(id) is { } intent
            ? Results.Content(PayPage(intent), "text/html; charset=utf-8")
            : Results.NotFound());
        app.MapPost("/gateway/pay/{id}", async (string id, HttpRequest request, PaymentGateway gateway) =>
        {
            if (gateway.Find(id) is null)
            {
                return Results.NotFound();
            }

            var form = await request.ReadFormAsync();
            var outcome = gateway.Pay(id, form["card_number"].ToString());
            return Results.Content($"<!doctype html><title>Payment {WebUtility.HtmlEncode(outcome)}</title><p id=\"outcome\">{WebUtility.HtmlEncode(outcome)}</p>", "text/html; charset=utf-8");
        });
        app.MapPost("/gateway/v1/payment_intents/{id}/cancel", (string id, HttpRequest request, PaymentGateway gateway) =>
        {
            if (!Authorised(request, gateway))
            {
                return Error(401, "authentication_error", "Invalid API key provided.", null);
            }

            if (gateway.Find(id) is null)
            {
                return Error(404, "invalid_request_error", $"No such payment_intent: {id}", "id");
            }

            return gateway.Cancel(id) is { } canceled
                ? Results.Json(canceled)
                : Error(400, "invalid_request_error", "A payment_intent that succeeded cannot be canceled; refund it instead.", "id");
        });
        app.MapPost("/gateway/v1/refunds", RefundAsync);
        app.MapGet("/control/gateway", (PaymentGateway gateway) => Results.Json(gateway.Faults));
        app.MapPost("/control/gateway", (GatewayFaults faults, PaymentGateway gateway) =>
        {
            gateway.Faults = faults;
            return Results.Json(gateway.Faults);
        });
        app.MapGet("/control/gateway/webhooks", (PaymentGateway gateway) => Results.Json(gateway.Sent));
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, PaymentGateway gateway)
    {
        if (!Authorised(request, gateway))
        {
            return Error(401, "authentication_error", "Invalid API key provided.", null);
        }

        var (text, body) = await ReadObjectAsync(request);
        if (body is null)
        {
            return Error(400, "invalid_request_error", "The body is not a JSON object.", null);
        }

        if (body["amount"] is not JsonValue amountValue || !amountValue.TryGetValue<long>(out var amount) || amount < 1)
        {
            return Error(400, "invalid_request_error", "amount must be a positive integer in the currency's minor unit.", "amount");
        }

        if (body["currency"]?.GetValue<string>() is not { Length: 3 } currency)
        {
            return Error(400, "invalid_request_error", "currency must be a three-letter ISO code.", "currency");
        }

        if (gateway.ConsumeFailure())
        {
            return Error(503, "api_error", "The gateway is temporarily unavailable.", null);
        }

        var key = request.Headers["Idempotency-Key"].ToString();
        var created = gateway.Create(string.IsNullOrEmpty(key) ? null : key, text, amount, currency.ToLowerInvariant(),
            body["description"]?.GetValue<string>(), body["metadata"] as JsonObject, $"{request.Scheme}://{request.Host}");
        if (created is null)
        {
            return Error(409, "idempotency_error", "Keys for idempotent requests can only be used with the same parameters they were first used with.", null);
        }

        // The intent exists before the delay: a caller that gives up waiting and retries with its key gets this same one.
        if (gateway.Faults.CreateDelayMs > 0)
        {
            await Task.Delay(gateway.Faults.CreateDelayMs);
        }

        if (created.Value.Replayed)
        {
            request.HttpContext.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return Results.Json(created.Value.Intent);
    }

    /// <summary>The request's text and, when it is one, the JSON object it holds.</summary>
    private static async Task<(string Text, JsonObject? Body)> ReadObjectAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        try
        {
            return (text, JsonNode.Parse(text) as JsonObject);
        }
        catch (JsonException)
        {
            return (text, null);
        }
    }

    private static async Task<IResult> RefundAsync(HttpRequest request, PaymentGateway gateway)
    {
        if (!Authorised(request, gateway))
        {
            return Error(401, "authentication_error", "Invalid API key provided.", null);
        }

        var (text, body) = await ReadObjectAsync(request);
        if (body is null)
        {
            return Error(400, "invalid_request_error", "The body is not a JSON object.", null);
        }

        if (body["payment_intent"] is not JsonValue intentValue || !intentValue.TryGetValue<string>(out var intentId))
        {
            return Error(400, "invalid_request_error", "payment_intent is required.", "payment_intent");
        }

        if (body["amount"] is not JsonValue amountValue || !amountValue.TryGetValue<long>(out var amount))
        {
            return Error(400, "invalid_request_error", "amount must be a positive integer in the currency's minor unit.", "amount");
        }

        var key = request.Headers["Idempotency-Key"].ToString();
        var reason = body["reason"] is JsonValue r && r.TryGetValue<string>(out var given) ? given : null;
        var (refund, replayed, refused) = gateway.Refund(string.IsNullOrEmpty(key) ? null : key, text, intentId, amount, reason);
        return refused switch
        {
            "idempotency" => Error(409, "idempotency_error", "Keys for idempotent requests can only be used with the same parameters they were first used with.", null),
            "payment_intent" => Error(400, "invalid_request_error", $"payment_intent {intentId} has not succeeded: only a charge can be refunded.", "payment_intent"),
            "amount" => Error(400, "invalid_request_error", "The refund is more than what remains of the charge.", "amount"),
            _ => Replayed(request, replayed, refund!),
        };
    }

    private static IResult Replayed(HttpRequest request, bool replayed, JsonObject answer)
    {
        if (replayed)
        {
            request.HttpContext.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return Results.Json(answer);
    }

    private static bool Authorised(HttpRequest request, PaymentGateway gateway)
    {
        var header = request.Headers.Authorization.ToString();
        var expected = Encoding.UTF8.GetBytes("Bearer " + gateway.ApiKey);
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header), expected);
    }

    private static IResult Error(int status, string type, string message, string? param) =>
        Results.Json(new { error = new { type, message, param } }, statusCode: status);

    private static string PayPage(JsonObject intent)
    {
        var id = WebUtility.HtmlEncode((string)intent["id"]!);
        var amount = ((long)intent["amount"]! / 100m).ToString("0.00", CultureInfo.InvariantCulture);
        var currency = WebUtility.HtmlEncode(((string)intent["currency"]!).ToUpperInvariant());
        var description = WebUtility.HtmlEncode((string?)intent["description"] ?? "");
        return $"""
            <!doctype html><html lang="en"><meta charset="utf-8"><title>Pay {currency} {amount}</title>
            <h1>Pay {currency} {amount}</h1><p>{description}</p>
            <form method="post" action="/gateway/pay/{id}">
            <label>Card number <input name="card_number" value="{SucceedingCardDisplay}" autocomplete="off"></label>
            <button type="submit">Pay</button></form>
            <p>Test cards: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined.</p></html>
            """;
    }

    private const string SucceedingCardDisplay = "4242 4242 4242 4242";
}
