using Landplatform.Cadastre.Contracts.Layers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Google.FlatBuffers;
using NetTopologySuite.Geometries;

namespace Landplatform.GisServer.Ogc.Features;

/// <summary>
/// Writes features as FlatGeobuf (version 3), the compact binary stream desktop GIS and GDAL read far
/// faster than GeoJSON: the magic bytes, a header naming the columns and the CRS, then one
/// size-prefixed feature after another as they come from PostGIS. It carries no spatial index (the
/// format allows that for streams) and no feature count, since both would need the whole result first.
/// </summary>
/// <remarks>
/// Tables are built with the FlatBuffers builder directly, by slot number, following the format's
/// schema (header.fbs and feature.fbs of the FlatGeobuf specification). Coordinates are written
/// easting/longitude first whatever the CRS, as FlatGeobuf readers expect.
/// </remarks>
public sealed class FlatGeobufWriter
{
    public const string MediaType = "application/flatgeobuf";

    private static readonly byte[] Magic = [0x66, 0x67, 0x62, 0x03, 0x66, 0x67, 0x62, 0x00];

    private readonly FlatBufferBuilder builder = new(4096);
    private readonly List<double> xy = [];
    private readonly List<uint> ends = [];
    private readonly List<byte> properties = [];

    private FlatGeobufWriter(IReadOnlyList<Column> columns) => Columns = columns;

    /// <summary>The feature id first, then the selected properties, in the order of the header.</summary>
    public IReadOnlyList<Column> Columns { get; }

    /// <summary>A column of the header: its name and FlatGeobuf type.</summary>
    public sealed record Column(string Name, ColumnKind Kind, string? Title);

    /// <summary>The FlatGeobuf column types the platform's properties map to (values of the format's ColumnType).</summary>
    public enum ColumnKind : byte
    {
        Long = 7,
        Double = 10,
        String = 11,
        DateTime = 13,
    }

    public static FlatGeobufWriter For(FeatureCollectionDefinition collection, IReadOnlyList<FeatureProperty> selected)
    {
        var columns = new List<Column> { new("id", collection.IdIsNumeric ? ColumnKind.Long : ColumnKind.String, "Feature identifier") };
        columns.AddRange(selected.Select(p => new Column(p.Name, p.Type switch
        {
            AttributeType.Integer => ColumnKind.Long,
            AttributeType.Number => ColumnKind.Double,
            AttributeType.DateTime => ColumnKind.DateTime,
            _ => ColumnKind.String,
        }, p.Title)));
        return new FlatGeobufWriter(columns);
    }

    /// <summary>The magic bytes and the header.</summary>
    public byte[] Start(string name, string title, int srid)
    {
        builder.Clear();
        var columnTables = new int[Columns.Count];
        for (var i = 0; i < Columns.Count; i++)
        {
            var columnName = builder.CreateString(Columns[i].Name);
            var columnTitle = Columns[i].Title is { } t ? builder.CreateString(t) : default;
            builder.StartTable(11);
            builder.AddOffset(0, columnName.Value, 0);
            builder.AddByte(1, (byte)Columns[i].Kind, 0);
            if (Columns[i].Title is not null)
            {
                builder.AddOffset(2, columnTitle.Value, 0);
            }

            columnTables[i] = builder.EndTable();
        }

        builder.StartVector(4, columnTables.Length, 4);
        for (var i = columnTables.Length - 1; i >= 0; i--)
        {
            builder.AddOffset(columnTables[i]);
        }

        var columnVector = builder.EndVector();
        var org = builder.CreateString("EPSG");
        builder.StartTable(6);
        builder.AddOffset(0, org.Value, 0);
        builder.AddInt(1, srid, 0);
        var crs = builder.EndTable();

        var headerName = builder.CreateString(name);
        var headerTitle = builder.CreateString(title);
        builder.StartTable(14);
        builder.AddOffset(0, headerName.Value, 0);
        // geometry_type (slot 2) stays Unknown, its default: each feature says its own.
        builder.AddOffset(7, columnVector.Value, 0);
        builder.AddUshort(9, 0, 16); // no spatial index
        builder.AddOffset(10, crs, 0);
        builder.AddOffset(11, headerTitle.Value, 0);
        builder.FinishSizePrefixed(builder.EndTable());
        return [.. Magic, .. builder.SizedByteArray()];
    }

    /// <summary>One feature: its geometry (null for none) and its column values in header order (null or DBNull for none).</summary>
    public byte[] Feature(Geometry? geometry, IReadOnlyList<object?> values)
    {
        builder.Clear();
        properties.Clear();
        for (var i = 0; i < values.Count && i < Columns.Count; i++)
        {
            WriteValue((ushort)i, Columns[i].Kind, values[i]);
        }

        var geometryTable = geometry is null || geometry.IsEmpty ? 0 : WriteGeometry(geometry);
        var propertyVector = properties.Count > 0 ? Vector(properties.ToArray()) : default;
        builder.StartTable(3);
        if (geometryTable != 0)
        {
            builder.AddOffset(0, geometryTable, 0);
        }

        if (properties.Count > 0)
        {
            builder.AddOffset(1, propertyVector.Value, 0);
        }

        builder.FinishSizePrefixed(builder.EndTable());
        return builder.SizedByteArray();
    }

    private int WriteGeometry(Geometry geometry)
    {
        // Multipolygons and mixed collections are parts; points, lines and multilines are flat coordinates with ends.
        if (geometry is GeometryCollection collection and not MultiPoint and not MultiLineString)
        {
            var parts = new int[collection.NumGeometries];
            for (var i = 0; i < parts.Length; i++)
            {
                parts[i] = WriteGeometry(collection.GetGeometryN(i));
            }

            builder.StartVector(4, parts.Length, 4);
            for (var i = parts.Length - 1; i >= 0; i--)
            {
                builder.AddOffset(parts[i]);
            }

            var partVector = builder.EndVector();
            builder.StartTable(8);
            builder.AddOffset(7, partVector.Value, 0);
            builder.AddByte(6, TypeOf(geometry), 0);
            return builder.EndTable();
        }

        xy.Clear();
        ends.Clear();
        switch (geometry)
        {
            case Polygon polygon:
                AddRing(polygon.ExteriorRing.CoordinateSequence);
                foreach (var hole in polygon.InteriorRings)
                {
                    AddRing(hole.CoordinateSequence);
                }

                break;
            case MultiLineString lines:
                foreach (var line in lines.Geometries.Cast<LineString>())
                {
                    AddRing(line.CoordinateSequence);
                }

                break;
            default:
                AddRing(geometry.Coordinates);
                break;
        }

        var coordinates = Vector(xy.ToArray());
        var endVector = ends.Count > 1 ? Vector(ends.ToArray()) : default;
        builder.StartTable(8);
        if (ends.Count > 1)
        {
            builder.AddOffset(0, endVector.Value, 0);
        }

        builder.AddOffset(1, coordinates.Value, 0);
        builder.AddByte(6, TypeOf(geometry), 0);
        return builder.EndTable();
    }

    private void AddRing(CoordinateSequence ring)
    {
        for (var i = 0; i < ring.Count; i++)
        {
            xy.Add(ring.GetX(i));
            xy.Add(ring.GetY(i));
        }

        ends.Add((uint)(xy.Count / 2));
    }

    private void AddRing(Coordinate[] points)
    {
        foreach (var point in points)
        {
            xy.Add(point.X);
            xy.Add(point.Y);
        }

        ends.Add((uint)(xy.Count / 2));
    }

    private static byte TypeOf(Geometry geometry) => geometry switch
    {
        Point => 1,
        LineString => 2,
        Polygon => 3,
        MultiPoint => 4,
        MultiLineString => 5,
        MultiPolygon => 6,
        _ => 7,
    };

    private VectorOffset Vector<T>(T[] items)
        where T : struct
    {
        var size = System.Runtime.InteropServices.Marshal.SizeOf<T>();
        builder.StartVector(size, items.Length, size);
        builder.Add(items);
        return builder.EndVector();
    }

    // Property buffer: for each value present, the column index (ushort) and the value, little-endian;
    // strings and instants as a uint length and UTF-8 bytes.
    private void WriteValue(ushort column, ColumnKind kind, object? value)
    {
        if (value is null or DBNull)
        {
            return;
        }

        Span<byte> scratch = stackalloc byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(scratch, column);
        properties.AddRange(scratch[..2]);
        switch (kind)
        {
            case ColumnKind.Long:
                BinaryPrimitives.WriteInt64LittleEndian(scratch, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                properties.AddRange(scratch);
                break;
            case ColumnKind.Double:
                BinaryPrimitives.WriteDoubleLittleEndian(scratch, Convert.ToDouble(value, CultureInfo.InvariantCulture));
                properties.AddRange(scratch);
                break;
            case ColumnKind.DateTime:
                AddString(value switch
                {
                    DateTime t => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
                    DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
                    _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
                });
                break;
            default:
                AddString(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
                break;
        }
    }

    private void AddString(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)bytes.Length);
        properties.AddRange(length);
        properties.AddRange(bytes);
    }
}
