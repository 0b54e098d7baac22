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
    private const int PngCompressionLevel = 3;

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
        // The platform's native pixel order takes Skia's fast blitters (filling in RGBA order cost three
        // times as long); an opaque surface lets the PNG be written as RGB.
        var transparent = request.Format == MapImageFormat.Png && request.Transparent;
        var info = new SKImageInfo(view.Width, view.Height, SKImageInfo.PlatformColorType, transparent ? SKAlphaType.Premul : SKAlphaType.Opaque);
        using var surface = SKSurface.Create(info)
            ?? throw new InvalidOperationException($"No drawing surface of {view.Width}x{view.Height} could be allocated.");
        var canvas = surface.Canvas;
        canvas.Clear(transparent ? SKColors.Transparent : request.Background.WithAlpha(0xFF));

        var labels = new List<PendingLabel>();
        foreach (var layer in request.Layers)
        {
            await DrawLayerAsync(canvas, layer, request, labels, ct);
        }

        DrawLabels(canvas, labels);
        using var image = surface.Snapshot();
        return Encode(image, request.Format)
            ?? throw new InvalidOperationException("The map image could not be encoded.");
    }

    // PNG: the Sub filter alone and zlib level 3 encode a busy 800x800 map about 2.5 times faster than
    // Skia's default (all filters, level 6) for 3-4 % more bytes (measured on the benchmark's map).
    private static SKData? Encode(SKImage image, MapImageFormat format)
    {
        using var pixels = image.PeekPixels();
        return format == MapImageFormat.Png
            ? pixels.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.Sub, PngCompressionLevel))
            : pixels.Encode(new SKJpegEncoderOptions(JpegQuality, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore));
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
        var wkb = new byte[4096];
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

            var length = (int)rows.GetBytes(geometryColumn, 0, null, 0, 0);
            if (wkb.Length < length)
            {
                wkb = new byte[Math.Max(length, wkb.Length * 2)];
            }

            rows.GetBytes(geometryColumn, 0, wkb, 0, length);
            using var builder = new SKPathBuilder { FillType = SKPathFillType.EvenOdd };
            if (!WkbPath.TryAppend(wkb.AsSpan(0, length), view, builder))
            {
                continue;
            }

            using var path = builder.Detach();
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

            if (labelFont is not null && !rows.IsDBNull(labelColumn))
            {
                var text = rows.GetString(labelColumn);
                if (LabelWidth(text, layer.Style, labelFont, path.Bounds) is { } width
                    && reader.Read(wkb.AsSpan(0, length).ToArray()).InteriorPoint is { IsEmpty: false } anchor)
                {
                    labels.Add(new PendingLabel(text, layer.Style, view.ToPixel(anchor.X, anchor.Y), width));
                }
            }
        }
    }

    // A label is written only where the feature is wide and tall enough on screen to hold it.
    private static float? LabelWidth(string text, MapStyle style, SKFont labelFont, SKRect bounds)
    {
        // Most parcels of a map are far too small for text: rule them out before measuring any.
        if (bounds.Height < style.LabelSize * 1.6f || bounds.Width < text.Length * style.LabelSize * 0.45f)
        {
            return null;
        }

        var width = labelFont.MeasureText(text);
        return bounds.Width < width + 6 ? null : width;
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
