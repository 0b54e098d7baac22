using System.Globalization;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Valid;
using Npgsql;

namespace Landplatform.Cadastre.Surveys;

/// <summary>
/// The automated examination of a survey: the geometry of each lot on its own (S-GEOM, S-AREA), the
/// traverses (S-CLOSE), the lots among themselves (S-OVERLAP) and against the fabric in PostGIS
/// (S-PARENT, S-FABRIC, S-PENDING, S-RISK). Every finding names its rule, severity and place.
/// </summary>
public sealed class SurveyChecks(NpgsqlDataSource db, SurveyTolerances tolerances)
{
    private const int NationalSrid = 2007;

    public async Task<SurveyReport> RunAsync(SurveyPlan plan, Guid? ownSurvey, CancellationToken ct)
    {
        var findings = new List<SurveyFinding>(plan.ReadFindings);
        if (plan.Parcels.Count == 0)
        {
            findings.Add(new SurveyFinding(SurveyRules.Schema, FindingSeverity.Error, "The survey holds no new parcel."));
        }

        foreach (var parcel in plan.Parcels)
        {
            CheckShape(parcel, findings);
        }

        var valid = plan.Parcels.Where(p => p.Boundary.IsValid).ToList();
        if (valid.Count == 0)
        {
            return new SurveyReport(findings, []);
        }

        await using var connection = await db.OpenConnectionAsync(ct);
        var grid = await ToNationalGridAsync(connection, plan.Srid, valid, ct);
        foreach (var (parcel, boundary) in grid)
        {
            CheckArea(parcel, boundary, findings);
        }

        foreach (var traverse in plan.Traverses)
        {
            CheckClosure(traverse, plan.Srid, findings);
        }

        CheckOverlaps(grid, findings);
        await CheckAgainstFabricAsync(connection, plan, grid, ownSurvey, findings, ct);
        return new SurveyReport(findings, grid.Select(g => new CheckedLot(g.Parcel.Label, g.Parcel.StatedArea, g.Boundary)).ToList());
    }

    private void CheckShape(SurveyedParcel parcel, List<SurveyFinding> findings)
    {
        var validation = new IsValidOp(parcel.Boundary).ValidationError;
        if (validation is not null)
        {
            var what = validation.ErrorType switch
            {
                TopologyValidationErrors.SelfIntersection or TopologyValidationErrors.RingSelfIntersection =>
                    "its boundary crosses itself (self-intersection)",
                TopologyValidationErrors.TooFewPoints => "it has too few corners",
                TopologyValidationErrors.RingNotClosed => "its boundary is not closed",
                _ => validation.Message,
            };
            findings.Add(new SurveyFinding(SurveyRules.Geometry, FindingSeverity.Error,
                $"{parcel.Label}: {what} near {validation.Coordinate?.X.ToString("0.###", CultureInfo.InvariantCulture)},{validation.Coordinate?.Y.ToString("0.###", CultureInfo.InvariantCulture)}.",
                parcel.Label, validation.Coordinate?.X, validation.Coordinate?.Y));
        }
    }

    private static void CheckArea(SurveyedParcel parcel, Polygon boundary, List<SurveyFinding> findings)
    {
        if (parcel.StatedArea is not { } stated)
        {
            findings.Add(new SurveyFinding(SurveyRules.Area, FindingSeverity.Warning, $"{parcel.Label}: the plan states no area.", parcel.Label));
            return;
        }

        var computed = boundary.Area;
        var allowed = AreaTolerance(computed);
        var difference = Math.Abs((double)stated - computed);
        if (difference > allowed)
        {
            var centre = boundary.InteriorPoint.Coordinate;
            findings.Add(new SurveyFinding(SurveyRules.Area, FindingSeverity.Error,
                string.Create(CultureInfo.InvariantCulture,
                    $"{parcel.Label}: stated area {stated:0.##} m² differs from the computed {computed:0.##} m² by {difference:0.##} m² (allowed {allowed:0.##} m²)."),
                parcel.Label, centre.X, centre.Y));
        }
    }

    /// <summary>0.1 m² under 100 m², 1 m² under a hectare, then agreement to four significant figures.</summary>
    public static double AreaTolerance(double area) =>
        area < 100 ? 0.1 : area < 10_000 ? 1.0 : 0.5 * Math.Pow(10, Math.Floor(Math.Log10(area)) - 3);

    private void CheckClosure(Traverse traverse, int srid, List<SurveyFinding> findings)
    {
        if (srid != NationalSrid)
        {
            findings.Add(new SurveyFinding(SurveyRules.Closure, FindingSeverity.Warning,
                $"Traverse {traverse.Name} is not in the national grid, so its closure was not computed."));
            return;
        }

        double x = traverse.Start.X, y = traverse.Start.Y, length = 0;
        foreach (var leg in traverse.Legs)
        {
            var radians = leg.Bearing * Math.PI / 180;
            x += leg.Distance * Math.Sin(radians);
            y += leg.Distance * Math.Cos(radians);
            length += leg.Distance;
        }

        var misclose = Math.Sqrt(Math.Pow(x - traverse.End.X, 2) + Math.Pow(y - traverse.End.Y, 2));
        var allowed = tolerances.ClosureConstant + (length * tolerances.ClosurePerMetre);
        var ratio = misclose > 0 ? length / misclose : double.PositiveInfinity;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"Traverse {traverse.Name}: misclose {misclose:0.000} m over {length:0.00} m (1:{(double.IsInfinity(ratio) ? "∞" : ratio.ToString("0", CultureInfo.InvariantCulture))}), allowed {allowed:0.000} m.");
        findings.Add(misclose > allowed
            ? new SurveyFinding(SurveyRules.Closure, FindingSeverity.Error, text, null, traverse.End.X, traverse.End.Y)
            : new SurveyFinding(SurveyRules.Closure, FindingSeverity.Info, text));
    }

    private void CheckOverlaps(IReadOnlyList<(SurveyedParcel Parcel, Polygon Boundary)> grid, List<SurveyFinding> findings)
    {
        for (var i = 0; i < grid.Count; i++)
        {
            for (var j = i + 1; j < grid.Count; j++)
            {
                if (!grid[i].Boundary.EnvelopeInternal.Intersects(grid[j].Boundary.EnvelopeInternal))
                {
                    continue;
                }

                var overlap = grid[i].Boundary.Intersection(grid[j].Boundary);
                if (overlap.Area >= tolerances.OverlapArea)
                {
                    var at = overlap.InteriorPoint.Coordinate;
                    findings.Add(new SurveyFinding(SurveyRules.Overlap, FindingSeverity.Error,
                        string.Create(CultureInfo.InvariantCulture, $"{grid[i].Parcel.Label} and {grid[j].Parcel.Label} overlap by {overlap.Area:0.##} m²."),
                        grid[i].Parcel.Label, at.X, at.Y));
                }
            }
        }
    }

    private async Task CheckAgainstFabricAsync(
        NpgsqlConnection connection, SurveyPlan plan, IReadOnlyList<(SurveyedParcel Parcel, Polygon Boundary)> grid, Guid? ownSurvey,
        List<SurveyFinding> findings, CancellationToken ct)
    {
        var parents = plan.ParentUpis.Distinct(StringComparer.Ordinal).ToArray();
        var labels = grid.Select(g => g.Parcel.Label).ToArray();
        var shapes = grid.Select(g => (Geometry)g.Boundary).ToArray();

        if (parents.Length > 0)
        {
            await using var current = new NpgsqlCommand(
                "SELECT array_agg(upi) FROM cadastre.parcel_versions WHERE upi = ANY(@parents) AND status = 'current'", connection);
            current.Parameters.AddWithValue("parents", parents);
            var found = await current.ExecuteScalarAsync(ct) as string[] ?? [];
            foreach (var missing in parents.Except(found, StringComparer.Ordinal))
            {
                findings.Add(new SurveyFinding(SurveyRules.Parent, FindingSeverity.Error, $"Parent {missing} is not a current parcel of the fabric.", missing));
            }

            if (found.Length == parents.Length && grid.Count == plan.Parcels.Count)
            {
                await CheckParentsAsync(connection, parents, shapes, findings, ct);
            }
            else if (grid.Count < plan.Parcels.Count)
            {
                findings.Add(new SurveyFinding(SurveyRules.Parent, FindingSeverity.Info,
                    "The lots were not compared with their parents because some lots are not valid polygons (see S-GEOM)."));
            }
        }

        await using (var overlaps = new NpgsqlCommand("""
            WITH lots AS (SELECT * FROM unnest(@labels, @shapes) AS l(label, shape))
            SELECT l.label, p.upi, ST_Area(ST_Intersection(l.shape, p.boundary)) AS area,
                   ST_X(ST_PointOnSurface(ST_Intersection(l.shape, p.boundary))), ST_Y(ST_PointOnSurface(ST_Intersection(l.shape, p.boundary)))
            FROM lots l JOIN cadastre.parcel_versions p ON p.boundary && l.shape AND p.status = 'current' AND NOT (p.upi = ANY(@parents))
            WHERE ST_Area(ST_Intersection(l.shape, p.boundary)) >= @tolerance
            UNION ALL
            SELECT l.label, 'road reserve ' || r.name, ST_Area(ST_Intersection(l.shape, r.boundary)),
                   ST_X(ST_PointOnSurface(ST_Intersection(l.shape, r.boundary))), ST_Y(ST_PointOnSurface(ST_Intersection(l.shape, r.boundary)))
            FROM lots l JOIN cadastre.road_reserves r ON r.boundary && l.shape
            WHERE ST_Area(ST_Intersection(l.shape, r.boundary)) >= @tolerance
            ORDER BY 1, 2
            """, connection))
        {
            overlaps.Parameters.AddWithValue("labels", labels);
            overlaps.Parameters.AddWithValue("shapes", shapes);
            overlaps.Parameters.AddWithValue("parents", parents);
            overlaps.Parameters.AddWithValue("tolerance", tolerances.OverlapArea);
            await using var rows = await overlaps.ExecuteReaderAsync(ct);
            while (await rows.ReadAsync(ct))
            {
                findings.Add(new SurveyFinding(SurveyRules.Fabric, FindingSeverity.Error,
                    string.Create(CultureInfo.InvariantCulture, $"{rows.GetString(0)} overlaps {rows.GetString(1)} by {rows.GetDouble(2):0.##} m²."),
                    rows.GetString(0), rows.GetDouble(3), rows.GetDouble(4)));
            }
        }

        if (parents.Length > 0)
        {
            await using var pending = new NpgsqlCommand("""
                SELECT s.reference, p FROM cadastre.surveys s, unnest(s.parent_upis) p
                WHERE s.status IN ('submitted', 'checked', 'examined') AND p = ANY(@parents) AND (@own::uuid IS NULL OR s.id <> @own)
                ORDER BY s.submitted_at
                """, connection);
            pending.Parameters.AddWithValue("parents", parents);
            pending.Parameters.AddWithValue("own", NpgsqlTypes.NpgsqlDbType.Uuid, (object?)ownSurvey ?? DBNull.Value);
            await using var rows = await pending.ExecuteReaderAsync(ct);
            while (await rows.ReadAsync(ct))
            {
                findings.Add(new SurveyFinding(SurveyRules.Pending, FindingSeverity.Error,
                    $"Parent {rows.GetString(1)} is already claimed by pending survey {rows.GetString(0)}.", rows.GetString(1)));
            }
        }

        await using (var risk = new NpgsqlCommand("""
            WITH lots AS (SELECT * FROM unnest(@labels, @shapes) AS l(label, shape))
            SELECT l.label, h.hazard, max(h.level) FROM lots l JOIN cadastre.hazard_zones h ON ST_Intersects(l.shape, h.boundary)
            GROUP BY l.label, h.hazard ORDER BY 1, 2
            """, connection))
        {
            risk.Parameters.AddWithValue("labels", labels);
            risk.Parameters.AddWithValue("shapes", shapes);
            await using var rows = await risk.ExecuteReaderAsync(ct);
            while (await rows.ReadAsync(ct))
            {
                findings.Add(new SurveyFinding(SurveyRules.Risk, FindingSeverity.Info,
                    $"{rows.GetString(0)} lies in a {rows.GetString(1).Replace('_', ' ')} zone ({rows.GetString(2)}).", rows.GetString(0)));
            }
        }
    }

    private async Task CheckParentsAsync(NpgsqlConnection connection, string[] parents, Geometry[] shapes, List<SurveyFinding> findings, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            WITH parents AS (SELECT ST_Union(boundary) AS shape FROM cadastre.parcel_versions WHERE upi = ANY(@parents) AND status = 'current'),
                 children AS (SELECT ST_Union(s) AS shape FROM unnest(@shapes) s),
                 gaps AS (SELECT (ST_Dump(ST_Difference(p.shape, c.shape))).geom AS g FROM parents p, children c),
                 spill AS (SELECT (ST_Dump(ST_Difference(c.shape, p.shape))).geom AS g FROM parents p, children c)
            SELECT 'gap', ST_Area(g), ST_Perimeter(g), ST_X(ST_PointOnSurface(g)), ST_Y(ST_PointOnSurface(g)) FROM gaps WHERE ST_Area(g) >= @tolerance
            UNION ALL
            SELECT 'spill', ST_Area(g), ST_Perimeter(g), ST_X(ST_PointOnSurface(g)), ST_Y(ST_PointOnSurface(g)) FROM spill WHERE ST_Area(g) >= @tolerance
            UNION ALL
            SELECT 'areas', (SELECT ST_Area(shape) FROM parents), (SELECT ST_Area(shape) FROM children), 0, 0
            """, connection);
        command.Parameters.AddWithValue("parents", parents);
        command.Parameters.AddWithValue("shapes", shapes);
        command.Parameters.AddWithValue("tolerance", tolerances.OverlapArea);
        await using var rows = await command.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
        {
            var kind = rows.GetString(0);
            if (kind == "areas")
            {
                var (parentArea, childArea) = (rows.GetDouble(1), rows.GetDouble(2));
                if (Math.Abs(parentArea - childArea) > parentArea * tolerances.ParentAreaFraction)
                {
                    findings.Add(new SurveyFinding(SurveyRules.Parent, FindingSeverity.Error, string.Create(CultureInfo.InvariantCulture,
                        $"The new lots cover {childArea:0.##} m² but the parents {parentArea:0.##} m²; they may differ by {tolerances.ParentAreaFraction:P1} at most.")));
                }

                continue;
            }

            var (area, perimeter, x, y) = (rows.GetDouble(1), rows.GetDouble(2), rows.GetDouble(3), rows.GetDouble(4));
            var sliver = perimeter > 0 && area / perimeter < tolerances.SliverWidth;
            findings.Add(kind == "gap"
                ? new SurveyFinding(sliver ? SurveyRules.Fabric : SurveyRules.Parent, FindingSeverity.Error, string.Create(CultureInfo.InvariantCulture,
                    $"{(sliver ? "A sliver gap" : "A gap")} of {area:0.##} m² of the parents is left outside every new lot."), null, x, y)
                : new SurveyFinding(SurveyRules.Parent, FindingSeverity.Error, string.Create(CultureInfo.InvariantCulture,
                    $"{area:0.##} m² of the new lots lie outside the parents they replace."), null, x, y));
        }
    }

    private static async Task<IReadOnlyList<(SurveyedParcel Parcel, Polygon Boundary)>> ToNationalGridAsync(
        NpgsqlConnection connection, int srid, IReadOnlyList<SurveyedParcel> parcels, CancellationToken ct)
    {
        if (srid == NationalSrid)
        {
            return parcels.Select(p => (p, p.Boundary)).ToList();
        }

        await using var command = new NpgsqlCommand($"SELECT ST_Transform(s, {NationalSrid}) FROM unnest(@shapes) WITH ORDINALITY AS u(s, n) ORDER BY n", connection);
        command.Parameters.AddWithValue("shapes", parcels.Select(p => (Geometry)p.Boundary).ToArray());
        var result = new List<(SurveyedParcel, Polygon)>(parcels.Count);
        await using var rows = await command.ExecuteReaderAsync(ct);
        var i = 0;
        while (await rows.ReadAsync(ct))
        {
            result.Add((parcels[i++], (Polygon)rows.GetFieldValue<Geometry>(0)));
        }

        return result;
    }
}
