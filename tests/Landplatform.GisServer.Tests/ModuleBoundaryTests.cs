using Landplatform.Testing;
using System.Xml.Linq;

namespace Landplatform.GisServer.Tests;

/// <summary>Dependencies point one way (ARCHITECTURE.md): host -> modules -> cadastre contracts.</summary>
public sealed class ModuleBoundaryTests
{
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["Landplatform.Cadastre.Contracts"] = [],
        ["Landplatform.Cadastre"] = ["Landplatform.Cadastre.Contracts"],
        ["Landplatform.Registry"] = ["Landplatform.Cadastre.Contracts"],
        ["Landplatform.Tiles"] = ["Landplatform.Cadastre.Contracts"],
        ["Landplatform.Integrations"] = ["Landplatform.Cadastre.Contracts"],
        ["Landplatform.DataSamples"] = [],
        ["Landplatform.Simulators"] = [],
    };

    [Fact]
    public void Each_module_references_only_what_the_architecture_allows()
    {
        var root = RepositoryRoot();
        var projects = Directory.GetFiles(root, "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}tests{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !p.Contains($"{Path.DirectorySeparatorChar}gis-server{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(Allowed.Keys.Order(StringComparer.Ordinal), projects.Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal));

        foreach (var project in projects)
        {
            var name = Path.GetFileNameWithoutExtension(project);
            var references = XDocument.Load(project).Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value))
                .ToList();
            Assert.True(references.All(r => Allowed[name].Contains(r)),
                $"{name} references {string.Join(", ", references)}; it may reference only {string.Join(", ", Allowed[name])}");
        }
    }

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
