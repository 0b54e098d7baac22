using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Landplatform.Cadastre.Data;
using Landplatform.Cadastre.Fabric;
using Landplatform.Cadastre.Surveys;
using Microsoft.EntityFrameworkCore;
using NetTopologySuite.Geometries;

namespace Landplatform.Benchmarks;

/// <summary>
/// Times the automated check of a 50-lot subdivision against whatever fabric the database holds (the
/// benchmark runs it on the 1,000,000-parcel fabric): the file is read as a surveyor's GeoJSON and every
/// check runs, as on lodgement, without storing anything.
/// </summary>
public static class SurveyCheckBenchmark
{
    private const int Lots = 50;

    public static async Task<int> RunAsync(IServiceProvider services, int runs, CancellationToken ct)
    {
        var db = services.GetRequiredService<CadastreDbContext>();
        var parcels = await db.ParcelVersions.LongCountAsync(p => p.Status == ParcelStatus.Current, ct);
        var parent = await db.ParcelVersions.AsNoTracking()
            .Where(p => p.Status == ParcelStatus.Current)
            .OrderByDescending(p => p.ComputedArea).ThenBy(p => p.Upi).FirstAsync(ct);
        var file = Encoding.UTF8.GetBytes(Strips(parent));
        var reader = services.GetRequiredService<SurveyReader>();
        var checks = services.GetRequiredService<SurveyChecks>();

        var times = new List<double>();
        SurveyReport? report = null;
        for (var run = 0; run <= runs; run++)
        {
            var clock = Stopwatch.StartNew();
            var plan = await reader.ReadAsync(file, "bench.geojson", null, [], ct);
            report = await checks.RunAsync(plan, null, ct);
            clock.Stop();
            if (run > 0)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
            }

            Console.Error.Write($"\r  survey check: run {run}/{runs}");
        }

        Console.Error.WriteLine();
        times.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"survey check, {Lots}-lot subdivision of {parent.Upi} against {parcels:N0} current parcels: "
            + $"min {times[0]:0.0} ms, median {times[times.Count / 2]:0.0} ms, p95 {times[(int)Math.Ceiling(times.Count * 0.95) - 1]:0.0} ms "
            + $"over {runs} runs; {report!.Errors} error(s), {report.Findings.Count} finding(s); goal under 1000 ms"));
        return report.Errors == 0 ? 0 : 1;
    }

    // Fifty strips of the parent, west to east, each a lot with its area stated as a surveyor would.
    private static string Strips(ParcelVersion parent)
    {
        var box = parent.Boundary.EnvelopeInternal;
        var width = box.Width / Lots;
        var features = new List<string>();
        for (var i = 0; i < Lots; i++)
        {
            var minX = Math.Round(box.MinX + (i * width), 3);
            var maxX = i == Lots - 1 ? box.MaxX : Math.Round(box.MinX + ((i + 1) * width), 3);
            var strip = parent.Boundary.Intersection(parent.Boundary.Factory.ToGeometry(new Envelope(minX, maxX, box.MinY - 1, box.MaxY + 1)));
            foreach (var polygon in Enumerable.Range(0, strip.NumGeometries).Select(strip.GetGeometryN).OfType<Polygon>().Where(p => p.Area > 1))
            {
                var ring = string.Join(",", polygon.Shell.Coordinates.Select(c => string.Create(CultureInfo.InvariantCulture, $"[{c.X:0.###},{c.Y:0.###}]")));
                features.Add(string.Create(CultureInfo.InvariantCulture,
                    $$$"""{"type":"Feature","properties":{"label":"Lot {{{features.Count + 1}}}","area":{{{Math.Round(polygon.Area, 2)}}}},"geometry":{"type":"Polygon","coordinates":[[{{{ring}}}]]}}"""));
            }
        }

        features.Add($$$"""{"type":"Feature","properties":{"role":"parent","upi":"{{{parent.Upi}}}"},"geometry":null}""");
        return $$$"""{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2007"}},"features":[{{{string.Join(",", features)}}}]}""";
    }
}
