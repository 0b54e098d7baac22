using Landplatform.Benchmarks;
using Landplatform.Testing;
using Microsoft.Extensions.DependencyInjection;

// ./lp bench's in-process parts, on the bench database LP_CONNECTION_STRING names: survey-check | registry | deeds.
if (args.Length != 1 || args[0] is not ("survey-check" or "registry" or "deeds"))
{
    Console.Error.WriteLine("usage: Landplatform.Benchmarks survey-check | registry | deeds   (LP_CONNECTION_STRING: a bench database made by ./lp bench)");
    return 2;
}

var connection = Environment.GetEnvironmentVariable("LP_CONNECTION_STRING");
if (string.IsNullOrWhiteSpace(connection))
{
    Console.Error.WriteLine("LP_CONNECTION_STRING is not set: run the benchmarks with ./lp bench");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
await using var data = Landplatform.GisServer.PlatformDatabase.Open(connection);
if (await BenchDatabase.RefusalAsync(data, stop.Token) is { } refusal)
{
    Console.Error.WriteLine($"benchmarks: {refusal}");
    return 3;
}

await using var services = TemplateDatabase.PlatformServices(data);
await using var scope = services.CreateAsyncScope();
return args[0] switch
{
    "registry" => await RegistryBenchmark.RunAsync(scope.ServiceProvider, stop.Token),
    "deeds" => await DeedsBenchmark.RunAsync(scope.ServiceProvider, stop.Token),
    _ => await SurveyCheckBenchmark.RunAsync(scope.ServiceProvider, runs: 10, stop.Token),
};
