using Landplatform.Cadastre.Data;
using Landplatform.Cadastre.Fabric;
using Landplatform.Cadastre.Loading;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Landplatform.Cadastre;

/// <summary>Registers the cadastre module with a host.</summary>
public static class CadastreModule
{
    /// <summary>The fabric's history tables (FabricIntegritySql, the survey lodgement's triggers).</summary>
    public static IReadOnlyList<Landplatform.Cadastre.Contracts.HistoryTable> HistoryTables { get; } =
    [
        new("cadastre.parcel_records", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
        new("cadastre.lineage_edges", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
        new("cadastre.fabric_transactions", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
        new("cadastre.survey_revisions", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
        new("cadastre.survey_lots", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
        new("cadastre.parcel_versions", Landplatform.Cadastre.Contracts.HistoryRule.NeverDeleted),
        new("cadastre.surveys", Landplatform.Cadastre.Contracts.HistoryRule.NeverDeleted),
    ];

    /// <summary>Adds the cadastre's DbContext and services over the host's shared data source.</summary>
    public static IServiceCollection AddCadastre(this IServiceCollection services)
    {
        services.AddDbContext<CadastreDbContext>((sp, options) => Configure(options, sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddScoped<FabricChanges>();
        services.AddScoped<SampleFabricLoader>();
        // Tolerances come from the configuration section Surveys (e.g. Surveys__ClosureConstant=0.02).
        services.AddOptions<Surveys.SurveyTolerances>().BindConfiguration("Surveys");
        services.AddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Surveys.SurveyTolerances>>().Value);
        services.AddScoped<Surveys.SurveyReader>();
        services.AddScoped<Surveys.SurveyChecks>();
        services.AddScoped<Surveys.SurveyLodgement>();
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>The DbContext options every user of the cadastre schema shares (host, tools, tests).</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, NpgsqlDataSource dataSource) =>
        options.UseNpgsql(dataSource, o => o.UseNetTopologySuite().MigrationsHistoryTable("__migrations", CadastreDbContext.Schema));
}
