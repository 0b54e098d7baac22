using Landplatform.Cadastre.Contracts.Tax;
using Landplatform.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Landplatform.SingleWindow.Tests;

/// <summary>The host beside the simulators, with a transfer-duty assessor whose rule the test states.</summary>
public sealed class SingleWindowHost : SingleWindowServer
{
    protected override void ConfigureServices(IServiceCollection services) => services.AddScoped<ITransferDutyAssessor, StatedRuleDutyAssessor>();
}
