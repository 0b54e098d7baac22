using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Landplatform.Integrations.Tax;

/// <summary>
/// One rate of the published tax schedule, in force from <see cref="ValidFrom"/> until a later row of the
/// same category and code: the rates are never rewritten, a change is a new row.
/// </summary>
public sealed class TaxRate
{
    public long Id { get; init; }

    /// <summary><c>land-use</c> (XCD per m² of official area), <c>location</c> (factor per district), <c>building</c> (XCD per m² of floor),
    /// <c>property-tax</c> (share of roll value per year), <c>transfer-duty</c> (share of the duty base).</summary>
    public required string Category { get; init; }

    /// <summary>The land use, district code, building use, or <c>all</c> / the transfer kind.</summary>
    public required string Code { get; init; }

    public decimal Rate { get; init; }

    public DateOnly ValidFrom { get; init; }

    public required string Description { get; init; }
}

/// <summary>
/// One version of a parcel's roll entry. The roll is append-only: a new owner, a revaluation or the
/// parcel's retirement adds a version; the latest version of a parcel is its entry.
/// </summary>
public sealed class RollEntry
{
    public long Id { get; init; }

    public required string Upi { get; init; }

    public int Version { get; init; }

    /// <summary><c>valued</c>, or <c>retired</c> when the parcel left the fabric (it is then off the roll).</summary>
    public required string Status { get; init; }

    public decimal OfficialArea { get; init; }

    public required string LandUse { get; init; }

    public required string DistrictCode { get; init; }

    public decimal LandRate { get; init; }

    public decimal LocationFactor { get; init; }

    public decimal LandValue { get; init; }

    public decimal FloorArea { get; init; }

    public decimal BuildingValue { get; init; }

    public decimal Value { get; init; }

    /// <summary>The model in words, with the figures that went into it.</summary>
    public required string Basis { get; init; }

    public string? TitleNumber { get; init; }

    /// <summary>The registered owners as a JSON array of {partyId, name, uin, registrationNumber, share}.</summary>
    public required string Owners { get; init; }

    /// <summary><c>initial-roll</c>, <c>new-owner</c>, <c>subdivision</c>, <c>merge</c>, <c>retired</c>.</summary>
    public required string Reason { get; init; }

    /// <summary>The event that caused this version (null for the initial roll): repeats of it add nothing.</summary>
    public Guid? SourceEventId { get; init; }

    public DateOnly ValuedOn { get; init; }

    public DateTimeOffset RecordedAt { get; init; }
}

/// <summary>An annual property tax bill for one owner (person or organisation) and year.</summary>
public sealed class TaxBill
{
    public Guid Id { get; init; }

    public int TaxYear { get; init; }

    /// <summary>The owner as the register knows them: <c>uin:…</c>, <c>reg:…</c> (organisation), or <c>party:…</c>.</summary>
    public required string OwnerKey { get; init; }

    public required string OwnerName { get; init; }

    public string? OwnerUin { get; init; }

    /// <summary>The owner's share of the roll value of each parcel, as JSON [{upi, value, share, assessed}].</summary>
    public required string Parcels { get; init; }

    public decimal AssessedValue { get; init; }

    public decimal Rate { get; init; }

    public decimal Amount { get; init; }

    public Guid? InvoiceId { get; set; }

    public string? InvoiceNumber { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public required string CreatedBy { get; init; }
}

/// <summary>The tax module's store: schema <c>tax</c>.</summary>
public sealed class TaxStore(DbContextOptions<TaxStore> options) : DbContext(options)
{
    public const string Schema = "tax";

    public DbSet<TaxRate> Rates => Set<TaxRate>();

    public DbSet<RollEntry> Roll => Set<RollEntry>();

    public DbSet<TaxBill> Bills => Set<TaxBill>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.Entity<TaxRate>(e =>
        {
            e.ToTable("rates");
            e.HasKey(r => r.Id);
            e.Property(r => r.Id).HasColumnName("id").ValueGeneratedNever();
            e.Property(r => r.Category).HasColumnName("category").HasMaxLength(20);
            e.Property(r => r.Code).HasColumnName("code").HasMaxLength(32);
            e.Property(r => r.Rate).HasColumnName("rate").HasPrecision(12, 6);
            e.Property(r => r.ValidFrom).HasColumnName("valid_from");
            e.Property(r => r.Description).HasColumnName("description").HasMaxLength(200);
            e.HasIndex(r => new { r.Category, r.Code, r.ValidFrom }).IsUnique();
            e.HasData(TaxSchedule.Initial);
        });
        modelBuilder.Entity<RollEntry>(e =>
        {
            e.ToTable("roll_entries", t => t.HasCheckConstraint("ck_roll_entries_status", "status IN ('valued', 'retired')"));
            e.HasKey(r => r.Id);
            e.Property(r => r.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            e.Property(r => r.Upi).HasColumnName("upi").HasMaxLength(32);
            e.Property(r => r.Version).HasColumnName("version");
            e.HasIndex(r => new { r.Upi, r.Version }).IsUnique();
            e.HasIndex(r => new { r.Upi, r.SourceEventId }).IsUnique();
            e.Property(r => r.Status).HasColumnName("status").HasMaxLength(16);
            e.Property(r => r.OfficialArea).HasColumnName("official_area").HasPrecision(14, 2);
            e.Property(r => r.LandUse).HasColumnName("land_use").HasMaxLength(32);
            e.Property(r => r.DistrictCode).HasColumnName("district_code").HasMaxLength(8);
            e.Property(r => r.LandRate).HasColumnName("land_rate").HasPrecision(12, 6);
            e.Property(r => r.LocationFactor).HasColumnName("location_factor").HasPrecision(12, 6);
            e.Property(r => r.LandValue).HasColumnName("land_value").HasPrecision(16, 2);
            e.Property(r => r.FloorArea).HasColumnName("floor_area").HasPrecision(14, 2);
            e.Property(r => r.BuildingValue).HasColumnName("building_value").HasPrecision(16, 2);
            e.Property(r => r.Value).HasColumnName("value").HasPrecision(16, 2);
            e.Property(r => r.Basis).HasColumnName("basis").HasMaxLength(1000);
            e.Property(r => r.TitleNumber).HasColumnName("title_number").HasMaxLength(40);
            e.Property(r => r.Owners).HasColumnName("owners").HasColumnType("jsonb");
            e.Property(r => r.Reason).HasColumnName("reason").HasMaxLength(20);
            e.Property(r => r.SourceEventId).HasColumnName("source_event_id");
            e.Property(r => r.ValuedOn).HasColumnName("valued_on");
            e.Property(r => r.RecordedAt).HasColumnName("recorded_at");
        });
        modelBuilder.Entity<TaxBill>(e =>
        {
            e.ToTable("bills", t => t.HasCheckConstraint("ck_bills_amount", "amount >= 0"));
            e.HasKey(b => b.Id);
            e.Property(b => b.Id).HasColumnName("id");
            e.Property(b => b.TaxYear).HasColumnName("tax_year");
            e.Property(b => b.OwnerKey).HasColumnName("owner_key").HasMaxLength(60);
            e.HasIndex(b => new { b.TaxYear, b.OwnerKey }).IsUnique();
            e.Property(b => b.OwnerName).HasColumnName("owner_name").HasMaxLength(300);
            e.Property(b => b.OwnerUin).HasColumnName("owner_uin").HasMaxLength(32);
            e.HasIndex(b => new { b.OwnerUin, b.TaxYear });
            e.Property(b => b.Parcels).HasColumnName("parcels").HasColumnType("jsonb");
            e.Property(b => b.AssessedValue).HasColumnName("assessed_value").HasPrecision(16, 2);
            e.Property(b => b.Rate).HasColumnName("rate").HasPrecision(12, 6);
            e.Property(b => b.Amount).HasColumnName("amount").HasPrecision(14, 2);
            e.Property(b => b.InvoiceId).HasColumnName("invoice_id");
            e.Property(b => b.InvoiceNumber).HasColumnName("invoice_number").HasMaxLength(30);
            e.Property(b => b.CreatedAt).HasColumnName("created_at");
            e.Property(b => b.CreatedBy).HasColumnName("created_by").HasMaxLength(200);
        });
    }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the tax model without a database.</summary>
internal sealed class TaxDesignTimeFactory : IDesignTimeDbContextFactory<TaxStore>
{
    public TaxStore CreateDbContext(string[] args) =>
        new((DbContextOptions<TaxStore>)new DbContextOptionsBuilder<TaxStore>()
            .UseNpgsql("Host=localhost;Database=design", o => o.MigrationsHistoryTable("__migrations", TaxStore.Schema))
            .Options);
}
