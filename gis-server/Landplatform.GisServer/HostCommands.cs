using Landplatform.Cadastre.Data;
using Landplatform.Cadastre.Loading;
using Microsoft.EntityFrameworkCore;

namespace Landplatform.GisServer;

/// <summary>
/// Commands the host runs instead of serving, used by <c>./lp</c>: apply migrations, load the sample
/// fabric, report whether the fabric is empty.
/// </summary>
internal static class HostCommands
{
    public static readonly HashSet<string> Names = ["migrate", "load-sample", "fabric-count"];

    public static async Task<int> RunAsync(WebApplication app, string[] args, CancellationToken ct)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        switch (args[0])
        {
            case "migrate":
                var db = services.GetRequiredService<CadastreDbContext>();
                var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
                await db.Database.MigrateAsync(ct);
                Console.WriteLine(pending.Count == 0 ? "migrations: up to date" : $"migrations: applied {string.Join(", ", pending)}");
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
            default:
                Console.Error.WriteLine("usage: Landplatform.GisServer [migrate | fabric-count | load-sample DIR]");
                return 2;
        }
    }
}
