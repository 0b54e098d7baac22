using Landplatform.Cadastre.Surveys;
using Landplatform.Testing;
using NetTopologySuite.Geometries;
using Npgsql;
using Xunit.Abstractions;

namespace Landplatform.Cadastre.Tests;

/// <summary>
/// Tolerance-based topology (issue #21): hundreds of clean subdivisions of the sample island's slanted parcels,
/// coordinated to the millimetre and written as LandXML 1.2, pass every check against the real fabric in PostGIS; the
/// same plans fail without the snap distance; and each fault planted in a clean plan fires exactly its own rule.
/// </summary>
public sealed class SurveyTopologyTests(SampleIslandDatabase database, ITestOutputHelper output) : IClassFixture<SampleIslandDatabase>
{
    private static readonly int[] LotCounts = [2, 3, 5, 20];

    private SurveyReader? reader;

    [Fact]
    public async Task Several_hundred_mm_rounded_clean_subdivisions_of_slanted_parcels_pass_every_check()
    {
        var plans = await CleanPlansAsync(360);
        Assert.True(plans.Count >= 300, $"only {plans.Count} plans could be made");
        var checks = new SurveyChecks(database.DataSource, new SurveyTolerances());
        var failures = new List<string>();
        foreach (var plan in plans)
        {
            var report = await CheckAsync(checks, plan.Parent, plan.Lots);
            if (!report.Passed)
            {
                failures.Add($"{plan.Parent} in {plan.Lots.Count} lots: " + string.Join(" ", report.Findings.Where(f => f.Severity == FindingSeverity.Error).Select(f => $"[{f.Rule}] {f.Message}")));
            }
        }

        foreach (var count in LotCounts)
        {
            output.WriteLine($"{plans.Count(p => p.Lots.Count == count)} plans of {count} lots");
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {plans.Count} clean plans failed:\n" + string.Join("\n", failures.Take(10)));
    }

    [Fact]
    public async Task Without_the_snap_distance_many_of_the_same_clean_plans_fail_as_the_issue_found()
    {
        var plans = await CleanPlansAsync(120);
        var strict = new SurveyChecks(database.DataSource, new SurveyTolerances { SnapDistance = 0 });
        var failed = 0;
        foreach (var plan in plans)
        {
            failed += (await CheckAsync(strict, plan.Parent, plan.Lots)).Passed ? 0 : 1;
        }

        output.WriteLine($"{failed} of {plans.Count} clean plans fail with no snap distance");
        Assert.True(failed >= plans.Count / 10, $"only {failed} of {plans.Count} failed without tolerance: the plans do not exercise millimetre rounding");
    }

    public static TheoryData<string, string> Faults() => new()
    {
        { "bow-tie", "S-GEOM" },
        { "repeated-corner", "S-GEOM" },
        { "stated-area", "S-AREA" },
        { "lot-over-lot", "S-OVERLAP" },
        { "lot-missing", "S-PARENT" },
        { "sliver-against-neighbour", "S-FABRIC" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_fault_planted_in_clean_plans_fires_exactly_its_rule(string fault, string rule)
    {
        var plans = await CleanPlansAsync(60);
        var checks = new SurveyChecks(database.DataSource, new SurveyTolerances());
        var planted = 0;
        var wrong = new List<string>();
        foreach (var plan in plans)
        {
            var faulty = Plant(fault, plan.Lots, plan.ParentArea);
            if (faulty is null)
            {
                continue;
            }

            planted++;
            var report = await CheckAsync(checks, plan.Parent, faulty);
            var rules = report.Findings.Where(f => f.Severity == FindingSeverity.Error).Select(f => f.Rule).Distinct().Order(StringComparer.Ordinal).ToArray();
            if (rules is not [var only] || only != rule)
            {
                wrong.Add($"{plan.Parent} in {plan.Lots.Count} lots: [{string.Join(",", rules)}] " + string.Join(" ", report.Findings.Where(f => f.Severity == FindingSeverity.Error).Select(f => f.Message)));
            }
            else
            {
                var finding = report.Findings.First(f => f.Rule == rule && f.Severity == FindingSeverity.Error);
                Assert.False(string.IsNullOrWhiteSpace(finding.Message));
                if (rule is SurveyRules.Overlap or SurveyRules.Fabric)
                {
                    Assert.NotNull(finding.X);
                    Assert.Matches(@"\d+(\.\d+)? m², up to \d+\.\d{3} m wide, at \d+\.\d{3},\d+\.\d{3}", finding.Message);
                }
            }
        }

        output.WriteLine($"{fault}: planted in {planted} plans");
        Assert.True(planted >= 30, $"the fault could be planted in only {planted} plans");
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {planted} plans did not fire exactly {rule}:\n" + string.Join("\n", wrong.Take(8)));
    }

    private async Task<SurveyReport> CheckAsync(SurveyChecks checks, string parent, IReadOnlyList<SubdivisionPlans.Lot> lots)
    {
        reader ??= new SurveyReader(new SurveyTolerances(), new SurveyCrsCatalog(database.DataSource), database.DataSource);
        var plan = await reader.ReadAsync(SubdivisionPlans.LandXml(parent, lots), "plan.xml", null, [], CancellationToken.None);
        Assert.Equal([parent], plan.ParentUpis);
        return await checks.RunAsync(plan, null, CancellationToken.None);
    }

    private sealed record CleanPlan(string Parent, double ParentArea, List<SubdivisionPlans.Lot> Lots);

    /// <summary>
    /// Parcels of the sample island with at least one edge a metre or longer and more than a degree off both grid axes
    /// (a slant, not a millimetre kink of a square line), in a seeded random order, each cut into
    /// 2, 3, 5 or 20 lots in turn (20 only where the parcel is large enough).
    /// </summary>
    private async Task<List<CleanPlan>> CleanPlansAsync(int wanted)
    {
        var candidates = new List<(string Upi, Polygon Shape)>();
        await using (var command = database.DataSource.CreateCommand("""
            WITH single AS (
                SELECT upi, ST_GeometryN(boundary, 1) AS shape FROM cadastre.parcel_versions
                WHERE status = 'current' AND ST_NumGeometries(boundary) = 1 AND ST_NRings(boundary) = 1 AND ST_Area(boundary) BETWEEN 500 AND 60000)
            SELECT upi, shape FROM single s
            WHERE EXISTS (SELECT 1 FROM ST_DumpSegments(s.shape) d,
                                 LATERAL (SELECT abs(ST_X(ST_StartPoint(d.geom)) - ST_X(ST_EndPoint(d.geom))) AS dx,
                                                 abs(ST_Y(ST_StartPoint(d.geom)) - ST_Y(ST_EndPoint(d.geom))) AS dy) m
                          WHERE ST_Length(d.geom) >= 1 AND least(m.dx, m.dy) > tan(radians(1)) * greatest(m.dx, m.dy))
            ORDER BY upi
            """))
        {
            await using var rows = await command.ExecuteReaderAsync();
            while (await rows.ReadAsync())
            {
                candidates.Add((rows.GetString(0), (Polygon)rows.GetFieldValue<Geometry>(1)));
            }
        }

        var random = new Random(21);
        var plans = new List<CleanPlan>();
        var next = 0;
        foreach (var (upi, shape) in candidates.OrderBy(_ => random.Next()))
        {
            if (plans.Count >= wanted)
            {
                break;
            }

            var count = LotCounts[next % LotCounts.Length];
            if (count == 20 && shape.Area < 3000)
            {
                count = 5;
            }

            var lots = SubdivisionPlans.Subdivide(shape, count, random);
            if (lots is not null)
            {
                plans.Add(new CleanPlan(upi, shape.Area, lots));
                next++;
            }
        }

        return plans;
    }

    /// <summary>The plan with one fault, areas restated from the corners except where the area is the fault; null when this plan offers no place for it.</summary>
    private static List<SubdivisionPlans.Lot>? Plant(string fault, List<SubdivisionPlans.Lot> lots, double parentArea)
    {
        var copy = lots.Select(l => l with { Corners = [.. l.Corners] }).ToList();
        switch (fault)
        {
            case "bow-tie":
            {
                var lot = copy[0];
                (lot.Corners[1], lot.Corners[2]) = (lot.Corners[2], lot.Corners[1]);
                return lot.Polygon.IsValid ? null : copy;
            }

            case "repeated-corner":
            {
                var lot = copy[0];
                var c = lot.Corners[1];
                lot.Corners.Insert(2, new Coordinate(c.X + 0.0004, c.Y));
                copy[0] = lot.Restated();
                return copy;
            }

            case "stated-area":
                copy[0] = copy[0] with { StatedArea = decimal.Round(copy[0].StatedArea * 1.03m + 2m, 2) };
                return copy;

            case "lot-missing":
                copy.RemoveAt(copy.Count - 1);
                return copy;

            case "lot-over-lot":
                for (var a = 0; a < copy.Count; a++)
                {
                    for (var b = 0; b < copy.Count; b++)
                    {
                        if (a != b && Bulge(copy[a], copy[b].Polygon, 0.5) is { } bulged)
                        {
                            copy[a] = bulged.Restated();
                            return copy;
                        }
                    }
                }

                return null;

            case "sliver-against-neighbour":
                for (var a = 0; a < copy.Count; a++)
                {
                    // An outer side: one no other lot shares. The notch leaves a gap of under 0.05 % of the parent, so the total area is kept.
                    if (Notch(copy[a], copy.Where((_, i) => i != a).Select(l => l.Polygon).ToList(), parentArea) is { } notched)
                    {
                        copy[a] = notched.Restated();
                        return copy;
                    }
                }

                return null;

            default:
                throw new ArgumentOutOfRangeException(nameof(fault));
        }
    }

    /// <summary>A side the lot shares with <paramref name="other"/> pushed into it as a triangle <paramref name="height"/> deep.</summary>
    private static SubdivisionPlans.Lot? Bulge(SubdivisionPlans.Lot lot, Polygon other, double height)
    {
        for (var i = 0; i < lot.Corners.Count; i++)
        {
            var (p, q) = (lot.Corners[i], lot.Corners[(i + 1) % lot.Corners.Count]);
            var length = p.Distance(q);
            if (length < 5 || !other.Boundary.Buffer(0.01).Contains(other.Factory.CreateLineString([p, q])))
            {
                continue;
            }

            var m = Apex(p, q, height, other);
            if (m is null)
            {
                continue;
            }

            var corners = new List<Coordinate>(lot.Corners);
            corners.Insert(i + 1, m);
            var changed = lot with { Corners = corners };
            if (changed.Polygon.IsValid && other.Contains(other.Factory.CreatePolygon([p, m, q, p]).InteriorPoint))
            {
                return changed;
            }
        }

        return null;
    }

    private static SubdivisionPlans.Lot? Notch(SubdivisionPlans.Lot lot, IReadOnlyList<Polygon> others, double parentArea)
    {
        var self = lot.Polygon;
        for (var i = 0; i < lot.Corners.Count; i++)
        {
            var (p, q) = (lot.Corners[i], lot.Corners[(i + 1) % lot.Corners.Count]);
            var length = p.Distance(q);
            var side = self.Factory.CreateLineString([p, q]);
            if (length < 8 || others.Any(o => o.Boundary.Buffer(0.01).Intersection(side).Length > 0.1))
            {
                continue;
            }

            var depth = Math.Min(0.1, parentArea * 0.001 / length);
            if (depth < 0.03)
            {
                continue;
            }

            var m = Apex(p, q, depth, self);
            if (m is null)
            {
                continue;
            }

            var corners = new List<Coordinate>(lot.Corners);
            corners.Insert(i + 1, m);
            var changed = lot with { Corners = corners };
            if (changed.Polygon.IsValid && changed.Polygon.Area < self.Area)
            {
                return changed;
            }
        }

        return null;
    }

    /// <summary>The midpoint of p–q moved <paramref name="height"/> to the side of it where <paramref name="inside"/> lies, to the millimetre.</summary>
    private static Coordinate? Apex(Coordinate p, Coordinate q, double height, Polygon inside)
    {
        var (dx, dy) = ((q.X - p.X) / p.Distance(q), (q.Y - p.Y) / p.Distance(q));
        foreach (var sign in new[] { 1.0, -1.0 })
        {
            var m = SubdivisionPlans.Round(new Coordinate(((p.X + q.X) / 2) - (sign * dy * height), ((p.Y + q.Y) / 2) + (sign * dx * height)));
            if (inside.Contains(inside.Factory.CreatePoint(m)))
            {
                return m;
            }
        }

        return null;
    }
}
