using System.Reflection;
using System.Text.RegularExpressions;
using Landplatform.Cadastre;
using Landplatform.Integrations.Exchange;
using Landplatform.Integrations.Permits;
using Landplatform.Registry;
using NetArchTest.Rules;

namespace Landplatform.GisServer.Tests;

/// <summary>
/// Modules own their data (issue #19): a module's SQL names another module's schema only through a relation the owner
/// publishes (its <c>PublishedRelations</c>: a view, or a table it declares stable), and the seven modules that share the
/// Integrations assembly use each other's types only where the owner publishes them.
/// </summary>
public sealed partial class ModuleSqlBoundaryTests
{
    private static readonly string[] Schemas = ["cadastre", "registry", "tiles", "identity", "exchange", "payments", "documents", "deeds", "tax", "permits", "customs"];

    private static readonly HashSet<string> Published =
    [
        .. CadastreModule.PublishedRelations.Select(r => r.Name),
        .. RegistryModule.PublishedRelations.Select(r => r.Name),
        .. PermitsModule.PublishedRelations.Select(r => r.Name),
        .. ExchangeModule.PublishedRelations.Select(r => r.Name),
    ];

    /// <summary>Each module's source folder and the schema it owns (the host owns none).</summary>
    private static readonly (string Folder, string? Schema)[] Modules =
    [
        ("cadastre/Landplatform.Cadastre", "cadastre"),
        ("registry/Landplatform.Registry", "registry"),
        ("tiles/Landplatform.Tiles", "tiles"),
        ("gis-server/Landplatform.GisServer", null),
        .. new[] { "Customs", "Deeds", "Documents", "Exchange", "Identity", "Payments", "Permits", "Tax" }
            .Select(m => ($"integrations/Landplatform.Integrations/{m}", (string?)m.ToLowerInvariant())),
    ];

    [Fact]
    public void A_module_s_SQL_reads_other_modules_only_through_their_published_relations()
    {
        var root = RepositoryRoot();
        var findings = new List<string>();
        var seen = 0;
        foreach (var (folder, schema) in Modules)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories)
                         .Where(f => !f.Contains("/Migrations/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal)))
            {
                var text = File.ReadAllText(file);
                foreach (Match m in Relation().Matches(text))
                {
                    var name = $"{m.Groups["schema"].Value}.{m.Groups["relation"].Value}";
                    if (m.Groups["schema"].Value == schema)
                    {
                        continue;
                    }

                    seen++;
                    if (!Published.Contains(name))
                    {
                        var line = text[..m.Index].Count(c => c == '\n') + 1;
                        findings.Add($"{Path.GetRelativePath(root, file)}:{line} names {name}, which its owner does not publish");
                    }
                }
            }
        }

        Assert.True(seen > 10, $"only {seen} cross-module relations found: the scan is not reading the SQL");
        Assert.True(findings.Count == 0, string.Join(Environment.NewLine, findings));
    }

    /// <summary>
    /// What the shared assembly's modules may use of each other: Identity's policies, roles and accounts, and the
    /// exchange's outbox writer. Anything else would be a dependency the owner never agreed to keep stable.
    /// </summary>
    private static readonly Dictionary<string, string[]> PublishedTypes = new(StringComparer.Ordinal)
    {
        ["Identity"] = ["AccessPolicies", "PlatformRoles", "PlatformClaims", "PlatformUser"],
        ["Exchange"] = ["OutboxRecord", "IEventSubscriber"],
    };

    [Fact]
    public void The_modules_sharing_the_Integrations_assembly_use_only_what_the_others_publish()
    {
        var assembly = typeof(ExchangeModule).Assembly;
        string[] modules = ["Customs", "Deeds", "Documents", "Exchange", "Identity", "Payments", "Permits", "Tax"];
        var failures = new List<string>();
        foreach (var module in modules)
        {
            foreach (var other in modules.Where(o => o != module))
            {
                var published = PublishedTypes.GetValueOrDefault(other, []);
                var internals = assembly.GetTypes()
                    .Where(t => t.Namespace is { } ns && (ns == $"Landplatform.Integrations.{other}" || ns.StartsWith($"Landplatform.Integrations.{other}.", StringComparison.Ordinal)))
                    .Where(t => !published.Contains(OuterName(t)))
                    .Select(t => t.FullName!.Replace('+', '/'))
                    .ToArray();
                if (internals.Length == 0)
                {
                    continue;
                }

                var result = Types.InAssembly(assembly).That().ResideInNamespace($"Landplatform.Integrations.{module}")
                    .ShouldNot().HaveDependencyOnAny(internals).GetResult();
                if (!result.IsSuccessful)
                {
                    failures.AddRange(result.FailingTypeNames.Select(t => $"{t} uses {other}'s own types"));
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public void Every_event_type_is_declared_once_in_the_contracts()
    {
        var root = RepositoryRoot();
        var declared = Landplatform.Cadastre.Contracts.Events.PlatformEventTypes.All;
        Assert.Equal(declared.Count, declared.Distinct().Count());
        var findings = new List<string>();
        foreach (var folder in Modules.Select(m => m.Folder).Append("cadastre/Landplatform.Cadastre.Contracts"))
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories)
                         .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.EndsWith("PlatformEventTypes.cs", StringComparison.Ordinal)))
            {
                var text = File.ReadAllText(file);
                findings.AddRange(declared.Where(d => text.Contains($"\"{d}\"", StringComparison.Ordinal))
                    .Select(d => $"{Path.GetRelativePath(root, file)} spells the event type {d} itself; name PlatformEventTypes instead"));
            }
        }

        Assert.True(findings.Count == 0, string.Join(Environment.NewLine, findings));
    }

    private static string OuterName(Type type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type.Name;
    }

    [GeneratedRegex(@"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(?<schema>cadastre|registry|tiles|identity|exchange|payments|documents|deeds|tax|permits|customs)\.(?<relation>[a-z_]+)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Relation();

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Landplatform.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Landplatform.slnx not found above the test binaries.");
    }
}

/// <summary>The published relations exist where their owners' migrations put them, and the owners view means what it says.</summary>
public sealed class PublishedRelationTests(Landplatform.Testing.PlatformServer server) : IClassFixture<Landplatform.Testing.PlatformServer>
{
    [Fact]
    public async Task Every_published_relation_exists_and_the_registry_s_owners_view_lists_the_owners_in_force()
    {
        var published = CadastreModule.PublishedRelations.Concat(RegistryModule.PublishedRelations)
            .Concat(PermitsModule.PublishedRelations).Concat(ExchangeModule.PublishedRelations).ToList();
        foreach (var relation in published)
        {
            Assert.True(await server.Database.ScalarAsync<bool>("SELECT to_regclass(@n) IS NOT NULL", ("n", relation.Name)), $"{relation.Name} does not exist");
        }

        var inForce = await server.Database.ScalarAsync<long>("""
            SELECT count(*) FROM registry.rights r JOIN registry.titles t ON t.title_number = r.title_number AND t.closed_at IS NULL
            JOIN registry.title_parcels tp ON tp.title_number = t.title_number
            WHERE r.kind = 'ownership' AND r.valid_to IS NULL
            """);
        Assert.True(inForce > 1000, $"the sample register has {inForce} ownerships in force");
        Assert.Equal(inForce, await server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.parcel_owners"));
    }
}

