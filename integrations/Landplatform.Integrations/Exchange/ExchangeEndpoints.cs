using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Landplatform.Cadastre.Contracts;
using Landplatform.Integrations.Identity;
using Landplatform.Integrations.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Landplatform.Integrations.Exchange;

/// <summary>A webhook subscription as an administrator registers it.</summary>
public sealed record NewSubscription(string? Name, string? CallbackUrl, IReadOnlyList<string>? EventTypes, string? Secret);

/// <summary>A subscription as listed; the secret is shown only once, when it is made.</summary>
public sealed record SubscriptionView(Guid Id, string Name, string CallbackUrl, IReadOnlyList<string> EventTypes, DateTimeOffset CreatedAt, string CreatedBy, string? Secret);

/// <summary>A delivery that failed its last attempt and waits for an administrator.</summary>
public sealed record DeadLetter(long Id, string Subscriber, Guid EventId, string EventType, Guid CorrelationId, DateTimeOffset OccurredAt, int Attempts, string? LastError, DateTimeOffset LastAttemptAt);

/// <summary>Administrators' view of the exchange: webhook subscriptions and dead letters.</summary>
public static partial class ExchangeEndpoints
{
    public static void MapExchangeEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/exchange").WithTags("Exchange").RequireAuthorization(AccessPolicies.Administrators);
        group.MapGet("/subscriptions", ListAsync).WithSummary("Webhook subscriptions in force (administrators).");
        group.MapPost("/subscriptions", CreateAsync)
            .WithSummary("Registers an external system to receive events as signed webhooks; the answer carries the signing secret, once.");
        group.MapDelete("/subscriptions/{id:guid}", RetireAsync).WithSummary("Stops a subscription; its pending deliveries are cancelled.");
        group.MapGet("/dead-letters", DeadLettersAsync).WithSummary("Deliveries that failed every attempt, newest first.");
        group.MapPost("/dead-letters/{id:long}/retry", RetryAsync).WithSummary("Puts a dead letter back in the queue for a fresh round of attempts.");
    }

    private static async Task<Ok<List<SubscriptionView>>> ListAsync(ExchangeStore db, CancellationToken ct) =>
        TypedResults.Ok(await db.Subscriptions.Where(s => s.RetiredAt == null).OrderBy(s => s.Name)
            .Select(s => new SubscriptionView(s.Id, s.Name, s.CallbackUrl, s.EventTypes, s.CreatedAt, s.CreatedBy, null))
            .ToListAsync(ct));

    private static async Task<Created<SubscriptionView>> CreateAsync(NewSubscription body, ExchangeStore db, WebhookTargets targets, KeyMaterialProtector protector, HttpContext http, ClaimsPrincipal caller, TimeProvider clock, CancellationToken ct)
    {
        var name = body.Name?.Trim() ?? "";
        if (!SubscriptionName().IsMatch(name))
        {
            throw new InvalidParameterException("name", "subscription-name", "A subscription name is 2 to 60 lower-case letters, digits or hyphens, starting with a letter.");
        }

        var callback = await targets.CheckAsync(body.CallbackUrl, http.Request.Host.Value, ct);

        var types = body.EventTypes ?? [];
        if (types.Count == 0 || types.Count > 50 || types.Any(t => t is null || !EventTypePattern().IsMatch(t)))
        {
            throw new InvalidParameterException("eventTypes", "event-type-pattern",
                "eventTypes lists 1 to 50 event types such as payments.invoice.paid, or prefixes such as payments.*, or *.");
        }

        var secret = body.Secret;
        if (secret is not null && (secret.Length < 32 || secret.Length > 200))
        {
            throw new InvalidParameterException("secret", "secret-length", "A signing secret has 32 to 200 characters; leave it out and one is generated.");
        }

        if (await db.Subscriptions.AnyAsync(s => s.Name == name && s.RetiredAt == null, ct))
        {
            throw new DomainRuleViolationException("subscription-name-taken", $"A subscription named {name} is already in force.");
        }

        var id = Guid.CreateVersion7();
        var plaintext = secret ?? "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var subscription = new WebhookSubscription
        {
            Id = id,
            Name = name,
            CallbackUrl = callback.AbsoluteUri,
            EventTypes = types.Distinct().ToArray(),
            Secret = protector.Protect(WebhookSecrets.PurposeOf(id.ToString()), plaintext),
            CreatedAt = clock.GetUtcNow(),
            CreatedBy = caller.Identity?.Name ?? caller.FindFirstValue("sub") ?? "administrator",
        };
        db.Subscriptions.Add(subscription);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/exchange/subscriptions/{subscription.Id}",
            new SubscriptionView(subscription.Id, subscription.Name, subscription.CallbackUrl, subscription.EventTypes, subscription.CreatedAt, subscription.CreatedBy, plaintext));
    }

    private static async Task<NoContent> RetireAsync(Guid id, ExchangeStore db, TimeProvider clock, CancellationToken ct)
    {
        var subscription = await db.Subscriptions.SingleOrDefaultAsync(s => s.Id == id && s.RetiredAt == null, ct)
            ?? throw new ResourceNotFoundException("subscription-unknown", $"No subscription {id} is in force.");
        subscription.RetiredAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        await db.Deliveries.Where(d => d.SubscriptionId == id && d.Status == "pending")
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, "cancelled"), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<List<DeadLetter>>> DeadLettersAsync(ExchangeStore db, CancellationToken ct) =>
        TypedResults.Ok(await db.Deliveries.Where(d => d.Status == "dead")
            .Join(db.Outbox, d => d.EventId, o => o.EventId, (d, o) => new { d, o })
            .OrderByDescending(x => x.d.Id)
            .Take(1000)
            .Select(x => new DeadLetter(x.d.Id, x.d.Subscriber, x.o.EventId, x.o.Type, x.o.CorrelationId, x.o.OccurredAt, x.d.Attempts, x.d.LastError, x.d.NextAttemptAt))
            .ToListAsync(ct));

    private static async Task<Accepted<DeadLetter>> RetryAsync(long id, ExchangeStore db, CancellationToken ct)
    {
        var found = await db.Deliveries.Where(d => d.Id == id)
            .Join(db.Outbox, d => d.EventId, o => o.EventId, (d, o) => new { d, o })
            .SingleOrDefaultAsync(ct)
            ?? throw new ResourceNotFoundException("dead-letter-unknown", $"No delivery {id}.");
        if (found.d.Status != "dead")
        {
            throw new DomainRuleViolationException("dead-letter-state", $"Delivery {id} is {found.d.Status}, not a dead letter.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Deliveries.Where(d => d.Id == id && d.Status == "dead")
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, "pending").SetProperty(d => d.Attempts, 0).SetProperty(d => d.NextAttemptAt, DateTimeOffset.UtcNow), ct);
        await db.Database.ExecuteSqlRawAsync($"SELECT pg_notify('{OutboxDispatcher.Channel}', 'retry')", ct);
        await transaction.CommitAsync(ct);
        var d = found.d;
        return TypedResults.Accepted($"/api/exchange/dead-letters/{id}",
            new DeadLetter(d.Id, d.Subscriber, found.o.EventId, found.o.Type, found.o.CorrelationId, found.o.OccurredAt, 0, d.LastError, d.NextAttemptAt));
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{1,59}$")]
    private static partial Regex SubscriptionName();

    [GeneratedRegex(@"^(\*|[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*(\.\*)?)$")]
    private static partial Regex EventTypePattern();
}
