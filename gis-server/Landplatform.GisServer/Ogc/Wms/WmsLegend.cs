using SkiaSharp;

namespace Landplatform.GisServer.Ogc.Wms;

/// <summary>GetLegendGraphic (the SLD extension WMS clients use): a PNG with one swatch and label per class of a style.</summary>
public static class WmsLegend
{
    private const int Row = 22;
    private const int Padding = 6;
    private const int Swatch = 18;
    private const int Width = 200;
    private const float TextSize = 12;

    public static (int Width, int Height) SizeOf(MapStyle style) => (Width, (2 * Padding) + (style.Classes.Count * Row));

    public static async Task WriteAsync(HttpContext http, WmsParameters parameters, MapLabelFont font, CancellationToken ct)
    {
        var collection = WmsParameters.Collection(parameters.Required("LAYER"), "LAYER");
        var styleName = parameters["STYLE"]?.Trim() ?? string.Empty;
        var style = MapStyles.Find(collection.Id, styleName) ?? throw new WmsException("StyleNotDefined", "STYLE",
            $"Layer {collection.Id} has no style {WmsException.Quote(styleName)}; its styles are {string.Join(", ", MapStyles.For(collection.Id).Select(s => s.Name))}.");
        if (parameters["FORMAT"] is { Length: > 0 } format && !format.Trim().Equals("image/png", StringComparison.OrdinalIgnoreCase))
        {
            throw new WmsException("InvalidFormat", "FORMAT", $"Legends are drawn as image/png, not {WmsException.Quote(format)}.");
        }

        using var png = Render(style, font);
        http.Response.ContentType = "image/png";
        http.Response.ContentLength = png.Size;
        await using var bytes = png.AsStream();
        await bytes.CopyToAsync(http.Response.Body, ct);
    }

    public static SKData Render(MapStyle style, MapLabelFont font)
    {
        var (width, height) = SizeOf(style);
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("No drawing surface for the legend.");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var skFont = new SKFont(font.Typeface, TextSize);
        using var fill = new SKPaint { Style = SKPaintStyle.Fill, IsAntialias = true };
        using var stroke = new SKPaint { Style = SKPaintStyle.Stroke, IsAntialias = true };
        using var text = new SKPaint { Style = SKPaintStyle.Fill, IsAntialias = true, Color = new SKColor(0x20, 0x20, 0x20) };
        for (var i = 0; i < style.Classes.Count; i++)
        {
            var styleClass = style.Classes[i];
            var top = Padding + (i * Row) + ((Row - Swatch) / 2f);
            var box = new SKRect(Padding, top, Padding + Swatch, top + Swatch);
            fill.Color = styleClass.Fill;
            canvas.DrawRect(box, fill);
            stroke.Color = styleClass.Stroke;
            stroke.StrokeWidth = Math.Max(1, styleClass.StrokeWidth);
            canvas.DrawRect(box, stroke);
            canvas.DrawText(styleClass.Label, Padding + Swatch + 8, top + (Swatch / 2f) + (TextSize * 0.35f), SKTextAlign.Left, skFont, text);
        }

        using var image = surface.Snapshot();
        return image.Encode(SKEncodedImageFormat.Png, 100) ?? throw new InvalidOperationException("The legend could not be encoded.");
    }
}
