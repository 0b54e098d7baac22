using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Landplatform.Integrations.Identity;

/// <summary>A person who signs in, linked to a party of the register by the national UIN.</summary>
public sealed class PlatformUser : IdentityUser<Guid>
{
    public required string FullName { get; set; }

    /// <summary>The national unique identification number; unique among users.</summary>
    public string? Uin { get; set; }

    /// <summary>A licensed surveyor's licence number.</summary>
    public string? LicenceNumber { get; set; }

    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>One security-relevant event: a sign-in, a token issued, an access refused.</summary>
public sealed class AuditEvent
{
    public long Id { get; init; }

    public DateTimeOffset At { get; init; }

    /// <summary><c>sign-in</c>, <c>sign-in-failed</c>, <c>lockout</c>, <c>token-issued</c>, <c>access-denied</c>, <c>unauthenticated</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The user name or client id, when known.</summary>
    public string? Subject { get; init; }

    public string? ClientId { get; init; }

    public string? RemoteAddress { get; init; }

    public string? Path { get; init; }

    public required string Detail { get; init; }
}

/// <summary>The key material of the token server, kept in the database so every instance signs alike.</summary>
public sealed class TokenKey
{
    /// <summary><c>signing</c> or <c>encryption</c>.</summary>
    public required string Purpose { get; init; }

    public required string Material { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>The identity module's store: users, roles, OpenIddict's clients and tokens, audit, keys; schema <c>identity</c>.</summary>
public sealed class IdentityStore(DbContextOptions<IdentityStore> options)
    : IdentityDbContext<PlatformUser, IdentityRole<Guid>, Guid>(options)
{
    public const string Schema = "identity";

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    public DbSet<TokenKey> TokenKeys => Set<TokenKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.HasDefaultSchema(Schema);
        builder.UseOpenIddict<Guid>();

        builder.Entity<PlatformUser>(e =>
        {
            e.Property(u => u.FullName).HasMaxLength(200);
            e.Property(u => u.Uin).HasMaxLength(32);
            e.Property(u => u.LicenceNumber).HasMaxLength(64);
            e.HasIndex(u => u.Uin).IsUnique();
        });

        builder.Entity<AuditEvent>(e =>
        {
            e.ToTable("audit_events");
            e.HasKey(a => a.Id);
            e.Property(a => a.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            e.Property(a => a.At).HasColumnName("at");
            e.Property(a => a.Kind).HasColumnName("kind").HasMaxLength(32);
            e.Property(a => a.Subject).HasColumnName("subject").HasMaxLength(256);
            e.Property(a => a.ClientId).HasColumnName("client_id").HasMaxLength(100);
            e.Property(a => a.RemoteAddress).HasColumnName("remote_address").HasMaxLength(64);
            e.Property(a => a.Path).HasColumnName("path").HasMaxLength(400);
            e.Property(a => a.Detail).HasColumnName("detail").HasMaxLength(1000);
            e.HasIndex(a => a.At);
        });

        builder.Entity<TokenKey>(e =>
        {
            e.ToTable("token_keys");
            e.HasKey(k => k.Purpose);
            e.Property(k => k.Purpose).HasColumnName("purpose").HasMaxLength(16);
            e.Property(k => k.Material).HasColumnName("material");
            e.Property(k => k.CreatedAt).HasColumnName("created_at");
        });
    }
}
