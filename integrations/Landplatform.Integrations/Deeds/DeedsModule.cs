using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Landplatform.Integrations.Deeds;

/// <summary>Registers the register of deeds: its migrations, the book, pages, search, root of title and the OCR queue.</summary>
public static class DeedsModule
{
    /// <summary>Deeds, their parties, parcel links and journal are append-only; pages are never removed (DeedsRegister's triggers).</summary>
    public static IReadOnlyList<Landplatform.Cadastre.Contracts.HistoryTable> HistoryTables { get; } =
    [
        new("deeds.deeds", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
        new("deeds.parties", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
        new("deeds.parcels", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
        new("deeds.journal", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
        new("deeds.pages", Landplatform.Cadastre.Contracts.HistoryRule.NeverDeleted),
        new("deeds.scan_files", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
        new("deeds.reviews", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
    ];

    public static IServiceCollection AddDeeds(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddDbContext<DeedsStore>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>(), o => o.MigrationsHistoryTable("__migrations", DeedsStore.Schema)));
        services.TryAddSingleton(TimeProvider.System);
        services.Configure<DeedsOptions>(configuration.GetSection("Deeds"));
        services.AddSingleton<DeedBook>();
        services.AddSingleton<DeedPages>();
        services.AddSingleton<DeedSearch>();
        services.AddSingleton<RootOfTitle>();
        services.AddSingleton<Landplatform.Cadastre.Contracts.Deeds.IDeedsChains, DeedsChains>();
        services.AddSingleton<DeedImport>();
        services.AddSingleton<DeedsWorklist>();
        services.AddSingleton<DeedReviews>();
        services.AddHostedService<OcrQueue>();
        return services;
    }
}
