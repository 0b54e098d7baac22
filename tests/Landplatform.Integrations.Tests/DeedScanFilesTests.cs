using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Landplatform.Testing;
using SkiaSharp;
using static Landplatform.Integrations.Tests.CivicScenario;

namespace Landplatform.Integrations.Tests;

/// <summary>
/// Scans as the offices make them — multi-page TIFF and PDF beside PNG and JPEG — stored a page each and read by
/// OCR as a PNG is (colour included); hostile files refused by the rule they break with nothing stored; and the OCR's
/// outputs kept beside the scan: each page's text and a searchable PDF of the page and of the whole deed.
/// </summary>
public sealed partial class DeedScanFilesTests(CivicServer server) : IClassFixture<CivicServer>
{
    private static readonly SKColor Cream = new(247, 238, 214);
    private static readonly SKColor BlueBlack = new(28, 36, 110);
    private readonly CivicScenario civic = new(server);

    private static readonly string[] Typed =
    [
        "THIS INDENTURE made the ninth day of March 1958",
        "BETWEEN ALPHONSO CHARLES of Barrouallie fisherman",
        "AND GERTRUDE MCINTOSH of Georgetown seamstress",
        "WITNESSETH that the vendor conveys the arrowroot field",
        "called Wallilabou Heights with the cocoa house thereon",
    ];

    [Fact]
    public async Task Colour_TIFF_and_PDF_scans_are_stored_a_page_each_and_read_as_the_same_page_in_PNG_is()
    {
        var png = await DeedAsync("7101/1958", 1);
        var tiff = await DeedAsync("7102/1958", 2);
        var pdf = await DeedAsync("7103/1958", 3);

        var stored = Ok(await StoreAsync(png, DeedScanMaker.ColourPage(Typed, Cream, BlueBlack), "page.png"), 201);
        Assert.Equal("image/png", stored.GetProperty("mediaType").GetString());

        // The same page scanned on another day (the paper a shade different), in a two-page TIFF and a two-page PDF.
        var tiffFile = DeedScanMaker.Tiff([DeedScanMaker.ColourPage(Typed, new SKColor(246, 238, 214), BlueBlack), DeedScanMaker.Page(["the schedule names the nutmeg drying shed at Spring Village"])]);
        var filed = Ok(await StoreAsync(tiff, tiffFile, "deed.tif"), 201);
        Assert.Equal("image/tiff", filed.GetProperty("mediaType").GetString());
        Assert.Equal(Sha256(tiffFile), filed.GetProperty("sha256").GetString());
        Assert.Equal([1, 2], filed.GetProperty("pages").EnumerateArray().Select(p => p.GetProperty("pageNumber").GetInt32()));
        Assert.All(filed.GetProperty("pages").EnumerateArray(), p => Assert.Equal("image/png", p.GetProperty("mediaType").GetString()));
        Assert.Equal(200, filed.GetProperty("pages")[0].GetProperty("dpi").GetInt32());
        Assert.Equal(2, filed.GetProperty("pages")[1].GetProperty("sourcePage").GetInt32());

        // The whole deed's searchable PDF waits until every page is read.
        Problem(await civic.GetAsync($"/api/deeds/{tiff}/searchable.pdf", "notary"), 409, "ocr-pending");

        var pdfFile = DeedScanMaker.Pdf([DeedScanMaker.ColourPage(Typed, new SKColor(247, 237, 214), BlueBlack), DeedScanMaker.Page(["a plan of the soursop grove drawn by the surveyor"])]);
        var rendered = Ok(await StoreAsync(pdf, pdfFile, "deed.pdf"), 201);
        Assert.Equal("application/pdf", rendered.GetProperty("mediaType").GetString());
        Assert.Equal(2, rendered.GetProperty("pages").GetArrayLength());
        Assert.Equal(300, rendered.GetProperty("pages")[0].GetProperty("dpi").GetInt32());
        Assert.Empty(rendered.GetProperty("pages")[0].GetProperty("quality").EnumerateArray());

        // The same file twice is refused, and the page count did not move.
        Problem(await StoreAsync(pdf, pdfFile, "again.pdf"), 409, "page-stored");
        Assert.Equal(2, Ok(await civic.GetAsync($"/api/deeds/{pdf}/pages", "registrar")).GetArrayLength());

        // Two blank separator sheets render alike: a file's pages are stored once as that file, so both are kept, flagged blank.
        var separators = Ok(await StoreAsync(pdf, DeedScanMaker.Pdf([DeedScanMaker.Blank(), DeedScanMaker.Blank()]), "separators.pdf"), 201);
        Assert.Equal([3, 4], separators.GetProperty("pages").EnumerateArray().Select(p => p.GetProperty("pageNumber").GetInt32()));
        Assert.All(separators.GetProperty("pages").EnumerateArray(), p => Assert.Equal(["blank"], p.GetProperty("quality").EnumerateArray().Select(q => q.GetString())));

        foreach (var deed in new[] { png, tiff, pdf })
        {
            await Until(async () => Ok(await civic.GetAsync($"/api/deeds/{deed}/pages", "registrar")).EnumerateArray().All(p => p.GetProperty("ocrState").GetString() is "done" or "failed"),
                "OCR of the deed's pages", TimeSpan.FromMinutes(5));
        }

        var fromPng = Words(await TextAsync(png, 1));
        Assert.Contains("wallilabou", fromPng);
        Assert.Contains("arrowroot", fromPng);
        Assert.Equal(fromPng, Words(await TextAsync(tiff, 1)));
        Assert.Equal(fromPng, Words(await TextAsync(pdf, 1)));
        Assert.Contains("nutmeg", Words(await TextAsync(tiff, 2)));
        Assert.Contains("soursop", Words(await TextAsync(pdf, 2)));

        // Found by a word that only a second page holds.
        Assert.Contains(Ok(await civic.GetAsync("/api/deeds?text=nutmeg", "notary")).EnumerateArray(), d => d.GetProperty("id").GetGuid() == tiff);
        Assert.Contains(Ok(await civic.GetAsync("/api/deeds?text=soursop", "notary")).EnumerateArray(), d => d.GetProperty("id").GetGuid() == pdf);

        // The searchable PDF of a page holds its words; that of the deed holds every page, in order.
        var (status, type, page) = await RawAsync($"/api/deeds/{pdf}/pages/2/searchable.pdf", "notary");
        Assert.Equal((200, "application/pdf"), (status, type));
        Assert.Contains("soursop", Words(await PdfTextAsync(page)));
        Assert.Matches(@"(?m)^Pages:\s+4$", await PopplerAsync("pdfinfo", (await RawAsync($"/api/deeds/{pdf}/searchable.pdf", "notary")).Body));
        var (deedStatus, _, whole) = await RawAsync($"/api/deeds/{tiff}/searchable.pdf", "notary");
        Assert.Equal(200, deedStatus);
        var wholeText = await PdfTextAsync(whole);
        Assert.Matches(@"(?m)^Pages:\s+2$", await PopplerAsync("pdfinfo", whole));
        Assert.True(wholeText.IndexOf("Wallilabou", StringComparison.OrdinalIgnoreCase) < wholeText.IndexOf("nutmeg", StringComparison.OrdinalIgnoreCase), wholeText);
        Assert.Contains("arrowroot", Words(wholeText));

        // Read as the deed's scans are read: registry readers only.
        Assert.Equal(403, (await RawAsync($"/api/deeds/{png}/pages/1/text", "citizen")).Status);
        Assert.Equal(401, (await RawAsync($"/api/deeds/{png}/pages/1/searchable.pdf", null)).Status);
        Assert.Equal(403, (await RawAsync($"/api/deeds/{png}/searchable.pdf", "citizen")).Status);
        Problem(await civic.GetAsync($"/api/deeds/{png}/pages/9/text", "notary"), 404, "page-unknown");

        var verification = Ok(await civic.GetAsync("/api/deeds/journal/verification", "registrar"));
        Assert.True(verification.GetProperty("intact").GetBoolean(), verification.ToString());
        Assert.Equal(3L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM deeds.journal WHERE kind = 'scan-file'"));
    }

    [Fact]
    public async Task Hostile_TIFF_and_PDF_files_are_refused_naming_the_rule_and_store_nothing()
    {
        var deed = await DeedAsync("7201/1961", 10);
        const string Count = "SELECT (SELECT count(*) FROM deeds.pages) + (SELECT count(*) FROM deeds.scan_files) + (SELECT count(*) FROM deeds.journal)";
        var before = await server.Database.ScalarAsync<long>(Count);

        // A TIFF of a few hundred bytes declaring 100,000 × 100,000 pixels: refused from its header, nothing decoded.
        Problem(await StoreAsync(deed, VastTiffHeader(), "bomb.tif"), 400, "page-size", "file");

        // A TIFF cut short in transfer.
        var whole = DeedScanMaker.Tiff([DeedScanMaker.Page(Typed), DeedScanMaker.Page(["a second page"])]);
        Problem(await StoreAsync(deed, whole[..(whole.Length / 2)], "cut.tif"), 400, "page-unreadable", "file");

        // More pages in one file than a deed has.
        var speck = DeedScanMaker.Page(["x"], dpi: 10);
        Problem(await StoreAsync(deed, DeedScanMaker.Tiff(Enumerable.Repeat(speck, 201).ToList(), dpi: 10), "book.tif"), 400, "scan-pages", "file");
        Problem(await StoreAsync(deed, DeedScanMaker.Pdf(3000, 612, 792), "book.pdf"), 400, "scan-pages", "file");

        // A PDF page of 200 × 200 inches (the format's largest), which would render to 3.6 gigapixels.
        Problem(await StoreAsync(deed, DeedScanMaker.Pdf(1, 14400, 14400), "poster.pdf"), 400, "page-size", "file");

        // Something that says it is a PDF and is not; something that is not a scan at all.
        Problem(await StoreAsync(deed, "%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage"u8.ToArray(), "fake.pdf"), 400, "page-unreadable", "file");
        Problem(await StoreAsync(deed, "GIF89a\u0001\u0000\u0001\u0000"u8.ToArray(), "scan.gif"), 400, "page-format", "file");

        Assert.Equal(before, await server.Database.ScalarAsync<long>(Count));
        Assert.Empty(Ok(await civic.GetAsync($"/api/deeds/{deed}/pages", "registrar")).EnumerateArray());
    }

    private async Task<Guid> DeedAsync(string number, int parcel)
    {
        var upi = await server.Database.ScalarAsync<string>("SELECT upi FROM cadastre.parcel_versions WHERE status = 'current' ORDER BY upi OFFSET @n LIMIT 1", ("n", 6000 + parcel));
        var deed = Ok(await civic.PostAsync("/api/deeds", "registrar", new
        {
            registrationNumber = number, registeredOn = "1958-03-20", instrumentDate = "1958-03-09", instrumentType = "conveyance",
            grantors = new[] { "Alphonso Charles" }, grantees = new[] { "Gertrude McIntosh" }, landDescription = "The arrowroot field called Wallilabou Heights",
            upis = new[] { upi }, consideration = 640m,
        }), 201);
        return deed.GetProperty("id").GetGuid();
    }

    private Task<(int Status, JsonElement Body)> StoreAsync(Guid deed, byte[] file, string name)
    {
        var form = new MultipartFormDataContent { { new ByteArrayContent(file), "file", name } };
        return civic.PostFormAsync($"/api/deeds/{deed}/pages", "registrar", form);
    }

    private async Task<string> TextAsync(Guid deed, int page)
    {
        var (status, type, body) = await RawAsync($"/api/deeds/{deed}/pages/{page}/text", "notary");
        Assert.Equal((200, "text/plain"), (status, type));
        return System.Text.Encoding.UTF8.GetString(body);
    }

    private async Task<(int Status, string? Type, byte[] Body)> RawAsync(string path, string? role)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (role is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await civic.TokenAsync(role));
        }

        using var response = await server.Client.SendAsync(request);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsByteArrayAsync());
    }

    // The words of a text, lower-cased, in order: what a reader of the OCR sees, without its line breaks.
    private static List<string> Words(string text) => [.. WordPattern().Matches(text.ToLowerInvariant()).Select(m => m.Value)];

    private static Task<string> PdfTextAsync(byte[] pdf) => PopplerAsync("pdftotext", pdf, "-");

    private static async Task<string> PopplerAsync(string tool, byte[] pdf, params string[] after)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("lp-test-pdf-").FullName, "file.pdf");
        await File.WriteAllBytesAsync(path, pdf);
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(path);
        foreach (var argument in after)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        return output;
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    // A little-endian TIFF whose only directory declares 100,000 × 100,000 grey pixels in one 16-byte strip.
    private static byte[] VastTiffHeader()
    {
        (ushort Tag, ushort Type, uint Value)[] entries =
        [
            (256, 4, 100_000), (257, 4, 100_000), (258, 3, 8), (259, 3, 1), (262, 3, 1), (273, 4, 8 + 2 + (9 * 12) + 4), (277, 3, 1), (278, 4, 100_000), (279, 4, 16),
        ];
        var tiff = new List<byte> { 0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0, (byte)entries.Length, 0 };
        foreach (var (tag, type, value) in entries)
        {
            tiff.AddRange(BitConverter.GetBytes(tag));
            tiff.AddRange(BitConverter.GetBytes(type));
            tiff.AddRange(BitConverter.GetBytes(1u));
            tiff.AddRange(type == 3 ? [.. BitConverter.GetBytes((ushort)value), 0, 0] : BitConverter.GetBytes(value));
        }

        tiff.AddRange(BitConverter.GetBytes(0u));
        tiff.AddRange(new byte[16]);
        return [.. tiff];
    }

    [GeneratedRegex("[a-z0-9]+")]
    private static partial Regex WordPattern();
}
