using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Landplatform.Integrations.Customs;

/// <summary>One question the customs system asked and what it was told; the table is append-only.</summary>
public sealed class CustomsQuery
{
    public long Id { get; init; }

    public DateTimeOffset AskedAt { get; init; }

    /// <summary>The machine client that asked (its client id).</summary>
    public required string ClientId { get; init; }

    public required string Uin { get; init; }

    public required string Upi { get; init; }

    public bool Eligible { get; init; }

    /// <summary>The reasons given, as JSON [{code, met, message}].</summary>
    public required string Reasons { get; init; }

    public Guid CorrelationId { get; init; }
}

/// <summary>The customs link's audit: schema <c>customs</c>.</summary>
public sealed class CustomsStore(DbContextOptions<CustomsStore> options) : DbContext(options)
{
    public const string Schema = "customs";

    public DbSet<CustomsQuery> Queries => Set<CustomsQuery>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.Entity<CustomsQuery>(e =>
        {
            e.ToTable("queries");
            e.HasKey(q => q.Id);
            e.Property(q => q.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            e.Property(q => q.AskedAt).HasColumnName("asked_at");
            e.HasIndex(q => q.AskedAt);
            e.Property(q => q.ClientId).HasColumnName("client_id").HasMaxLength(100);
            e.Property(q => q.Uin).HasColumnName("uin").HasMaxLength(32);
            e.Property(q => q.Upi).HasColumnName("upi").HasMaxLength(32);
            e.Property(q => q.Eligible).HasColumnName("eligible");
            e.Property(q => q.Reasons).HasColumnName("reasons").HasColumnType("jsonb");
            e.Property(q => q.CorrelationId).HasColumnName("correlation_id");
        });
    }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the customs model without a database.</summary>
internal sealed class CustomsDesignTimeFactory : IDesignTimeDbContextFactory<CustomsStore>
{
    public CustomsStore CreateDbContext(string[] args) =>
        new((DbContextOptions<CustomsStore>)new DbContextOptionsBuilder<CustomsStore>()
            .UseNpgsql("Host=localhost;Database=design", o => o.MigrationsHistoryTable("__migrations", CustomsStore.Schema))
            .Options);
}
