using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Landplatform.Integrations.Exchange;

/// <summary>Registers the exchange's store. Delivery to subscribers comes with the single-window issue.</summary>
public static class ExchangeModule
{
    public static IServiceCollection AddExchange(this IServiceCollection services) =>
        services.AddDbContext<ExchangeStore>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>(), o => o.MigrationsHistoryTable("__migrations", ExchangeStore.Schema)));
}
