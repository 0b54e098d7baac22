using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Landplatform.Integrations.Documents;

/// <summary>Content stored once under its SHA-256: the same bytes lodged twice are one row.</summary>
public sealed class StoredContent
{
    /// <summary>Lower-case hex SHA-256 of <see cref="Content"/>.</summary>
    public required string Sha256 { get; init; }

    public required byte[] Content { get; init; }

    public long Size { get; init; }

    public required string MediaType { get; init; }

    public DateTimeOffset StoredAt { get; init; }
}

/// <summary>The platform's certification authority: its certificate and key (protected with the key ring, <c>dp1:</c>), created once.</summary>
public sealed class SigningAuthority
{
    public int Id { get; init; }

    public required string CertificatePem { get; init; }

    public required string PrivateKeyPem { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A signing certificate the platform CA issued to a notary.</summary>
public sealed class NotaryCertificate
{
    /// <summary>Hex serial number, unique per certificate.</summary>
    public required string SerialNumber { get; init; }

    public required string NotaryUserId { get; init; }

    public required string Subject { get; init; }

    public required string Thumbprint { get; init; }

    public required byte[] Certificate { get; init; }

    public DateTimeOffset IssuedAt { get; init; }

    public DateTimeOffset NotAfter { get; init; }

    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>A deed lodged by a notary, its CMS signature checked at lodgement.</summary>
public sealed class SignedDeed
{
    public Guid Id { get; init; }

    public required string ContentSha256 { get; init; }

    public required string SignatureSha256 { get; init; }

    public required string SignerSerialNumber { get; init; }

    public required string SignerSubject { get; init; }

    public required string LodgedBy { get; init; }

    public DateTimeOffset LodgedAt { get; init; }

    public DateTimeOffset? SignedAt { get; init; }

    /// <summary>What the deed is for, e.g. a registry transaction id.</summary>
    public string? Reference { get; init; }

    public string? ParcelUpi { get; init; }

    public required string FileName { get; init; }
}

/// <summary>A scanned paper deed with its index entry.</summary>
public sealed class ScannedDeed
{
    public Guid Id { get; init; }

    public required string ContentSha256 { get; init; }

    public int Book { get; init; }

    public int Page { get; init; }

    public DateOnly RecordedOn { get; init; }

    /// <summary>The parties as written in the index, separated by semicolons.</summary>
    public required string Parties { get; init; }

    public string? ParcelUpi { get; init; }

    public required string FileName { get; init; }

    public DateTimeOffset ImportedAt { get; init; }

    public required string ImportedBy { get; init; }
}

/// <summary>The documents module's store: schema <c>documents</c>.</summary>
public sealed class DocumentsStore(DbContextOptions<DocumentsStore> options) : DbContext(options)
{
    public const string Schema = "documents";

    public DbSet<StoredContent> Contents => Set<StoredContent>();

    public DbSet<SigningAuthority> Authorities => Set<SigningAuthority>();

    public DbSet<NotaryCertificate> Certificates => Set<NotaryCertificate>();

    public DbSet<SignedDeed> Deeds => Set<SignedDeed>();

    public DbSet<ScannedDeed> Scans => Set<ScannedDeed>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.Entity<StoredContent>(e =>
        {
            e.ToTable("contents");
            e.HasKey(c => c.Sha256);
            e.Property(c => c.Sha256).HasColumnName("sha256").HasMaxLength(64).IsFixedLength();
            e.Property(c => c.Content).HasColumnName("content");
            e.Property(c => c.Size).HasColumnName("size");
            e.Property(c => c.MediaType).HasColumnName("media_type").HasMaxLength(100);
            e.Property(c => c.StoredAt).HasColumnName("stored_at");
        });
        modelBuilder.Entity<SigningAuthority>(e =>
        {
            e.ToTable("authority");
            e.HasKey(a => a.Id);
            e.Property(a => a.Id).HasColumnName("id").ValueGeneratedNever();
            e.Property(a => a.CertificatePem).HasColumnName("certificate_pem");
            e.Property(a => a.PrivateKeyPem).HasColumnName("private_key_pem");
            e.Property(a => a.CreatedAt).HasColumnName("created_at");
        });
        modelBuilder.Entity<NotaryCertificate>(e =>
        {
            e.ToTable("notary_certificates");
            e.HasKey(c => c.SerialNumber);
            e.Property(c => c.SerialNumber).HasColumnName("serial_number").HasMaxLength(64);
            e.Property(c => c.NotaryUserId).HasColumnName("notary_user_id").HasMaxLength(64);
            e.HasIndex(c => c.NotaryUserId);
            e.Property(c => c.Subject).HasColumnName("subject").HasMaxLength(400);
            e.Property(c => c.Thumbprint).HasColumnName("thumbprint").HasMaxLength(64);
            e.Property(c => c.Certificate).HasColumnName("certificate");
            e.Property(c => c.IssuedAt).HasColumnName("issued_at");
            e.Property(c => c.NotAfter).HasColumnName("not_after");
            e.Property(c => c.RevokedAt).HasColumnName("revoked_at");
        });
        modelBuilder.Entity<SignedDeed>(e =>
        {
            e.ToTable("deeds");
            e.HasKey(d => d.Id);
            e.Property(d => d.Id).HasColumnName("id");
            e.Property(d => d.ContentSha256).HasColumnName("content_sha256").HasMaxLength(64).IsFixedLength();
            e.HasOne<StoredContent>().WithMany().HasForeignKey(d => d.ContentSha256).OnDelete(DeleteBehavior.Restrict);
            e.Property(d => d.SignatureSha256).HasColumnName("signature_sha256").HasMaxLength(64).IsFixedLength();
            e.HasOne<StoredContent>().WithMany().HasForeignKey(d => d.SignatureSha256).OnDelete(DeleteBehavior.Restrict);
            e.Property(d => d.SignerSerialNumber).HasColumnName("signer_serial_number").HasMaxLength(64);
            e.HasOne<NotaryCertificate>().WithMany().HasForeignKey(d => d.SignerSerialNumber).OnDelete(DeleteBehavior.Restrict);
            e.Property(d => d.SignerSubject).HasColumnName("signer_subject").HasMaxLength(400);
            e.Property(d => d.LodgedBy).HasColumnName("lodged_by").HasMaxLength(200);
            e.Property(d => d.LodgedAt).HasColumnName("lodged_at");
            e.Property(d => d.SignedAt).HasColumnName("signed_at");
            e.Property(d => d.Reference).HasColumnName("reference").HasMaxLength(100);
            e.HasIndex(d => d.Reference);
            e.Property(d => d.ParcelUpi).HasColumnName("parcel_upi").HasMaxLength(20);
            e.Property(d => d.FileName).HasColumnName("file_name").HasMaxLength(260);
        });
        modelBuilder.Entity<ScannedDeed>(e =>
        {
            e.ToTable("scanned_deeds");
            e.HasKey(s => s.Id);
            e.Property(s => s.Id).HasColumnName("id");
            e.Property(s => s.ContentSha256).HasColumnName("content_sha256").HasMaxLength(64).IsFixedLength();
            e.HasOne<StoredContent>().WithMany().HasForeignKey(s => s.ContentSha256).OnDelete(DeleteBehavior.Restrict);
            e.Property(s => s.Book).HasColumnName("book");
            e.Property(s => s.Page).HasColumnName("page");
            e.HasIndex(s => new { s.Book, s.Page }).IsUnique();
            e.Property(s => s.RecordedOn).HasColumnName("recorded_on");
            e.HasIndex(s => s.RecordedOn);
            e.Property(s => s.Parties).HasColumnName("parties").HasMaxLength(1000);
            e.HasIndex(s => s.Parties).HasMethod("gin").HasOperators("gin_trgm_ops").HasDatabaseName("ix_scanned_deeds_parties_trgm");
            e.Property(s => s.ParcelUpi).HasColumnName("parcel_upi").HasMaxLength(20);
            e.HasIndex(s => s.ParcelUpi);
            e.Property(s => s.FileName).HasColumnName("file_name").HasMaxLength(260);
            e.Property(s => s.ImportedAt).HasColumnName("imported_at");
            e.Property(s => s.ImportedBy).HasColumnName("imported_by").HasMaxLength(200);
        });
    }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the documents model without a database.</summary>
internal sealed class DocumentsDesignTimeFactory : IDesignTimeDbContextFactory<DocumentsStore>
{
    public DocumentsStore CreateDbContext(string[] args) =>
        new((DbContextOptions<DocumentsStore>)new DbContextOptionsBuilder<DocumentsStore>()
            .UseNpgsql("Host=localhost;Database=design", o => o.MigrationsHistoryTable("__migrations", DocumentsStore.Schema))
            .Options);
}
