using Landplatform.Simulators;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Landplatform.Integrations.Tests;

/// <summary>The external systems' simulators, in-process on a loopback port: real HTTP, real signatures.</summary>
public sealed class RunningSimulators : IAsyncDisposable
{
    private readonly WebApplication app;

    private RunningSimulators(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }

    /// <summary>A client of the simulators (the payer's browser, the bank's file export, the control endpoints).</summary>
    public HttpClient Http { get; }

    public PaymentGateway Gateway => app.Services.GetRequiredService<PaymentGateway>();

    public BankLedger Bank => app.Services.GetRequiredService<BankLedger>();

    public CivilRegistry CivilRegistry => app.Services.GetRequiredService<CivilRegistry>();

    public static async Task<RunningSimulators> StartAsync()
    {
        var app = SimulatorApp.Build([], b =>
        {
            b.Logging.ClearProviders();
            b.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        });
        await app.StartAsync();
        return new RunningSimulators(app, new Uri(app.Urls.First().TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await app.DisposeAsync();
    }
}
