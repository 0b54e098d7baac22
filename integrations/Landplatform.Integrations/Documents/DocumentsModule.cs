using Landplatform.Cadastre.Contracts.Documents;
using Landplatform.Integrations.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Landplatform.Integrations.Documents;

/// <summary>Registers the documents module: its store, the notary CA and the scan import.</summary>
public static class DocumentsModule
{
    /// <summary>The notary certificates' revocation list, append-only (CertificateRevocations' triggers).</summary>
    public static IReadOnlyList<Landplatform.Cadastre.Contracts.HistoryTable> HistoryTables { get; } =
        [new("documents.certificate_revocations", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly)];

    public static IServiceCollection AddDocuments(this IServiceCollection services)
    {
        services.AddDbContext<DocumentsStore>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>(), o => o.MigrationsHistoryTable("__migrations", DocumentsStore.Schema)));
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<NotaryAuthority>();
        services.AddStoredKeyColumn("documents.authority", "id", "private_key_pem", _ => NotaryAuthority.KeyPurpose);
        services.AddScoped<ISignedDeeds, DeedVerifier>();
        services.AddScoped<ScanImport>();
        return services;
    }
}
