using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Utilities;
using NetTopologySuite.Operation.Overlay;
using NetTopologySuite.Operation.OverlayNG;
using NetTopologySuite.Precision;

namespace Landplatform.DataSamples;

/// <summary>Overlay on the millimetre grid, always returning valid polygonal results.</summary>
internal sealed class SurveyGeometry
{
    public SurveyGeometry()
    {
        Precision = new PrecisionModel(1000);
        Factory = new GeometryFactory(Precision, 2007);
    }

    public PrecisionModel Precision { get; }

    public GeometryFactory Factory { get; }

    public Geometry Intersection(Geometry a, Geometry b) => Overlay(a, b, SpatialFunction.Intersection);

    public Geometry Difference(Geometry a, Geometry b) => Overlay(a, b, SpatialFunction.Difference);

    public Geometry Union(IEnumerable<Geometry> parts) => Polygonal(UnaryUnionNG.Union(parts, Factory, Precision), 0);

    /// <summary>Polygonal parts at least minPartArea in size, as a Polygon or MultiPolygon (possibly empty).</summary>
    public Geometry Polygonal(Geometry geometry, double minPartArea)
    {
        var parts = new List<Polygon>();
        CollectPolygons(geometry, parts, minPartArea);
        Geometry result = parts.Count switch
        {
            0 => Factory.CreatePolygon(),
            1 => parts[0],
            _ => Factory.CreateMultiPolygon(parts.ToArray()),
        };
        if (result.IsEmpty || result.IsValid)
        {
            return result;
        }

        var repaired = GeometryPrecisionReducer.Reduce(GeometryFixer.Fix(result), Precision);
        parts.Clear();
        CollectPolygons(repaired, parts, minPartArea);
        result = parts.Count switch
        {
            0 => Factory.CreatePolygon(),
            1 => parts[0],
            _ => Factory.CreateMultiPolygon(parts.ToArray()),
        };
        return result.IsValid ? result : Factory.CreatePolygon();
    }

    public Polygon Rectangle(double x0, double y0, double x1, double y1) =>
        new MmRect(Millimetres.FromMetres(x0), Millimetres.FromMetres(y0), Millimetres.FromMetres(x1), Millimetres.FromMetres(y1)).ToPolygon(Factory);

    private Geometry Overlay(Geometry a, Geometry b, SpatialFunction function) =>
        Polygonal(OverlayNG.Overlay(a, b, function, Precision), 0);

    private static void CollectPolygons(Geometry geometry, List<Polygon> parts, double minPartArea)
    {
        switch (geometry)
        {
            case Polygon polygon:
                if (!polygon.IsEmpty && polygon.Area > 0 && polygon.Area >= minPartArea)
                {
                    parts.Add(polygon);
                }

                break;
            case GeometryCollection collection:
                for (var i = 0; i < collection.NumGeometries; i++)
                {
                    CollectPolygons(collection.GetGeometryN(i), parts, minPartArea);
                }

                break;
            default:
                break;
        }
    }
}
