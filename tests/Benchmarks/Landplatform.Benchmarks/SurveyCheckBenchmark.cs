using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Landplatform.Cadastre.Data;
using Landplatform.Cadastre.Fabric;
using Landplatform.Cadastre.Surveys;
using Microsoft.EntityFrameworkCore;
using NetTopologySuite.Geometries;
using Npgsql;

namespace Landplatform.Benchmarks;

/// <summary>
/// Times the automated check of survey plans against whatever fabric the database holds (the benchmark runs it on the
/// 1,000,000-parcel fabric): a 50-lot subdivision, and a lot bounded by a 5,000-vertex stream line with its remainder.
/// Each file is read as a surveyor's GeoJSON and every check runs, as on lodgement, without storing anything. Every
/// timed run checks a plan on a parent of its own, so no run reads the fabric pages or plan the run before it read;
/// beside each, the raw S-FABRIC statement (the lots against the fabric) on the same lots.
/// </summary>
public static class SurveyCheckBenchmark
{
    private const int Lots = 50;
    private const int StreamVertices = 5_000;

    public static async Task<int> RunAsync(IServiceProvider services, int runs, CancellationToken ct)
    {
        var db = services.GetRequiredService<CadastreDbContext>();
        var parcels = await db.ParcelVersions.LongCountAsync(p => p.Status == ParcelStatus.Current, ct);
        // The largest parcels, each the parent of one plan: runs + 1 for the 50-lot plans, as many again for the stream lots.
        var parents = await db.ParcelVersions.AsNoTracking()
            .Where(p => p.Status == ParcelStatus.Current)
            .OrderByDescending(p => p.ComputedArea).ThenBy(p => p.Upi).Take(2 * (runs + 1)).ToListAsync(ct);
        var reader = services.GetRequiredService<SurveyReader>();
        var checks = services.GetRequiredService<SurveyChecks>();
        var data = services.GetRequiredService<NpgsqlDataSource>();

        var failed = 0;
        failed += await TimeAsync($"{Lots}-lot subdivision", parents[..(runs + 1)], Strips, 100);
        failed += await TimeAsync($"lot bounded by a {StreamVertices:N0}-vertex stream line, with its remainder", parents[(runs + 1)..], StreamLots, 200);
        return failed == 0 ? 0 : 1;

        async Task<int> TimeAsync(string what, IReadOnlyList<ParcelVersion> plans, Func<ParcelVersion, string> file, double goal)
        {
            var times = new List<double>();
            var raw = new List<double>();
            var (errors, findings, vertices) = (0, 0, 0);
            for (var run = 0; run < plans.Count; run++)
            {
                var content = Encoding.UTF8.GetBytes(file(plans[run]));
                var clock = Stopwatch.StartNew();
                var plan = await reader.ReadAsync(content, "bench.geojson", null, [], ct);
                var report = await checks.RunAsync(plan, null, ct);
                clock.Stop();
                var sql = await RawFabricStatementAsync(data, plans[run].Upi, report.Lots, ct);
                if (run > 0)
                {
                    times.Add(clock.Elapsed.TotalMilliseconds);
                    raw.Add(sql);
                    errors += report.Errors;
                    findings += report.Findings.Count;
                    vertices = Math.Max(vertices, plan.Parcels.Max(p => p.Boundary.NumPoints));
                }

                Console.Error.Write($"\r  survey check, {what}: run {run}/{plans.Count - 1}");
            }

            Console.Error.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"survey check, {what} (largest lot {vertices:N0} vertices), against {parcels:N0} current parcels, {times.Count} runs on as many parents "
                + $"({plans[1].Upi} …): min {Min(times):0.0} ms, median {Median(times):0.0} ms, p95 {P95(times):0.0} ms; "
                + $"raw S-FABRIC statement on the same lots: median {Median(raw):0.0} ms, p95 {P95(raw):0.0} ms; "
                + $"{errors} error(s), {findings} finding(s) in all; goal median under {goal:0} ms: {(Median(times) < goal ? "met" : "NOT met")}"));
            return errors;
        }
    }

    private static double Min(List<double> times) => times.Min();

    private static double Median(List<double> times) => times.Order().ElementAt(times.Count / 2);

    private static double P95(List<double> times) => times.Order().ElementAt((int)Math.Ceiling(times.Count * 0.95) - 1);

    /// <summary>The S-FABRIC statement alone, as raw SQL on its own connection (JIT off as the checks run it), in milliseconds.</summary>
    private static async Task<double> RawFabricStatementAsync(NpgsqlDataSource data, string parent, IReadOnlyList<CheckedLot> lots, CancellationToken ct)
    {
        await using var connection = await data.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var settings = new NpgsqlCommand("SET LOCAL jit = off", connection, transaction))
        {
            await settings.ExecuteNonQueryAsync(ct);
        }

        await using var command = new NpgsqlCommand("""
            WITH lots AS (SELECT * FROM unnest(@labels, @shapes) AS l(label, shape))
            SELECT l.label, p.upi, ST_CollectionExtract(ST_Intersection(l.shape, p.boundary), 3)
            FROM lots l JOIN cadastre.parcel_versions p ON p.boundary && l.shape AND p.status = 'current' AND p.upi <> @parent
            UNION ALL
            SELECT l.label, r.name, ST_CollectionExtract(ST_Intersection(l.shape, r.boundary), 3)
            FROM lots l JOIN cadastre.road_reserves r ON r.boundary && l.shape
            """, connection, transaction);
        command.Parameters.AddWithValue("labels", lots.Select(l => l.Label).ToArray());
        command.Parameters.AddWithValue("shapes", lots.Select(l => (Geometry)l.Boundary).ToArray());
        command.Parameters.AddWithValue("parent", parent);
        var clock = Stopwatch.StartNew();
        await using (var rows = await command.ExecuteReaderAsync(ct))
        {
            while (await rows.ReadAsync(ct))
            {
                rows.GetFieldValue<Geometry>(2);
            }
        }

        return clock.Elapsed.TotalMilliseconds;
    }

    // Fifty strips of the parent, west to east, each a lot with its area stated as a surveyor would.
    private static string Strips(ParcelVersion parent)
    {
        var box = parent.Boundary.EnvelopeInternal;
        var width = box.Width / Lots;
        var lots = new List<Geometry>();
        for (var i = 0; i < Lots; i++)
        {
            var minX = Math.Round(box.MinX + (i * width), 3);
            var maxX = i == Lots - 1 ? box.MaxX : Math.Round(box.MinX + ((i + 1) * width), 3);
            lots.Add(parent.Boundary.Intersection(parent.Boundary.Factory.ToGeometry(new Envelope(minX, maxX, box.MinY - 1, box.MaxY + 1))));
        }

        return Plan(parent, lots);
    }

    /// <summary>
    /// The parent cut in two by a stream that meanders across it west to east (5,000 surveyed points, a few centimetres
    /// apart, as a digitised bank is): the lot south of the stream and the remainder north of it share that line.
    /// </summary>
    private static string StreamLots(ParcelVersion parent)
    {
        var box = parent.Boundary.EnvelopeInternal;
        var factory = parent.Boundary.Factory;
        var random = new Random(parent.Upi.Sum(c => (int)c));
        var (phase1, phase2) = (random.NextDouble() * Math.Tau, random.NextDouble() * Math.Tau);
        var points = new List<Coordinate>(StreamVertices + 2);
        var drift = 0.0;
        for (var i = -1; i <= StreamVertices; i++)
        {
            // Every point but the two ends falls within the parent's box.
            var t = (i + 0.5) / StreamVertices;
            drift = Math.Clamp(drift + ((random.NextDouble() - 0.5) * 0.02), -0.05, 0.05);
            var y = box.Centre.Y + (box.Height * ((0.18 * Math.Sin((Math.Tau * 3 * t) + phase1)) + (0.05 * Math.Sin((Math.Tau * 17 * t) + phase2)) + drift));
            var x = i < 0 ? box.MinX - 1 : i == StreamVertices ? box.MaxX + 1 : box.MinX + (t * box.Width);
            points.Add(new Coordinate(Math.Round(x, 3), Math.Round(y, 3)));
        }

        // South of the stream: the line closed along the bottom of the parent's box.
        var south = new List<Coordinate>(points) { new(box.MaxX + 1, box.MinY - 1), new(box.MinX - 1, box.MinY - 1), points[0] };
        var side = factory.CreatePolygon([.. south]);
        return Plan(parent, [parent.Boundary.Intersection(side), parent.Boundary.Difference(side)]);
    }

    private static string Plan(ParcelVersion parent, IEnumerable<Geometry> lots)
    {
        var features = new List<string>();
        foreach (var lot in lots)
        {
            foreach (var polygon in Enumerable.Range(0, lot.NumGeometries).Select(lot.GetGeometryN).OfType<Polygon>().Where(p => p.Area > 1))
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
