using Landplatform.Registry.Conversions;
using Landplatform.Registry.Data;
using Landplatform.Registry.Journal;
using Landplatform.Registry.Loading;
using Landplatform.Registry.Search;
using Landplatform.Registry.Transactions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Landplatform.Registry;

/// <summary>Registers the land registry module with a host.</summary>
public static class RegistryModule
{
    /// <summary>The register's history tables (RegisterIntegritySql): the journal and what it vouches for.</summary>
    public static IReadOnlyList<Landplatform.Cadastre.Contracts.HistoryTable> HistoryTables { get; } =
    [
        new("registry.journal", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
        new("registry.transaction_steps", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
        new("registry.transaction_documents", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
        new("registry.fee_payments", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
        new("registry.rights", Landplatform.Cadastre.Contracts.HistoryRule.NeverDeleted),
        new("registry.title_parcels", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
        new("registry.titles", Landplatform.Cadastre.Contracts.HistoryRule.NeverDeleted),
        new("registry.transactions", Landplatform.Cadastre.Contracts.HistoryRule.NeverDeleted),
        new("registry.parties", Landplatform.Cadastre.Contracts.HistoryRule.NeverDeleted),
        new("registry.alien_licences", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
        new("registry.alien_licence_parcels", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
        new("registry.alien_licence_revocations", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
        new("registry.conversions", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
        new("registry.conversion_steps", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly),
    ];

    /// <summary>What other modules' SQL may read of the register: views the registry keeps, never its tables.</summary>
    public static IReadOnlyList<Landplatform.Cadastre.Contracts.PublishedRelation> PublishedRelations { get; } =
    [
        new("registry.parcel_owners", "the registered owners today of each parcel's open title: upi, title_number, right_id, party_id, party_kind, uin, registration_number, name, share_numerator, share_denominator"),
        new("registry.first_registrations", "parcels brought onto the title register by first registration: upi, title_number, conversion_id, state (provisional, absolute, cancelled), opened_at, challenge_ends_at, absolute_at; the register of deeds takes no new deeds for a parcel provisional or absolute here"),
        new("registry.ladm_administrative_sources", "the register in LADM terms (LA_AdministrativeSource): registered transactions: source_id, kind, lodged_at, registered_at, note"),
        new("registry.ladm_parties", "the register in LADM terms (LA_Party): party_id, name, kind (person, organisation), external_id (UIN or registration number; personal data), money_provider"),
        new("registry.ladm_units", "the register in LADM terms (LA_BAUnit): each title: title_number, opened_at, closed_at, source_id"),
        new("registry.ladm_unit_parcels", "the parcels each title holds: title_number, upi, source_id"),
        new("registry.ladm_rrr", "the register in LADM terms (LA_RRR): every right, restriction and mortgage: rrr_id, kind, title_number, party_id, share_numerator, share_denominator, amount, terms, valid_from, valid_to, source_id, end_source_id"),
    ];

    /// <summary>Adds the registry's DbContext and services over the host's shared data source.</summary>
    public static IServiceCollection AddRegistry(this IServiceCollection services)
    {
        services.AddDbContext<RegistryDbContext>((sp, options) => Configure(options, sp.GetRequiredService<NpgsqlDataSource>()));
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<RegisterJournal>();
        services.AddOptions<JournalCheckpointOptions>().BindConfiguration(JournalCheckpointOptions.Section);
        services.AddSingleton<JournalCheckpointLog>();
        services.AddScoped<RegisterLoader>();
        services.AddScoped<IFeeCollection, RegistrarRecordedFees>();
        services.AddScoped<RegistryLinks>();
        services.AddScoped<TransactionDesk>();
        services.AddScoped<AlienLicences>();
        services.AddScoped<Landplatform.Cadastre.Contracts.Register.IParcelTitles, ParcelTitleRegister>();
        services.AddSingleton(sp => new ConversionOptions
        {
            ChallengeDays = int.TryParse(sp.GetService<Microsoft.Extensions.Configuration.IConfiguration>()?["Registry:Conversions:ChallengeDays"], out var days) && days >= 1
                ? days : FirstRegistrations.DefaultChallengeDays,
        });
        services.TryAddKeyedSingleton<TimeProvider>(FirstRegistrations.ClockKey, (sp, _) => sp.GetRequiredService<TimeProvider>());
        services.AddScoped<FirstRegistrations>();
        services.AddSingleton(sp =>
        {
            var options = new ApplicationOptions();
            if (sp.GetService<Microsoft.Extensions.Configuration.IConfiguration>() is { } configuration)
            {
                Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(configuration.GetSection(ApplicationOptions.Section), options);
            }

            return options;
        });
        services.TryAddKeyedSingleton<TimeProvider>(ApplicationLapses.ClockKey, (sp, _) => sp.GetRequiredService<TimeProvider>());
        services.AddScoped<ApplicationLapses>();
        services.AddSingleton<RegistrationQueue>();
        services.AddSingleton<Landplatform.Cadastre.Contracts.Events.IEventSubscriber, RegistryFeesSubscriber>();
        services.AddScoped<RegisterSearch>();
        services.AddScoped<TitleExtracts>();
        services.AddSingleton(sp => ExtractFont.Load(
            sp.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["Maps:LabelFont"] is { Length: > 0 } path ? path : ExtractFont.DefaultPath));
        return services;
    }

    /// <summary>Signs the journal's head every few seconds into the checkpoint log (serving hosts only, not host commands).</summary>
    public static IServiceCollection AddJournalCheckpoints(this IServiceCollection services) =>
        services.AddHostedService<JournalCheckpointService>();

    /// <summary>Lapses applications past their time and refunds what is due, every <c>Registry:Applications:SweepSeconds</c> (serving hosts only).</summary>
    public static IServiceCollection AddApplicationSweep(this IServiceCollection services) =>
        services.AddHostedService<ApplicationSweepService>();

    /// <summary>The DbContext options every user of the registry schema shares (host, tools, tests).</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, NpgsqlDataSource dataSource) =>
        options.UseNpgsql(dataSource, o => o.MigrationsHistoryTable("__migrations", RegistryDbContext.Schema));
}
