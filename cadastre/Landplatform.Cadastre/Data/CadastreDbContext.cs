using Landplatform.Cadastre.Fabric;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Landplatform.Cadastre.Data;

/// <summary>The cadastre's write model: everything in the <c>cadastre</c> schema.</summary>
public sealed class CadastreDbContext(DbContextOptions<CadastreDbContext> options) : DbContext(options)
{
    public const string Schema = "cadastre";

    /// <summary>The national grid's SRID; every geometry column is stored in it.</summary>
    public const int NationalSrid = 2007;

    public DbSet<ParcelVersion> ParcelVersions => Set<ParcelVersion>();

    public DbSet<ParcelRecord> ParcelRecords => Set<ParcelRecord>();

    public DbSet<FabricTransaction> Transactions => Set<FabricTransaction>();

    public DbSet<LineageEdge> Lineage => Set<LineageEdge>();

    public DbSet<District> Districts => Set<District>();

    public DbSet<Block> Blocks => Set<Block>();

    public DbSet<RoadReserve> RoadReserves => Set<RoadReserve>();

    public DbSet<Building> Buildings => Set<Building>();

    public DbSet<HazardZone> HazardZones => Set<HazardZone>();

    public DbSet<Surveys.Survey> Surveys => Set<Surveys.Survey>();

    public DbSet<Surveys.SurveyRevision> SurveyRevisions => Set<Surveys.SurveyRevision>();

    public DbSet<Surveys.SurveyLot> SurveyLots => Set<Surveys.SurveyLot>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.HasPostgresExtension("postgis");
        modelBuilder.HasPostgresExtension("btree_gist");
        modelBuilder.HasPostgresExtension("pg_trgm");

        modelBuilder.Entity<FabricTransaction>(e =>
        {
            e.ToTable("fabric_transactions");
            e.HasKey(t => t.Id);
            e.Property(t => t.Kind).HasConversion(SnakeCaseEnum<FabricTransactionKind>()).HasMaxLength(32);
            e.Property(t => t.Reference).HasMaxLength(200);
            e.Property(t => t.RecordedBy).HasMaxLength(200);
            e.Property(t => t.RecordedAt).HasDefaultValueSql("now()");
        });

        modelBuilder.Entity<ParcelRecord>(e =>
        {
            e.ToTable("parcel_records");
            e.HasKey(p => p.Upi);
            e.Property(p => p.Upi).HasMaxLength(32);
            e.Property(p => p.DistrictCode).HasMaxLength(8);
            e.Property(p => p.BlockCode).HasMaxLength(16);
            e.HasIndex(p => new { p.BlockCode, p.LotNumber }).IsUnique();
            e.HasOne<FabricTransaction>().WithMany().HasForeignKey(p => p.IssuedByTransactionId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<ParcelVersion>(e =>
        {
            e.ToTable("parcel_versions", t =>
            {
                t.HasCheckConstraint("ck_parcel_versions_period", "valid_to IS NULL OR valid_to > valid_from");
                t.HasCheckConstraint("ck_parcel_versions_current_is_open", "(status = 'current') = (valid_to IS NULL) OR status = 'pending'");
                t.HasCheckConstraint("ck_parcel_versions_valid_boundary", "ST_IsValid(boundary) AND NOT ST_IsEmpty(boundary)");
                t.HasCheckConstraint("ck_parcel_versions_official_area", "official_area > 0");
            });
            e.HasKey(p => p.Id);
            e.Property(p => p.Id).UseIdentityAlwaysColumn();
            e.Property(p => p.Upi).HasMaxLength(32);
            e.Property(p => p.Boundary).HasColumnType($"geometry(MultiPolygon,{NationalSrid})");
            e.Property(p => p.OfficialArea).HasPrecision(14, 2);
            e.Property(p => p.ComputedArea).HasComputedColumnSql("ST_Area(boundary)", stored: true);
            e.Property(p => p.LandUse).HasMaxLength(32);
            e.Property(p => p.Address).HasMaxLength(200);
            e.Property(p => p.DistrictCode).HasMaxLength(8);
            e.Property(p => p.BlockCode).HasMaxLength(16);
            e.Property(p => p.Status).HasConversion(SnakeCaseEnum<ParcelStatus>()).HasMaxLength(16);
            e.HasIndex(p => new { p.Upi, p.Version }).IsUnique();
            e.HasOne<ParcelRecord>().WithMany().HasForeignKey(p => p.Upi).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<FabricTransaction>().WithMany().HasForeignKey(p => p.TransactionId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<FabricTransaction>().WithMany().HasForeignKey(p => p.RetiredByTransactionId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<LineageEdge>(e =>
        {
            e.ToTable("lineage_edges", t => t.HasCheckConstraint("ck_lineage_edges_not_self", "parent_upi <> child_upi"));
            e.HasKey(l => new { l.ParentUpi, l.ChildUpi });
            e.HasIndex(l => l.ChildUpi);
            e.HasOne<ParcelRecord>().WithMany().HasForeignKey(l => l.ParentUpi).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<ParcelRecord>().WithMany().HasForeignKey(l => l.ChildUpi).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<FabricTransaction>().WithMany().HasForeignKey(l => l.TransactionId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<District>(e =>
        {
            e.ToTable("districts");
            e.HasKey(d => d.Code);
            e.Property(d => d.Code).HasMaxLength(8);
            e.Property(d => d.Name).HasMaxLength(100);
            e.Property(d => d.Boundary).HasColumnType($"geometry(MultiPolygon,{NationalSrid})");
            e.HasIndex(d => d.Boundary).HasMethod("gist");
        });

        modelBuilder.Entity<Block>(e =>
        {
            e.ToTable("blocks");
            e.HasKey(b => b.Code);
            e.Property(b => b.Code).HasMaxLength(16);
            e.Property(b => b.DistrictCode).HasMaxLength(8);
            e.Property(b => b.Boundary).HasColumnType($"geometry(MultiPolygon,{NationalSrid})");
            e.HasIndex(b => b.Boundary).HasMethod("gist");
            e.HasOne<District>().WithMany().HasForeignKey(b => b.DistrictCode).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<RoadReserve>(e =>
        {
            e.ToTable("road_reserves");
            e.HasKey(r => r.Id);
            e.Property(r => r.Name).HasMaxLength(200);
            e.Property(r => r.RoadClass).HasMaxLength(32);
            e.Property(r => r.Boundary).HasColumnType($"geometry(MultiPolygon,{NationalSrid})");
            e.HasIndex(r => r.Boundary).HasMethod("gist");
        });

        modelBuilder.Entity<Building>(e =>
        {
            e.ToTable("buildings");
            e.HasKey(b => b.Id);
            e.Property(b => b.Upi).HasMaxLength(32);
            e.Property(b => b.Use).HasMaxLength(32);
            e.Property(b => b.Footprint).HasColumnType($"geometry(Polygon,{NationalSrid})");
            e.HasIndex(b => b.Footprint).HasMethod("gist");
            e.HasIndex(b => b.Upi);
            e.HasOne<ParcelRecord>().WithMany().HasForeignKey(b => b.Upi).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<HazardZone>(e =>
        {
            e.ToTable("hazard_zones", t =>
            {
                t.HasCheckConstraint("ck_hazard_zones_hazard", "hazard IN ('flood_coastal','flood_river','landslide','storm_surge')");
                t.HasCheckConstraint("ck_hazard_zones_level", "level IN ('low','medium','high')");
            });
            e.HasKey(h => h.Id);
            e.Property(h => h.Hazard).HasMaxLength(32);
            e.Property(h => h.Level).HasMaxLength(16);
            e.Property(h => h.Boundary).HasColumnType($"geometry(MultiPolygon,{NationalSrid})");
            e.HasIndex(h => h.Boundary).HasMethod("gist");
        });

        modelBuilder.Entity<Surveys.Survey>(e =>
        {
            e.ToTable("surveys", t => t.HasCheckConstraint("ck_surveys_status", "status IN ('submitted','checked','examined','approved','rejected')"));
            e.HasKey(s => s.Id);
            e.Property(s => s.Reference).HasMaxLength(64);
            e.HasIndex(s => s.Reference).IsUnique();
            e.Property(s => s.Surveyor).HasMaxLength(256);
            e.Property(s => s.LicenceNumber).HasMaxLength(64);
            e.Property(s => s.Status).HasConversion(SnakeCaseEnum<Surveys.SurveyStatus>()).HasMaxLength(16);
            e.Property(s => s.DecidedBy).HasMaxLength(256);
            e.Property(s => s.DecisionReason).HasMaxLength(2000);
            e.HasIndex(s => s.ParentUpis).HasMethod("gin");
            e.HasOne<FabricTransaction>().WithMany().HasForeignKey(s => s.FabricTransactionId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<Surveys.SurveyRevision>(e =>
        {
            e.ToTable("survey_revisions");
            e.HasKey(r => new { r.SurveyId, r.Revision });
            e.Property(r => r.FileName).HasMaxLength(260);
            e.Property(r => r.FileSha256).HasMaxLength(64);
            e.Property(r => r.Format).HasMaxLength(16);
            e.Property(r => r.Findings).HasColumnType("jsonb");
            e.HasOne<Surveys.Survey>().WithMany().HasForeignKey(r => r.SurveyId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<Surveys.SurveyLot>(e =>
        {
            e.ToTable("survey_lots");
            e.HasKey(l => new { l.SurveyId, l.Revision, l.Label });
            e.Property(l => l.Label).HasMaxLength(100);
            e.Property(l => l.StatedArea).HasPrecision(14, 2);
            e.Property(l => l.Boundary).HasColumnType($"geometry(Polygon,{NationalSrid})");
            e.HasIndex(l => l.Boundary).HasMethod("gist");
            e.HasOne<Surveys.SurveyRevision>().WithMany().HasForeignKey(l => new { l.SurveyId, l.Revision }).OnDelete(DeleteBehavior.Restrict);
        });

        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }
    }

    private static ValueConverter<TEnum, string> SnakeCaseEnum<TEnum>()
        where TEnum : struct, Enum =>
        new(v => SnakeCase(v.ToString()), s => Enum.Parse<TEnum>(s.Replace("_", string.Empty, StringComparison.Ordinal), true));

    internal static string SnakeCase(string name)
    {
        var builder = new System.Text.StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }
}
