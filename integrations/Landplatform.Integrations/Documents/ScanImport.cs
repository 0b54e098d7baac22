using System.Globalization;
using CsvHelper;
using Landplatform.Cadastre.Contracts;
using Microsoft.EntityFrameworkCore;

namespace Landplatform.Integrations.Documents;

/// <summary>A row of the index the import refused, and why.</summary>
public sealed record RefusedRow(int Line, string? File, string Rule, string Message);

/// <summary>How far an import has got.</summary>
public sealed record ImportProgress(int Done, int Total, int Imported, int AlreadyPresent, int Refused);

public sealed record ImportReport(int Rows, int Imported, int AlreadyPresent, IReadOnlyList<RefusedRow> Refused);

/// <summary>
/// Bulk import of scanned paper deeds: a folder of scans and its <c>index.csv</c>
/// (<c>file,book,page,date,parties,upi</c>). Each row is checked on its own — the file must be a plain
/// file directly in the folder (no paths, links or escapes), a PDF, TIFF, JPEG or PNG of at most 50 MiB;
/// book and page positive; the date real and not in the future; a UPI well formed — and a bad row is
/// refused with its line and rule while the good ones go in. Importing the same folder again changes nothing.
/// </summary>
public sealed class ScanImport(DocumentsStore db, TimeProvider clock)
{
    public const string IndexFileName = "index.csv";
    public const long MaxScanBytes = 50L * 1024 * 1024;
    private const long MaxIndexBytes = 10L * 1024 * 1024;
    private static readonly string[] Columns = ["file", "book", "page", "date", "parties", "upi"];

    public async Task<ImportReport> ImportAsync(string directory, string importedBy, IProgress<ImportProgress>? progress, CancellationToken ct)
    {
        var root = Path.GetFullPath(directory);
        var indexPath = Path.Combine(root, IndexFileName);
        if (!Directory.Exists(root) || !File.Exists(indexPath))
        {
            throw new InvalidParameterException("directory", "scan-index-missing", $"{directory} holds no {IndexFileName} (columns {string.Join(',', Columns)}).");
        }

        if (new FileInfo(indexPath).Length > MaxIndexBytes)
        {
            throw new InvalidParameterException("directory", "scan-index-size", $"{IndexFileName} is larger than 10 MiB.");
        }

        // RFC 4180 as CsvHelper reads it (quoted fields may hold commas, quotes and line breaks).
        var rows = new List<(int Line, IReadOnlyList<string> Cells)>();
        try
        {
            await using var csv = CsvReader.FromFile(indexPath, new CsvReaderOptions { HasHeader = true, AllowLineBreaksInQuotes = true, TrackLineNumbers = true, SkipEmptyLines = true, MaxRecordSize = 1 << 16 }, FileOptions.SequentialScan);
            await csv.ReadHeaderAsync(ct);
            if (csv.Headers is not { } header || !header.Select(h => h.Trim().ToLowerInvariant()).SequenceEqual(Columns))
            {
                throw new InvalidParameterException("directory", "scan-index-header", $"{IndexFileName} must start with the header {string.Join(',', Columns)}.");
            }

            while (await csv.ReadAsync(ct))
            {
                rows.Add(((int)csv.LineNumber, Enumerable.Range(0, csv.FieldCount).Select(csv.GetString).ToList()));
            }
        }
        catch (Exception e) when (e.GetType().Namespace?.StartsWith("CsvHelper", StringComparison.Ordinal) == true)
        {
            throw new InvalidParameterException("directory", "scan-index-format", $"{IndexFileName} is not RFC 4180 CSV: {e.Message}");
        }

        var refused = new List<RefusedRow>();
        int imported = 0, present = 0, done = 0;
        var seen = new HashSet<(int, int)>();
        foreach (var (line, cells) in rows)
        {
            ct.ThrowIfCancellationRequested();
            var outcome = await ImportRowAsync(root, line, cells, importedBy, seen, ct);
            switch (outcome)
            {
                case RefusedRow r:
                    refused.Add(r);
                    break;
                case true:
                    imported++;
                    break;
                default:
                    present++;
                    break;
            }

            progress?.Report(new ImportProgress(++done, rows.Count, imported, present, refused.Count));
        }

        return new ImportReport(rows.Count, imported, present, refused);
    }

    // True when imported, false when the same scan was already indexed, a RefusedRow otherwise.
    private async Task<object> ImportRowAsync(string root, int line, IReadOnlyList<string> cells, string importedBy, HashSet<(int, int)> seen, CancellationToken ct)
    {
        if (cells.Count != Columns.Length)
        {
            return new RefusedRow(line, null, "scan-index-columns", $"The row has {cells.Count} columns; the index has {Columns.Length}: {string.Join(',', Columns)}.");
        }

        var name = cells[0].Trim();
        if (name.Length == 0 || name != Path.GetFileName(name) || name is "." or ".." || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains('\\'))
        {
            return new RefusedRow(line, name, "scan-file-name", "file must name a file directly in the import folder, without any path.");
        }

        var path = Path.GetFullPath(Path.Combine(root, name));
        if (!path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return new RefusedRow(line, name, "scan-file-name", "file must lie inside the import folder.");
        }

        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return new RefusedRow(line, name, "scan-file-missing", $"{name} is not in the folder.");
        }

        if (info.LinkTarget is not null)
        {
            return new RefusedRow(line, name, "scan-file-name", $"{name} is a symbolic link; only plain files are imported.");
        }

        if (info.Length == 0 || info.Length > MaxScanBytes)
        {
            return new RefusedRow(line, name, "scan-file-size", $"{name} has {info.Length:N0} bytes; a scan has 1 byte to 50 MiB.");
        }

        if (!int.TryParse(cells[1], NumberStyles.None, CultureInfo.InvariantCulture, out var book) || book < 1)
        {
            return new RefusedRow(line, name, "scan-book", $"book '{cells[1]}' is not a positive whole number.");
        }

        if (!int.TryParse(cells[2], NumberStyles.None, CultureInfo.InvariantCulture, out var page) || page < 1)
        {
            return new RefusedRow(line, name, "scan-page", $"page '{cells[2]}' is not a positive whole number.");
        }

        if (!DateOnly.TryParseExact(cells[3].Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            || date > DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime))
        {
            return new RefusedRow(line, name, "scan-date", $"date '{cells[3]}' is not a past date written yyyy-MM-dd.");
        }

        var parties = cells[4].Trim();
        if (parties.Length is 0 or > 1000)
        {
            return new RefusedRow(line, name, "scan-parties", "parties names the parties to the deed (1 to 1,000 characters, separated by semicolons).");
        }

        string? upi = null;
        if (cells[5].Trim().Length > 0)
        {
            upi = cells[5].Trim().ToUpperInvariant();
            if (!ParcelIdentifier.IsWellFormed(upi))
            {
                return new RefusedRow(line, name, "upi-format", $"'{cells[5]}' is not a parcel identifier (district-block-lot, e.g. CH-00012-0007).");
            }
        }

        if (!seen.Add((book, page)))
        {
            return new RefusedRow(line, name, "scan-duplicate", $"book {book} page {page} appears twice in the index.");
        }

        var content = await File.ReadAllBytesAsync(path, ct);
        var mediaType = ContentAddress.Sniff(content);
        if (mediaType is null)
        {
            return new RefusedRow(line, name, "scan-file-type", $"{name} is not a PDF, TIFF, JPEG or PNG file.");
        }

        var sha = ContentAddress.Of(content);
        var existing = await db.Scans.AsNoTracking().SingleOrDefaultAsync(s => s.Book == book && s.Page == page, ct);
        if (existing is not null)
        {
            return existing.ContentSha256 == sha
                ? false
                : new RefusedRow(line, name, "scan-duplicate", $"book {book} page {page} is already indexed with a different scan.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow();
        await ContentAddress.PutAsync(db, content, mediaType, now, ct);
        db.Scans.Add(new ScannedDeed
        {
            Id = Guid.CreateVersion7(),
            ContentSha256 = sha,
            Book = book,
            Page = page,
            RecordedOn = date,
            Parties = parties,
            ParcelUpi = upi,
            FileName = name,
            ImportedAt = now,
            ImportedBy = importedBy,
        });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        db.ChangeTracker.Clear();
        return true;
    }
}
