using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Landplatform.Tiles.Data;

/// <summary>A rendered tile kept for the next request (vector or raster), with the ETag of its bytes.</summary>
public sealed class CachedTile
{
    public int Z { get; init; }

    public int X { get; init; }

    public int Y { get; init; }

    public required string Layer { get; init; }

    /// <summary><c>mvt</c> or <c>png</c>.</summary>
    public required string Format { get; init; }

    /// <summary>What else the tile depends on: empty for today's fabric, else e.g. the as-of instant or the raster style.</summary>
    public required string Variant { get; init; }

    public required string ETag { get; init; }

    public required byte[] Data { get; init; }

    public DateTimeOffset RenderedAt { get; init; }
}

/// <summary>
/// How far the tiles module has read <c>exchange.outbox</c>: every event up to <see cref="AppliedThrough"/>
/// is applied, and so is each id in <c>applied_events</c> above it. One row.
/// </summary>
public sealed class OutboxCursor
{
    public int Id { get; init; }

    public long AppliedThrough { get; set; }

    /// <summary>
    /// Set while the outbox id just after the cursor is missing (a transaction may still hold it):
    /// the <c>pg_snapshot_xmax</c> when the gap was first seen. Once every transaction older than it
    /// has ended the gap is a rolled-back id and the cursor moves past it.
    /// </summary>
    public long? GapHorizon { get; set; }

    /// <summary>Counts invalidations; a render stores its tile only if no invalidation ran meanwhile.</summary>
    public long Epoch { get; set; }
}

/// <summary>An outbox event above the cursor that is already applied.</summary>
public sealed class AppliedOutboxEvent
{
    public long OutboxId { get; init; }
}

/// <summary>The tiles module's store: schema <c>tiles</c>, the shared tile cache and the outbox cursor.</summary>
public sealed class TilesDbContext(DbContextOptions<TilesDbContext> options) : DbContext(options)
{
    public const string Schema = "tiles";

    public DbSet<CachedTile> Tiles => Set<CachedTile>();

    public DbSet<OutboxCursor> Cursor => Set<OutboxCursor>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.Entity<CachedTile>(e =>
        {
            e.ToTable("tile_cache");
            // z, x, y first: invalidation deletes ranges of x and y at one zoom.
            e.HasKey(t => new { t.Z, t.X, t.Y, t.Layer, t.Format, t.Variant });
            e.Property(t => t.Z).HasColumnName("z");
            e.Property(t => t.X).HasColumnName("x");
            e.Property(t => t.Y).HasColumnName("y");
            e.Property(t => t.Layer).HasColumnName("layer").HasMaxLength(40);
            e.Property(t => t.Format).HasColumnName("format").HasMaxLength(8);
            e.Property(t => t.Variant).HasColumnName("variant").HasMaxLength(80);
            e.Property(t => t.ETag).HasColumnName("etag").HasMaxLength(48);
            e.Property(t => t.Data).HasColumnName("data");
            e.Property(t => t.RenderedAt).HasColumnName("rendered_at");
        });
        modelBuilder.Entity<OutboxCursor>(e =>
        {
            e.ToTable("outbox_cursor", t => t.HasCheckConstraint("ck_outbox_cursor_one_row", "id = 1"));
            e.HasKey(c => c.Id);
            e.Property(c => c.Id).HasColumnName("id").ValueGeneratedNever();
            e.Property(c => c.AppliedThrough).HasColumnName("applied_through");
            e.Property(c => c.GapHorizon).HasColumnName("gap_horizon");
            e.Property(c => c.Epoch).HasColumnName("epoch");
            e.HasData(new OutboxCursor { Id = 1, AppliedThrough = 0, Epoch = 0 });
        });
        modelBuilder.Entity<AppliedOutboxEvent>(e =>
        {
            e.ToTable("applied_events");
            e.HasKey(a => a.OutboxId);
            e.Property(a => a.OutboxId).HasColumnName("outbox_id").ValueGeneratedNever();
        });
    }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the tiles model without a database.</summary>
internal sealed class TilesDesignTimeFactory : IDesignTimeDbContextFactory<TilesDbContext>
{
    public TilesDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<TilesDbContext>()
            .UseNpgsql("Host=localhost;Database=design", o => o.MigrationsHistoryTable("__migrations", TilesDbContext.Schema))
            .Options);
}
