using System.Globalization;
using CsvHelper;
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
        // RFC 4180 as CsvHelper reads it: quoted fields may hold commas, quotes and line breaks.
        var corners = new List<(string Parcel, Coordinate Corner, decimal? Area)>();
        try
        {
            using var csv = CsvReader.Create(content, new CsvReaderOptions { HasHeader = true, AllowLineBreaksInQuotes = true, TrackLineNumbers = true, SkipEmptyLines = true, MaxRecordSize = 1 << 16 });
            csv.ReadHeader();
            var header = csv.Headers?.Select(h => h.Trim().ToLowerInvariant()).ToArray() is { Length: > 0 } names
                ? names : throw SurveyUnreadableException.Because("The CSV is empty.");
            var parcelColumn = Column(header, "parcel", "lot", "label");
            var xColumn = Column(header, "x", "easting", "lon", "longitude");
            var yColumn = Column(header, "y", "northing", "lat", "latitude");
            var areaColumn = Array.FindIndex(header, h => h is "area" or "stated_area");
            while (csv.Read())
            {
                var line = csv.LineNumber;
                if (csv.FieldCount < header.Length ||
                    !double.TryParse(csv.GetString(xColumn).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ||
                    !double.TryParse(csv.GetString(yColumn).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var y) ||
                    !double.IsFinite(x) || !double.IsFinite(y))
                {
                    throw SurveyUnreadableException.Because($"Line {line}: expected {header.Length} fields with numeric coordinates.");
                }

                if (corners.Count >= tolerances.MaxVertices)
                {
                    throw SurveyUnreadableException.Because($"The survey has more than {tolerances.MaxVertices} vertices; split it into smaller plans.");
                }

                decimal? area = areaColumn >= 0 && decimal.TryParse(csv.GetString(areaColumn).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var a) ? a : null;
                corners.Add((csv.GetString(parcelColumn).Trim(), new Coordinate(x, y), area));
            }
        }
        catch (Exception e) when (e.GetType().Namespace?.StartsWith("CsvHelper", StringComparison.Ordinal) == true)
        {
            throw SurveyUnreadableException.Because($"The file is not RFC 4180 CSV: {e.Message}");
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
