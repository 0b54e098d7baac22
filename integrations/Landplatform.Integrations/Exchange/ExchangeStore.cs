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

/// <summary>The exchange's store: schema <c>exchange</c>, the outbox every module writes its events to.</summary>
public sealed class ExchangeStore(DbContextOptions<ExchangeStore> options) : DbContext(options)
{
    public const string Schema = "exchange";

    public DbSet<OutboxEvent> Outbox => Set<OutboxEvent>();

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
