using Landplatform.Cadastre.Contracts;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using Npgsql;
using SkiaSharp;

namespace Landplatform.GisServer.Ogc.Wms;

/// <summary>The encodings a map image can be written in.</summary>
public enum MapImageFormat
{
    Png,
    Jpeg,
}

/// <summary>
/// The piece of the world a map shows: a box in a CRS, always easting/longitude first (callers swap
/// latitude-first axes before building it), and the image size in pixels.
/// </summary>
public sealed record MapView(double MinX, double MinY, double MaxX, double MaxY, int Srid, int Width, int Height)
{
    public double PixelWidth => (MaxX - MinX) / Width;

    public double PixelHeight => (MaxY - MinY) / Height;

    /// <summary>The map coordinate at the centre of pixel (i, j), j counted from the top.</summary>
    public (double X, double Y) ToMap(int i, int j) => (MinX + ((i + 0.5) * PixelWidth), MaxY - ((j + 0.5) * PixelHeight));

    public SKPoint ToPixel(double x, double y) => new((float)((x - MinX) / PixelWidth), (float)((MaxY - y) / PixelHeight));
}

/// <summary>A collection drawn with one of its styles.</summary>
public sealed record MapLayer(FeatureCollectionDefinition Collection, MapStyle Style);

/// <summary>Everything a map image depends on. Layers are drawn in order, the first at the bottom.</summary>
/// <param name="AsOf">For versioned collections (parcels): the fabric as of this instant; null for today's.</param>
public sealed record MapImageRequest(
    IReadOnlyList<MapLayer> Layers,
    MapView View,
    MapImageFormat Format,
    bool Transparent,
    SKColor Background,
    DateTimeOffset? AsOf);

/// <summary>The typeface labels are written in, loaded once from a font file (the renderer sees no system fonts).</summary>
public sealed class MapLabelFont : IDisposable
{
    public const string DefaultPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    private MapLabelFont(SKTypeface typeface) => Typeface = typeface;

    public SKTypeface Typeface { get; }

    /// <exception cref="InvalidOperationException">The file is missing or is not a font: maps would lose their labels.</exception>
    public static MapLabelFont Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"The map label font {path} is missing; install the Debian package fonts-dejavu-core (./lp does) or set Maps:LabelFont.");
        }

        return new MapLabelFont(SKTypeface.FromFile(path)
            ?? throw new InvalidOperationException($"The map label font {path} is not a font SkiaSharp can read."));
    }

    public void Dispose() => Typeface.Dispose();
}

/// <summary>
/// Draws styled collections from PostGIS into a PNG or JPEG. Geometry is read row by row in the map's
/// CRS, cut to the view and simplified to half a pixel in SQL, so a whole-island map reads little.
/// WMS GetMap uses it; raster tiles can too.
/// </summary>
public sealed class MapRenderer([FromKeyedServices(DataSourceKeys.Reads)] NpgsqlDataSource db, MapLabelFont font)
{
    private const int JpegQuality = 88;

    public async Task RenderAsync(MapImageRequest request, Stream output, CancellationToken ct)
    {
        using var data = await RenderToDataAsync(request, ct);
        await using var encoded = data.AsStream();
        await encoded.CopyToAsync(output, ct);
    }

    /// <summary>The encoded image, for callers that cache it (tiles).</summary>
    public async Task<SKData> RenderToDataAsync(MapImageRequest request, CancellationToken ct)
    {
        var view = request.View;
        var info = new SKImageInfo(view.Width, view.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info)
            ?? throw new InvalidOperationException($"No drawing surface of {view.Width}x{view.Height} could be allocated.");
        var canvas = surface.Canvas;
        canvas.Clear(request.Format == MapImageFormat.Png && request.Transparent ? SKColors.Transparent : request.Background.WithAlpha(0xFF));

        var labels = new List<PendingLabel>();
        foreach (var layer in request.Layers)
        {
            await DrawLayerAsync(canvas, layer, request, labels, ct);
        }

        DrawLabels(canvas, labels);
        using var image = surface.Snapshot();
        return image.Encode(request.Format == MapImageFormat.Png ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg, JpegQuality)
            ?? throw new InvalidOperationException("The map image could not be encoded.");
    }

    /// <summary>The query a layer of a map reads: its features in the view, in the map's CRS, simplified to the pixel size.</summary>
    public static FeatureQuery QueryFor(MapLayer layer, MapView view, DateTimeOffset? asOf)
    {
        var box = MapRegion.Clip(view);
        return new FeatureQuery(layer.Collection)
        {
            Bbox = box is null ? null : new BboxFilter(box.Value.MinX, box.Value.MinY, box.Value.MaxX, box.Value.MaxY, view.Srid),
            AsOf = layer.Collection.IsTemporal ? asOf : null,
            Properties = layer.Style.Properties,
            Limit = int.MaxValue,
            OutputSrid = view.Srid,
            Geometry = GeometryEncoding.Wkb,
            SimplifyTolerance = Math.Min(view.PixelWidth, view.PixelHeight) / 2,
        };
    }

    private async Task DrawLayerAsync(SKCanvas canvas, MapLayer layer, MapImageRequest request, List<PendingLabel> labels, CancellationToken ct)
    {
        var view = request.View;
        if (MapRegion.Clip(view) is null)
        {
            return;
        }

        var query = QueryFor(layer, view, request.AsOf);
        var properties = FeatureSql.SelectedProperties(query);
        var classColumn = layer.Style.ClassProperty is { } c ? 1 + IndexOf(properties, c) : -1;
        var labelColumn = layer.Style.LabelProperty is { } l ? 1 + IndexOf(properties, l) : -1;
        var geometryColumn = 1 + properties.Count;

        using var fill = new SKPaint { Style = SKPaintStyle.Fill, IsAntialias = true };
        using var stroke = new SKPaint { Style = SKPaintStyle.Stroke, IsAntialias = true };
        var reader = new WKBReader();
        using var labelFont = labelColumn > 0 ? new SKFont(font.Typeface, layer.Style.LabelSize) : null;

        await using var command = FeatureSql.Select(db, query);
        await using var rows = await command.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
        {
            if (rows.IsDBNull(geometryColumn))
            {
                continue;
            }

            var styleClass = layer.Style.ClassOf(classColumn < 0 || rows.IsDBNull(classColumn) ? null : rows.GetString(classColumn));
            if (styleClass is null)
            {
                continue;
            }

            var geometry = reader.Read(rows.GetFieldValue<byte[]>(geometryColumn));
            if (geometry.IsEmpty)
            {
                continue;
            }

            using var path = ToPath(geometry, view);
            if (styleClass.Fill.Alpha > 0)
            {
                fill.Color = styleClass.Fill;
                canvas.DrawPath(path, fill);
            }

            if (styleClass.StrokeWidth > 0)
            {
                stroke.Color = styleClass.Stroke;
                stroke.StrokeWidth = styleClass.StrokeWidth;
                canvas.DrawPath(path, stroke);
            }

            if (labelFont is not null && !rows.IsDBNull(labelColumn) && LabelFor(rows.GetString(labelColumn), layer.Style, labelFont, geometry, path.Bounds, view) is { } label)
            {
                labels.Add(label);
            }
        }
    }

    // A label is written only where the feature is wide and tall enough on screen to hold it.
    private static PendingLabel? LabelFor(string text, MapStyle style, SKFont labelFont, Geometry geometry, SKRect bounds, MapView view)
    {
        // Most parcels of a map are far too small for text: rule them out before measuring any.
        if (bounds.Height < style.LabelSize * 1.6f || bounds.Width < text.Length * style.LabelSize * 0.45f)
        {
            return null;
        }

        var width = labelFont.MeasureText(text);
        if (bounds.Width < width + 6)
        {
            return null;
        }

        var anchor = geometry.InteriorPoint;
        return anchor.IsEmpty ? null : new PendingLabel(text, style, view.ToPixel(anchor.X, anchor.Y), width);
    }

    private static int IndexOf(IReadOnlyList<FeatureProperty> properties, string name)
    {
        for (var i = 0; i < properties.Count; i++)
        {
            if (properties[i].Name == name)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"The style reads '{name}', which the collection does not publish.");
    }

    private void DrawLabels(SKCanvas canvas, List<PendingLabel> labels)
    {
        var placed = new List<SKRect>();
        var imageBounds = SKRect.Create(canvas.DeviceClipBounds.Width, canvas.DeviceClipBounds.Height);
        using var text = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        using var halo = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 3, Color = SKColors.White.WithAlpha(0xE0) };
        foreach (var label in labels.OrderByDescending(l => l.Style.LabelSize))
        {
            using var skFont = new SKFont(font.Typeface, label.Style.LabelSize);
            var at = label.At;
            var width = label.Width;
            var box = new SKRect(at.X - (width / 2) - 2, at.Y - label.Style.LabelSize, at.X + (width / 2) + 2, at.Y + label.Style.LabelSize);
            // Labels cut by the image edge or written over another label would be unreadable.
            if (!imageBounds.Contains(box) || placed.Exists(p => p.IntersectsWith(box)))
            {
                continue;
            }

            placed.Add(box);
            at.Y += label.Style.LabelSize * 0.35f;
            if (label.Style.LabelHalo)
            {
                canvas.DrawText(label.Text, at, SKTextAlign.Center, skFont, halo);
            }

            text.Color = label.Style.LabelColor;
            canvas.DrawText(label.Text, at, SKTextAlign.Center, skFont, text);
        }
    }

    private static SKPath ToPath(Geometry geometry, MapView view)
    {
        using var path = new SKPathBuilder { FillType = SKPathFillType.EvenOdd };
        for (var g = 0; g < geometry.NumGeometries; g++)
        {
            switch (geometry.GetGeometryN(g))
            {
                case Polygon polygon:
                    AddRing(path, polygon.ExteriorRing.CoordinateSequence, view, close: true);
                    foreach (var hole in polygon.InteriorRings)
                    {
                        AddRing(path, hole.CoordinateSequence, view, close: true);
                    }

                    break;
                case LineString line:
                    AddRing(path, line.CoordinateSequence, view, close: false);
                    break;
                case Point point:
                    var p = view.ToPixel(point.X, point.Y);
                    path.AddCircle(p.X, p.Y, 3);
                    break;
            }
        }

        return path.Detach();
    }

    private static void AddRing(SKPathBuilder path, CoordinateSequence ring, MapView view, bool close)
    {
        if (ring.Count == 0)
        {
            return;
        }

        path.MoveTo(view.ToPixel(ring.GetX(0), ring.GetY(0)));
        for (var i = 1; i < ring.Count; i++)
        {
            path.LineTo(view.ToPixel(ring.GetX(i), ring.GetY(i)));
        }

        if (close)
        {
            path.Close();
        }
    }

    private sealed record PendingLabel(string Text, MapStyle Style, SKPoint At, float Width);
}

/// <summary>
/// Where the platform has data, generously, in each CRS it serves: a view is cut to this region before
/// it reaches PostGIS, so a world-wide box neither scans everything nor projects points the national grid cannot hold.
/// </summary>
public static class MapRegion
{
    private const double West = -63.5, East = -59.5, South = 11.5, North = 15.0;

    /// <summary>The part of the view inside the region, or null when they do not meet.</summary>
    public static (double MinX, double MinY, double MaxX, double MaxY)? Clip(MapView view)
    {
        var (minX, minY, maxX, maxY) = Bounds(view.Srid);
        var x0 = Math.Max(minX, view.MinX);
        var y0 = Math.Max(minY, view.MinY);
        var x1 = Math.Min(maxX, view.MaxX);
        var y1 = Math.Min(maxY, view.MaxY);
        return x0 < x1 && y0 < y1 ? (x0, y0, x1, y1) : null;
    }

    private static (double MinX, double MinY, double MaxX, double MaxY) Bounds(int srid) => srid switch
    {
        4326 => (West, South, East, North),
        3857 => (MercatorX(West), MercatorY(South), MercatorX(East), MercatorY(North)),
        2007 => (280_000, 1_250_000, 720_000, 1_700_000),
        _ => throw new ArgumentOutOfRangeException(nameof(srid), srid, "No map region for this CRS."),
    };

    private const double EarthRadius = 6_378_137;

    private static double MercatorX(double longitude) => EarthRadius * longitude * Math.PI / 180;

    private static double MercatorY(double latitude) => EarthRadius * Math.Log(Math.Tan((Math.PI / 4) + (latitude * Math.PI / 360)));
}
