using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using NetTopologySuite.Geometries;

namespace Landplatform.Cadastre.Surveys.Formats;

/// <summary>
/// LandXML 1.2: CgPoints (<c>northing easting</c>), Parcels whose CoordGeom lines chain corner to corner
/// (proposed lots; <c>state="existing"</c> parcels named by UPI are the parents), and Survey observation
/// groups of reduced observations (azimuth, horizontal distance) that form traverses. DTDs and external
/// entities are refused before anything is read.
/// </summary>
internal static class LandXmlSurveyFormat
{
    private const long MaxCharacters = 64L * 1024 * 1024;

    public static SurveyPlan Read(byte[] content, int? declaredSrid, SurveyTolerances tolerances)
    {
        var document = Load(content);
        var root = document.Root!;
        if (root.Name.LocalName != "LandXML")
        {
            throw SurveyUnreadableException.Because($"The root element is {root.Name.LocalName}, not LandXML.");
        }

        var units = Descendants(root, "Metric").FirstOrDefault();
        if (units is not null && (string?)units.Attribute("linearUnit") is { } linear && linear != "meter")
        {
            throw SurveyUnreadableException.Because($"Linear unit '{linear}' is not supported; use meter.");
        }

        var angular = (string?)units?.Attribute("angularUnit") ?? "decimal degrees";
        if (angular != "decimal degrees")
        {
            throw SurveyUnreadableException.Because($"Angular unit '{angular}' is not supported; use decimal degrees.");
        }

        var fileSrid = Descendants(root, "CoordinateSystem").Select(c => (string?)c.Attribute("epsgCode")).FirstOrDefault(c => c is not null) is { } epsg
            ? int.TryParse(epsg, NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : throw SurveyUnreadableException.Because($"epsgCode '{epsg}' is not a number.")
            : (int?)null;
        var srid = SurveyCrs.Resolve(fileSrid, declaredSrid, rfcDefault: null);

        var points = new Dictionary<string, Coordinate>(StringComparer.Ordinal);
        foreach (var point in Descendants(root, "CgPoint"))
        {
            var name = (string?)point.Attribute("name") ?? throw SurveyUnreadableException.Because("A CgPoint has no name.");
            var values = point.Value.Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (values.Length < 2 ||
                !double.TryParse(values[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var northing) ||
                !double.TryParse(values[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var easting) ||
                !double.IsFinite(northing) || !double.IsFinite(easting))
            {
                throw SurveyUnreadableException.Because($"CgPoint {name} does not hold 'northing easting'.");
            }

            if (points.Count >= tolerances.MaxVertices)
            {
                throw SurveyUnreadableException.Because($"The survey has more than {tolerances.MaxVertices} points; split it into smaller plans.");
            }

            points[name] = new Coordinate(easting, northing);
        }

        var findings = new List<SurveyFinding>();
        var parcels = new List<SurveyedParcel>();
        var parents = new List<string>();
        foreach (var parcel in Descendants(root, "Parcel"))
        {
            var name = (string?)parcel.Attribute("name") ?? "unnamed parcel";
            if ((string?)parcel.Attribute("state") is "existing" or "extinguished")
            {
                parents.Add(name);
                continue;
            }

            var lines = Descendants(parcel, "CoordGeom").SelectMany(g => g.Elements()).ToList();
            if (lines.Count == 0)
            {
                throw SurveyUnreadableException.Because($"{name} has no CoordGeom.");
            }

            var corners = new List<Coordinate>();
            foreach (var line in lines)
            {
                if (line.Name.LocalName != "Line")
                {
                    throw SurveyUnreadableException.Because($"{name}: only straight Line boundaries are supported, not {line.Name.LocalName}.");
                }

                var start = Corner(line, "Start", points, name);
                var end = Corner(line, "End", points, name);
                if (corners.Count == 0)
                {
                    corners.Add(start);
                }
                else if (!corners[^1].Equals2D(start))
                {
                    findings.Add(new SurveyFinding(SurveyRules.Geometry, FindingSeverity.Error,
                        $"{name}: a boundary line starts at {start.X:0.###},{start.Y:0.###}, not where the previous one ended.", name, start.X, start.Y));
                    corners.Add(start);
                }

                corners.Add(end);
            }

            var area = decimal.TryParse((string?)parcel.Attribute("area"), NumberStyles.Float, CultureInfo.InvariantCulture, out var stated) ? stated : (decimal?)null;
            var polygon = RingBuilder.Build(name, corners, srid, closeImplicitly: false, tolerances.DuplicateVertex, findings);
            if (polygon is not null)
            {
                parcels.Add(new SurveyedParcel(name, polygon, area));
            }
        }

        SurveyCrs.CheckRange(srid, parcels);
        return new SurveyPlan("landxml", srid, parcels, Traverses(root, points), parents) { ReadFindings = findings };
    }

    private static List<Traverse> Traverses(XElement root, Dictionary<string, Coordinate> points)
    {
        var setups = Descendants(root, "InstrumentSetup").ToDictionary(
            s => (string?)s.Attribute("id") ?? string.Empty,
            s => (string?)s.Elements().FirstOrDefault(e => e.Name.LocalName == "InstrumentPoint")?.Attribute("pntRef") ?? (string?)s.Attribute("stationName") ?? string.Empty,
            StringComparer.Ordinal);
        var traverses = new List<Traverse>();
        foreach (var group in Descendants(root, "ObservationGroup"))
        {
            var legs = new List<TraverseLeg>();
            foreach (var observation in group.Elements().Where(e => e.Name.LocalName == "ReducedObservation"))
            {
                var from = setups.GetValueOrDefault((string?)observation.Attribute("setupID") ?? string.Empty);
                var to = setups.GetValueOrDefault((string?)observation.Attribute("targetSetupID") ?? string.Empty);
                if (from is null || to is null ||
                    !double.TryParse((string?)observation.Attribute("azimuth"), NumberStyles.Float, CultureInfo.InvariantCulture, out var azimuth) ||
                    !double.TryParse((string?)observation.Attribute("horizDistance"), NumberStyles.Float, CultureInfo.InvariantCulture, out var distance))
                {
                    throw SurveyUnreadableException.Because($"Observation group {(string?)group.Attribute("id")}: every ReducedObservation needs setupID, targetSetupID, azimuth and horizDistance.");
                }

                legs.Add(new TraverseLeg(from, to, azimuth, distance));
            }

            if (legs.Count == 0)
            {
                continue;
            }

            if (!points.TryGetValue(legs[0].From, out var start) || !points.TryGetValue(legs[^1].To, out var end))
            {
                throw SurveyUnreadableException.Because($"Traverse {(string?)group.Attribute("id")} starts or ends at a point that is not among the CgPoints.");
            }

            traverses.Add(new Traverse((string?)group.Attribute("id") ?? $"traverse {traverses.Count + 1}", start, end, legs));
        }

        return traverses;
    }

    private static Coordinate Corner(XElement line, string which, Dictionary<string, Coordinate> points, string parcel)
    {
        var element = line.Elements().FirstOrDefault(e => e.Name.LocalName == which)
            ?? throw SurveyUnreadableException.Because($"{parcel}: a Line has no {which}.");
        if ((string?)element.Attribute("pntRef") is { } reference)
        {
            return points.TryGetValue(reference, out var point)
                ? point.Copy()
                : throw SurveyUnreadableException.Because($"{parcel}: point '{reference}' is not among the CgPoints.");
        }

        var values = element.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return values.Length >= 2 &&
               double.TryParse(values[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var northing) &&
               double.TryParse(values[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var easting)
            ? new Coordinate(easting, northing)
            : throw SurveyUnreadableException.Because($"{parcel}: a Line {which} holds neither pntRef nor 'northing easting'.");
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

    private static IEnumerable<XElement> Descendants(XElement element, string localName) =>
        element.Descendants().Where(e => e.Name.LocalName == localName);
}
