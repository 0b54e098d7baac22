using SkiaSharp;

namespace Landplatform.Testing;

/// <summary>
/// Synthetic scans of typed deeds, as the office's scanners produce them: a legal page at a given resolution with
/// lines of typed text (DejaVu Sans, Debian's fonts-dejavu-core), optionally turned by a few degrees, or blank.
/// </summary>
public static class DeedScanMaker
{
    private const string Font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    /// <summary>A PNG of the lines at <paramref name="dpi"/> (8.5 × 11 inches), turned by <paramref name="degrees"/>.</summary>
    public static byte[] Page(IReadOnlyList<string> lines, int dpi = 200, float degrees = 0)
    {
        var width = (int)(8.5 * dpi);
        var height = 11 * dpi;
        using var bitmap = new SKBitmap(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            canvas.RotateDegrees(degrees, width / 2f, height / 2f);
            using var typeface = SKTypeface.FromFile(Font) ?? throw new InvalidOperationException($"{Font} is missing: install fonts-dejavu-core");
            using var font = new SKFont(typeface, dpi * 0.16f);
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            var y = dpi * 1.2f;
            foreach (var line in lines)
            {
                canvas.DrawText(line, dpi * 0.9f, y, SKTextAlign.Left, font, ink);
                y += dpi * 0.32f;
            }
        }

        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>A blank page (a sheet scanned by mistake, or the back of one).</summary>
    public static byte[] Blank(int dpi = 200) => Page([], dpi);
}
