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
        using var bitmap = Draw(lines, dpi, degrees, SKColorType.Gray8, SKColors.White, SKColors.Black);
        return Png(bitmap);
    }

    /// <summary>A colour PNG of the lines: ink of <paramref name="ink"/> on paper of <paramref name="paper"/> (an old deed's cream sheet and blue-black ink).</summary>
    public static byte[] ColourPage(IReadOnlyList<string> lines, SKColor paper, SKColor ink, int dpi = 200)
    {
        using var bitmap = Draw(lines, dpi, 0, SKColorType.Rgba8888, paper, ink);
        return Png(bitmap);
    }

    /// <summary>The scan re-encoded as a JPEG, as cheaper scanners write it.</summary>
    public static byte[] Jpeg(byte[] scan, int quality = 85)
    {
        using var bitmap = SKBitmap.Decode(scan);
        using var jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, quality);
        return jpeg.ToArray();
    }

    /// <summary>A blank page (a sheet scanned by mistake, or the back of one).</summary>
    /// <param name="sheet">Tells sheets apart: a few near-white specks (no ink) where the scanner saw the paper's grain, so no two blank scans are the same file.</param>
    public static byte[] Blank(int dpi = 200, int sheet = 0)
    {
        using var bitmap = Draw([], dpi, 0, SKColorType.Gray8, SKColors.White, SKColors.Black);
        var random = new Random(sheet);
        for (var i = 0; sheet != 0 && i < 50; i++)
        {
            System.Runtime.InteropServices.Marshal.WriteByte(bitmap.GetPixels() + (random.Next(bitmap.Height) * bitmap.RowBytes) + random.Next(bitmap.Width), 236);
        }

        return Png(bitmap);
    }

    /// <summary>A page that is not blank but holds no readable type: a water-stained, scribbled sheet the scanner caught.</summary>
    public static byte[] Smudged(int seed, int dpi = 200)
    {
        var random = new Random(seed);
        var width = (int)(8.5 * dpi);
        var height = 11 * dpi;
        using var bitmap = new SKBitmap(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = dpi / 25f };
            for (var stroke = 0; stroke < 40; stroke++)
            {
                var (x, y) = ((float)random.Next(width), (float)random.Next(height));
                for (var step = 0; step < 30; step++)
                {
                    var (nx, ny) = (x + random.Next(-dpi / 5, dpi / 5), y + random.Next(-dpi / 5, dpi / 5));
                    canvas.DrawLine(x, y, nx, ny, ink);
                    (x, y) = (nx, ny);
                }
            }

            using var blot = new SKPaint { Color = new SKColor(60, 60, 60), IsAntialias = true };
            for (var i = 0; i < 25; i++)
            {
                canvas.DrawCircle(random.Next(width), random.Next(height), random.Next(dpi / 10, dpi / 2), blot);
            }
        }

        return Png(bitmap);
    }

    /// <summary>A TIFF of the pages (PNG or JPEG scans), each a directory: RGB if any page is in colour, else grey; LZW-compressed, its resolution tagged.</summary>
    public static byte[] Tiff(IReadOnlyList<byte[]> pages, int dpi = 200)
    {
        using var output = new MemoryStream();
        using (var tiff = BitMiracle.LibTiff.Classic.Tiff.ClientOpen("scan.tif", "w", output, new BitMiracle.LibTiff.Classic.TiffStream())
            ?? throw new InvalidOperationException("LibTiff cannot write"))
        {
            for (var n = 0; n < pages.Count; n++)
            {
                using var bitmap = SKBitmap.Decode(pages[n]).Copy(SKColorType.Rgba8888);
                var colour = IsColour(bitmap);
                var samples = colour ? 3 : 1;
                tiff.SetField(BitMiracle.LibTiff.Classic.TiffTag.IMAGEWIDTH, bitmap.Width);
                tiff.SetField(BitMiracle.LibTiff.Classic.TiffTag.IMAGELENGTH, bitmap.Height);
                tiff.SetField(BitMiracle.LibTiff.Classic.TiffTag.BITSPERSAMPLE, 8);
                tiff.SetField(BitMiracle.LibTiff.Classic.TiffTag.SAMPLESPERPIXEL, samples);
                tiff.SetField(BitMiracle.LibTiff.Classic.TiffTag.PHOTOMETRIC, colour ? BitMiracle.LibTiff.Classic.Photometric.RGB : BitMiracle.LibTiff.Classic.Photometric.MINISBLACK);
                tiff.SetField(BitMiracle.LibTiff.Classic.TiffTag.PLANARCONFIG, BitMiracle.LibTiff.Classic.PlanarConfig.CONTIG);
                tiff.SetField(BitMiracle.LibTiff.Classic.TiffTag.COMPRESSION, BitMiracle.LibTiff.Classic.Compression.LZW);
                tiff.SetField(BitMiracle.LibTiff.Classic.TiffTag.ROWSPERSTRIP, 64);
                tiff.SetField(BitMiracle.LibTiff.Classic.TiffTag.XRESOLUTION, (double)dpi);
                tiff.SetField(BitMiracle.LibTiff.Classic.TiffTag.YRESOLUTION, (double)dpi);
                tiff.SetField(BitMiracle.LibTiff.Classic.TiffTag.RESOLUTIONUNIT, BitMiracle.LibTiff.Classic.ResUnit.INCH);
                tiff.SetField(BitMiracle.LibTiff.Classic.TiffTag.SUBFILETYPE, BitMiracle.LibTiff.Classic.FileType.PAGE);
                tiff.SetField(BitMiracle.LibTiff.Classic.TiffTag.PAGENUMBER, n, pages.Count);
                var pixels = bitmap.GetPixelSpan();
                var row = new byte[bitmap.Width * samples];
                for (var y = 0; y < bitmap.Height; y++)
                {
                    for (var x = 0; x < bitmap.Width; x++)
                    {
                        var at = (y * bitmap.RowBytes) + (x * 4);
                        if (colour)
                        {
                            (row[x * 3], row[(x * 3) + 1], row[(x * 3) + 2]) = (pixels[at], pixels[at + 1], pixels[at + 2]);
                        }
                        else
                        {
                            row[x] = pixels[at];
                        }
                    }

                    tiff.WriteScanline(row, y);
                }

                tiff.WriteDirectory();
            }
        }

        return output.ToArray();
    }

    /// <summary>A PDF of the pages (PNG or JPEG scans) as a scanner writes one: each page a letter-size sheet holding its image.</summary>
    public static byte[] Pdf(IReadOnlyList<byte[]> pages) => Pdf(pages.Count, 612, 792, (canvas, n) =>
    {
        using var image = SKImage.FromEncodedData(pages[n]);
        canvas.DrawImage(image, new SKRect(0, 0, 612, 792), new SKSamplingOptions(SKFilterMode.Linear));
    });

    /// <summary>A PDF of <paramref name="count"/> pages of the given size in points, each drawn by <paramref name="draw"/> (empty when null).</summary>
    public static byte[] Pdf(int count, float widthPoints, float heightPoints, Action<SKCanvas, int>? draw = null)
    {
        using var stream = new SKDynamicMemoryWStream();
        using (var document = SKDocument.CreatePdf(stream) ?? throw new InvalidOperationException("Skia cannot write PDF"))
        {
            for (var n = 0; n < count; n++)
            {
                var canvas = document.BeginPage(widthPoints, heightPoints);
                draw?.Invoke(canvas, n);
                document.EndPage();
            }

            document.Close();
        }

        using var data = stream.DetachAsData();
        return data.ToArray();
    }

    private static SKBitmap Draw(IReadOnlyList<string> lines, int dpi, float degrees, SKColorType type, SKColor paper, SKColor colour)
    {
        var width = (int)(8.5 * dpi);
        var height = 11 * dpi;
        var bitmap = new SKBitmap(width, height, type, SKAlphaType.Opaque);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(paper);
        canvas.RotateDegrees(degrees, width / 2f, height / 2f);
        using var typeface = SKTypeface.FromFile(Font) ?? throw new InvalidOperationException($"{Font} is missing: install fonts-dejavu-core");
        using var font = new SKFont(typeface, dpi * 0.16f);
        using var ink = new SKPaint { Color = colour, IsAntialias = true };
        var y = dpi * 1.2f;
        foreach (var line in lines)
        {
            canvas.DrawText(line, dpi * 0.9f, y, SKTextAlign.Left, font, ink);
            y += dpi * 0.32f;
        }

        return bitmap;
    }

    private static bool IsColour(SKBitmap rgba)
    {
        var pixels = rgba.GetPixelSpan();
        for (var i = 0; i < pixels.Length; i += 4 * 97)
        {
            if (pixels[i] != pixels[i + 1] || pixels[i + 1] != pixels[i + 2])
            {
                return true;
            }
        }

        return false;
    }

    private static byte[] Png(SKBitmap bitmap)
    {
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
