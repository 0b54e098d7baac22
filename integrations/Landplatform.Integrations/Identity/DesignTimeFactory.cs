using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Landplatform.Integrations.Identity;

/// <summary>Lets <c>dotnet ef migrations add</c> build the identity model without a running host or database.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<IdentityStore>
{
    public IdentityStore CreateDbContext(string[] args) =>
        new((DbContextOptions<IdentityStore>)new DbContextOptionsBuilder<IdentityStore>()
            .UseNpgsql("Host=localhost;Database=design", o => o.MigrationsHistoryTable("__migrations", IdentityStore.Schema))
            .UseOpenIddict<Guid>()
            .Options);
}
