using System.Security.Cryptography;
using Landplatform.Cadastre.Contracts;
using Npgsql;
using SkiaSharp;

namespace Landplatform.Integrations.Deeds;

/// <summary>A stored page: its checksum, size, estimated resolution, what the quality check flagged, and the TIFF or PDF it came from.</summary>
public sealed record DeedPageView(Guid DeedId, int PageNumber, string Sha256, string MediaType, int Width, int Height, int Dpi,
    IReadOnlyList<string> Quality, string OcrState, float? OcrConfidence, int OcrWords, string? SourceSha256 = null, int? SourcePage = null, string? SourceMediaType = null);

/// <summary>What the quality check measured on a scan.</summary>
public sealed record PageQuality(int Width, int Height, int Dpi, double Ink, double SkewDegrees, IReadOnlyList<string> Flags);

/// <summary>
/// The scanned pages of recorded deeds: each upload checked (a PNG, JPEG, TIFF or PDF by its bytes, at most 50 MiB,
/// each page at most 120 megapixels, decoded before anything is stored; <see cref="DeedScanFiles"/>), measured for the quality check — resolution, blank, skew — and
/// stored once (its SHA-256 unique across the register) with its journal entry, then queued for OCR.
/// </summary>
public sealed class DeedPages(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const long MaxPageBytes = 50L * 1024 * 1024;
    private const long MaxPixels = 120_000_000;

    /// <summary>The office's deeds are on legal paper, 8.5 inches wide: a scan's resolution is its width over that.</summary>
    public const double PageWidthInches = 8.5;

    /// <summary>Below this a scan is flagged for rescanning: OCR and the archive need 200 dpi.</summary>
    public const int MinimumDpi = 200;

    /// <summary>Stores an upload: one page for a PNG or JPEG, a page per TIFF directory or PDF page (the file itself kept beside them).</summary>
    public async Task<List<DeedPageView>> StoreAsync(Guid deedId, int? pageNumber, Stream upload, string clerk, CancellationToken ct)
    {
        var bytes = await ReadLimitedAsync(upload, ct);
        return await StoreScanAsync(deedId, pageNumber, await DeedScanFiles.ReadAsync(bytes, ct), clerk, ct);
    }

    /// <summary>
    /// Stores a scan file already read and measured (<see cref="DeedScanFiles.ReadAsync"/>): all its pages, the file
    /// itself when it is a TIFF or PDF, and their journal entries in one transaction — a page refused stores nothing.
    /// </summary>
    internal async Task<List<DeedPageView>> StoreScanAsync(Guid deedId, int? pageNumber, ScanFile scan, string clerk, CancellationToken ct)
    {
        if (scan.Content.LongLength > MaxPageBytes)
        {
            throw new InvalidParameterException("file", "page-size", $"A scan file is at most {MaxPageBytes / 1024 / 1024} MiB.");
        }

        var fileSha = Convert.ToHexStringLower(SHA256.HashData(scan.Content));
        var now = DeedBook.Micro(clock.GetUtcNow());
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await DeedBook.RequireDeedAsync(connection, deedId, ct);
        await using (var lockDeed = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('deeds.pages:' || @id::text))", connection))
        {
            lockDeed.Parameters.AddWithValue("id", deedId);
            await lockDeed.ExecuteNonQueryAsync(ct);
        }

        if (scan.Container)
        {
            await using var existing = new NpgsqlCommand("SELECT deed_id, first_page FROM deeds.scan_files WHERE sha256 = @sha", connection);
            existing.Parameters.AddWithValue("sha", fileSha);
            await using var row = await existing.ExecuteReaderAsync(ct);
            if (await row.ReadAsync(ct))
            {
                throw new DomainRuleViolationException("page-stored", $"This scan file (SHA-256 {fileSha}) is already stored from page {row.GetInt32(1)} of deed {row.GetGuid(0)}: a scan is stored once.");
            }
        }

        var shas = scan.Pages.Select(p => Convert.ToHexStringLower(SHA256.HashData(p.Image))).ToList();

        // A PNG or JPEG is checked against every page; a TIFF's or PDF's pages were checked as its file above.
        if (!scan.Container)
        {
            await using var existing = new NpgsqlCommand("SELECT sha256, deed_id, page_number FROM deeds.pages WHERE sha256 = ANY(@shas) LIMIT 1", connection);
            existing.Parameters.AddWithValue("shas", shas.ToArray());
            await using var row = await existing.ExecuteReaderAsync(ct);
            if (await row.ReadAsync(ct))
            {
                throw new DomainRuleViolationException("page-stored", $"This scan (SHA-256 {row.GetString(0)}) is already page {row.GetInt32(2)} of deed {row.GetGuid(1)}: a scan is stored once.");
            }
        }

        int first;
        await using (var next = new NpgsqlCommand("SELECT coalesce(max(page_number), 0) + 1 FROM deeds.pages WHERE deed_id = @id", connection))
        {
            next.Parameters.AddWithValue("id", deedId);
            first = (int)(await next.ExecuteScalarAsync(ct))!;
        }

        if (pageNumber is { } wanted && wanted != first)
        {
            throw new InvalidParameterException("page", "page-number", $"The deed has {first - 1} page(s): the next one stored is page {first}.");
        }

        if (scan.Container)
        {
            await using var file = new NpgsqlCommand("""
                INSERT INTO deeds.scan_files (sha256, deed_id, media_type, content, first_page, page_count, stored_at, stored_by)
                VALUES (@sha, @id, @media, @content, @first, @count, @now, @clerk)
                """, connection);
            file.Parameters.AddWithValue("sha", fileSha);
            file.Parameters.AddWithValue("id", deedId);
            file.Parameters.AddWithValue("media", scan.MediaType);
            file.Parameters.AddWithValue("content", scan.Content);
            file.Parameters.AddWithValue("first", first);
            file.Parameters.AddWithValue("count", scan.Pages.Count);
            file.Parameters.AddWithValue("now", now);
            file.Parameters.AddWithValue("clerk", clerk);
            await file.ExecuteNonQueryAsync(ct);
            await DeedsJournal.AppendAsync(connection, "scan-file", deedId, DeedsJournal.ScanFiled(deedId, fileSha, scan.MediaType, first, scan.Pages.Count, now, clerk), now, ct);
        }

        for (var i = 0; i < scan.Pages.Count; i++)
        {
            var (image, quality) = (scan.Pages[i].Image, scan.Pages[i].Quality);
            var number = first + i;
            await using (var insert = new NpgsqlCommand("""
                INSERT INTO deeds.pages (deed_id, page_number, sha256, media_type, content, width, height, dpi, quality, stored_at, stored_by, ocr_state, source_sha256, source_page)
                VALUES (@id, @n, @sha, @media, @content, @w, @h, @dpi, @quality, @now, @clerk, 'queued', @source, @sourcePage)
                """, connection))
            {
                insert.Parameters.AddWithValue("id", deedId);
                insert.Parameters.AddWithValue("n", number);
                insert.Parameters.AddWithValue("sha", shas[i]);
                insert.Parameters.AddWithValue("media", scan.Container ? "image/png" : scan.MediaType);
                insert.Parameters.AddWithValue("content", image);
                insert.Parameters.AddWithValue("w", quality.Width);
                insert.Parameters.AddWithValue("h", quality.Height);
                insert.Parameters.AddWithValue("dpi", quality.Dpi);
                insert.Parameters.AddWithValue("quality", quality.Flags.ToArray());
                insert.Parameters.AddWithValue("now", now);
                insert.Parameters.AddWithValue("clerk", clerk);
                insert.Parameters.Add(new NpgsqlParameter<string?>("source", scan.Container ? fileSha : null));
                insert.Parameters.Add(new NpgsqlParameter<int?>("sourcePage", scan.Container ? i + 1 : null));
                await insert.ExecuteNonQueryAsync(ct);
            }

            await DeedsJournal.AppendAsync(connection, "page", deedId, DeedsJournal.Paged(deedId, number, shas[i], now, clerk), now, ct);
        }

        await using (var notify = new NpgsqlCommand("SELECT pg_notify('lp_deeds_ocr', '')", connection))
        {
            await notify.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return (await ListAsync(deedId, ct)).Where(p => p.PageNumber >= first && p.PageNumber < first + scan.Pages.Count).ToList();
    }

    public async Task<List<DeedPageView>> ListAsync(Guid deedId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT g.deed_id, g.page_number, g.sha256, g.media_type, g.width, g.height, g.dpi, g.quality, g.ocr_state, g.ocr_confidence,
                   coalesce(array_length(regexp_split_to_array(nullif(trim(g.ocr_text), ''), '\s+'), 1), 0), g.source_sha256, g.source_page, f.media_type
            FROM deeds.pages g LEFT JOIN deeds.scan_files f ON f.sha256 = g.source_sha256 WHERE g.deed_id = @id ORDER BY g.page_number
            """);
        command.Parameters.AddWithValue("id", deedId);
        var pages = new List<DeedPageView>();
        await using var rows = await command.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
        {
            pages.Add(new DeedPageView(rows.GetGuid(0), rows.GetInt32(1), rows.GetString(2), rows.GetString(3), rows.GetInt32(4), rows.GetInt32(5), rows.GetInt32(6),
                rows.GetFieldValue<string[]>(7), rows.GetString(8), rows.IsDBNull(9) ? null : rows.GetFloat(9), rows.GetInt32(10),
                rows.IsDBNull(11) ? null : rows.GetString(11), rows.IsDBNull(12) ? null : rows.GetInt32(12), rows.IsDBNull(13) ? null : rows.GetString(13)));
        }

        return pages;
    }

    /// <summary>A page's scan as stored, for download.</summary>
    public async Task<(byte[] Content, string MediaType)> ContentAsync(Guid deedId, int page, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT content, media_type FROM deeds.pages WHERE deed_id = @id AND page_number = @n");
        command.Parameters.AddWithValue("id", deedId);
        command.Parameters.AddWithValue("n", page);
        await using var row = await command.ExecuteReaderAsync(ct);
        return await row.ReadAsync(ct)
            ? ((byte[])row[0], row.GetString(1))
            : throw new ResourceNotFoundException("page-unknown", $"Deed {deedId} has no page {page}.");
    }

    /// <summary>A page's OCR text as Tesseract read it, line by line; refused while the page waits for OCR.</summary>
    public async Task<string> TextAsync(Guid deedId, int page, CancellationToken ct) =>
        (await OcrOutputAsync<string>(deedId, page, "ocr_text", ct))!;

    /// <summary>A page's searchable PDF (its image with the OCR's words as invisible text); refused while the page waits for OCR.</summary>
    public async Task<byte[]> SearchablePdfAsync(Guid deedId, int page, CancellationToken ct) =>
        await OcrOutputAsync<byte[]>(deedId, page, "ocr_pdf", ct)
        ?? throw new DomainRuleViolationException("ocr-pending", $"Page {page} of deed {deedId} was read before searchable PDFs were kept: it has its text only.");

    /// <summary>The whole deed as one searchable PDF, its pages' PDFs joined in order by poppler's pdfunite (sandboxed like pdftoppm).</summary>
    public async Task<byte[]> DeedSearchablePdfAsync(Guid deedId, CancellationToken ct)
    {
        var pdfs = new List<(int Page, byte[]? Pdf)>();
        await using (var command = dataSource.CreateCommand("SELECT page_number, CASE WHEN ocr_state = 'done' THEN ocr_pdf END FROM deeds.pages WHERE deed_id = @id ORDER BY page_number"))
        {
            command.Parameters.AddWithValue("id", deedId);
            await using var rows = await command.ExecuteReaderAsync(ct);
            while (await rows.ReadAsync(ct))
            {
                pdfs.Add((rows.GetInt32(0), rows.IsDBNull(1) ? null : (byte[])rows[1]));
            }
        }

        if (pdfs.Count == 0)
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await DeedBook.RequireDeedAsync(connection, deedId, ct);
            throw new ResourceNotFoundException("page-unknown", $"Deed {deedId} has no scanned page yet.");
        }

        var waiting = pdfs.Where(p => p.Pdf is null).Select(p => p.Page).ToList();
        if (waiting.Count > 0)
        {
            throw new DomainRuleViolationException("ocr-pending", $"Page(s) {string.Join(", ", waiting)} of deed {deedId} have no searchable PDF yet (OCR queued, running or failed).");
        }

        if (pdfs.Count == 1)
        {
            return pdfs[0].Pdf!;
        }

        var folder = Directory.CreateTempSubdirectory("lp-deed-pdf-");
        try
        {
            var names = new List<string>();
            foreach (var (page, pdf) in pdfs)
            {
                var name = Path.Combine(folder.FullName, $"page-{page:00000}.pdf");
                await File.WriteAllBytesAsync(name, pdf!, ct);
                names.Add(name);
            }

            var joined = Path.Combine(folder.FullName, "deed.pdf");
            var (code, errors) = await DeedScanFiles.PopplerAsync(folder.FullName, "pdfunite", [.. names, joined], ct);
            return code == 0 ? await File.ReadAllBytesAsync(joined, ct) : throw new InvalidOperationException($"pdfunite exited with {code}: {errors}");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private async Task<T?> OcrOutputAsync<T>(Guid deedId, int page, string column, CancellationToken ct)
        where T : class
    {
        await using var command = dataSource.CreateCommand($"SELECT ocr_state, {column} FROM deeds.pages WHERE deed_id = @id AND page_number = @n");
        command.Parameters.AddWithValue("id", deedId);
        command.Parameters.AddWithValue("n", page);
        await using var row = await command.ExecuteReaderAsync(ct);
        if (!await row.ReadAsync(ct))
        {
            throw new ResourceNotFoundException("page-unknown", $"Deed {deedId} has no page {page}.");
        }

        return row.GetString(0) == "done"
            ? row.IsDBNull(1) ? null : row.GetFieldValue<T>(1)
            : throw new DomainRuleViolationException("ocr-pending", $"Page {page} of deed {deedId} has not been read yet (OCR {row.GetString(0)}).");
    }

    /// <summary>PNG, JPEG, TIFF (classic or big) or PDF, known by its first bytes (the name and the declared type are not trusted).</summary>
    public static string MediaType(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) ? "image/png"
        : bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "image/jpeg"
        : bytes.StartsWith((ReadOnlySpan<byte>)[0x49, 0x49, 0x2A, 0x00]) || bytes.StartsWith((ReadOnlySpan<byte>)[0x4D, 0x4D, 0x00, 0x2A])
          || bytes.StartsWith((ReadOnlySpan<byte>)[0x49, 0x49, 0x2B, 0x00]) || bytes.StartsWith((ReadOnlySpan<byte>)[0x4D, 0x4D, 0x00, 0x2B]) ? "image/tiff"
        : bytes.StartsWith("%PDF-"u8) ? "application/pdf"
        : throw new InvalidParameterException("file", "page-format", "A scan is a PNG, JPEG, TIFF or PDF file.");

    /// <summary>
    /// Decodes the scan (its declared size checked first, so a small file claiming a huge image is refused unread) and
    /// measures it on a grey copy about 800 pixels wide: the resolution from its width, the share of dark pixels
    /// (blank below 0.1 %), and the skew as the angle in ±8° whose sheared row profile is sharpest (flagged above 1°).
    /// </summary>
    public static PageQuality Measure(byte[] bytes)
    {
        using var codec = SKCodec.Create(new SKMemoryStream(bytes))
            ?? throw new InvalidParameterException("file", "page-unreadable", "The scan cannot be decoded as an image.");
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0 || (long)info.Width * info.Height > MaxPixels)
        {
            throw new InvalidParameterException("file", "page-size", $"The scan claims {info.Width} × {info.Height} pixels: at most {MaxPixels / 1_000_000} megapixels.");
        }

        var scale = Math.Min(1.0, 800.0 / info.Width);
        var width = Math.Max(1, (int)(info.Width * scale));
        var height = Math.Max(1, (int)(info.Height * scale));
        using var full = DecodeGrey(codec);
        using var small = full.Resize(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque), new SKSamplingOptions(SKFilterMode.Linear));
        var dark = new List<(int X, int Y)>();
        var pixels = small.GetPixelSpan();
        var stride = small.RowBytes;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                if (pixels[(y * stride) + x] < 128)
                {
                    dark.Add((x, y));
                }
            }
        }

        var share = (double)dark.Count / ((long)width * height);
        var flags = new List<string>();
        var dpi = (int)Math.Round(info.Width / PageWidthInches);
        if (dpi < MinimumDpi)
        {
            flags.Add("low-resolution");
        }

        var skew = 0.0;
        if (share < 0.001)
        {
            flags.Add("blank");
        }
        else
        {
            skew = Skew(dark, height);
            if (Math.Abs(skew) > 1.0)
            {
                flags.Add("skewed");
            }
        }

        return new PageQuality(info.Width, info.Height, dpi, share, skew, flags);
    }

    /// <summary>
    /// The scan decoded to 8-bit grey: a grey scan directly, a colour one through RGBA to its luma (Rec. 601, laid on
    /// white paper where it is transparent), since Skia's codecs do not turn colour into grey themselves.
    /// </summary>
    internal static SKBitmap DecodeGrey(SKCodec codec)
    {
        var info = codec.Info;
        if (info.ColorType == SKColorType.Gray8)
        {
            return SKBitmap.Decode(codec, info.WithAlphaType(SKAlphaType.Opaque))
                ?? throw new InvalidParameterException("file", "page-unreadable", "The scan cannot be decoded as an image.");
        }

        if ((long)info.Width * info.Height > DeedScanFiles.MaxPagePixels)
        {
            throw new InvalidParameterException("file", "page-size", $"The colour scan claims {info.Width} × {info.Height} pixels: a colour page is at most {DeedScanFiles.MaxPagePixels / 1_000_000} megapixels.");
        }

        using var colour = SKBitmap.Decode(codec, new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul))
            ?? throw new InvalidParameterException("file", "page-unreadable", "The scan cannot be decoded as an image.");
        var grey = new SKBitmap(new SKImageInfo(info.Width, info.Height, SKColorType.Gray8, SKAlphaType.Opaque));
        var source = colour.GetPixelSpan();
        var row = new byte[info.Width];
        for (var y = 0; y < info.Height; y++)
        {
            var start = y * colour.RowBytes;
            for (var x = 0; x < info.Width; x++)
            {
                var at = start + (x * 4);
                var luma = ((source[at] * 77) + (source[at + 1] * 150) + (source[at + 2] * 29)) >> 8;
                var alpha = source[at + 3];
                row[x] = (byte)(((luma * alpha) + (255 * (255 - alpha))) / 255);
            }

            System.Runtime.InteropServices.Marshal.Copy(row, 0, grey.GetPixels() + (y * grey.RowBytes), info.Width);
        }

        return grey;
    }

    // Lines of type are horizontal on a straight page: shearing the dark pixels by the page's own angle lines them up
    // into few, full rows, so the sum of squared row counts peaks there.
    private static double Skew(List<(int X, int Y)> dark, int height)
    {
        var best = (Angle: 0.0, Score: double.MinValue);
        var rows = new long[height];
        for (var tenth = -80; tenth <= 80; tenth += 2)
        {
            var angle = tenth / 10.0;
            var slope = Math.Tan(angle * Math.PI / 180);
            Array.Clear(rows);
            foreach (var (x, y) in dark)
            {
                var row = y - (int)Math.Round(x * slope);
                if (row >= 0 && row < height)
                {
                    rows[row]++;
                }
            }

            var score = rows.Sum(r => (double)r * r);
            if (score > best.Score)
            {
                best = (angle, score);
            }
        }

        return best.Angle;
    }

    private static async Task<byte[]> ReadLimitedAsync(Stream upload, CancellationToken ct)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await upload.ReadAsync(buffer, ct)) > 0)
        {
            if (copy.Length + read > MaxPageBytes)
            {
                throw new InvalidParameterException("file", "page-size", $"A page scan is at most {MaxPageBytes / 1024 / 1024} MiB.");
            }

            copy.Write(buffer, 0, read);
        }

        if (copy.Length == 0)
        {
            throw new InvalidParameterException("file", "page-format", "The upload is empty: send the page's scan as the form field file.");
        }

        return copy.ToArray();
    }
}
