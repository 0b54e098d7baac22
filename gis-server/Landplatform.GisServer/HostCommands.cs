using Landplatform.Cadastre.Data;
using Landplatform.Cadastre.Loading;
using Landplatform.Integrations.Documents;
using Landplatform.Integrations.Exchange;
using Landplatform.Integrations.Identity;
using Landplatform.Integrations.Customs;
using Landplatform.Integrations.Payments;
using Landplatform.Integrations.Permits;
using Landplatform.Integrations.Tax;
using Landplatform.Registry.Data;
using Landplatform.Registry.Journal;
using Landplatform.Registry.Loading;
using Landplatform.Tiles.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Landplatform.GisServer;

/// <summary>
/// Commands the host runs instead of serving, used by <c>./lp</c>: apply migrations, load the sample
/// fabric, report whether the fabric is empty.
/// </summary>
internal static class HostCommands
{
    /// <summary>Commands that connect as the owner role: DDL, and bulk loads that ANALYZE and set sequences.</summary>
    public static readonly HashSet<string> AsOwner = ["migrate", "load-sample", "load-registry"];

    public static readonly HashSet<string> Names = ["migrate", "load-sample", "fabric-count", "seed-demo", "clients", "create-admin", "payments-reconcile", "documents-import", "deeds-import", "load-registry", "registry-verify", "registry-checkpoint", "tiles"];

    /// <summary>
    /// The first administrator of a real deployment (nothing is seeded outside the demo): the password
    /// comes from LP_ADMIN_PASSWORD so it never appears in a command line or shell history.
    /// </summary>
    private static async Task<int> CreateAdministratorAsync(IServiceProvider services, string userName)
    {
        var password = Environment.GetEnvironmentVariable("LP_ADMIN_PASSWORD");
        if (string.IsNullOrEmpty(password))
        {
            Console.Error.WriteLine("create-admin: set LP_ADMIN_PASSWORD to the new administrator's password.");
            return 2;
        }

        var roles = services.GetRequiredService<Microsoft.AspNetCore.Identity.RoleManager<Microsoft.AspNetCore.Identity.IdentityRole<Guid>>>();
        foreach (var role in PlatformRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new Microsoft.AspNetCore.Identity.IdentityRole<Guid>(role));
            }
        }

        var users = services.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<PlatformUser>>();
        var user = new PlatformUser { UserName = userName, FullName = userName, CreatedAt = DateTimeOffset.UtcNow };
        var created = await users.CreateAsync(user, password);
        if (created.Succeeded)
        {
            created = await users.AddToRoleAsync(user, PlatformRoles.Administrator);
        }

        if (!created.Succeeded)
        {
            Console.Error.WriteLine($"create-admin: {string.Join(" ", created.Errors.Select(e => e.Description))}");
            return 1;
        }

        Console.WriteLine($"administrator {userName} created");
        return 0;
    }

    /// <summary>After the migrations: the runtime role (LP_CONNECTION_STRING's user) gets what the server needs, no more.</summary>
    private static async Task<int> GrantRuntimeAsync(IServiceProvider services, CancellationToken ct)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var runtime = new Npgsql.NpgsqlConnectionStringBuilder(PlatformDatabase.ConnectionString(configuration)).Username;
        var owner = PlatformDatabase.OwnerConnectionString(configuration) is { } text ? new Npgsql.NpgsqlConnectionStringBuilder(text).Username : null;
        if (owner is null || string.IsNullOrEmpty(runtime) || runtime == owner)
        {
            Console.Error.WriteLine($"warning: migrations ran as the server's own role ({runtime}): set {PlatformDatabase.OwnerEnvironmentVariable} to the owner role's connection so the server runs without DDL rights (docs/database-roles.md); no runtime grants applied.");
            return 0;
        }

        await RuntimeGrants.ApplyAsync(services.GetRequiredService<Npgsql.NpgsqlDataSource>(), runtime, ct);
        Console.WriteLine($"runtime grants: {runtime} may read and write, not change the schema; {RuntimeGrants.HistoryTables.Count} history tables kept from its UPDATE/DELETE/TRUNCATE");
        return 0;
    }

    /// <summary>The sample's parties and ownership as registered titles (nothing when the register holds titles already).</summary>
    private static async Task<int> LoadRegisterAsync(IServiceProvider services, string directory, CancellationToken ct)
    {
        var started = DateTime.UtcNow;
        var titles = await services.GetRequiredService<RegisterLoader>()
            .LoadAsync(directory, new Progress<string>(line => Console.Error.WriteLine($"  register: {line}")), ct);
        Console.WriteLine($"sample register: {titles} titles loaded in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        started = DateTime.UtcNow;
        var valued = await services.GetRequiredService<TaxRoll>().BuildAsync(ct);
        Console.WriteLine($"valuation roll: {valued} parcels valued in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        return 0;
    }

    /// <summary>
    /// Recomputes the journal and checks the register against it; with a checkpoint log and its public key (a copy kept
    /// outside this database), also that the chain still has every hash a checkpoint signed. Exit 1 lists every finding.
    /// </summary>
    private static async Task<int> RegistryVerifyAsync(IServiceProvider services, string[] options, CancellationToken ct)
    {
        string? checkpointsFile = null, publicKeyFile = null;
        for (var i = 0; i < options.Length; i++)
        {
            switch (options[i])
            {
                case "--checkpoints" when i + 1 < options.Length:
                    checkpointsFile = options[++i];
                    break;
                case "--public-key" when i + 1 < options.Length:
                    publicKeyFile = options[++i];
                    break;
                default:
                    Console.Error.WriteLine("usage: registry-verify [--checkpoints FILE --public-key FILE]");
                    return 2;
            }
        }

        if ((checkpointsFile is null) != (publicKeyFile is null))
        {
            Console.Error.WriteLine("registry-verify: --checkpoints and --public-key go together: a checkpoint is only worth its signature.");
            return 2;
        }

        IReadOnlyList<JournalCheckpoint>? checkpoints = null;
        IReadOnlyList<string> signatureFindings = [];
        if (checkpointsFile is not null)
        {
            (checkpoints, signatureFindings) = JournalCheckpointLog.Verify(await File.ReadAllLinesAsync(checkpointsFile, ct), await File.ReadAllTextAsync(publicKeyFile!, ct));
            Console.Error.WriteLine($"  verify: {checkpoints.Count} checkpoints with a good signature in {checkpointsFile}");
            if (checkpoints.Count == 0 && signatureFindings.Count == 0)
            {
                signatureFindings = [$"{checkpointsFile} holds no checkpoint: nothing anchors the journal's head"];
            }
        }

        var verification = await services.GetRequiredService<RegisterJournal>()
            .VerifyAsync(checkpoints, new Progress<string>(line => Console.Error.WriteLine($"  verify: {line}")), ct);
        if (signatureFindings.Count > 0)
        {
            Console.Error.WriteLine($"journal NOT intact: {signatureFindings.Count} checkpoint findings");
            foreach (var finding in signatureFindings)
            {
                Console.Error.WriteLine(finding);
            }
        }

        // The register of deeds keeps its own chain: checked in the same run, so an altered deed fails the command too.
        var deeds = await Landplatform.Integrations.Deeds.DeedsJournal.VerifyAsync(services.GetRequiredService<Npgsql.NpgsqlDataSource>(), ct);
        foreach (var finding in deeds.Findings)
        {
            Console.Error.WriteLine($"deeds: {finding}");
        }

        (deeds.Intact ? Console.Out : Console.Error).WriteLine(deeds.Intact
            ? $"deeds journal intact: {deeds.Entries} entries match every deed, link and page"
            : $"deeds journal NOT intact: {deeds.Findings.Count} findings");

        var intact = verification.Intact && signatureFindings.Count == 0;
        (intact ? Console.Out : Console.Error).WriteLine(intact || !verification.Intact
            ? verification.Message
            : verification.Message.Replace("journal intact:", "chain and register hold, but the checkpoints do not:", StringComparison.Ordinal));
        return intact && deeds.Intact ? 0 : 1;
    }

    public static async Task<int> RunAsync(WebApplication app, string[] args, CancellationToken ct)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        switch (args[0])
        {
            case "migrate":
                foreach (var db in (DbContext[])[services.GetRequiredService<CadastreDbContext>(), services.GetRequiredService<IdentityStore>(), services.GetRequiredService<ExchangeStore>(), services.GetRequiredService<PaymentsStore>(), services.GetRequiredService<DocumentsStore>(), services.GetRequiredService<Landplatform.Integrations.Deeds.DeedsStore>(), services.GetRequiredService<RegistryDbContext>(), services.GetRequiredService<TaxStore>(), services.GetRequiredService<PermitsStore>(), services.GetRequiredService<CustomsStore>(), services.GetRequiredService<TilesDbContext>()])
                {
                    var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
                    await db.Database.MigrateAsync(ct);
                    Console.WriteLine($"{db.GetType().Name}: " + (pending.Count == 0 ? "up to date" : $"applied {string.Join(", ", pending)}"));
                }

                return await GrantRuntimeAsync(services, ct);
            case "seed-demo" when !services.GetRequiredService<IOptions<PlatformIdentityOptions>>().Value.DemoMode:
                Console.Error.WriteLine("seed-demo: refused outside demo mode (Identity:DemoMode); register clients with 'clients add' and the first administrator with 'create-admin'.");
                return 2;
            case "clients" when args.Length >= 3:
                return await ClientCommands.RunAsync(services, args[1..], Console.Out, ct);
            case "seed-demo" when args.Length is 2 or 3:
                await DemoAccounts.SeedAsync(services, new Uri(args[1].TrimEnd('/') + "/"), ct);
                if (args.Length == 3)
                {
                    await DemoAccounts.WritePeopleCsvAsync(args[2], ct);
                }

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
                return await LoadRegisterAsync(services, args[1], ct);
            case "load-registry" when args.Length == 2:
                return await LoadRegisterAsync(services, args[1], ct);
            case "registry-verify":
                return await RegistryVerifyAsync(services, args[1..], ct);
            case "registry-checkpoint":
                var log = services.GetRequiredService<JournalCheckpointLog>();
                if (!log.Configured)
                {
                    Console.Error.WriteLine($"registry-checkpoint: set {JournalCheckpointOptions.Section}:Directory (environment variable Registry__Checkpoints__Directory).");
                    return 2;
                }

                var written = await log.WriteAsync(force: true, ct);
                Console.WriteLine(written is null ? "the journal is empty: no checkpoint written" : $"checkpoint at journal entry {written.Seq}, hash {written.Hash}, appended to {log.LogPath}");
                return 0;
            case "create-admin" when args.Length == 2:
                return await CreateAdministratorAsync(services, args[1]);
            case "payments-reconcile" when args.Length == 2:
                return await PaymentsCommands.ReconcileAsync(services, args[1], ct);
            case "documents-import" when args.Length == 2:
                return await DocumentsCommands.ImportAsync(services, args[1], Console.Out, ct);
            case "deeds-import" when args.Length == 2:
                return await Landplatform.Integrations.Deeds.DeedsCommands.ImportAsync(services, args[1], Console.Out, ct);
            case "tiles" when args.Length >= 2:
                return await TileCommands.RunAsync(services, args[1..], ct);
            default:
                Console.Error.WriteLine("usage: Landplatform.GisServer [migrate | fabric-count | load-sample DIR | load-registry DIR | registry-verify [--checkpoints FILE --public-key FILE] | registry-checkpoint | seed-demo BASE-URL [PEOPLE-CSV] | clients add NAME --redirect URL.. or --scopes S.. | clients rotate-secret NAME | create-admin USER-NAME | payments-reconcile STATEMENT.xml | documents-import DIR | deeds-import DIR | tiles seed|sql ...]");
                return 2;
        }
    }
}
