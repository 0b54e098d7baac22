using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Landplatform.Cadastre.Contracts;
using NetTopologySuite.IO;
using NetTopologySuite.Operation.Valid;

namespace Landplatform.GisServer.Ogc.Wfs;

/// <summary>
/// Reads an FES 2.0 filter (XML) into the shared <see cref="FilterExpression"/>. The XML is read with
/// DTDs prohibited, no resolver and a size cap, so entity bombs and external entities are refused
/// before anything runs; property names are checked against the catalog when the SQL is written.
/// </summary>
public static class FesFilterReader
{
    public const int MaxFilterLength = 32 * 1024;

    private static readonly Dictionary<string, ComparisonOperator> Comparisons = new(StringComparer.Ordinal)
    {
        ["PropertyIsEqualTo"] = ComparisonOperator.Equal,
        ["PropertyIsNotEqualTo"] = ComparisonOperator.NotEqual,
        ["PropertyIsLessThan"] = ComparisonOperator.Less,
        ["PropertyIsLessThanOrEqualTo"] = ComparisonOperator.LessOrEqual,
        ["PropertyIsGreaterThan"] = ComparisonOperator.Greater,
        ["PropertyIsGreaterThanOrEqualTo"] = ComparisonOperator.GreaterOrEqual,
    };

    private static readonly Dictionary<string, SpatialOperator> SpatialOperators = new(StringComparer.Ordinal)
    {
        ["Intersects"] = SpatialOperator.Intersects,
        ["Within"] = SpatialOperator.Within,
        ["Contains"] = SpatialOperator.Contains,
        ["Disjoint"] = SpatialOperator.Disjoint,
        ["Equals"] = SpatialOperator.Equals,
        ["Touches"] = SpatialOperator.Touches,
        ["Overlaps"] = SpatialOperator.Overlaps,
        ["Crosses"] = SpatialOperator.Crosses,
    };

    /// <summary>The comparison operators, as Filter_Capabilities lists them.</summary>
    public static IEnumerable<string> ComparisonOperatorNames =>
        Comparisons.Keys.Concat(["PropertyIsLike", "PropertyIsNull", "PropertyIsNil", "PropertyIsBetween"]);

    /// <summary>The spatial operators, as Filter_Capabilities lists them.</summary>
    public static IEnumerable<string> SpatialOperatorNames => new[] { "BBOX" }.Concat(SpatialOperators.Keys);

    /// <summary>The GML geometries a spatial operator accepts.</summary>
    public static IReadOnlyList<string> GeometryOperands { get; } =
        ["Envelope", "Point", "LineString", "Polygon", "MultiPoint", "MultiCurve", "MultiSurface"];

    /// <summary>Reads the FILTER text of a request for one collection.</summary>
    public static FilterExpression Read(string xml, FeatureCollectionDefinition collection, string locator)
    {
        if (xml.Length > MaxFilterLength)
        {
            throw new WfsException(OwsExceptionCode.InvalidParameterValue, locator,
                $"The filter is {xml.Length} characters long; at most {MaxFilterLength} are accepted.");
        }

        return new Reader(collection, locator).Filter(Load(xml, locator));
    }

    /// <summary>Parses XML sent by a client: no DTD, no entity, no resolver, bounded size.</summary>
    public static XElement Load(string xml, string locator, long maxCharacters = 4L * MaxFilterLength)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersFromEntities = 1024,
            MaxCharactersInDocument = maxCharacters,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
        };
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            return XElement.Load(reader);
        }
        catch (XmlException e)
        {
            throw new WfsException(OwsExceptionCode.OperationParsingFailed, locator,
                $"The XML could not be read (DTDs and entities are not accepted): {e.Message}");
        }
    }

    private sealed class Reader(FeatureCollectionDefinition collection, string locator)
    {
        private static readonly XNamespace FesNs = WfsNames.Fes;
        private static readonly XNamespace GmlNs = WfsNames.Gml;

        public FilterExpression Filter(XElement root)
        {
            if (root.Name != FesNs + "Filter")
            {
                throw Invalid($"The filter must be an fes:Filter element in {WfsNames.Fes}; got {root.Name.LocalName} in '{root.Name.NamespaceName}'.");
            }

            var children = root.Elements().ToList();
            if (children.Count > 0 && children.All(c => c.Name == FesNs + "ResourceId"))
            {
                return ResourceIds(children);
            }

            if (children.Count != 1)
            {
                throw Invalid("fes:Filter must hold exactly one operator (or one or more fes:ResourceId).");
            }

            return Expression(children[0], 1);
        }

        private ResourceIdFilter ResourceIds(IEnumerable<XElement> elements)
        {
            var ids = new List<string>();
            foreach (var element in elements)
            {
                var rid = (string?)element.Attribute("rid") ?? throw Invalid("fes:ResourceId needs a rid attribute.");
                var (target, featureId) = WfsNames.ParseResourceId(rid, locator);
                if (target != collection)
                {
                    throw Invalid($"'{rid}' is not a feature of {WfsNames.TypeName(collection)}.");
                }

                ids.Add(featureId);
            }

            return new ResourceIdFilter(ids);
        }

        private FilterExpression Expression(XElement element, int depth)
        {
            if (depth > FilterRules.MaxDepth)
            {
                throw Invalid($"The filter nests deeper than {FilterRules.MaxDepth} levels.");
            }

            if (element.Name.Namespace != FesNs)
            {
                throw Invalid($"'{element.Name.LocalName}' in '{element.Name.NamespaceName}' is not an FES 2.0 operator.");
            }

            var name = element.Name.LocalName;
            switch (name)
            {
                case "And" or "Or":
                    var operands = element.Elements().Select(e => Expression(e, depth + 1)).ToList();
                    if (operands.Count < 2)
                    {
                        throw Invalid($"fes:{name} needs at least two operands.");
                    }

                    return name == "And" ? new AndFilter(operands) : new OrFilter(operands);
                case "Not":
                    return new NotFilter(Expression(Single(element), depth + 1));
                case "PropertyIsLike":
                    return Like(element);
                case "PropertyIsNull":
                    return new IsNullFilter(Property(Single(element)));
                case "PropertyIsNil":
                    // A missing value is written as an absent element, never as xsi:nil: nil and null are the same missing value here.
                    return new IsNullFilter(Property(Single(element)));
                case "PropertyIsBetween":
                    return Between(element);
                case "BBOX":
                    return Bbox(element);
                case "ResourceId":
                    return ResourceIds([element]);
            }

            if (Comparisons.TryGetValue(name, out var op))
            {
                return Comparison(element, op);
            }

            if (SpatialOperators.TryGetValue(name, out var spatial))
            {
                var geometry = GeometryOperand(element);
                var (wkt, crs) = new GmlGeometryReader(locator).Read(geometry, null);
                return new SpatialFilter(spatial, wkt, crs.Srid);
            }

            throw Invalid($"fes:{name} is not supported; supported operators are And, Or, Not, {string.Join(", ", ComparisonOperatorNames)}, "
                + $"{string.Join(", ", SpatialOperatorNames)} and ResourceId.");
        }

        private FilterExpression Comparison(XElement element, ComparisonOperator op)
        {
            var operands = element.Elements().ToList();
            if (operands.Count != 2)
            {
                throw Invalid($"fes:{element.Name.LocalName} needs a fes:ValueReference and a fes:Literal.");
            }

            var reversed = operands[0].Name == FesNs + "Literal";
            var property = Property(reversed ? operands[1] : operands[0]);
            var literal = LiteralText(reversed ? operands[0] : operands[1]);
            if (reversed)
            {
                op = op switch
                {
                    ComparisonOperator.Less => ComparisonOperator.Greater,
                    ComparisonOperator.LessOrEqual => ComparisonOperator.GreaterOrEqual,
                    ComparisonOperator.Greater => ComparisonOperator.Less,
                    ComparisonOperator.GreaterOrEqual => ComparisonOperator.LessOrEqual,
                    _ => op,
                };
            }

            var matchCase = (string?)element.Attribute("matchCase") != "false";
            if (!matchCase && op is ComparisonOperator.Equal or ComparisonOperator.NotEqual)
            {
                FilterExpression like = new LikeFilter(property, EscapeLike(literal), CaseInsensitive: true);
                return op == ComparisonOperator.Equal ? like : new NotFilter(like);
            }

            return new ComparisonFilter(property, op, new Literal(literal));
        }

        private LikeFilter Like(XElement element)
        {
            var wildCard = Marker(element, "wildCard");
            var singleChar = Marker(element, "singleChar");
            var escapeChar = Marker(element, "escapeChar");
            var operands = element.Elements().ToList();
            if (operands.Count != 2)
            {
                throw Invalid("fes:PropertyIsLike needs a fes:ValueReference and a fes:Literal.");
            }

            var pattern = new StringBuilder();
            var text = LiteralText(operands[1]);
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c == escapeChar && i + 1 < text.Length)
                {
                    pattern.Append(EscapeLike(text[++i].ToString()));
                }
                else if (c == wildCard)
                {
                    pattern.Append('%');
                }
                else if (c == singleChar)
                {
                    pattern.Append('_');
                }
                else
                {
                    pattern.Append(EscapeLike(c.ToString()));
                }
            }

            var matchCase = (string?)element.Attribute("matchCase") != "false";
            return new LikeFilter(Property(operands[0]), pattern.ToString(), CaseInsensitive: !matchCase);
        }

        private char Marker(XElement element, string attribute)
        {
            var value = (string?)element.Attribute(attribute);
            if (value is not { Length: 1 })
            {
                throw Invalid($"fes:PropertyIsLike needs a {attribute} attribute of exactly one character.");
            }

            return value[0];
        }

        private BetweenFilter Between(XElement element)
        {
            var operands = element.Elements().ToList();
            if (operands.Count != 3 || operands[1].Name != FesNs + "LowerBoundary" || operands[2].Name != FesNs + "UpperBoundary")
            {
                throw Invalid("fes:PropertyIsBetween needs a fes:ValueReference, a fes:LowerBoundary and a fes:UpperBoundary.");
            }

            return new BetweenFilter(Property(operands[0]),
                new Literal(LiteralText(Single(operands[1]))), new Literal(LiteralText(Single(operands[2]))));
        }

        private BboxFilter Bbox(XElement element)
        {
            var envelope = GeometryOperand(element);
            if (envelope.Name != GmlNs + "Envelope")
            {
                throw Invalid("fes:BBOX needs a gml:Envelope.");
            }

            var box = new GmlGeometryReader(locator).Envelope(envelope, null);
            return box;
        }

        // The geometry operand of a spatial operator; the value reference, if any, must name the geometry.
        private XElement GeometryOperand(XElement element)
        {
            var operands = element.Elements().ToList();
            var reference = operands.FirstOrDefault(e => e.Name == FesNs + "ValueReference");
            if (reference is not null && WfsNames.LocalName(reference.Value) is var name && name != WfsNames.GeometryProperty)
            {
                throw Invalid($"'{reference.Value}' is not the geometry of {WfsNames.TypeName(collection)}; it is '{WfsNames.PlatformPrefix}:{WfsNames.GeometryProperty}'.");
            }

            var geometries = operands.Where(e => e.Name.Namespace == GmlNs).ToList();
            if (geometries.Count != 1 || operands.Count - geometries.Count > 1)
            {
                throw Invalid($"fes:{element.Name.LocalName} needs one GML 3.2 geometry (optionally after a fes:ValueReference).");
            }

            return geometries[0];
        }

        private string Property(XElement element)
        {
            if (element.Name != FesNs + "ValueReference" || element.HasElements)
            {
                throw Invalid($"Expected a fes:ValueReference naming a property; got {element.Name.LocalName}.");
            }

            return WfsNames.LocalName(element.Value);
        }

        private string LiteralText(XElement element)
        {
            if (element.Name != FesNs + "Literal" || element.HasElements)
            {
                throw Invalid($"Expected a fes:Literal holding a value; got {element.Name.LocalName}.");
            }

            return element.Value;
        }

        private XElement Single(XElement element)
        {
            var children = element.Elements().ToList();
            return children.Count == 1 ? children[0] : throw Invalid($"fes:{element.Name.LocalName} needs exactly one operand.");
        }

        private WfsException Invalid(string text) => new(OwsExceptionCode.InvalidParameterValue, locator, text);

        private static string EscapeLike(string text) =>
            text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
    }
}

/// <summary>
/// Reads GML 3.2 geometries into WKT in x/y (longitude/latitude) order for PostGIS, honouring each
/// geometry's srsName and its axis order; without srsName the default CRS (EPSG:2007) applies.
/// </summary>
public sealed class GmlGeometryReader(string locator)
{
    private const int MaxCoordinates = 20_000;
    private static readonly XNamespace Gml = WfsNames.Gml;
    private int coordinates;

    public (string Wkt, CoordinateReferenceSystem Crs) Read(XElement geometry, CoordinateReferenceSystem? inherited)
    {
        var crs = Crs(geometry, inherited);
        var wkt = Wkt(geometry, crs);
        // PostGIS fails on invalid geometries mid-query; the caller should hear why instead.
        var validity = new IsValidOp(new WKTReader().Read(wkt));
        if (!validity.IsValid)
        {
            throw Invalid($"The filter's gml:{geometry.Name.LocalName} is not a valid geometry: {validity.ValidationError.Message}.");
        }

        return (wkt, crs);
    }

    public BboxFilter Envelope(XElement envelope, CoordinateReferenceSystem? inherited)
    {
        var crs = Crs(envelope, inherited);
        var lower = Positions(Child(envelope, "lowerCorner"), crs).Single();
        var upper = Positions(Child(envelope, "upperCorner"), crs).Single();
        return new BboxFilter(lower.X, lower.Y, upper.X, upper.Y, crs.Srid);
    }

    private CoordinateReferenceSystem Crs(XElement geometry, CoordinateReferenceSystem? inherited)
    {
        var srsName = (string?)geometry.Attribute("srsName");
        var crs = srsName is null ? inherited ?? CoordinateReferenceSystem.NationalGrid : WfsNames.ParseCrs(srsName, locator);
        if (inherited is not null && crs != inherited)
        {
            throw Invalid("A member geometry must be in the same CRS as its collection.");
        }

        return crs;
    }

    private string Wkt(XElement geometry, CoordinateReferenceSystem crs)
    {
        if (geometry.Name.Namespace != Gml)
        {
            throw Invalid($"'{geometry.Name.LocalName}' is not a GML 3.2 geometry (namespace {WfsNames.Gml}).");
        }

        return geometry.Name.LocalName switch
        {
            "Point" => "POINT" + Point(geometry, crs),
            "LineString" => "LINESTRING" + Line(geometry, crs),
            "Polygon" => "POLYGON" + Polygon(geometry, crs),
            "Envelope" => "POLYGON" + EnvelopeRing(geometry, crs),
            "MultiPoint" => "MULTIPOINT(" + string.Join(",", Members(geometry, "pointMember", "pointMembers", "Point", crs).Select(p => Point(p, crs))) + ")",
            "MultiCurve" => "MULTILINESTRING(" + string.Join(",", Members(geometry, "curveMember", "curveMembers", "LineString", crs).Select(l => Line(l, crs))) + ")",
            "MultiSurface" => "MULTIPOLYGON(" + string.Join(",", Members(geometry, "surfaceMember", "surfaceMembers", "Polygon", crs).Select(p => Polygon(p, crs))) + ")",
            var other => throw Invalid($"gml:{other} is not supported; use one of {string.Join(", ", FesFilterReader.GeometryOperands.Select(g => "gml:" + g))}."),
        };
    }

    private List<XElement> Members(XElement multi, string member, string members, string kind, CoordinateReferenceSystem crs)
    {
        var parts = multi.Elements(Gml + member).SelectMany(m => m.Elements())
            .Concat(multi.Elements(Gml + members).SelectMany(m => m.Elements()))
            .ToList();
        if (parts.Count == 0)
        {
            throw Invalid($"gml:{multi.Name.LocalName} has no members.");
        }

        foreach (var part in parts)
        {
            if (part.Name != Gml + kind)
            {
                throw Invalid($"gml:{multi.Name.LocalName} may hold gml:{kind} members only.");
            }

            Crs(part, crs);
        }

        return parts;
    }

    private string Point(XElement point, CoordinateReferenceSystem crs)
    {
        var position = Positions(Child(point, "pos"), crs).Single();
        return "(" + Format(position) + ")";
    }

    private string Line(XElement line, CoordinateReferenceSystem crs)
    {
        var points = Sequence(line, crs);
        if (points.Count < 2)
        {
            throw Invalid("A gml:LineString needs at least two positions.");
        }

        return "(" + string.Join(",", points.Select(Format)) + ")";
    }

    private string Polygon(XElement polygon, CoordinateReferenceSystem crs)
    {
        var rings = polygon.Elements(Gml + "exterior").Concat(polygon.Elements(Gml + "interior")).Select(boundary =>
        {
            var ring = boundary.Element(Gml + "LinearRing") ?? throw Invalid("gml:exterior and gml:interior must hold a gml:LinearRing.");
            var points = Sequence(ring, crs);
            if (points.Count < 4 || points[0] != points[^1])
            {
                throw Invalid("A gml:LinearRing needs at least four positions, the last equal to the first.");
            }

            return "(" + string.Join(",", points.Select(Format)) + ")";
        }).ToList();
        if (polygon.Elements(Gml + "exterior").Count() != 1)
        {
            throw Invalid("A gml:Polygon needs exactly one gml:exterior.");
        }

        return "(" + string.Join(",", rings) + ")";
    }

    private string EnvelopeRing(XElement envelope, CoordinateReferenceSystem crs)
    {
        var box = Envelope(envelope, crs);
        if (box.MinX > box.MaxX || box.MinY > box.MaxY)
        {
            throw Invalid("A gml:Envelope lists its lower corner first.");
        }

        var corners = new[] { (box.MinX, box.MinY), (box.MaxX, box.MinY), (box.MaxX, box.MaxY), (box.MinX, box.MaxY), (box.MinX, box.MinY) };
        return "((" + string.Join(",", corners.Select(c => Format(c))) + "))";
    }

    private List<(double X, double Y)> Sequence(XElement geometry, CoordinateReferenceSystem crs)
    {
        if (geometry.Element(Gml + "posList") is { } posList)
        {
            return Positions(posList, crs);
        }

        return geometry.Elements(Gml + "pos").SelectMany(p => Positions(p, crs)).ToList();
    }

    // Reads "a b a b …" in the CRS's axis order and returns x/y (longitude first) pairs.
    private List<(double X, double Y)> Positions(XElement element, CoordinateReferenceSystem crs)
    {
        var dimension = (string?)element.Attribute("srsDimension") ?? (string?)element.Parent?.Attribute("srsDimension");
        if (dimension is not null and not "2")
        {
            throw Invalid("Only two-dimensional coordinates (srsDimension 2) are supported.");
        }

        var numbers = element.Value.Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
        if (numbers.Length == 0 || numbers.Length % 2 != 0)
        {
            throw Invalid($"gml:{element.Name.LocalName} must hold pairs of numbers.");
        }

        coordinates += numbers.Length / 2;
        if (coordinates > MaxCoordinates)
        {
            throw Invalid($"The filter's geometries have more than {MaxCoordinates} positions.");
        }

        var result = new List<(double X, double Y)>(numbers.Length / 2);
        for (var i = 0; i < numbers.Length; i += 2)
        {
            var first = Number(numbers[i]);
            var second = Number(numbers[i + 1]);
            var (x, y) = crs.LatitudeFirst ? (second, first) : (first, second);
            WfsNames.CheckRange(crs, x, y, locator);
            result.Add((x, y));
        }

        return result;
    }

    private double Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw Invalid($"'{text}' is not a coordinate.");

    private XElement Child(XElement element, string name) =>
        element.Element(Gml + name) ?? throw Invalid($"gml:{element.Name.LocalName} needs a gml:{name}.");

    private static string Format((double X, double Y) p) =>
        p.X.ToString("R", CultureInfo.InvariantCulture) + " " + p.Y.ToString("R", CultureInfo.InvariantCulture);

    private WfsException Invalid(string text) => new(OwsExceptionCode.InvalidParameterValue, locator, text);
}
