using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using NetTopologySuite.Geometries;

namespace Landplatform.Cadastre.Surveys.Formats;

/// <summary>
/// LandXML 1.2 as surveyors write it: Metric or Imperial units (linear, area, angular and direction units, dd.mm.ss),
/// the SurveyHeader (surveyor, licence, date of survey, <c>combinedFactor</c>), CgPoints (<c>northing easting</c>, or
/// by reference to another point), Parcels by <c>state</c> and <c>class</c> (created lots; extinguished or existing
/// parents named by UPI; adjoining parcels read as neighbours; easements and restrictions as easements), boundaries of
/// Line, Curve and IrregularLine, and every ObservationGroup's reduced observations, split into the traverses their
/// legs chain. DTDs and external entities are refused before anything is read.
/// </summary>
internal static class LandXmlSurveyFormat
{
    private const long MaxCharacters = 64L * 1024 * 1024;

    /// <summary>Chord error of the arcs drawn for a Curve (m); the area is computed from the arcs, not the chords.</summary>
    private const double ArcChordError = 0.001;

    private static readonly HashSet<string> EasementClasses = new(StringComparer.OrdinalIgnoreCase)
    {
        "easement", "restriction", "covenant", "right of way", "restrictive covenant",
    };

    public static SurveyPlan Read(byte[] content, int? declaredSrid, SurveyTolerances tolerances, IReadOnlyDictionary<int, SurveyCrsInfo> systems)
    {
        var document = Load(content);
        var root = document.Root!;
        if (root.Name.LocalName != "LandXML")
        {
            throw SurveyUnreadableException.Because($"The root element is {root.Name.LocalName}, not LandXML.");
        }

        var units = LandXmlUnits.From(root);
        var coordinateSystem = Descendants(root, "CoordinateSystem").FirstOrDefault();
        var fileSrid = (string?)coordinateSystem?.Attribute("epsgCode") is { } epsg
            ? int.TryParse(epsg, NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : throw SurveyUnreadableException.Because($"CoordinateSystem epsgCode '{SurveyFeatureSet.Printable(epsg)}' is not a number.")
            : (int?)null;
        var srid = SurveyCrs.Resolve(fileSrid, declaredSrid, rfcDefault: null);
        var crs = systems.GetValueOrDefault(srid) ?? throw SurveyUnreadableException.Because($"EPSG:{srid} is not a coordinate reference system the platform can transform.");

        // Coordinates are in the plan's linear unit; a projected CRS wants its own unit (metres for the national grid and UTM).
        var coordinateScale = crs.Geographic ? 1 : units.MetresPerLinearUnit / crs.MetresPerUnit;
        var header = Descendants(root, "SurveyHeader").FirstOrDefault();
        var combinedFactor = 1.0;
        if ((string?)header?.Attribute("combinedFactor") is { } factorText)
        {
            if (!double.TryParse(factorText, NumberStyles.Float, CultureInfo.InvariantCulture, out combinedFactor) || combinedFactor is < 0.99 or > 1.01)
            {
                throw SurveyUnreadableException.Because($"SurveyHeader combinedFactor '{SurveyFeatureSet.Printable(factorText)}' is not a grid-to-ground factor (0.99 to 1.01).");
            }
        }

        var points = Points(root, coordinateScale, tolerances);
        var findings = new List<SurveyFinding>();
        var parcels = new List<SurveyedParcel>();
        var easements = new List<SurveyedParcel>();
        var parents = new List<string>();
        var vertices = 0;
        foreach (var parcel in Descendants(root, "Parcel").Where(p => p.Parent?.Parent?.Name.LocalName != "Parcel"))
        {
            var name = SurveyFeatureSet.Printable((string?)parcel.Attribute("name") ?? "unnamed parcel");
            var state = ((string?)parcel.Attribute("state"))?.Trim().ToLowerInvariant();
            var kind = ((string?)parcel.Attribute("class"))?.Trim() ?? string.Empty;
            switch (state)
            {
                case "extinguished" or "existing":
                    parents.Add(name);
                    continue;
                case "adjoining" or "referenced" or "affected":
                    findings.Add(new SurveyFinding(SurveyRules.Schema, FindingSeverity.Info, $"{name} is an {state} parcel: read as a neighbour, not as a new lot.", name));
                    continue;
                case null or "created" or "proposed":
                    break;
                default:
                    throw SurveyUnreadableException.Because($"Parcel {name} has state '{SurveyFeatureSet.Printable(state)}'; a plan's parcels are created, proposed, extinguished, existing, adjoining, referenced or affected.");
            }

            var (corners, arcArea) = Boundary(parcel, name, points, coordinateScale, tolerances.MaxVertices - vertices, findings);
            vertices += corners.Count;

            var area = (string?)parcel.Attribute("area") is { } areaText
                ? decimal.TryParse(areaText, NumberStyles.Float, CultureInfo.InvariantCulture, out var stated)
                    ? decimal.Round(stated * (decimal)units.SquareMetresPerAreaUnit, 4)
                    : throw SurveyUnreadableException.Because($"Parcel {name}: area '{SurveyFeatureSet.Printable(areaText)}' is not a number.")
                : (decimal?)null;
            var polygon = RingBuilder.Build(name, corners, srid, closeImplicitly: false, findings);
            if (polygon is null)
            {
                continue;
            }

            var surveyed = new SurveyedParcel(name, polygon, area) { ExactArea = arcArea is null ? null : Math.Abs(Shoelace(corners) + arcArea.Value) };
            (EasementClasses.Contains(kind) ? easements : parcels).Add(surveyed);
        }

        SurveyCrs.CheckRange(srid, parcels);
        var traverses = Traverses(root, points, units, combinedFactor);
        return new SurveyPlan("landxml", srid, parcels, traverses.Traverses, parents)
        {
            ReadFindings = findings,
            Easements = easements,
            CombinedFactor = combinedFactor,
            Observations = traverses.Legs,
            Header = Header(header, coordinateSystem),
        };
    }

    private static SurveyHeaderInfo? Header(XElement? header, XElement? coordinateSystem)
    {
        var datum = (string?)coordinateSystem?.Attribute("horizontalDatum") ?? (string?)coordinateSystem?.Attribute("datum");
        if (header is null)
        {
            return new SurveyHeaderInfo(null, null, null, datum, Present: false);
        }

        DateOnly? date = null;
        var when = (string?)header.Attribute("endTime") ?? (string?)header.Attribute("startTime");
        if (when is not null)
        {
            date = DateTimeOffset.TryParse(when, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? DateOnly.FromDateTime(at.UtcDateTime)
                : DateOnly.TryParse(when, CultureInfo.InvariantCulture, out var day) ? day
                : throw SurveyUnreadableException.Because($"SurveyHeader's date of survey '{SurveyFeatureSet.Printable(when)}' is not a date.");
        }

        return new SurveyHeaderInfo((string?)header.Attribute("surveyor"), (string?)header.Attribute("surveyorRegistration"), date, datum, Present: true);
    }

    /// <summary>Every CgPoint by name; a name given twice is refused, a point by reference takes its target's place.</summary>
    private static Dictionary<string, Coordinate> Points(XElement root, double scale, SurveyTolerances tolerances)
    {
        var points = new Dictionary<string, Coordinate>(StringComparer.Ordinal);
        var references = new List<(string Name, string Target)>();
        foreach (var point in Descendants(root, "CgPoint"))
        {
            var name = (string?)point.Attribute("name") ?? throw SurveyUnreadableException.Because("A CgPoint has no name.");
            if (points.ContainsKey(name) || references.Any(r => r.Name == name))
            {
                throw SurveyUnreadableException.Because($"CgPoint name '{SurveyFeatureSet.Printable(name)}' is given to two points; every point needs its own name.");
            }

            if (points.Count + references.Count >= tolerances.MaxVertices)
            {
                throw SurveyUnreadableException.Because($"The survey has more than {tolerances.MaxVertices} points; split it into smaller plans.");
            }

            var values = point.Value.Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (values.Length == 0 && (string?)point.Attribute("pntRef") is { } target)
            {
                references.Add((name, target));
                continue;
            }

            if (values.Length < 2 ||
                !double.TryParse(values[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var northing) ||
                !double.TryParse(values[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var easting) ||
                !double.IsFinite(northing) || !double.IsFinite(easting))
            {
                throw SurveyUnreadableException.Because($"CgPoint {SurveyFeatureSet.Printable(name)} does not hold 'northing easting'.");
            }

            points[name] = new Coordinate(easting * scale, northing * scale);
        }

        // A reference may name another reference; a chain longer than the points, or one that ends nowhere, is refused.
        var pending = references;
        while (pending.Count > 0)
        {
            var unresolved = pending.Where(r => !points.ContainsKey(r.Target)).ToList();
            foreach (var (name, target) in pending.Where(r => points.ContainsKey(r.Target)))
            {
                points[name] = points[target].Copy();
            }

            if (unresolved.Count == pending.Count)
            {
                throw SurveyUnreadableException.Because($"CgPoint {SurveyFeatureSet.Printable(unresolved[0].Name)} refers to '{SurveyFeatureSet.Printable(unresolved[0].Target)}', which is not a point with coordinates.");
            }

            pending = unresolved;
        }

        return points;
    }

    /// <summary>A parcel's corners from its CoordGeom, arcs drawn to within a millimetre; the arcs' segment areas beyond their chords when it has any.</summary>
    private static (List<Coordinate> Corners, double? ArcArea) Boundary(XElement parcel, string name, Dictionary<string, Coordinate> points, double scale, int budget, List<SurveyFinding> findings)
    {
        var elements = Descendants(parcel, "CoordGeom").SelectMany(g => g.Elements()).ToList();
        if (elements.Count == 0)
        {
            throw SurveyUnreadableException.Because($"{name} has no CoordGeom.");
        }

        var corners = new List<Coordinate>();
        double? arcArea = null;
        foreach (var element in elements)
        {
            var start = Corner(element, "Start", points, scale, name);
            var end = Corner(element, "End", points, scale, name);
            if (corners.Count == 0)
            {
                corners.Add(start);
            }
            else if (!corners[^1].Equals2D(start))
            {
                findings.Add(new SurveyFinding(SurveyRules.Geometry, FindingSeverity.Error,
                    string.Create(CultureInfo.InvariantCulture, $"{name}: a boundary {element.Name.LocalName} starts at {start.X:0.###},{start.Y:0.###}, not where the previous one ended."), name, start.X, start.Y));
                corners.Add(start);
            }

            switch (element.Name.LocalName)
            {
                case "Line":
                    break;
                case "Curve":
                    arcArea = (arcArea ?? 0) + Arc(element, name, start, end, points, scale, corners, findings);
                    break;
                case "IrregularLine":
                    corners.AddRange(PointList(element, name, scale).Where(p => !p.Equals2D(corners[^1]) && !p.Equals2D(end)));
                    break;
                default:
                    throw SurveyUnreadableException.Because($"{name}: a boundary is a Line, Curve or IrregularLine, not {element.Name.LocalName}.");
            }

            // Arcs are drawn as many corners: the cap holds for what is drawn, not only for the points written.
            if (corners.Count > budget)
            {
                throw SurveyUnreadableException.Because("The survey's boundaries have too many corners once their arcs are drawn; split it into smaller plans.");
            }

            // A Line's end is always a corner, so a repeated corner is reported (S-GEOM), never dropped.
            if (element.Name.LocalName == "Line" || !corners[^1].Equals2D(end))
            {
                corners.Add(end);
            }
        }

        return (corners, arcArea);
    }

    /// <summary>
    /// Adds the arc's inner points (not its start or end) and returns what the arc adds to the shoelace area of the
    /// drawn corners: its segment beyond the chord, signed (counter-clockwise positive), less the drawn chords' part.
    /// </summary>
    private static double Arc(XElement curve, string name, Coordinate start, Coordinate end, Dictionary<string, Coordinate> points, double scale, List<Coordinate> corners, List<SurveyFinding> findings)
    {
        var centre = Corner(curve, "Center", points, scale, name);
        var clockwise = ((string?)curve.Attribute("rot"))?.Trim().ToLowerInvariant() switch
        {
            "cw" => true,
            "ccw" => false,
            var other => throw SurveyUnreadableException.Because($"{name}: a Curve's rot is cw or ccw, not '{SurveyFeatureSet.Printable(other ?? "(none)")}'."),
        };
        var radius = centre.Distance(start);
        var endRadius = centre.Distance(end);
        if (radius <= 0 || Math.Abs(endRadius - radius) > 0.005)
        {
            findings.Add(new SurveyFinding(SurveyRules.Geometry, FindingSeverity.Error, string.Create(CultureInfo.InvariantCulture,
                $"{name}: a Curve's start and end are {radius:0.000} and {endRadius:0.000} from its centre; both must lie on one circle."), name, end.X, end.Y));
            return 0;
        }

        if ((string?)curve.Attribute("radius") is { } statedText && double.TryParse(statedText, NumberStyles.Float, CultureInfo.InvariantCulture, out var stated) &&
            double.IsFinite(stated) && Math.Abs((stated * scale) - radius) > Math.Max(0.005, radius * 1e-4))
        {
            findings.Add(new SurveyFinding(SurveyRules.Geometry, FindingSeverity.Error, string.Create(CultureInfo.InvariantCulture,
                $"{name}: a Curve states radius {stated * scale:0.000} but its centre is {radius:0.000} from its start."), name, start.X, start.Y));
        }

        var from = Math.Atan2(start.Y - centre.Y, start.X - centre.X);
        var to = Math.Atan2(end.Y - centre.Y, end.X - centre.X);
        var sweep = clockwise ? from - to : to - from;
        while (sweep <= 0)
        {
            sweep += 2 * Math.PI;
        }

        var step = 2 * Math.Acos(Math.Max(-1, 1 - (ArcChordError / radius)));
        var pieces = Math.Clamp((int)Math.Ceiling(sweep / step), 2, 4096);
        var drawn = new List<Coordinate> { start };
        for (var i = 1; i < pieces; i++)
        {
            var angle = from + ((clockwise ? -1 : 1) * sweep * i / pieces);
            var point = new Coordinate(centre.X + (radius * Math.Cos(angle)), centre.Y + (radius * Math.Sin(angle)));
            corners.Add(point);
            drawn.Add(point);
        }

        drawn.Add(end);
        var segment = radius * radius / 2 * (sweep - Math.Sin(sweep));
        return (clockwise ? -segment : segment) - Shoelace(drawn);
    }

    private static IEnumerable<Coordinate> PointList(XElement line, string name, double scale)
    {
        var list = line.Elements().FirstOrDefault(e => e.Name.LocalName is "PntList2D" or "PntList3D")
            ?? throw SurveyUnreadableException.Because($"{name}: an IrregularLine has no PntList2D.");
        var stride = list.Name.LocalName == "PntList3D" ? 3 : 2;
        var values = list.Value.Split((char[])[' ', '\t', '\n', '\r', ','], StringSplitOptions.RemoveEmptyEntries);
        if (values.Length % stride != 0)
        {
            throw SurveyUnreadableException.Because($"{name}: an IrregularLine's {list.Name.LocalName} holds {values.Length} numbers, not pairs of northing easting.");
        }

        for (var i = 0; i < values.Length; i += stride)
        {
            if (!double.TryParse(values[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var northing) ||
                !double.TryParse(values[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var easting) ||
                !double.IsFinite(northing) || !double.IsFinite(easting))
            {
                throw SurveyUnreadableException.Because($"{name}: an IrregularLine's point {(i / stride) + 1} is not 'northing easting'.");
            }

            yield return new Coordinate(easting * scale, northing * scale);
        }
    }

    /// <summary>The signed area of a closed or open ring (closed implicitly), positive counter-clockwise.</summary>
    private static double Shoelace(IReadOnlyList<Coordinate> ring)
    {
        var sum = 0.0;
        var n = ring.Count > 1 && ring[0].Equals2D(ring[^1]) ? ring.Count - 1 : ring.Count;
        for (var i = 0; i < n; i++)
        {
            var (a, b) = (ring[i], ring[(i + 1) % n]);
            sum += (a.X * b.Y) - (b.X * a.Y);
        }

        return sum / 2;
    }

    private static (List<Traverse> Traverses, List<TraverseLeg> Legs) Traverses(XElement root, Dictionary<string, Coordinate> points, LandXmlUnits units, double combinedFactor)
    {
        var setups = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var setup in Descendants(root, "InstrumentSetup"))
        {
            var id = (string?)setup.Attribute("id") ?? string.Empty;
            var at = (string?)setup.Elements().FirstOrDefault(e => e.Name.LocalName == "InstrumentPoint")?.Attribute("pntRef") ?? (string?)setup.Attribute("stationName") ?? string.Empty;
            if (!setups.TryAdd(id, at))
            {
                throw SurveyUnreadableException.Because($"InstrumentSetup id '{SurveyFeatureSet.Printable(id)}' is given twice.");
            }
        }

        var traverses = new List<Traverse>();
        var all = new List<TraverseLeg>();
        foreach (var group in Descendants(root, "ObservationGroup"))
        {
            var groupName = SurveyFeatureSet.Printable((string?)group.Attribute("id") ?? (string?)group.Attribute("name") ?? $"group {traverses.Count + 1}");
            var legs = new List<TraverseLeg>();
            foreach (var observation in group.Elements().Where(e => e.Name.LocalName == "ReducedObservation"))
            {
                var from = setups.GetValueOrDefault((string?)observation.Attribute("setupID") ?? string.Empty);
                var to = setups.GetValueOrDefault((string?)observation.Attribute("targetSetupID") ?? string.Empty);
                var azimuthText = (string?)observation.Attribute("azimuth");
                if (from is null || to is null || azimuthText is null ||
                    !double.TryParse((string?)observation.Attribute("horizDistance"), NumberStyles.Float, CultureInfo.InvariantCulture, out var distance) || !double.IsFinite(distance))
                {
                    throw SurveyUnreadableException.Because($"Observation group {groupName}: every ReducedObservation needs setupID, targetSetupID, azimuth and horizDistance.");
                }

                var azimuth = units.Direction(azimuthText, $"Observation group {groupName}: azimuth");
                if (!points.TryGetValue(from, out var fromAt) || !points.TryGetValue(to, out var toAt))
                {
                    throw SurveyUnreadableException.Because($"Observation group {groupName}: an observation from {SurveyFeatureSet.Printable(from)} to {SurveyFeatureSet.Printable(to)} names a point that is not among the CgPoints.");
                }

                // Distances are ground distances in the plan's unit; the combined factor brings them to the grid.
                legs.Add(new TraverseLeg(from, to, azimuth, distance * units.MetresPerLinearUnit * combinedFactor) { FromAt = fromAt, ToAt = toAt });
            }

            all.AddRange(legs);

            // A group holds several traverses (and side shots): a traverse is a run of legs each starting where the last ended.
            var runs = new List<List<TraverseLeg>>();
            foreach (var leg in legs)
            {
                if (runs.Count == 0 || runs[^1][^1].To != leg.From)
                {
                    runs.Add([]);
                }

                runs[^1].Add(leg);
            }

            var numbered = runs.Count(r => r.Count >= 2) > 1;
            var part = 0;
            foreach (var run in runs.Where(r => r.Count >= 2))
            {
                part++;
                traverses.Add(new Traverse(numbered ? $"{groupName} part {part}" : groupName, points[run[0].From], points[run[^1].To], run));
            }
        }

        return (traverses, all);
    }

    private static Coordinate Corner(XElement line, string which, Dictionary<string, Coordinate> points, double scale, string parcel)
    {
        var element = line.Elements().FirstOrDefault(e => e.Name.LocalName == which)
            ?? throw SurveyUnreadableException.Because($"{parcel}: a {line.Name.LocalName} has no {which}.");
        if ((string?)element.Attribute("pntRef") is { } reference)
        {
            return points.TryGetValue(reference, out var point)
                ? point.Copy()
                : throw SurveyUnreadableException.Because($"{parcel}: point '{SurveyFeatureSet.Printable(reference)}' is not among the CgPoints.");
        }

        var values = element.Value.Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
        return values.Length >= 2 &&
               double.TryParse(values[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var northing) &&
               double.TryParse(values[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var easting) &&
               double.IsFinite(northing) && double.IsFinite(easting)
            ? new Coordinate(easting * scale, northing * scale)
            : throw SurveyUnreadableException.Because($"{parcel}: a {line.Name.LocalName} {which} holds neither pntRef nor 'northing easting'.");
    }

    private static XDocument Load(byte[] content)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = MaxCharacters,
            MaxCharactersFromEntities = 0,
            IgnoreComments = true,
        };
        try
        {
            using var stream = new MemoryStream(content, writable: false);
            using var reader = XmlReader.Create(stream, settings);
            return XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            var why = e.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase)
                ? "The XML declares a DTD; surveys may not (DTDs and entities can hide attacks)."
                : $"The XML is malformed: {e.Message}";
            throw SurveyUnreadableException.Because(why);
        }
    }

    internal static IEnumerable<XElement> Descendants(XElement element, string localName) =>
        element.Descendants().Where(e => e.Name.LocalName == localName);
}
