using Landplatform.Integrations.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Landplatform.Integrations.Exchange;

/// <summary>Registers the exchange's store and, in a serving host, the dispatcher that delivers the outbox.</summary>
public static class ExchangeModule
{
    /// <summary>The exchange's contract with every module: an event is a row in the outbox, written in the module's own transaction.</summary>
    public static IReadOnlyList<Landplatform.Cadastre.Contracts.PublishedRelation> PublishedRelations { get; } =
    [
        new("exchange.outbox", "events: a module inserts its own (OutboxRecord does it for integrations modules); followers read them in id order"),
    ];

    public static IServiceCollection AddExchange(this IServiceCollection services) =>
        services.AddDbContext<ExchangeStore>((sp, options) => options
                .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>(), o => o.MigrationsHistoryTable("__migrations", ExchangeStore.Schema)))
            .AddStoredKeyColumn("exchange.subscriptions", "id", "secret", WebhookSecrets.PurposeOf);

    /// <summary>The dispatcher (a hosted service), its settings from section <c>Exchange</c>, and the webhook client.</summary>
    public static IServiceCollection AddExchangeDispatcher(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ExchangeOptions>(configuration.GetSection("Exchange"));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<WebhookTargets>();
        services.AddHttpClient(OutboxDispatcher.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseProxy = false,
                ConnectCallback = sp.GetRequiredService<WebhookTargets>().ConnectAsync,
            });
        services.AddSingleton<OutboxDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());
        return services;
    }
}

/// <summary>What a subscription's secret is protected for: its own row, so a secret copied to another subscription does not open.</summary>
public static class WebhookSecrets
{
    public static string PurposeOf(string subscriptionId) => "exchange.subscriptions.secret/" + subscriptionId;
}
