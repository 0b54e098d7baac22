using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using SkiaSharp;

namespace Landplatform.Integrations.Deeds;

/// <summary>OCR settings (section <c>Deeds</c>).</summary>
public sealed class DeedsOptions
{
    /// <summary>Pages this server OCRs at once (0: none; another machine's workers take the queue).</summary>
    public int OcrWorkers { get; set; } = 1;

    /// <summary>The Tesseract program (Debian's tesseract-ocr).</summary>
    public string Tesseract { get; set; } = "tesseract";

    /// <summary>The longest one page may take before it counts as failed.</summary>
    public int OcrTimeoutSeconds { get; set; } = 120;
}

/// <summary>How far OCR has got: pages by state, and the pace over the last hour.</summary>
public sealed record OcrProgress(long Queued, long Running, long Done, long Failed, long Unreadable, long Blank, double PagesPerMinuteLastHour);

/// <summary>
/// OCR of stored pages as a background queue in the database: each worker claims the oldest queued page with
/// <c>FOR UPDATE SKIP LOCKED</c> (so workers on several machines share one queue), runs Tesseract on a grey PNG it
/// re-encoded itself from the decoded scan (the uploaded bytes never reach Tesseract), and stores the text, the searchable PDF, the mean
/// word confidence and whether the page is unreadable (no blank page with fewer than five words or a confidence
/// under 40 passes). A page whose worker died is claimed again after ten minutes; three failures leave it failed.
/// </summary>
public sealed class OcrQueue(NpgsqlDataSource dataSource, IOptions<DeedsOptions> options, ILogger<OcrQueue> log) : BackgroundService
{
    private const int MaxAttempts = 3;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var workers = Math.Max(0, options.Value.OcrWorkers);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => WorkAsync(stoppingToken)));
    }

    /// <summary>Queue counts and the pace of the last hour.</summary>
    public static async Task<OcrProgress> ProgressAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT count(*) FILTER (WHERE ocr_state = 'queued'), count(*) FILTER (WHERE ocr_state = 'running'),
                   count(*) FILTER (WHERE ocr_state = 'done'), count(*) FILTER (WHERE ocr_state = 'failed'),
                   count(*) FILTER (WHERE 'unreadable' = ANY(quality)), count(*) FILTER (WHERE 'blank' = ANY(quality)),
                   count(*) FILTER (WHERE ocr_done_at > now() - interval '1 hour') / 60.0
            FROM deeds.pages
            """);
        await using var row = await command.ExecuteReaderAsync(ct);
        await row.ReadAsync(ct);
        return new OcrProgress(row.GetInt64(0), row.GetInt64(1), row.GetInt64(2), row.GetInt64(3), row.GetInt64(4), row.GetInt64(5), (double)row.GetDecimal(6));
    }

    /// <summary>Takes pages from the queue until there are none, then waits for a notification (or 5 s).</summary>
    private async Task WorkAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (!await OcrNextAsync(ct))
                {
                    await WaitAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogWarning(e, "OCR worker failed; retrying in 5 s");
                await Task.Delay(TimeSpan.FromSeconds(5), ct).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
    }

    private async Task WaitAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using (var listen = new NpgsqlCommand("LISTEN lp_deeds_ocr", connection))
        {
            await listen.ExecuteNonQueryAsync(ct);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await connection.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>OCRs one page; false when the queue is empty.</summary>
    public async Task<bool> OcrNextAsync(CancellationToken ct)
    {
        Guid deed;
        int page;
        byte[] content;
        string[] quality;
        await using (var claim = dataSource.CreateCommand($"""
            UPDATE deeds.pages p SET ocr_state = 'running', ocr_claimed_at = now(), ocr_attempts = p.ocr_attempts + 1
            FROM (SELECT deed_id, page_number FROM deeds.pages
                  WHERE (ocr_state = 'queued' OR (ocr_state = 'running' AND ocr_claimed_at < now() - interval '10 minutes')) AND ocr_attempts < {MaxAttempts}
                  ORDER BY stored_at, page_number LIMIT 1 FOR UPDATE SKIP LOCKED) next
            WHERE p.deed_id = next.deed_id AND p.page_number = next.page_number
            RETURNING p.deed_id, p.page_number, p.content, p.quality
            """))
        await using (var row = await claim.ExecuteReaderAsync(ct))
        {
            if (!await row.ReadAsync(ct))
            {
                return false;
            }

            (deed, page, content, quality) = (row.GetGuid(0), row.GetInt32(1), (byte[])row[2], row.GetFieldValue<string[]>(3));
        }

        string state = "done", text = string.Empty;
        float? confidence = null;
        byte[]? pdf = null;
        var flags = quality.ToList();
        try
        {
            (text, confidence, pdf) = await RecogniseAsync(content, ct);
            var words = text.Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries).Length;
            if (!flags.Contains("blank") && (words < 5 || confidence < 40) && !flags.Contains("unreadable"))
            {
                flags.Add("unreadable");
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            log.LogWarning(e, "OCR of page {Page} of deed {Deed} failed", page, deed);
            state = "failed-attempt";
        }

        await using var save = dataSource.CreateCommand($"""
            UPDATE deeds.pages SET
                ocr_state = CASE WHEN @state = 'done' THEN 'done' WHEN ocr_attempts >= {MaxAttempts} THEN 'failed' ELSE 'queued' END,
                ocr_text = CASE WHEN @state = 'done' THEN @text ELSE ocr_text END,
                ocr_confidence = CASE WHEN @state = 'done' THEN @confidence ELSE ocr_confidence END,
                ocr_done_at = CASE WHEN @state = 'done' THEN now() ELSE ocr_done_at END,
                ocr_pdf = CASE WHEN @state = 'done' THEN @pdf ELSE ocr_pdf END,
                quality = @quality
            WHERE deed_id = @deed AND page_number = @page
            """);
        save.Parameters.AddWithValue("state", state);
        save.Parameters.AddWithValue("text", text);
        save.Parameters.Add(new NpgsqlParameter<float?>("confidence", confidence));
        save.Parameters.AddWithValue("quality", flags.ToArray());
        save.Parameters.Add(new NpgsqlParameter<byte[]?>("pdf", pdf) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea });
        save.Parameters.AddWithValue("deed", deed);
        save.Parameters.AddWithValue("page", page);
        await save.ExecuteNonQueryAsync(ct);
        return true;
    }

    /// <summary>
    /// Runs Tesseract once on a grey PNG made from the decoded scan, in a private temporary folder, for both outputs:
    /// TSV (the words and their confidence) and a searchable PDF (the page image with its words as invisible text).
    /// </summary>
    private async Task<(string Text, float? Confidence, byte[] Pdf)> RecogniseAsync(byte[] scan, CancellationToken ct)
    {
        var folder = Directory.CreateTempSubdirectory("lp-ocr-");
        try
        {
            var input = Path.Combine(folder.FullName, "page.png");
            using (var codec = SKCodec.Create(new SKMemoryStream(scan)) ?? throw new InvalidDataException("the stored scan no longer decodes"))
            using (var grey = DeedPages.DecodeGrey(codec))
            using (var png = grey.Encode(SKEncodedImageFormat.Png, 100))
            {
                await File.WriteAllBytesAsync(input, png.ToArray(), ct);
            }

            var start = new ProcessStartInfo(options.Value.Tesseract)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder.FullName,
            };
            var output = Path.Combine(folder.FullName, "page");
            // No --dpi: given a 200 dpi page's true resolution Tesseract found no text on a page turned 3°; its own estimate reads it.
            foreach (var argument in (string[])[input, output, "-l", "eng", "--psm", "3", "tsv", "pdf"])
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment.Clear();
            start.Environment["PATH"] = "/usr/bin:/bin";
            start.Environment["OMP_THREAD_LIMIT"] = "1";
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{options.Value.Tesseract} did not start");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.OcrTimeoutSeconds));
            var console = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var errors = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"OCR took longer than {options.Value.OcrTimeoutSeconds} s");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"tesseract exited with {process.ExitCode}: {await errors}");
            }

            await console;
            var (text, confidence) = Words(await File.ReadAllTextAsync(output + ".tsv", ct));
            return (text, confidence, await File.ReadAllBytesAsync(output + ".pdf", ct));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The words of Tesseract's TSV, line by line, and their mean confidence.</summary>
    internal static (string Text, float? Confidence) Words(string tsv)
    {
        var lines = new List<string>();
        var current = new List<string>();
        (string, string, string, string)? key = null;
        double sum = 0;
        var count = 0;
        foreach (var line in tsv.Split('\n').Skip(1))
        {
            var cells = line.TrimEnd('\r').Split('\t');
            if (cells.Length < 12 || cells[0] != "5" || string.IsNullOrWhiteSpace(cells[11]))
            {
                continue;
            }

            var here = (cells[1], cells[2], cells[3], cells[4]);
            if (key is not null && key != here && current.Count > 0)
            {
                lines.Add(string.Join(' ', current));
                current.Clear();
            }

            key = here;
            current.Add(cells[11].Trim());
            if (double.TryParse(cells[10], NumberStyles.Float, CultureInfo.InvariantCulture, out var conf) && conf >= 0)
            {
                sum += conf;
                count++;
            }
        }

        if (current.Count > 0)
        {
            lines.Add(string.Join(' ', current));
        }

        return (string.Join('\n', lines), count == 0 ? null : (float)(sum / count));
    }
}
