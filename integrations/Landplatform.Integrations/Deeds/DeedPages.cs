using System.Security.Cryptography;
using Landplatform.Cadastre.Contracts;
using Npgsql;
using SkiaSharp;

namespace Landplatform.Integrations.Deeds;

/// <summary>A stored page: its checksum, size, estimated resolution and what the quality check flagged.</summary>
public sealed record DeedPageView(Guid DeedId, int PageNumber, string Sha256, string MediaType, int Width, int Height, int Dpi,
    IReadOnlyList<string> Quality, string OcrState, float? OcrConfidence, int OcrWords);

/// <summary>What the quality check measured on a scan.</summary>
public sealed record PageQuality(int Width, int Height, int Dpi, double Ink, double SkewDegrees, IReadOnlyList<string> Flags);

/// <summary>
/// The scanned pages of recorded deeds: each upload checked (a PNG or JPEG by its bytes, at most 50 MiB and 120
/// megapixels, decoded before anything is stored), measured for the quality check — resolution, blank, skew — and
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

    public async Task<DeedPageView> StoreAsync(Guid deedId, int? pageNumber, Stream upload, string clerk, CancellationToken ct)
    {
        var bytes = await ReadLimitedAsync(upload, ct);
        MediaType(bytes);
        return await StoreMeasuredAsync(deedId, pageNumber, bytes, Measure(bytes), clerk, ct);
    }

    /// <summary>Stores a scan already checked and measured (<see cref="MediaType"/>, <see cref="Measure"/>): the import measures each page once.</summary>
    internal async Task<DeedPageView> StoreMeasuredAsync(Guid deedId, int? pageNumber, byte[] bytes, PageQuality quality, string clerk, CancellationToken ct)
    {
        if (bytes.LongLength > MaxPageBytes)
        {
            throw new InvalidParameterException("file", "page-size", $"A page scan is at most {MaxPageBytes / 1024 / 1024} MiB.");
        }

        var media = MediaType(bytes);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var now = DeedBook.Micro(clock.GetUtcNow());
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await DeedBook.RequireDeedAsync(connection, deedId, ct);
        await using (var lockDeed = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('deeds.pages:' || @id::text))", connection))
        {
            lockDeed.Parameters.AddWithValue("id", deedId);
            await lockDeed.ExecuteNonQueryAsync(ct);
        }

        await using (var existing = new NpgsqlCommand("SELECT deed_id, page_number FROM deeds.pages WHERE sha256 = @sha", connection))
        {
            existing.Parameters.AddWithValue("sha", sha);
            await using var row = await existing.ExecuteReaderAsync(ct);
            if (await row.ReadAsync(ct))
            {
                throw new DomainRuleViolationException("page-stored", $"This scan (SHA-256 {sha}) is already page {row.GetInt32(1)} of deed {row.GetGuid(0)}: a scan is stored once.");
            }
        }

        int number;
        await using (var next = new NpgsqlCommand("SELECT coalesce(max(page_number), 0) + 1 FROM deeds.pages WHERE deed_id = @id", connection))
        {
            next.Parameters.AddWithValue("id", deedId);
            number = (int)(await next.ExecuteScalarAsync(ct))!;
        }

        if (pageNumber is { } wanted && wanted != number)
        {
            throw new InvalidParameterException("page", "page-number", $"The deed has {number - 1} page(s): the next one stored is page {number}.");
        }

        await using (var insert = new NpgsqlCommand("""
            INSERT INTO deeds.pages (deed_id, page_number, sha256, media_type, content, width, height, dpi, quality, stored_at, stored_by, ocr_state)
            VALUES (@id, @n, @sha, @media, @content, @w, @h, @dpi, @quality, @now, @clerk, 'queued')
            """, connection))
        {
            insert.Parameters.AddWithValue("id", deedId);
            insert.Parameters.AddWithValue("n", number);
            insert.Parameters.AddWithValue("sha", sha);
            insert.Parameters.AddWithValue("media", media);
            insert.Parameters.AddWithValue("content", bytes);
            insert.Parameters.AddWithValue("w", quality.Width);
            insert.Parameters.AddWithValue("h", quality.Height);
            insert.Parameters.AddWithValue("dpi", quality.Dpi);
            insert.Parameters.AddWithValue("quality", quality.Flags.ToArray());
            insert.Parameters.AddWithValue("now", now);
            insert.Parameters.AddWithValue("clerk", clerk);
            await insert.ExecuteNonQueryAsync(ct);
        }

        await DeedsJournal.AppendAsync(connection, "page", deedId, DeedsJournal.Paged(deedId, number, sha, now, clerk), now, ct);
        await using (var notify = new NpgsqlCommand("SELECT pg_notify('lp_deeds_ocr', '')", connection))
        {
            await notify.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return (await ListAsync(deedId, ct)).Single(p => p.PageNumber == number);
    }

    public async Task<List<DeedPageView>> ListAsync(Guid deedId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT deed_id, page_number, sha256, media_type, width, height, dpi, quality, ocr_state, ocr_confidence,
                   coalesce(array_length(regexp_split_to_array(nullif(trim(ocr_text), ''), '\s+'), 1), 0)
            FROM deeds.pages WHERE deed_id = @id ORDER BY page_number
            """);
        command.Parameters.AddWithValue("id", deedId);
        var pages = new List<DeedPageView>();
        await using var rows = await command.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
        {
            pages.Add(new DeedPageView(rows.GetGuid(0), rows.GetInt32(1), rows.GetString(2), rows.GetString(3), rows.GetInt32(4), rows.GetInt32(5), rows.GetInt32(6),
                rows.GetFieldValue<string[]>(7), rows.GetString(8), rows.IsDBNull(9) ? null : rows.GetFloat(9), rows.GetInt32(10)));
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

    /// <summary>PNG or JPEG, known by its first bytes (the name and the declared type are not trusted).</summary>
    public static string MediaType(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) ? "image/png"
        : bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "image/jpeg"
        : throw new InvalidParameterException("file", "page-format", "A page is a PNG or JPEG scan (TIFF and PDF scans: convert each page to PNG first).");

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
        using var full = SKBitmap.Decode(codec, info.WithColorType(SKColorType.Gray8).WithAlphaType(SKAlphaType.Opaque))
            ?? throw new InvalidParameterException("file", "page-unreadable", "The scan cannot be decoded as an image.");
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
