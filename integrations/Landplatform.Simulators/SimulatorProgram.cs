namespace Landplatform.Simulators;

/// <summary>
/// The external systems Landplatform talks to but does not own — the payment gateway, the bank and the
/// civil registry — as one small web application that speaks their wire formats with real signatures.
/// <c>./lp run</c> starts it beside the server; tests start it in-process on a loopback port.
/// </summary>
public static class SimulatorProgram
{
    public static async Task<int> Main(string[] args)
    {
        await using var app = SimulatorApp.Build(args);
        await app.RunAsync();
        return 0;
    }
}

/// <summary>Builds the simulators' web application.</summary>
public static class SimulatorApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Services.Configure<GatewaySettings>(builder.Configuration.GetSection("Simulators:Gateway"));
        builder.Services.Configure<CivilRegistrySettings>(builder.Configuration.GetSection("Simulators:CivilRegistry"));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<BankLedger>();
        builder.Services.AddSingleton<PaymentGateway>();
        builder.Services.AddSingleton<CivilRegistry>();
        builder.Services.AddHttpClient(PaymentGateway.WebhookClient);
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapGet("/", () => Results.Json(new
        {
            gateway = "/gateway/v1/payment_intents",
            bank = "/bank/statements/{yyyy-MM-dd}.xml",
            civilRegistry = "/civil-registry/v1/persons/{uin}",
            control = new[] { "/control/gateway", "/control/bank/entries", "/control/civil-registry" },
        }));
        app.MapPaymentGateway();
        app.MapBank();
        app.MapCivilRegistry();
        return app;
    }
}
