using NetTopologySuite.Geometries;

namespace Landplatform.Cadastre.Surveys.Formats;

/// <summary>
/// Turns a list of corner coordinates into a polygon, reporting (not repairing) what a surveyor must
/// fix: an unclosed ring, too few corners. Repeated corners are found by the checks, in metres on the national grid.
/// </summary>
internal static class RingBuilder
{
    public static Polygon? Build(string label, IReadOnlyList<Coordinate> corners, int srid, bool closeImplicitly, List<SurveyFinding> findings)
    {
        var points = corners.ToList();
        if (points.Count > 0 && !points[0].Equals2D(points[^1]))
        {
            if (!closeImplicitly)
            {
                findings.Add(new SurveyFinding(SurveyRules.Geometry, FindingSeverity.Error,
                    $"{label}: the boundary is not closed; its last corner must repeat the first.", label, points[^1].X, points[^1].Y));
                points.Add(points[0].Copy());
            }
            else
            {
                points.Add(points[0].Copy());
            }
        }

        if (points.Count < 4)
        {
            findings.Add(new SurveyFinding(SurveyRules.Geometry, FindingSeverity.Error,
                $"{label}: a parcel needs at least three distinct corners; it has {Math.Max(points.Count - 1, 0)}.", label));
            return null;
        }

        var factory = NetTopologySuite.NtsGeometryServices.Instance.CreateGeometryFactory(srid);
        return factory.CreatePolygon(points.ToArray());
    }
}
