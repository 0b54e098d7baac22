using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Landplatform.Integrations.Deeds;

/// <summary>
/// The deeds register's schema, <c>deeds</c>: its migrations only. The register is read and written with Npgsql
/// (<see cref="DeedBook"/>, <see cref="DeedSearch"/>, <see cref="RootOfTitle"/>, <see cref="OcrQueue"/>), since every
/// write is also a journal link and every read a search.
/// </summary>
public sealed class DeedsStore(DbContextOptions<DeedsStore> options) : DbContext(options)
{
    public const string Schema = "deeds";
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the deeds model without a database.</summary>
internal sealed class DeedsDesignTimeFactory : IDesignTimeDbContextFactory<DeedsStore>
{
    public DeedsStore CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<DeedsStore>()
            .UseNpgsql("Host=localhost;Database=design", o => o.MigrationsHistoryTable("__migrations", DeedsStore.Schema))
            .Options);
}
