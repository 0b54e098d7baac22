using System.Globalization;
using System.Text;
using Landplatform.Cadastre.Contracts;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;

namespace Landplatform.GisServer.Ogc.Features;

/// <summary>What a filter is read against: the collection, the CRS of its geometry literals (filter-crs) and the parameter errors name.</summary>
public sealed record FilterContext(FeatureCollectionDefinition Collection, CoordinateReferenceSystem Crs, string Parameter = "filter")
{
    /// <summary>The name a filter uses for a feature's geometry (the queryables publish it).</summary>
    public const string GeometryProperty = "geometry";

    public bool IsGeometryProperty(string name) =>
        name.Equals(GeometryProperty, StringComparison.Ordinal) || name.Equals(Collection.GeometryColumn, StringComparison.Ordinal);
}

/// <summary>Geometry literals of a filter, checked and turned into the AST's WKT in x/y order.</summary>
public static class FilterGeometry
{
    /// <summary>A BBOX of 4 (or 6, 3D) numbers in the filter CRS's axis order.</summary>
    public static BboxFilter Box(IReadOnlyList<double> numbers, FilterContext context, int position)
    {
        if (numbers.Count is not (4 or 6) || numbers.Any(n => !double.IsFinite(n)))
        {
            throw new InvalidParameterException(context.Parameter, "filter-geometry",
                $"The BBOX at position {position} needs 4 (or 6) finite numbers.");
        }

        var (x1, y1, x2, y2) = numbers.Count == 4 ? (numbers[0], numbers[1], numbers[2], numbers[3]) : (numbers[0], numbers[1], numbers[3], numbers[4]);
        if (context.Crs.LatitudeFirst)
        {
            (x1, y1, x2, y2) = (y1, x1, y2, x2);
        }

        if (x1 > x2 || y1 > y2)
        {
            throw new InvalidParameterException(context.Parameter, "filter-geometry",
                $"The BBOX at position {position} must list its lower corner first.");
        }

        return new BboxFilter(x1, y1, x2, y2, context.Crs.Srid);
    }

    public static string BoxAsWkt(BboxFilter box) => string.Create(CultureInfo.InvariantCulture,
        $"POLYGON(({box.MinX} {box.MinY},{box.MaxX} {box.MinY},{box.MaxX} {box.MaxY},{box.MinX} {box.MaxY},{box.MinX} {box.MinY}))");

    /// <summary>Checks WKT and returns it as a spatial literal in x/y order (flipped when the filter CRS puts latitude first).</summary>
    public static SpatialFilter FromWkt(string wkt, FilterContext context, int position)
    {
        if (wkt.Length > FilterRules.MaxWktLength)
        {
            throw new InvalidParameterException(context.Parameter, "filter-size", "The filter's geometry is too large.");
        }

        Geometry geometry;
        try
        {
            geometry = new WKTReader().Read(wkt);
        }
        catch (Exception e) when (e is ParseException or ArgumentException or FormatException)
        {
            throw new InvalidParameterException(context.Parameter, "filter-geometry", $"The geometry at position {position} is not valid WKT: {e.Message}");
        }

        if (geometry.IsEmpty || geometry.Coordinates.Any(c => !double.IsFinite(c.X) || !double.IsFinite(c.Y)))
        {
            throw new InvalidParameterException(context.Parameter, "filter-geometry", $"The geometry at position {position} is empty or has non-finite coordinates.");
        }

        if (context.Crs.LatitudeFirst)
        {
            geometry.Apply(new AxisSwap());
            geometry.GeometryChanged();
        }

        return new SpatialFilter(SpatialOperator.Intersects, new WKTWriter().Write(geometry), context.Crs.Srid);
    }

    /// <summary>A GeoJSON geometry object (CQL2 JSON) as WKT.</summary>
    public static string GeoJsonAsWkt(System.Text.Json.JsonElement geometry, string parameter)
    {
        var type = geometry.TryGetProperty("type", out var t) ? t.GetString() : null;
        var text = new StringBuilder();
        switch (type)
        {
            case "GeometryCollection":
                text.Append("GEOMETRYCOLLECTION(");
                var first = true;
                foreach (var member in geometry.GetProperty("geometries").EnumerateArray())
                {
                    text.Append(first ? string.Empty : ",").Append(GeoJsonAsWkt(member, parameter));
                    first = false;
                }

                return text.Append(')').ToString();
            case "Point" or "LineString" or "Polygon" or "MultiPoint" or "MultiLineString" or "MultiPolygon":
                var depth = type switch { "Point" => 0, "LineString" or "MultiPoint" => 1, "Polygon" or "MultiLineString" => 2, _ => 3 };
                text.Append(type.ToUpperInvariant());
                if (!geometry.TryGetProperty("coordinates", out var coordinates))
                {
                    throw new InvalidParameterException(parameter, "filter-geometry", $"The {type} has no coordinates.");
                }

                if (depth == 0)
                {
                    text.Append('(');
                    Position(coordinates, text, parameter);
                    return text.Append(')').ToString();
                }

                Nested(coordinates, depth, text, parameter);
                return text.ToString();
            default:
                throw new InvalidParameterException(parameter, "filter-geometry", $"'{type}' is not a GeoJSON geometry type.");
        }
    }

    private static void Nested(System.Text.Json.JsonElement array, int depth, StringBuilder text, string parameter)
    {
        if (array.ValueKind != System.Text.Json.JsonValueKind.Array)
        {
            throw new InvalidParameterException(parameter, "filter-geometry", "GeoJSON coordinates must be arrays.");
        }

        text.Append('(');
        var first = true;
        foreach (var item in array.EnumerateArray())
        {
            text.Append(first ? string.Empty : ",");
            first = false;
            if (depth == 1)
            {
                Position(item, text, parameter);
            }
            else
            {
                Nested(item, depth - 1, text, parameter);
            }
        }

        text.Append(')');
    }

    private static void Position(System.Text.Json.JsonElement position, StringBuilder text, string parameter)
    {
        if (position.ValueKind != System.Text.Json.JsonValueKind.Array || position.GetArrayLength() < 2 ||
            position[0].ValueKind != System.Text.Json.JsonValueKind.Number || position[1].ValueKind != System.Text.Json.JsonValueKind.Number)
        {
            throw new InvalidParameterException(parameter, "filter-geometry", "A GeoJSON position is an array of two or three numbers.");
        }

        text.Append(CultureInfo.InvariantCulture, $"{position[0].GetDouble()} {position[1].GetDouble()}");
    }

    private sealed class AxisSwap : ICoordinateSequenceFilter
    {
        public bool Done => false;

        public bool GeometryChanged => true;

        public void Filter(CoordinateSequence seq, int i)
        {
            var x = seq.GetX(i);
            seq.SetX(i, seq.GetY(i));
            seq.SetY(i, x);
        }
    }
}
