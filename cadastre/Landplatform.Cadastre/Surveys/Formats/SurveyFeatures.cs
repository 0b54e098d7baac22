using System.Globalization;
using NetTopologySuite.Geometries;

namespace Landplatform.Cadastre.Surveys.Formats;

/// <summary>One feature of a vector survey as every format reads it: a parent (<c>role: parent</c> with <c>upi</c>) or a lot (<c>label</c>, else <c>name</c>; <c>area</c>).</summary>
internal sealed record SurveyFeature(int Index, string? Role, string? Upi, string? Label, string? Name, decimal? Area)
{
    /// <summary>The feature from a row of attribute values (GeoPackage, Shapefile): text counts only as text, a number as a number or numeric text, as GeoJSON reads them.</summary>
    public static SurveyFeature From(int index, IReadOnlyDictionary<string, object?> attributes)
    {
        string? Text(string name) => attributes.TryGetValue(name, out var v) && v is string s ? s : null;
        decimal? Number(string name) => attributes.TryGetValue(name, out var v)
            ? v switch
            {
                long l => l,
                int i => i,
                double d when double.IsFinite(d) && Math.Abs(d) < 7.9e28 => (decimal)d,
                decimal m => m,
                string s when decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
                _ => null,
            }
            : null;
        return new SurveyFeature(index, Text("role"), Text("upi"), Text("label"), Text("name"), Number("area"));
    }
}

/// <summary>
/// Turns the features of a vector survey (GeoJSON, GeoPackage, Shapefile) into a plan the same way whichever
/// format they came from: parents by UPI, lots by label, the vertex cap, rings as drawn (reported, not repaired).
/// </summary>
internal sealed class SurveyFeatureSet(int srid, SurveyTolerances tolerances)
{
    private readonly List<SurveyFinding> findings = [];
    private readonly List<SurveyedParcel> parcels = [];
    private readonly List<string> parents = [];
    private int vertices;

    /// <summary>Adds a feature; <paramref name="rings"/> reads a lot's rings (outer first) given its label, or returns null when it has no geometry.</summary>
    public void Add(SurveyFeature feature, Func<string, List<List<Coordinate>>?> rings)
    {
        if (feature.Role == "parent")
        {
            parents.Add(feature.Upi ?? throw SurveyUnreadableException.Because($"Feature {feature.Index} is a parent without a upi."));
            return;
        }

        var label = feature.Label ?? feature.Name ?? $"Lot {feature.Index}";
        var lot = rings(label) ?? throw SurveyUnreadableException.Because($"{label} has no geometry.");
        vertices += lot.Sum(r => r.Count);
        if (vertices > tolerances.MaxVertices)
        {
            throw SurveyUnreadableException.Because($"The survey has more than {tolerances.MaxVertices} vertices; split it into smaller plans.");
        }

        var polygon = RingBuilder.Build(label, lot[0], srid, closeImplicitly: false, findings);
        if (polygon is not null && lot.Count > 1)
        {
            var holes = lot.Skip(1).Select(r => polygon.Factory.CreateLinearRing(Closed(r))).ToArray();
            polygon = polygon.Factory.CreatePolygon(polygon.Shell, holes);
        }

        if (polygon is not null)
        {
            parcels.Add(new SurveyedParcel(label, polygon, feature.Area));
        }
    }

    public SurveyPlan ToPlan(string format)
    {
        SurveyCrs.CheckRange(srid, parcels);
        return new SurveyPlan(format, srid, parcels, [], parents) { ReadFindings = findings };
    }

    /// <summary>A lot's rings from a geometry a library read: one polygon (a multipolygon of one part counts), x and y only.</summary>
    public static List<List<Coordinate>>? Rings(Geometry? geometry, string label)
    {
        if (geometry is null)
        {
            return null;
        }

        if (geometry is MultiPolygon { NumGeometries: 1 } single)
        {
            geometry = single.GetGeometryN(0);
        }

        if (geometry is not Polygon polygon || polygon.IsEmpty)
        {
            throw SurveyUnreadableException.Because($"{label}: a lot is one Polygon; got {(geometry.IsEmpty ? "an empty " : string.Empty)}{geometry.GeometryType}.");
        }

        return [.. new[] { polygon.ExteriorRing }.Concat(polygon.InteriorRings).Select(r => r.Coordinates.Select(c => new Coordinate(c.X, c.Y)).ToList())];
    }

    /// <summary>A name read from a file as a refusal may repeat it: printable characters only, at most 80.</summary>
    public static string Printable(string name)
    {
        var printable = new string(name.Where(c => !char.IsControl(c)).Take(80).ToArray());
        return printable.Length == 0 ? "(unnamed)" : printable;
    }

    private static Coordinate[] Closed(List<Coordinate> ring) =>
        ring.Count > 0 && !ring[0].Equals2D(ring[^1]) ? [.. ring, ring[0].Copy()] : [.. ring];
}
