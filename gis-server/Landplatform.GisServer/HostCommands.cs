using Landplatform.Cadastre.Data;
using Landplatform.Cadastre.Loading;
using Landplatform.Integrations.Exchange;
using Landplatform.Integrations.Identity;
using Microsoft.EntityFrameworkCore;

namespace Landplatform.GisServer;

/// <summary>
/// Commands the host runs instead of serving, used by <c>./lp</c>: apply migrations, load the sample
/// fabric, report whether the fabric is empty.
/// </summary>
internal static class HostCommands
{
    public static readonly HashSet<string> Names = ["migrate", "load-sample", "fabric-count", "seed-demo", "bench-survey-check"];

    public static async Task<int> RunAsync(WebApplication app, string[] args, CancellationToken ct)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        switch (args[0])
        {
            case "migrate":
                foreach (var db in (DbContext[])[services.GetRequiredService<CadastreDbContext>(), services.GetRequiredService<IdentityStore>(), services.GetRequiredService<ExchangeStore>()])
                {
                    var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
                    await db.Database.MigrateAsync(ct);
                    Console.WriteLine($"{db.GetType().Name}: " + (pending.Count == 0 ? "up to date" : $"applied {string.Join(", ", pending)}"));
                }

                return 0;
            case "seed-demo" when args.Length == 2:
                await DemoAccounts.SeedAsync(services, new Uri(args[1].TrimEnd('/') + "/"), ct);
                Console.WriteLine("demo accounts (user name / password / role):");
                foreach (var user in DemoAccounts.Users)
                {
                    Console.WriteLine($"  {user.UserName,-16} {user.Password,-26} {user.Role}");
                }

                Console.WriteLine("demo machine clients (client id / secret / scopes), client credentials grant at /connect/token:");
                foreach (var client in DemoAccounts.Clients)
                {
                    Console.WriteLine($"  {client.ClientId,-16} {client.Secret,-30} {string.Join(' ', client.Scopes)}");
                }

                return 0;
            case "fabric-count":
                var count = await services.GetRequiredService<CadastreDbContext>().ParcelRecords.LongCountAsync(ct);
                Console.WriteLine(count);
                return 0;
            case "load-sample" when args.Length == 2:
                var started = DateTime.UtcNow;
                var loaded = await services.GetRequiredService<SampleFabricLoader>()
                    .LoadAsync(args[1], new Progress<string>(line => Console.Error.WriteLine($"  load: {line}")), ct);
                Console.WriteLine($"sample fabric: {loaded} parcels loaded in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
                return 0;
            case "bench-survey-check":
                return await SurveyCheckBenchmark.RunAsync(services, runs: 10, ct);
            default:
                Console.Error.WriteLine("usage: Landplatform.GisServer [migrate | fabric-count | load-sample DIR | seed-demo BASE-URL]");
                return 2;
        }
    }
}
