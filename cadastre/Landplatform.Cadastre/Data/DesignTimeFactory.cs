using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Landplatform.Cadastre.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running host or database.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<CadastreDbContext>
{
    public CadastreDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<CadastreDbContext>()
            .UseNpgsql("Host=localhost;Database=design", o => o.UseNetTopologySuite().MigrationsHistoryTable("__migrations", CadastreDbContext.Schema))
            .Options);
}
