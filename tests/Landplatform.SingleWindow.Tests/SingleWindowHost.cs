using Landplatform.Cadastre.Contracts.Tax;
using Landplatform.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Landplatform.SingleWindow.Tests;

/// <summary>The host beside the simulators, with a transfer-duty assessor whose rule the test states.</summary>
public sealed class SingleWindowHost : SingleWindowServer
{
    /// <summary>Short, so the timeout test is quick: the gateway is told to take longer than this.</summary>
    public override int GatewayTimeoutSeconds => 2;

    protected override void ConfigureServices(IServiceCollection services) => services.AddScoped<ITransferDutyAssessor, StatedRuleDutyAssessor>();
}
