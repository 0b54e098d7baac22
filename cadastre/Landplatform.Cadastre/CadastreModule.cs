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

    /// <summary>
    /// What other modules' SQL may read of the fabric: its public, versioned facts (the same the layer catalog publishes).
    /// Survey workflow, revisions and records stay the cadastre's own.
    /// </summary>
    public static IReadOnlyList<Landplatform.Cadastre.Contracts.PublishedRelation> PublishedRelations { get; } =
    [
        new("cadastre.parcel_versions", "every version of every parcel: upi, version, status, boundary (EPSG:2007), areas, land use, district and block codes, validity"),
        new("cadastre.lineage_edges", "which parcels a subdivision or merge made from which"),
        new("cadastre.buildings", "building footprints with their use and storeys"),
        new("cadastre.hazard_zones", "hazard zones (flood, landslide, storm surge) with their level"),
        new("cadastre.districts", "districts (parishes): code, name, boundary"),
        new("cadastre.blocks", "blocks: code, district code, boundary"),
        new("cadastre.road_reserves", "road reserves: name, class, boundary"),
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
        services.AddSingleton<Surveys.SurveyCrsCatalog>();
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
