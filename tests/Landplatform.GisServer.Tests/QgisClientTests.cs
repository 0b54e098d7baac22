using System.Diagnostics;
using System.Text.Json;
using Landplatform.Cadastre.Contracts.Layers;
using Landplatform.Testing;

namespace Landplatform.GisServer.Tests;

/// <summary>
/// QGIS 3.22 (Debian's python3-qgis, headless) as a real desktop client: every published layer loads over OGC API
/// Features and WFS with exactly PostGIS's feature count, and draws over WMS; every tiled layer draws over WMTS and as
/// vector tiles. The script is Qgis/load_layers.py.
/// </summary>
public sealed class QgisClientTests(ProductionLimitsServer server, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<ProductionLimitsServer>
{
    [Fact]
    public async Task Qgis_loads_every_layer_over_OAPIF_WFS_WMS_WMTS_and_vector_tiles_with_the_counts_of_PostGIS()
    {
        var layers = PublishedLayers.All;
        var tiled = layers.Where(l => l.Tiling is not null).Select(l => l.Id).ToList();
        var folder = Directory.CreateTempSubdirectory("lp-qgis-").FullName;
        try
        {
            var report = await QgisAsync(folder, server.BaseAddress.GetLeftPart(UriPartial.Authority), string.Join(',', layers.Select(l => l.Id)), string.Join(',', tiled));
            foreach (var layer in layers)
            {
                var expected = await server.Database.ScalarAsync<long>($"SELECT count(*) FROM {layer.Table} t WHERE {layer.CurrentFilter}");
                var got = report.GetProperty(layer.Id);
                output.WriteLine($"{layer.Id}: PostGIS {expected}; QGIS {got}");
                Assert.True(expected > 0, $"{layer.Id} is empty in the sample: the test would prove nothing");
                foreach (var service in new[] { "oapif", "wfs" })
                {
                    Assert.True(got.GetProperty(service).GetProperty("valid").GetBoolean(), $"QGIS did not load {layer.Id} over {service}");
                    Assert.Equal(expected, got.GetProperty(service).GetProperty("features").GetInt64());
                }

                foreach (var service in tiled.Contains(layer.Id) ? new[] { "wms", "wmts", "tiles" } : ["wms"])
                {
                    var entry = got.GetProperty(service);
                    Assert.True(entry.GetProperty("valid").GetBoolean(), $"QGIS did not load {layer.Id} over {service}: {entry}");
                    Assert.True(entry.GetProperty("drawn").GetDouble() > 0.001, $"QGIS drew nothing of {layer.Id} over {service} where its first feature lies");
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<JsonElement> QgisAsync(string folder, string baseUrl, string ids, string tiled)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Qgis", "load_layers.py");
        // Debian's interpreter: python3-qgis is installed for /usr/bin/python3, not for another python3 on the PATH.
        var start = new ProcessStartInfo("/usr/bin/python3", [script, baseUrl, folder, ids, tiled])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.Environment["QT_QPA_PLATFORM"] = "offscreen";
        start.Environment["XDG_RUNTIME_DIR"] = folder;
        start.Environment["HOME"] = folder; // QGIS writes its profile under the home folder
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var text = await stdout;
        var errors = await stderr;
        Assert.True(process.ExitCode == 0, $"QGIS exited {process.ExitCode}: {errors[^Math.Min(errors.Length, 3000)..]} / {text[^Math.Min(text.Length, 1000)..]}");
        var json = text.Split('\n').Last(l => l.StartsWith('{'));
        return JsonDocument.Parse(json).RootElement.Clone();
    }
}
