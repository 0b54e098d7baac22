using Microsoft.EntityFrameworkCore;

namespace Landplatform.Integrations.Exchange;

/// <summary>
/// An event a module recorded in the same database transaction as its change. Modules insert rows
/// (ARCHITECTURE.md, Events); the exchange delivers them and marks them dispatched.
/// </summary>
public sealed class OutboxEvent
{
    public long Id { get; init; }

    /// <summary>Unique per event; subscribers use it as the idempotency key.</summary>
    public Guid EventId { get; init; }

    /// <summary>What happened, e.g. <c>cadastre.fabric.changed</c>.</summary>
    public required string Type { get; init; }

    public DateTimeOffset OccurredAt { get; init; }

    public Guid CorrelationId { get; init; }

    /// <summary>The event body as JSON.</summary>
    public required string Payload { get; init; }

    public DateTimeOffset? DispatchedAt { get; set; }
}

/// <summary>
/// An external system registered by an administrator to receive events as signed webhooks: a POST of
/// the event JSON to <see cref="CallbackUrl"/>, signed with HMAC-SHA256 under <see cref="Secret"/>.
/// </summary>
public sealed class WebhookSubscription
{
    public Guid Id { get; init; }

    /// <summary>Lower-case letters, digits and hyphens; deliveries are recorded as <c>webhook:NAME</c>.</summary>
    public required string Name { get; init; }

    public required string CallbackUrl { get; init; }

    /// <summary>Exact event types or prefixes ending in <c>*</c>.</summary>
    public required string[] EventTypes { get; init; }

    /// <summary>The shared HMAC key, shown to the administrator once when the subscription is made; stored protected with the key ring (<c>dp1:</c>).</summary>
    public required string Secret { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public required string CreatedBy { get; init; }

    /// <summary>Set when an administrator removes it; pending deliveries then stop.</summary>
    public DateTimeOffset? RetiredAt { get; set; }
}

/// <summary>
/// One event for one subscriber: pending until delivered, retried with back-off, dead after the last
/// attempt. Unique per (subscriber, event), which is what makes a repeat do nothing.
/// </summary>
public sealed class EventDelivery
{
    public long Id { get; init; }

    public Guid EventId { get; init; }

    public required string Subscriber { get; init; }

    public Guid? SubscriptionId { get; init; }

    /// <summary><c>pending</c>, <c>delivered</c>, <c>dead</c> or <c>cancelled</c>.</summary>
    public required string Status { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? DeliveredAt { get; set; }
}

/// <summary>The exchange's store: schema <c>exchange</c>, the outbox every module writes its events to.</summary>
public sealed class ExchangeStore(DbContextOptions<ExchangeStore> options) : DbContext(options)
{
    public const string Schema = "exchange";

    public DbSet<OutboxEvent> Outbox => Set<OutboxEvent>();

    public DbSet<WebhookSubscription> Subscriptions => Set<WebhookSubscription>();

    public DbSet<EventDelivery> Deliveries => Set<EventDelivery>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.Entity<OutboxEvent>(e =>
        {
            e.ToTable("outbox");
            e.HasKey(o => o.Id);
            e.Property(o => o.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            e.Property(o => o.EventId).HasColumnName("event_id");
            e.HasIndex(o => o.EventId).IsUnique();
            e.Property(o => o.Type).HasColumnName("type").HasMaxLength(100);
            e.Property(o => o.OccurredAt).HasColumnName("occurred_at");
            e.Property(o => o.CorrelationId).HasColumnName("correlation_id");
            e.Property(o => o.Payload).HasColumnName("payload").HasColumnType("jsonb");
            e.Property(o => o.DispatchedAt).HasColumnName("dispatched_at");
            e.HasIndex(o => o.Id).HasFilter("dispatched_at IS NULL").HasDatabaseName("ix_outbox_undispatched");
        });
        modelBuilder.Entity<WebhookSubscription>(e =>
        {
            e.ToTable("subscriptions");
            e.HasKey(s => s.Id);
            e.Property(s => s.Id).HasColumnName("id");
            e.Property(s => s.Name).HasColumnName("name").HasMaxLength(60);
            e.HasIndex(s => s.Name).IsUnique();
            e.Property(s => s.CallbackUrl).HasColumnName("callback_url").HasMaxLength(2000);
            e.Property(s => s.EventTypes).HasColumnName("event_types");
            e.Property(s => s.Secret).HasColumnName("secret").HasMaxLength(1000);
            e.Property(s => s.CreatedAt).HasColumnName("created_at");
            e.Property(s => s.CreatedBy).HasColumnName("created_by").HasMaxLength(200);
            e.Property(s => s.RetiredAt).HasColumnName("retired_at");
        });
        modelBuilder.Entity<EventDelivery>(e =>
        {
            e.ToTable("deliveries");
            e.HasKey(d => d.Id);
            e.Property(d => d.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            e.Property(d => d.EventId).HasColumnName("event_id");
            e.HasOne<OutboxEvent>().WithMany().HasForeignKey(d => d.EventId).HasPrincipalKey(o => o.EventId).OnDelete(DeleteBehavior.Restrict);
            e.Property(d => d.Subscriber).HasColumnName("subscriber").HasMaxLength(120);
            e.HasIndex(d => new { d.Subscriber, d.EventId }).IsUnique();
            e.Property(d => d.SubscriptionId).HasColumnName("subscription_id");
            e.HasOne<WebhookSubscription>().WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.Restrict);
            e.Property(d => d.Status).HasColumnName("status").HasMaxLength(20);
            e.Property(d => d.Attempts).HasColumnName("attempts");
            e.Property(d => d.NextAttemptAt).HasColumnName("next_attempt_at");
            e.Property(d => d.LastError).HasColumnName("last_error");
            e.Property(d => d.CreatedAt).HasColumnName("created_at");
            e.Property(d => d.DeliveredAt).HasColumnName("delivered_at");
            e.HasIndex(d => d.NextAttemptAt).HasFilter("status = 'pending'").HasDatabaseName("ix_deliveries_due");
            e.HasIndex(d => d.Id).HasFilter("status = 'dead'").HasDatabaseName("ix_deliveries_dead");
        });
    }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the exchange model without a database.</summary>
internal sealed class ExchangeDesignTimeFactory : Microsoft.EntityFrameworkCore.Design.IDesignTimeDbContextFactory<ExchangeStore>
{
    public ExchangeStore CreateDbContext(string[] args) =>
        new((DbContextOptions<ExchangeStore>)new DbContextOptionsBuilder<ExchangeStore>()
            .UseNpgsql("Host=localhost;Database=design", o => o.MigrationsHistoryTable("__migrations", ExchangeStore.Schema))
            .Options);
}
