using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using BitMiracle.LibTiff.Classic;
using Landplatform.Cadastre.Contracts;
using SkiaSharp;

namespace Landplatform.Integrations.Deeds;

/// <summary>One page of an uploaded scan file, ready to store: a PNG or JPEG and what the quality check measured.</summary>
public sealed record ScanPage(byte[] Image, PageQuality Quality);

/// <summary>An uploaded scan file (a PNG, a JPEG, or a multi-page TIFF or PDF) and its pages.</summary>
/// <param name="Container">True for a TIFF or PDF: the file itself is kept in <c>deeds.scan_files</c> and each page is stored as a PNG made from it.</param>
public sealed record ScanFile(string MediaType, byte[] Content, bool Container, IReadOnlyList<ScanPage> Pages);

/// <summary>
/// Reads what the office's scanners write: a PNG or JPEG is one page; a TIFF (LibTiff.NET) or PDF (Debian's poppler
/// <c>pdftoppm</c>, run without a shell under <c>prlimit</c> and a timeout, in a private temporary folder) is a page per
/// TIFF directory or PDF page, each turned into a PNG. Every declared size is checked before any pixel is decoded —
/// at most <see cref="MaxFilePages"/> pages and <see cref="MaxPagePixels"/> pixels a page — so a small file claiming a
/// vast image or thousands of pages is refused unread, with the rule it broke.
/// </summary>
public static partial class DeedScanFiles
{
    /// <summary>Pages one TIFF or PDF may hold: a deed (with its plans and schedules) is far fewer; a whole book is split.</summary>
    public const int MaxFilePages = 200;

    /// <summary>Pixels a TIFF or PDF page may decode to: a 600 dpi legal page is 34 megapixels.</summary>
    public const long MaxPagePixels = 40_000_000;

    /// <summary>PDF pages are rendered at this resolution: the archive's and Tesseract's preferred 300 dpi.</summary>
    public const int PdfDpi = 300;

    private const string Poppler = "/usr/bin";
    private static readonly TimeSpan PopplerTimeout = TimeSpan.FromMinutes(5);

    // LibTiff reports through a process-wide handler: make every error an exception, so a damaged file is refused, never half read.
    static DeedScanFiles() => Tiff.SetErrorHandler(new RefusingTiffErrors());

    /// <summary>Checks, decodes and measures an upload; a bad file is refused naming the rule, and nothing is written anywhere.</summary>
    public static async Task<ScanFile> ReadAsync(byte[] bytes, CancellationToken ct)
    {
        var media = DeedPages.MediaType(bytes);
        switch (media)
        {
            case "image/tiff":
                return new ScanFile(media, bytes, true, TiffPages(bytes).Select(Page).ToList());
            case "application/pdf":
                return new ScanFile(media, bytes, true, (await PdfPagesAsync(bytes, ct)).Select(Page).ToList());
            default:
                return new ScanFile(media, bytes, false, [new ScanPage(bytes, DeedPages.Measure(bytes))]);
        }
    }

    private static ScanPage Page(byte[] png) => new(png, DeedPages.Measure(png));

    /// <summary>Each directory of the TIFF as a PNG, colour kept (LibTiff's RGBA reader handles every photometric the office's scanners write).</summary>
    internal static List<byte[]> TiffPages(byte[] bytes)
    {
        try
        {
            using var tiff = Tiff.ClientOpen("scan", "r", new MemoryStream(bytes, writable: false), new TiffStream())
                ?? throw Unreadable("The TIFF cannot be opened.");
            var count = tiff.NumberOfDirectories();
            if (count > MaxFilePages)
            {
                throw new InvalidParameterException("file", "scan-pages", $"The TIFF holds {count} pages: a scan file is at most {MaxFilePages} pages (split the book).");
            }

            var sizes = new List<(int Width, int Height)>();
            for (short page = 0; page < count; page++)
            {
                if (!tiff.SetDirectory(page))
                {
                    throw Unreadable($"Page {page + 1} of the TIFF cannot be read.");
                }

                var width = tiff.GetField(TiffTag.IMAGEWIDTH)?[0].ToInt() ?? 0;
                var height = tiff.GetField(TiffTag.IMAGELENGTH)?[0].ToInt() ?? 0;
                CheckSize(width, height, $"Page {page + 1} of the TIFF");
                sizes.Add((width, height));
            }

            var pages = new List<byte[]>();
            for (short page = 0; page < count; page++)
            {
                tiff.SetDirectory(page);
                var (width, height) = sizes[page];
                var raster = new int[width * height];
                if (!tiff.ReadRGBAImageOriented(width, height, raster, Orientation.TOPLEFT, true))
                {
                    throw Unreadable($"Page {page + 1} of the TIFF cannot be decoded.");
                }

                // LibTiff packs each pixel as A·B·G·R from the high byte: in memory on a little-endian machine that is R, G, B, A.
                using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
                var target = bitmap.GetPixels();
                for (var row = 0; row < height; row++)
                {
                    Marshal.Copy(raster, row * width, target + (row * bitmap.RowBytes), width);
                }

                using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
                pages.Add(png.ToArray());
            }

            return pages;
        }
        catch (Exception e) when (e is not RequestRejectedException and not OutOfMemoryException)
        {
            // A hostile or damaged file makes LibTiff fail in many ways; each is the same refusal to the clerk.
            throw Unreadable($"The TIFF is damaged or truncated ({e.Message}).");
        }
    }

    /// <summary>The PDF's pages rendered by pdftoppm, after pdfinfo has told their number and sizes.</summary>
    private static async Task<List<byte[]>> PdfPagesAsync(byte[] bytes, CancellationToken ct)
    {
        var folder = Directory.CreateTempSubdirectory("lp-pdf-");
        try
        {
            var input = Path.Combine(folder.FullName, "scan.pdf");
            await File.WriteAllBytesAsync(input, bytes, ct);
            var (code, info) = await PopplerAsync(folder.FullName, "pdfinfo", [input], ct);
            if (code != 0 || PageCount().Match(info) is not { Success: true } counted)
            {
                throw Unreadable("The file starts like a PDF but poppler cannot read it as one.");
            }

            var count = int.Parse(counted.Groups[1].Value, CultureInfo.InvariantCulture);
            if (count > MaxFilePages)
            {
                throw new InvalidParameterException("file", "scan-pages", $"The PDF holds {count} pages: a scan file is at most {MaxFilePages} pages (split the book).");
            }

            if (count == 0)
            {
                throw Unreadable("The PDF has no pages.");
            }

            var (sizedCode, sized) = await PopplerAsync(folder.FullName, "pdfinfo", ["-f", "1", "-l", count.ToString(CultureInfo.InvariantCulture), input], ct);
            var sizes = PageSize().Matches(sized);
            if (sizedCode != 0 || sizes.Count != count)
            {
                throw Unreadable("The PDF's page sizes cannot be read.");
            }

            foreach (Match size in sizes)
            {
                var width = double.Parse(size.Groups[2].Value, CultureInfo.InvariantCulture) / 72 * PdfDpi;
                var height = double.Parse(size.Groups[3].Value, CultureInfo.InvariantCulture) / 72 * PdfDpi;
                CheckSize(width, height, $"Page {size.Groups[1].Value} of the PDF at {PdfDpi} dpi");
            }

            var output = Directory.CreateDirectory(Path.Combine(folder.FullName, "pages"));
            var (renderCode, errors) = await PopplerAsync(folder.FullName, "pdftoppm",
                ["-r", PdfDpi.ToString(CultureInfo.InvariantCulture), "-png", "-f", "1", "-l", count.ToString(CultureInfo.InvariantCulture), input, Path.Combine(output.FullName, "page")], ct);
            var files = output.GetFiles("page-*.png").OrderBy(f => f.Name.Length).ThenBy(f => f.Name, StringComparer.Ordinal).ToList();
            if (renderCode != 0 || files.Count != count)
            {
                throw Unreadable($"The PDF's pages cannot be rendered ({errors.Trim()}).");
            }

            var pages = new List<byte[]>();
            foreach (var file in files)
            {
                pages.Add(await File.ReadAllBytesAsync(file.FullName, ct));
            }

            return pages;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Runs a poppler tool with no shell, an empty environment, and limits on memory (1 GiB), CPU time (120 s), the size
    /// of any file it writes (256 MiB) and wall-clock time: a hostile PDF costs at most that.
    /// </summary>
    internal static async Task<(int ExitCode, string Output)> PopplerAsync(string folder, string tool, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo("/usr/bin/prlimit")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder,
        };
        foreach (var argument in (string[])["--as=1073741824", "--cpu=120", "--fsize=268435456", "--core=0", "--", Path.Combine(Poppler, tool), .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";
        start.Environment["HOME"] = folder;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(PopplerTimeout);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (ct.IsCancellationRequested)
            {
                throw;
            }

            throw new InvalidParameterException("file", "scan-time", $"Reading the PDF took longer than {PopplerTimeout.TotalMinutes:0} minutes: it is refused.");
        }

        return (process.ExitCode, (await output) + (await errors));
    }

    private static void CheckSize(double width, double height, string what)
    {
        if (width < 1 || height < 1 || width * height > MaxPagePixels)
        {
            throw new InvalidParameterException("file", "page-size",
                $"{what} claims {width:0} × {height:0} pixels: a page is at most {MaxPagePixels / 1_000_000} megapixels.");
        }
    }

    private static InvalidParameterException Unreadable(string detail) => new("file", "page-unreadable", detail);

    [GeneratedRegex(@"^Pages:\s+(\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex PageCount();

    [GeneratedRegex(@"^Page\s+(\d+)\s+size:\s+([0-9.]+)\s+x\s+([0-9.]+)\s+pts", RegexOptions.Multiline)]
    private static partial Regex PageSize();

    private sealed class RefusingTiffErrors : TiffErrorHandler
    {
        public override void ErrorHandler(Tiff tif, string method, string format, params object[] args) =>
            throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture, format, args));

        public override void ErrorHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args)
        {
        }

        public override void WarningHandler(Tiff tif, string method, string format, params object[] args)
        {
        }

        public override void WarningHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args)
        {
        }
    }
}
