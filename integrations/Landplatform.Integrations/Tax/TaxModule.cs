using Landplatform.Cadastre.Contracts.Events;
using Landplatform.Cadastre.Contracts.Tax;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Landplatform.Integrations.Tax;

/// <summary>Registers the tax module: its store, the roll and its event subscribers, bills, and the transfer duty assessor the registry uses.</summary>
public static class TaxModule
{
    /// <summary>The valuation roll, append-only (InitialTax's triggers).</summary>
    public static IReadOnlyList<Landplatform.Cadastre.Contracts.HistoryTable> HistoryTables { get; } = [new("tax.roll_entries", Landplatform.Cadastre.Contracts.HistoryRule.AppendOnly)];

    public static IServiceCollection AddTax(this IServiceCollection services)
    {
        services.AddDbContext<TaxStore>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>(), o => o.MigrationsHistoryTable("__migrations", TaxStore.Schema)));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<TaxRoll>();
        services.AddSingleton<PropertyTaxBills>();
        services.AddSingleton<ITransferDutyAssessor, TransferDutyAssessor>();
        services.AddSingleton<IEventSubscriber, RollFollowsRegister>();
        services.AddSingleton<IEventSubscriber, RollFollowsFabric>();
        return services;
    }
}
