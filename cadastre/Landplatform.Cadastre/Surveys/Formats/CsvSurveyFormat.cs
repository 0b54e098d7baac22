using System.Globalization;
using System.Text;
using NetTopologySuite.Geometries;

namespace Landplatform.Cadastre.Surveys.Formats;

/// <summary>
/// A CSV coordinate list: a header naming <c>parcel</c>, <c>x</c>/<c>easting</c>/<c>lon</c>,
/// <c>y</c>/<c>northing</c>/<c>lat</c>, optionally <c>area</c>; one corner a row, in order, a parcel's
/// rows together. The ring closes itself. CSV carries no CRS, so the upload must declare one.
/// </summary>
internal static class CsvSurveyFormat
{
    public static SurveyPlan Read(byte[] content, int? declaredSrid, IReadOnlyList<string> parents, SurveyTolerances tolerances)
    {
        var srid = SurveyCrs.Resolve(null, declaredSrid, rfcDefault: null);
        using var reader = new StringReader(Encoding.UTF8.GetString(content));
        var header = reader.ReadLine()?.Split(',').Select(h => h.Trim().Trim('"').ToLowerInvariant()).ToArray()
            ?? throw SurveyUnreadableException.Because("The CSV is empty.");
        var parcelColumn = Column(header, "parcel", "lot", "label");
        var xColumn = Column(header, "x", "easting", "lon", "longitude");
        var yColumn = Column(header, "y", "northing", "lat", "latitude");
        var areaColumn = Array.FindIndex(header, h => h is "area" or "stated_area");

        var corners = new List<(string Parcel, Coordinate Corner, decimal? Area)>();
        var line = 1;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var fields = text.Split(',').Select(f => f.Trim().Trim('"')).ToArray();
            if (fields.Length < header.Length ||
                !double.TryParse(fields[xColumn], NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ||
                !double.TryParse(fields[yColumn], NumberStyles.Float, CultureInfo.InvariantCulture, out var y) ||
                !double.IsFinite(x) || !double.IsFinite(y))
            {
                throw SurveyUnreadableException.Because($"Line {line}: expected {header.Length} fields with numeric coordinates.");
            }

            if (corners.Count >= tolerances.MaxVertices)
            {
                throw SurveyUnreadableException.Because($"The survey has more than {tolerances.MaxVertices} vertices; split it into smaller plans.");
            }

            decimal? area = areaColumn >= 0 && decimal.TryParse(fields[areaColumn], NumberStyles.Float, CultureInfo.InvariantCulture, out var a) ? a : null;
            corners.Add((fields[parcelColumn], new Coordinate(x, y), area));
        }

        var findings = new List<SurveyFinding>();
        var parcels = new List<SurveyedParcel>();
        foreach (var group in corners.GroupBy(c => c.Parcel, StringComparer.Ordinal))
        {
            var polygon = RingBuilder.Build(group.Key, group.Select(g => g.Corner).ToList(), srid, closeImplicitly: true, findings);
            if (polygon is not null)
            {
                parcels.Add(new SurveyedParcel(group.Key, polygon, group.Select(g => g.Area).FirstOrDefault(v => v is not null)));
            }
        }

        SurveyCrs.CheckRange(srid, parcels);
        return new SurveyPlan("csv", srid, parcels, [], parents) { ReadFindings = findings };
    }

    private static int Column(string[] header, params string[] names)
    {
        var index = Array.FindIndex(header, h => names.Contains(h));
        return index >= 0 ? index : throw SurveyUnreadableException.Because($"The CSV header needs a column named {string.Join(" or ", names)}.");
    }
}
