using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Landplatform.Integrations.Permits;

/// <summary>A building permit application on one parcel.</summary>
public sealed class PermitApplication
{
    public Guid Id { get; init; }

    /// <summary><c>BP-2026-000001</c>.</summary>
    public required string Number { get; init; }

    public required string Upi { get; init; }

    public required string TitleNumber { get; init; }

    public required string Description { get; init; }

    /// <summary>The proposed building's footprint, GeoJSON in EPSG:2007 (the national grid); null = the whole parcel was checked.</summary>
    public string? Footprint { get; init; }

    public required string ApplicantName { get; init; }

    public required string ApplicantUin { get; init; }

    /// <summary><c>owner</c>, or <c>agent</c> acting with the consent of <see cref="OwnerUin"/>.</summary>
    public required string ApplicantCapacity { get; init; }

    /// <summary>The registered owner on whose land it is (the applicant, or whom the agent acts for).</summary>
    public required string OwnerUin { get; init; }

    public required string OwnerName { get; init; }

    public DateTimeOffset? ConsentedAt { get; set; }

    /// <summary><c>awaiting-consent</c>, <c>submitted</c>, <c>approved</c> or <c>refused</c>.</summary>
    public required string Status { get; set; }

    /// <summary>The automatic check's findings: JSON [{id, severity, message}].</summary>
    public string? Findings { get; set; }

    public DateTimeOffset? CheckedAt { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? SubmittedAt { get; set; }

    public string? DecidedBy { get; set; }

    public DateTimeOffset? DecidedAt { get; set; }

    public string? Reasons { get; set; }
}

/// <summary>The permits module's store: schema <c>permits</c>.</summary>
public sealed class PermitsStore(DbContextOptions<PermitsStore> options) : DbContext(options)
{
    public const string Schema = "permits";

    public DbSet<PermitApplication> Applications => Set<PermitApplication>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.HasSequence<long>("application_number");
        modelBuilder.Entity<PermitApplication>(e =>
        {
            e.ToTable("applications", t => t.HasCheckConstraint("ck_applications_status", "status IN ('awaiting-consent', 'submitted', 'approved', 'refused')"));
            e.HasKey(a => a.Id);
            e.Property(a => a.Id).HasColumnName("id");
            e.Property(a => a.Number).HasColumnName("number").HasMaxLength(30);
            e.HasIndex(a => a.Number).IsUnique();
            e.Property(a => a.Upi).HasColumnName("upi").HasMaxLength(32);
            e.HasIndex(a => new { a.Upi, a.Status });
            e.Property(a => a.TitleNumber).HasColumnName("title_number").HasMaxLength(40);
            e.Property(a => a.Description).HasColumnName("description").HasMaxLength(2000);
            e.Property(a => a.Footprint).HasColumnName("footprint").HasColumnType("jsonb");
            e.Property(a => a.ApplicantName).HasColumnName("applicant_name").HasMaxLength(300);
            e.Property(a => a.ApplicantUin).HasColumnName("applicant_uin").HasMaxLength(32);
            e.HasIndex(a => a.ApplicantUin);
            e.Property(a => a.ApplicantCapacity).HasColumnName("applicant_capacity").HasMaxLength(10);
            e.Property(a => a.OwnerUin).HasColumnName("owner_uin").HasMaxLength(32);
            e.HasIndex(a => a.OwnerUin);
            e.Property(a => a.OwnerName).HasColumnName("owner_name").HasMaxLength(300);
            e.Property(a => a.ConsentedAt).HasColumnName("consented_at");
            e.Property(a => a.Status).HasColumnName("status").HasMaxLength(20);
            e.Property(a => a.Findings).HasColumnName("findings").HasColumnType("jsonb");
            e.Property(a => a.CheckedAt).HasColumnName("checked_at");
            e.Property(a => a.CreatedAt).HasColumnName("created_at");
            e.Property(a => a.SubmittedAt).HasColumnName("submitted_at");
            e.Property(a => a.DecidedBy).HasColumnName("decided_by").HasMaxLength(200);
            e.Property(a => a.DecidedAt).HasColumnName("decided_at");
            e.Property(a => a.Reasons).HasColumnName("reasons").HasMaxLength(2000);
        });
    }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the permits model without a database.</summary>
internal sealed class PermitsDesignTimeFactory : IDesignTimeDbContextFactory<PermitsStore>
{
    public PermitsStore CreateDbContext(string[] args) =>
        new((DbContextOptions<PermitsStore>)new DbContextOptionsBuilder<PermitsStore>()
            .UseNpgsql("Host=localhost;Database=design", o => o.MigrationsHistoryTable("__migrations", PermitsStore.Schema))
            .Options);
}
