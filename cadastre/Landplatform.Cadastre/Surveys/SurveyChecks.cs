using System.Globalization;
using Landplatform.Cadastre.Contracts.Register;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.RelateNG;
using NetTopologySuite.Operation.Valid;
using Npgsql;

namespace Landplatform.Cadastre.Surveys;

/// <summary>
/// The automated examination of a survey: the geometry of each lot on its own (S-GEOM, S-AREA), the
/// traverses (S-CLOSE), the lots among themselves (S-OVERLAP) and against the fabric in PostGIS
/// (S-PARENT, S-FABRIC, S-PENDING, S-RISK) and the parents' titles in the register, read through the registry's
/// <see cref="IParcelTitles"/> when it is composed (S-TITLE, S-DEALING, S-MERGE). Every finding names its rule, severity and place.
/// </summary>
public sealed class SurveyChecks(NpgsqlDataSource db, SurveyTolerances tolerances, IParcelTitles? titles = null)
{
    private const int NationalSrid = 2007;

    // The DE-9IM pattern of two shapes whose interiors share at least a point.
    private const string InteriorsIntersect = "T********";

    public async Task<SurveyReport> RunAsync(SurveyPlan plan, Guid? ownSurvey, CancellationToken ct)
    {
        var findings = new List<SurveyFinding>(plan.ReadFindings);
        if (plan.Parcels.Count == 0)
        {
            findings.Add(new SurveyFinding(SurveyRules.Schema, FindingSeverity.Error, "The survey holds no new parcel."));
        }

        // Validity is judged once per lot (costly on long boundaries): the valid lots go on to the other checks.
        var valid = plan.Parcels.Where(parcel => CheckShape(parcel, findings)).ToList();
        if (valid.Count == 0)
        {
            return new SurveyReport(findings, []);
        }

        await using var connection = await db.OpenConnectionAsync(ct);
        // The planner prices the PostGIS overlays high enough to JIT-compile them (~0.5 s) for a few milliseconds of work.
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var settings = new NpgsqlCommand("SET TRANSACTION READ ONLY; SET LOCAL jit = off", connection, transaction))
        {
            await settings.ExecuteNonQueryAsync(ct);
        }

        var drawn = await ToNationalGridAsync(connection, plan.Srid, valid, ct);
        var fabric = await FabricNearAsync(connection, drawn.Select(d => d.Boundary), ct);
        var snapped = SurveyTopology.Snap(drawn.Select(d => d.Boundary).ToList(), fabric, tolerances.SnapDistance);
        var grid = drawn.Select((d, i) => (d.Parcel, Boundary: snapped[i])).ToList();
        foreach (var (parcel, boundary) in drawn)
        {
            // Repeated corners and the stated area are judged on the lot as drawn, in metres on the national grid.
            CheckRepeatedCorners(parcel.Label, boundary, findings);
            CheckArea(parcel, boundary, plan, findings);
        }

        var unclosed = new HashSet<TraverseLeg>(ReferenceEqualityComparer.Instance);
        foreach (var traverse in plan.Traverses)
        {
            if (!CheckClosure(traverse, plan.Crs, findings))
            {
                unclosed.UnionWith(traverse.Legs);
            }
        }

        CheckObservations(plan, unclosed, findings);
        CheckEasements(plan, findings);
        CheckOverlaps(grid, findings);
        await CheckAgainstFabricAsync(connection, plan, grid, ownSurvey, findings, ct);
        return new SurveyReport(findings, grid.Select(g => new CheckedLot(g.Parcel.Label, g.Parcel.StatedArea, g.Boundary)).ToList());
    }

    /// <summary>The current parcels and road reserves within reach of the lots, which the lots are snapped to.</summary>
    private async Task<IReadOnlyList<Geometry>> FabricNearAsync(NpgsqlConnection connection, IEnumerable<Polygon> lots, CancellationToken ct)
    {
        var reach = new Envelope();
        foreach (var lot in lots)
        {
            reach.ExpandToInclude(lot.EnvelopeInternal);
        }

        reach.ExpandBy(Math.Max(tolerances.SnapDistance, 0) * 2 + 0.001);
        await using var command = new NpgsqlCommand($"""
            WITH reach AS (SELECT ST_MakeEnvelope(@x0, @y0, @x1, @y1, {NationalSrid}) AS box)
            SELECT p.boundary FROM cadastre.parcel_versions p, reach WHERE p.boundary && reach.box AND p.status = 'current'
            UNION ALL
            SELECT r.boundary FROM cadastre.road_reserves r, reach WHERE r.boundary && reach.box
            """, connection);
        command.Parameters.AddWithValue("x0", reach.MinX);
        command.Parameters.AddWithValue("y0", reach.MinY);
        command.Parameters.AddWithValue("x1", reach.MaxX);
        command.Parameters.AddWithValue("y1", reach.MaxY);
        var shapes = new List<Geometry>();
        await using var rows = await command.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
        {
            shapes.Add(rows.GetFieldValue<Geometry>(0));
        }

        return shapes;
    }

    /// <summary>
    /// The pieces of a gap or overlap that count: at least the overlap area and wider than the snap distance (a
    /// thinner piece is the plan's millimetre rounding, within the fabric's accuracy), each with its width and centre.
    /// </summary>
    private IEnumerable<(double Area, double Width, Coordinate At)> Pieces(Geometry shape)
    {
        for (var i = 0; i < shape.NumGeometries; i++)
        {
            var piece = shape.GetGeometryN(i);
            if (piece is GeometryCollection and not MultiPolygon)
            {
                foreach (var inner in Pieces(piece))
                {
                    yield return inner;
                }

                continue;
            }

            if (piece is not Polygon || piece.Area < tolerances.OverlapArea)
            {
                continue;
            }

            var (width, centre) = SurveyTopology.Width(piece, Math.Max(tolerances.SnapDistance / 10, 0.0001));
            if (width > tolerances.SnapDistance)
            {
                yield return (piece.Area, width, centre);
            }
        }
    }

    /// <summary>S-GEOM on the lot's own shape; true when it is a valid polygon.</summary>
    private static bool CheckShape(SurveyedParcel parcel, List<SurveyFinding> findings)
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

        return validation is null;
    }

    private static void CheckArea(SurveyedParcel parcel, Polygon boundary, SurveyPlan plan, List<SurveyFinding> findings)
    {
        if (parcel.StatedArea is not { } stated)
        {
            findings.Add(new SurveyFinding(SurveyRules.Area, FindingSeverity.Warning, $"{parcel.Label}: the plan states no area.", parcel.Label));
            return;
        }

        // The surveyor states the area on the plan's own grid, arcs counted as arcs; a plan in degrees is judged on the national grid.
        var combinedFactor = plan.CombinedFactor;
        var computed = plan.Crs is { Geographic: false } crs
            ? (parcel.ExactArea ?? parcel.Boundary.Area) * crs.MetresPerUnit * crs.MetresPerUnit
            : parcel.ExactArea is { } exact && parcel.Boundary.Area > 0 ? exact * (boundary.Area / parcel.Boundary.Area) : boundary.Area;
        var onGrid = (double)stated * combinedFactor * combinedFactor;
        var allowed = AreaTolerance(computed);
        var difference = Math.Abs(onGrid - computed);
        if (difference > allowed)
        {
            var centre = boundary.InteriorPoint.Coordinate;
            var ground = combinedFactor == 1 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" ({onGrid:0.##} m² on the grid at combined factor {combinedFactor:0.########})");
            findings.Add(new SurveyFinding(SurveyRules.Area, FindingSeverity.Error,
                string.Create(CultureInfo.InvariantCulture,
                    $"{parcel.Label}: stated area {stated:0.##} m²{ground} differs from the computed {computed:0.##} m² by {difference:0.##} m² (allowed {allowed:0.##} m²)."),
                parcel.Label, centre.X, centre.Y));
        }
    }

    private void CheckRepeatedCorners(string label, Polygon boundary, List<SurveyFinding> findings)
    {
        foreach (var ring in new[] { boundary.ExteriorRing }.Concat(boundary.InteriorRings))
        {
            var points = ring.Coordinates;
            for (var i = 1; i < points.Length; i++)
            {
                if (points[i].Distance(points[i - 1]) < tolerances.DuplicateVertex)
                {
                    findings.Add(new SurveyFinding(SurveyRules.Geometry, FindingSeverity.Error,
                        $"{label}: corner {i + 1} repeats corner {i} (duplicate vertex).", label, points[i].X, points[i].Y));
                }
            }
        }
    }

    /// <summary>0.1 m² under 100 m², 1 m² under a hectare, then agreement to four significant figures.</summary>
    public static double AreaTolerance(double area) =>
        area < 100 ? 0.1 : area < 10_000 ? 1.0 : 0.5 * Math.Pow(10, Math.Floor(Math.Log10(area)) - 3);

    /// <summary>A traverse's misclose; false when it exceeds the allowance (its legs are then not compared with the coordinates).</summary>
    private bool CheckClosure(Traverse traverse, SurveyCrsInfo? crs, List<SurveyFinding> findings)
    {
        if (crs is not { Geographic: false })
        {
            findings.Add(new SurveyFinding(SurveyRules.Closure, FindingSeverity.Warning,
                $"Traverse {traverse.Name} is not in a projected grid, so its closure was not computed."));
            return true;
        }

        double x = traverse.Start.X * crs.MetresPerUnit, y = traverse.Start.Y * crs.MetresPerUnit, length = 0;
        foreach (var leg in traverse.Legs)
        {
            var radians = leg.Bearing * Math.PI / 180;
            x += leg.Distance * Math.Sin(radians);
            y += leg.Distance * Math.Cos(radians);
            length += leg.Distance;
        }

        var (endX, endY) = (traverse.End.X * crs.MetresPerUnit, traverse.End.Y * crs.MetresPerUnit);
        var misclose = Math.Sqrt(Math.Pow(x - endX, 2) + Math.Pow(y - endY, 2));
        var allowed = tolerances.ClosureConstant + (length * tolerances.ClosurePerMetre);
        var ratio = misclose > 0 ? length / misclose : double.PositiveInfinity;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"Traverse {traverse.Name}: misclose {misclose:0.000} m over {length:0.00} m (1:{(double.IsInfinity(ratio) ? "∞" : ratio.ToString("0", CultureInfo.InvariantCulture))}), allowed {allowed:0.000} m.");
        var grid = crs.Srid == NationalSrid;
        if (misclose > allowed)
        {
            findings.Add(new SurveyFinding(SurveyRules.Closure, FindingSeverity.Error, text + " Its legs are not compared with the coordinates until it closes.",
                null, grid ? traverse.End.X : null, grid ? traverse.End.Y : null));
            return false;
        }

        findings.Add(new SurveyFinding(SurveyRules.Closure, FindingSeverity.Info, text));
        return true;
    }

    /// <summary>
    /// Each reduced observation against the coordinates of its two points (S-OBS): the point the observation reaches
    /// from its setup must lie within the closure allowance of where the plan puts it. A LandXML plan without
    /// observations is warned about: its corners stand on nothing measured.
    /// </summary>
    private void CheckObservations(SurveyPlan plan, HashSet<TraverseLeg> unclosed, List<SurveyFinding> findings)
    {
        if (plan.Format == "landxml" && plan.Observations.Count == 0)
        {
            findings.Add(new SurveyFinding(SurveyRules.Observation, FindingSeverity.Warning,
                "The plan carries no observations: its corners are not checked against measurements."));
            return;
        }

        if (plan.Crs is not { Geographic: false } crs)
        {
            return;
        }

        var grid = crs.Srid == NationalSrid;
        foreach (var leg in plan.Observations)
        {
            if (unclosed.Contains(leg) || leg.FromAt is not { } from || leg.ToAt is not { } to)
            {
                continue;
            }

            var radians = leg.Bearing * Math.PI / 180;
            var reachedX = (from.X * crs.MetresPerUnit) + (leg.Distance * Math.Sin(radians));
            var reachedY = (from.Y * crs.MetresPerUnit) + (leg.Distance * Math.Cos(radians));
            var apart = Math.Sqrt(Math.Pow(reachedX - (to.X * crs.MetresPerUnit), 2) + Math.Pow(reachedY - (to.Y * crs.MetresPerUnit), 2));
            var allowed = tolerances.ClosureConstant + (leg.Distance * tolerances.ClosurePerMetre);
            if (apart > allowed)
            {
                findings.Add(new SurveyFinding(SurveyRules.Observation, FindingSeverity.Error, string.Create(CultureInfo.InvariantCulture,
                    $"The observation from {leg.From} to {leg.To} ({leg.Bearing:0.0000}°, {leg.Distance:0.000} m) reaches {apart:0.000} m from where the coordinates put {leg.To} (allowed {allowed:0.000} m)."),
                    null, grid ? to.X : null, grid ? to.Y : null));
            }
        }
    }

    /// <summary>Easements and restrictions are recorded with the plan and reported, each with the lots it burdens; they are not lots.</summary>
    private static void CheckEasements(SurveyPlan plan, List<SurveyFinding> findings)
    {
        foreach (var easement in plan.Easements)
        {
            if (!easement.Boundary.IsValid)
            {
                findings.Add(new SurveyFinding(SurveyRules.Geometry, FindingSeverity.Error, $"Easement {easement.Label}: its boundary is not a valid polygon.", easement.Label));
                continue;
            }

            var burdened = plan.Parcels.Where(p => p.Boundary.IsValid && p.Boundary.Intersection(easement.Boundary).Area > 0).Select(p => p.Label).ToList();
            findings.Add(new SurveyFinding(SurveyRules.Easement, FindingSeverity.Info, string.Create(CultureInfo.InvariantCulture,
                $"Easement {easement.Label}{(easement.StatedArea is { } a ? $" ({a:0.##} m²)" : string.Empty)} is recorded over {(burdened.Count == 0 ? "no new lot" : string.Join(", ", burdened))}."),
                easement.Label));
        }
    }

    /// <summary>What the plan's header says against who lodges it and today (S-HEADER).</summary>
    public static IReadOnlyList<SurveyFinding> CheckHeader(SurveyPlan plan, string? lodgingLicence, DateOnly today)
    {
        var findings = new List<SurveyFinding>();
        if (plan.Format != "landxml" || plan.Header is not { } header)
        {
            return findings;
        }

        if (!header.Present)
        {
            findings.Add(new SurveyFinding(SurveyRules.Header, FindingSeverity.Warning, "The plan has no SurveyHeader: the surveyor's licence and the date of survey are not checked."));
        }

        if (header.Licence is { } licence && !string.Equals(licence.Trim(), lodgingLicence?.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            findings.Add(new SurveyFinding(SurveyRules.Header, FindingSeverity.Error,
                $"The plan was surveyed under licence {licence.Trim()}, but the surveyor lodging it holds {(lodgingLicence is null ? "no licence" : $"licence {lodgingLicence}")}."));
        }
        else if (header.Present && header.Licence is null)
        {
            findings.Add(new SurveyFinding(SurveyRules.Header, FindingSeverity.Warning, "The SurveyHeader names no surveyorRegistration (licence)."));
        }

        if (header.SurveyDate is { } date && date > today)
        {
            findings.Add(new SurveyFinding(SurveyRules.Header, FindingSeverity.Error, $"The date of survey {date:yyyy-MM-dd} is in the future."));
        }

        if (header.Datum is null && plan.Srid != NationalSrid)
        {
            findings.Add(new SurveyFinding(SurveyRules.Header, FindingSeverity.Warning, $"The CoordinateSystem names no datum for EPSG:{plan.Srid}."));
        }

        return findings;
    }

    private void CheckOverlaps(IReadOnlyList<(SurveyedParcel Parcel, Polygon Boundary)> grid, List<SurveyFinding> findings)
    {
        for (var i = 0; i < grid.Count; i++)
        {
            for (var j = i + 1; j < grid.Count; j++)
            {
                // Lots that meet only along their sides (as snapped lots of a clean plan do) cannot overlap: the relate
                // test says so in a fraction of the time the overlay takes on a long shared boundary.
                if (!grid[i].Boundary.EnvelopeInternal.Intersects(grid[j].Boundary.EnvelopeInternal)
                    || !RelateNG.Relate(grid[i].Boundary, grid[j].Boundary, InteriorsIntersect))
                {
                    continue;
                }

                foreach (var (area, width, at) in Pieces(grid[i].Boundary.Intersection(grid[j].Boundary)))
                {
                    findings.Add(new SurveyFinding(SurveyRules.Overlap, FindingSeverity.Error,
                        string.Create(CultureInfo.InvariantCulture,
                            $"{grid[i].Parcel.Label} and {grid[j].Parcel.Label} overlap by {area:0.##} m², up to {width:0.000} m wide, at {at.X:0.000},{at.Y:0.000}."),
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

        if (parents.Length == 0)
        {
            await CheckOnLandAsync(connection, labels, shapes, findings, ct);
        }

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
                await CheckBuildingsAsync(connection, parents, labels, shapes, findings, ct);
                await CheckTitlesAsync(parents, findings, ct);
            }
            else if (grid.Count < plan.Parcels.Count)
            {
                findings.Add(new SurveyFinding(SurveyRules.Parent, FindingSeverity.Info,
                    "The lots were not compared with their parents because some lots are not valid polygons (see S-GEOM)."));
            }
        }

        await using (var overlaps = new NpgsqlCommand("""
            WITH lots AS (SELECT * FROM unnest(@labels, @shapes) AS l(label, shape)),
                 touched AS (
                     SELECT l.label, p.upi AS other, ST_CollectionExtract(ST_Intersection(l.shape, p.boundary), 3) AS shared
                     FROM lots l JOIN cadastre.parcel_versions p ON p.boundary && l.shape AND p.status = 'current' AND NOT (p.upi = ANY(@parents))
                     UNION ALL
                     SELECT l.label, 'road reserve ' || r.name, ST_CollectionExtract(ST_Intersection(l.shape, r.boundary), 3)
                     FROM lots l JOIN cadastre.road_reserves r ON r.boundary && l.shape)
            SELECT label, other, shared FROM touched WHERE ST_Area(shared) >= @tolerance ORDER BY 1, 2
            """, connection))
        {
            overlaps.Parameters.AddWithValue("labels", labels);
            overlaps.Parameters.AddWithValue("shapes", shapes);
            overlaps.Parameters.AddWithValue("parents", parents);
            overlaps.Parameters.AddWithValue("tolerance", tolerances.OverlapArea);
            await using var rows = await overlaps.ExecuteReaderAsync(ct);
            while (await rows.ReadAsync(ct))
            {
                var (label, other) = (rows.GetString(0), rows.GetString(1));
                foreach (var (area, width, at) in Pieces(rows.GetFieldValue<Geometry>(2)))
                {
                    findings.Add(new SurveyFinding(SurveyRules.Fabric, FindingSeverity.Error,
                        string.Create(CultureInfo.InvariantCulture, $"{label} overlaps {other} by {area:0.##} m², up to {width:0.000} m wide, at {at.X:0.000},{at.Y:0.000}."),
                        label, at.X, at.Y));
                }
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

    /// <summary>A survey that names no parent must lie on the island's land: the outline the districts cover, not a box (S-LOCATION).</summary>
    private async Task CheckOnLandAsync(NpgsqlConnection connection, string[] labels, Geometry[] shapes, List<SurveyFinding> findings, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            WITH lots AS (SELECT * FROM unnest(@labels, @shapes) AS l(label, shape))
            SELECT l.label, ST_CollectionExtract(ST_Difference(l.shape, coalesce(
                       (SELECT ST_Union(d.boundary) FROM cadastre.districts d WHERE d.boundary && l.shape), 'SRID={NationalSrid};POLYGON EMPTY'::geometry)), 3)
            FROM lots l ORDER BY 1
            """, connection);
        command.Parameters.AddWithValue("labels", labels);
        command.Parameters.AddWithValue("shapes", shapes);
        await using var rows = await command.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
        {
            var label = rows.GetString(0);
            foreach (var (area, width, at) in Pieces(rows.GetFieldValue<Geometry>(1)))
            {
                findings.Add(new SurveyFinding(SurveyRules.Location, FindingSeverity.Error, string.Create(CultureInfo.InvariantCulture,
                    $"{label}: {area:0.##} m², up to {width:0.000} m wide, at {at.X:0.000},{at.Y:0.000} lie off the island's land, and the survey names no parent parcel."),
                    label, at.X, at.Y));
            }
        }
    }

    /// <summary>
    /// The parents' titles: a dealing pending on one is an error (S-DEALING: the registrar decides it first, since approval
    /// closes the title), and so is a title that holds land the survey does not retire (S-TITLE); each other right in force is a warning naming the right, not its holder, carried forward to
    /// every new lot's title (S-TITLE); a merge's parents must all be titled under the same owners and shares, or all
    /// untitled (S-MERGE).
    /// </summary>
    private async Task CheckTitlesAsync(string[] parents, List<SurveyFinding> findings, CancellationToken ct)
    {
        if (titles is null)
        {
            return;
        }

        var held = await titles.ReadAsync(parents, ct);
        foreach (var title in held.DistinctBy(t => t.TitleNumber))
        {
            // Approval closes the whole title: land of it the survey does not retire would be left without one.
            if (title.Parcels.Except(parents, StringComparer.Ordinal).ToList() is { Count: > 0 } others)
            {
                findings.Add(new SurveyFinding(SurveyRules.Title, FindingSeverity.Error,
                    $"Title {title.TitleNumber} of parent {title.Upi} also holds parcel(s) {string.Join(", ", others)}, which the survey does not retire: approval closes the title, so name them as parents or divide the title first.",
                    title.Upi));
            }

            foreach (var dealing in title.Pending)
            {
                findings.Add(new SurveyFinding(SurveyRules.Dealing, FindingSeverity.Error, string.Create(CultureInfo.InvariantCulture,
                    $"Title {title.TitleNumber} of parent {title.Upi} has a {dealing.Kind} lodged {dealing.LodgedAt:yyyy-MM-dd} that is still {dealing.State} (registry transaction {dealing.TransactionId}): the survey can be approved once it is registered or rejected."),
                    title.Upi));
            }

            foreach (var burden in title.Burdens)
            {
                findings.Add(new SurveyFinding(SurveyRules.Title, FindingSeverity.Warning, string.Create(CultureInfo.InvariantCulture,
                    $"Title {title.TitleNumber} of parent {title.Upi} carries a {burden.Kind.Replace('_', ' ')} (right {burden.RightId}, registered {burden.RegisteredAt:yyyy-MM-dd}); on approval it is carried forward to the title of every new lot."),
                    title.Upi));
            }
        }

        if (parents.Length < 2 || held.Count == 0)
        {
            return;
        }

        var untitled = parents.Where(p => held.All(t => t.Upi != p)).ToList();
        if (untitled.Count > 0)
        {
            findings.Add(new SurveyFinding(SurveyRules.Merge, FindingSeverity.Error,
                $"Parent(s) {string.Join(", ", untitled)} have no registered title but {string.Join(", ", held.Select(t => t.Upi).Distinct())} do: land under a title merges only with land under a title (first registration comes first).",
                untitled[0]));
        }

        var owners = held.GroupBy(t => string.Join(",", t.Owners.Select(o => $"{o.PartyId}:{o.Share}"))).ToList();
        if (owners.Count > 1)
        {
            findings.Add(new SurveyFinding(SurveyRules.Merge, FindingSeverity.Error,
                $"Titles {string.Join(", ", held.Select(t => t.TitleNumber).Distinct())} of the parents have different registered owners or shares: parcels merge only under the same owners, so the owners must first agree by transfer."));
        }
    }

    /// <summary>A building of the parents that a new lot line crosses (at least 1 m² in each of two lots) is reported (S-BUILDING, a warning).</summary>
    private static async Task CheckBuildingsAsync(NpgsqlConnection connection, string[] parents, string[] labels, Geometry[] shapes, List<SurveyFinding> findings, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            WITH lots AS (SELECT * FROM unnest(@labels, @shapes) AS l(label, shape))
            SELECT b.id, ST_Area(b.footprint), array_agg(l.label ORDER BY l.label), ST_X(ST_PointOnSurface(b.footprint)), ST_Y(ST_PointOnSurface(b.footprint))
            FROM cadastre.buildings b JOIN lots l ON b.footprint && l.shape AND ST_Area(ST_Intersection(b.footprint, l.shape)) >= 1.0
            WHERE b.upi = ANY(@parents)
            GROUP BY b.id, b.footprint HAVING count(*) > 1 ORDER BY b.id
            """, connection);
        command.Parameters.AddWithValue("labels", labels);
        command.Parameters.AddWithValue("shapes", shapes);
        command.Parameters.AddWithValue("parents", parents);
        await using var rows = await command.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
        {
            var lots = rows.GetFieldValue<string[]>(2);
            findings.Add(new SurveyFinding(SurveyRules.Building, FindingSeverity.Warning, string.Create(CultureInfo.InvariantCulture,
                $"Building {rows.GetInt64(0)} ({rows.GetDouble(1):0} m²) is crossed by the new line between {string.Join(" and ", lots)}; on approval it goes with the lot that holds most of it."),
                lots[0], rows.GetDouble(3), rows.GetDouble(4)));
        }
    }

    private async Task CheckParentsAsync(NpgsqlConnection connection, string[] parents, Geometry[] shapes, List<SurveyFinding> findings, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            WITH parents AS (SELECT ST_Union(boundary) AS shape FROM cadastre.parcel_versions WHERE upi = ANY(@parents) AND status = 'current'),
                 children AS (SELECT ST_Union(s) AS shape FROM unnest(@shapes) s)
            SELECT ST_Area(p.shape), ST_Area(c.shape),
                   ST_CollectionExtract(ST_Difference(p.shape, c.shape), 3), ST_CollectionExtract(ST_Difference(c.shape, p.shape), 3)
            FROM parents p, children c
            """, connection);
        command.Parameters.AddWithValue("parents", parents);
        command.Parameters.AddWithValue("shapes", shapes);
        await using var rows = await command.ExecuteReaderAsync(ct);
        if (!await rows.ReadAsync(ct))
        {
            return;
        }

        var (parentArea, childArea) = (rows.GetDouble(0), rows.GetDouble(1));
        foreach (var (area, width, at) in Pieces(rows.GetFieldValue<Geometry>(2)))
        {
            var sliver = width < tolerances.SliverWidth;
            findings.Add(new SurveyFinding(sliver ? SurveyRules.Fabric : SurveyRules.Parent, FindingSeverity.Error, string.Create(CultureInfo.InvariantCulture,
                $"{(sliver ? "A sliver gap" : "A gap")} of {area:0.##} m², up to {width:0.000} m wide, at {at.X:0.000},{at.Y:0.000} is left of the parents outside every new lot."),
                null, at.X, at.Y));
        }

        foreach (var (area, width, at) in Pieces(rows.GetFieldValue<Geometry>(3)))
        {
            findings.Add(new SurveyFinding(SurveyRules.Parent, FindingSeverity.Error, string.Create(CultureInfo.InvariantCulture,
                $"{area:0.##} m² of the new lots, up to {width:0.000} m wide, at {at.X:0.000},{at.Y:0.000} lie outside the parents they replace."), null, at.X, at.Y));
        }

        if (Math.Abs(parentArea - childArea) > parentArea * tolerances.ParentAreaFraction)
        {
            findings.Add(new SurveyFinding(SurveyRules.Parent, FindingSeverity.Error, string.Create(CultureInfo.InvariantCulture,
                $"The new lots cover {childArea:0.##} m² but the parents {parentArea:0.##} m²; they may differ by {tolerances.ParentAreaFraction:P1} at most.")));
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
