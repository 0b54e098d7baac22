using Landplatform.Cadastre.Contracts.Payments;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Landplatform.Integrations.Payments;

/// <summary>Registers the payments module: its store, the invoice book (also as <see cref="IFeeInvoicing"/>), the gateway client, reconciliation.</summary>
public static class PaymentsModule
{
    public static IServiceCollection AddPayments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddDbContext<PaymentsStore>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>(), o => o.MigrationsHistoryTable("__migrations", PaymentsStore.Schema)));
        services.Configure<PaymentGatewayOptions>(configuration.GetSection("Payments:Gateway"));
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient<PaymentGatewayClient>();
        services.AddScoped<InvoiceBook>();
        services.AddScoped<IFeeInvoicing>(sp => sp.GetRequiredService<InvoiceBook>());
        services.AddScoped<LedgerReconciliation>();
        return services;
    }
}
