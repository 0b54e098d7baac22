using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Landplatform.Registry.Data;

/// <summary>The registry's write model: everything in the <c>registry</c> schema.</summary>
public sealed class RegistryDbContext(DbContextOptions<RegistryDbContext> options) : DbContext(options)
{
    public const string Schema = "registry";

    public DbSet<Party> Parties => Set<Party>();

    public DbSet<Title> Titles => Set<Title>();

    public DbSet<TitleParcel> TitleParcels => Set<TitleParcel>();

    public DbSet<RegisteredRight> Rights => Set<RegisteredRight>();

    public DbSet<RegistryTransaction> Transactions => Set<RegistryTransaction>();

    public DbSet<TransactionStep> Steps => Set<TransactionStep>();

    public DbSet<TransactionDocument> Documents => Set<TransactionDocument>();

    public DbSet<FeePayment> Payments => Set<FeePayment>();

    public DbSet<AlienLicence> AlienLicences => Set<AlienLicence>();

    public DbSet<AlienLicenceParcel> AlienLicenceParcels => Set<AlienLicenceParcel>();

    public DbSet<AlienLicenceRevocation> AlienLicenceRevocations => Set<AlienLicenceRevocation>();

    public DbSet<JournalEntry> Journal => Set<JournalEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.HasPostgresExtension("pg_trgm");

        modelBuilder.Entity<Party>(e =>
        {
            e.ToTable("parties", t => t.HasCheckConstraint("ck_parties_identified",
                "(kind = 'person' AND uin IS NOT NULL) OR (kind = 'organisation' AND registration_number IS NOT NULL)"));
            e.HasKey(p => p.Id);
            e.Property(p => p.Id).UseIdentityByDefaultColumn();
            e.Property(p => p.Kind).HasConversion(SnakeCaseEnum<PartyKind>()).HasMaxLength(16);
            e.Property(p => p.Uin).HasMaxLength(32);
            e.Property(p => p.RegistrationNumber).HasMaxLength(32);
            e.Property(p => p.Name).HasMaxLength(300);
            e.Property(p => p.RecordedAt).HasDefaultValueSql("now()");
            e.HasIndex(p => p.Uin).IsUnique();
            e.HasIndex(p => p.RegistrationNumber).IsUnique();
            e.HasIndex(p => p.Name).HasMethod("gin").HasOperators("gin_trgm_ops");
        });

        modelBuilder.Entity<Title>(e =>
        {
            e.ToTable("titles");
            e.HasKey(t => t.TitleNumber);
            e.Property(t => t.TitleNumber).HasMaxLength(40);
            e.HasIndex(t => t.OpenedByTransactionId);
            e.HasIndex(t => t.ClosedByTransactionId);
        });

        modelBuilder.Entity<TitleParcel>(e =>
        {
            e.ToTable("title_parcels");
            e.HasKey(t => new { t.TitleNumber, t.Upi });
            e.Property(t => t.Upi).HasMaxLength(32);
            e.HasIndex(t => t.Upi);
            e.HasIndex(t => t.CreatedByTransactionId);
            e.HasOne<Title>().WithMany().HasForeignKey(t => t.TitleNumber).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<RegisteredRight>(e =>
        {
            e.ToTable("rights", t =>
            {
                t.HasCheckConstraint("ck_rights_share", "share_numerator > 0 AND share_denominator > 0 AND share_numerator <= share_denominator");
                t.HasCheckConstraint("ck_rights_period", "valid_to IS NULL OR valid_to >= valid_from");
                t.HasCheckConstraint("ck_rights_ended_together", "(valid_to IS NULL) = (ended_by_transaction_id IS NULL)");
            });
            e.HasKey(r => r.Id);
            e.Property(r => r.Id).UseIdentityAlwaysColumn();
            e.Property(r => r.Kind).HasConversion(SnakeCaseEnum<RightKind>()).HasMaxLength(16);
            e.Property(r => r.Amount).HasPrecision(16, 2);
            e.Property(r => r.Terms).HasMaxLength(2000);
            e.HasIndex(r => r.TitleNumber).HasFilter("valid_to IS NULL").HasDatabaseName("ix_rights_title_current");
            e.HasIndex(r => new { r.TitleNumber, r.ValidFrom }).HasDatabaseName("ix_rights_title");
            e.HasIndex(r => r.PartyId);
            e.HasIndex(r => r.CreatedByTransactionId);
            e.HasIndex(r => r.EndedByTransactionId);
            e.HasOne<Title>().WithMany().HasForeignKey(r => r.TitleNumber).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Party>().WithMany().HasForeignKey(r => r.PartyId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<RegistryTransaction>(e =>
        {
            e.ToTable("transactions");
            e.HasKey(t => t.Id);
            e.Property(t => t.Kind).HasConversion(SnakeCaseEnum<TransactionKind>()).HasMaxLength(32);
            e.Property(t => t.State).HasConversion(SnakeCaseEnum<TransactionState>()).HasMaxLength(16);
            e.Property(t => t.Instrument).HasColumnType("jsonb");
            e.Property(t => t.LodgedBy).HasMaxLength(200);
            e.Property(t => t.Fee).HasPrecision(12, 2);
            e.Property(t => t.Note).HasMaxLength(2000);
            e.Property(t => t.Duty).HasPrecision(16, 2);
            e.Property(t => t.DutyBasis).HasMaxLength(500);
            e.Property(t => t.InvoiceNumber).HasMaxLength(40);
            e.Property(t => t.InvoiceTotal).HasPrecision(16, 2);
            e.Property(t => t.ReceiptNumber).HasMaxLength(40);
            e.HasIndex(t => t.InvoiceId).IsUnique();
            e.HasIndex(t => new { t.TitleNumber, t.LodgedAt });
            e.HasIndex(t => new { t.State, t.LodgedAt });
        });

        modelBuilder.Entity<TransactionStep>(e =>
        {
            e.ToTable("transaction_steps");
            e.HasKey(s => s.Id);
            e.Property(s => s.Id).UseIdentityAlwaysColumn();
            e.Property(s => s.State).HasConversion(SnakeCaseEnum<TransactionState>()).HasMaxLength(16);
            e.Property(s => s.By).HasMaxLength(200);
            e.Property(s => s.Note).HasMaxLength(2000);
            e.HasIndex(s => s.TransactionId);
            e.HasOne<RegistryTransaction>().WithMany().HasForeignKey(s => s.TransactionId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<TransactionDocument>(e =>
        {
            e.ToTable("transaction_documents", t => t.HasCheckConstraint("ck_transaction_documents_sha256", "sha256 ~ '^[0-9a-f]{64}$'"));
            e.HasKey(d => d.Id);
            e.Property(d => d.Id).UseIdentityAlwaysColumn();
            e.Property(d => d.Kind).HasMaxLength(32);
            e.Property(d => d.FileName).HasMaxLength(260);
            e.Property(d => d.Sha256).HasMaxLength(64);
            e.Property(d => d.AttachedBy).HasMaxLength(200);
            e.HasIndex(d => d.TransactionId);
            e.HasOne<RegistryTransaction>().WithMany().HasForeignKey(d => d.TransactionId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<FeePayment>(e =>
        {
            e.ToTable("fee_payments", t => t.HasCheckConstraint("ck_fee_payments_positive", "amount > 0"));
            e.HasKey(p => p.Id);
            e.Property(p => p.Id).UseIdentityAlwaysColumn();
            e.Property(p => p.Amount).HasPrecision(12, 2);
            e.Property(p => p.Reference).HasMaxLength(100);
            e.Property(p => p.RecordedBy).HasMaxLength(200);
            e.HasIndex(p => p.TransactionId);
            e.HasOne<RegistryTransaction>().WithMany().HasForeignKey(p => p.TransactionId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<AlienLicence>(e =>
        {
            e.ToTable("alien_licences", t =>
            {
                t.HasCheckConstraint("ck_alien_licences_holder",
                    "(holder_kind = 'person' AND holder_uin IS NOT NULL AND holder_registration_number IS NULL) OR (holder_kind = 'organisation' AND holder_registration_number IS NOT NULL AND holder_uin IS NULL)");
                t.HasCheckConstraint("ck_alien_licences_period", "expires_on IS NULL OR expires_on >= granted_on");
            });
            e.HasKey(l => l.Id);
            e.Property(l => l.Id).UseIdentityAlwaysColumn();
            e.Property(l => l.Number).HasMaxLength(40);
            e.HasIndex(l => l.Number).IsUnique();
            e.Property(l => l.HolderKind).HasConversion(SnakeCaseEnum<PartyKind>()).HasMaxLength(16);
            e.Property(l => l.HolderUin).HasMaxLength(32);
            e.Property(l => l.HolderRegistrationNumber).HasMaxLength(32);
            e.Property(l => l.HolderName).HasMaxLength(300);
            e.Property(l => l.Conditions).HasMaxLength(2000);
            e.Property(l => l.RecordedBy).HasMaxLength(200);
            e.HasIndex(l => l.HolderUin);
            e.HasIndex(l => l.HolderRegistrationNumber);
        });

        modelBuilder.Entity<AlienLicenceParcel>(e =>
        {
            e.ToTable("alien_licence_parcels");
            e.HasKey(p => new { p.LicenceId, p.Upi });
            e.Property(p => p.Upi).HasMaxLength(32);
            e.HasIndex(p => p.Upi);
            e.HasOne<AlienLicence>().WithMany().HasForeignKey(p => p.LicenceId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<AlienLicenceRevocation>(e =>
        {
            e.ToTable("alien_licence_revocations");
            e.HasKey(r => r.Id);
            e.Property(r => r.Id).UseIdentityAlwaysColumn();
            e.HasIndex(r => r.LicenceId).IsUnique();
            e.Property(r => r.Reason).HasMaxLength(2000);
            e.Property(r => r.RecordedBy).HasMaxLength(200);
            e.HasOne<AlienLicence>().WithMany().HasForeignKey(r => r.LicenceId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<JournalEntry>(e =>
        {
            e.ToTable("journal", t => t.HasCheckConstraint("ck_journal_hash_length", "length(hash) = 32 AND length(previous_hash) = 32"));
            e.HasKey(j => j.Seq);
            e.Property(j => j.Seq).ValueGeneratedNever();
            e.HasIndex(j => j.TransactionId).IsUnique();
        });

        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }
    }

    /// <summary>The snake_case spelling the database uses for names and enum values.</summary>
    public static string SnakeCase(string name)
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

    private static ValueConverter<TEnum, string> SnakeCaseEnum<TEnum>()
        where TEnum : struct, Enum =>
        new(v => SnakeCase(v.ToString()), s => Enum.Parse<TEnum>(s.Replace("_", string.Empty, StringComparison.Ordinal), true));
}
