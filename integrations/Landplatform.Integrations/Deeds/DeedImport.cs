using System.Globalization;
using CsvHelper;
using Landplatform.Cadastre.Contracts;
using Npgsql;

namespace Landplatform.Integrations.Deeds;

/// <summary>A row of the deeds index the import refused: its line, the column at fault, the rule and why.</summary>
public sealed record RefusedDeedRow(int Line, string Column, string Rule, string Message);

/// <summary>How far a deeds import has got.</summary>
public sealed record DeedImportProgress(int Done, int Total, int Recorded, int AlreadyRecorded, int Pages, int Refused);

/// <summary>What a deeds import did.</summary>
public sealed record DeedImportReport(int Rows, int Recorded, int AlreadyRecorded, int PagesStored, int PagesAlreadyStored, IReadOnlyList<RefusedDeedRow> Refused);

/// <summary>
/// Digitisation at office scale: a folder of scanned pages and its <c>deeds.csv</c> (RFC 4180, read by CsvHelper)
/// with one row per deed — <c>registration_number, registered_on, instrument_date, instrument_type, grantors,
/// grantees, land_description, upis, consideration, attorney, releases, pages</c>; lists are separated by <c>;</c>,
/// <c>pages</c> names the deed's scans in order. Each row is checked whole before anything of it is stored (its
/// fields as <see cref="DeedBook.RecordAsync"/> checks them, each page a plain file directly in the folder — no paths,
/// links or escapes — that <see cref="DeedScanFiles.ReadAsync"/> reads: PNG, JPEG, or a TIFF or PDF of several pages), then recorded with its pages; a bad row is refused
/// with its line, column and rule and changes nothing. The import is resumable: a deed already recorded and a page
/// already stored are counted, not stored again, so a run cut short is finished by running it again.
/// </summary>
public sealed class DeedImport(DeedBook book, DeedPages pages, NpgsqlDataSource dataSource)
{
    public const string IndexFileName = "deeds.csv";

    /// <summary>About 50,000 rows: the index is read whole before the first deed is recorded.</summary>
    public const long MaxIndexBytes = 64L * 1024 * 1024;

    private static readonly string[] Columns =
        ["registration_number", "registered_on", "instrument_date", "instrument_type", "grantors", "grantees", "land_description", "upis", "consideration", "attorney", "releases", "pages"];

    public async Task<DeedImportReport> ImportAsync(string directory, string clerk, IProgress<DeedImportProgress>? progress, CancellationToken ct)
    {
        var root = Path.GetFullPath(directory);
        var index = Path.Combine(root, IndexFileName);
        if (!Directory.Exists(root) || !File.Exists(index))
        {
            throw new InvalidParameterException("directory", "deeds-index-missing", $"{directory} holds no {IndexFileName} (columns {string.Join(',', Columns)}).");
        }

        if (new FileInfo(index).Length > MaxIndexBytes)
        {
            throw new InvalidParameterException("directory", "deeds-index-size", $"{IndexFileName} is larger than {MaxIndexBytes / 1024 / 1024} MiB: split the folder.");
        }

        var rows = new List<(int Line, int Fields, Dictionary<string, string> Cells)>();
        var options = new CsvReaderOptions { HasHeader = true, AllowLineBreaksInQuotes = true, TrackLineNumbers = true, SkipEmptyLines = true, MaxRecordSize = 1 << 20 };
        try
        {
            await using (var csv = CsvReader.FromFile(index, options, FileOptions.SequentialScan))
            {
                await csv.ReadHeaderAsync(ct);
                if (csv.Headers is not { } header || !header.Select(h => h.Trim().ToLowerInvariant()).SequenceEqual(Columns))
                {
                    throw new InvalidParameterException("directory", "deeds-index-header", $"{IndexFileName} must start with the header {string.Join(',', Columns)}.");
                }

                while (await csv.ReadAsync(ct))
                {
                    var cells = new Dictionary<string, string>();
                    for (var i = 0; i < Columns.Length; i++)
                    {
                        cells[Columns[i]] = i < csv.FieldCount ? csv.GetString(i) : string.Empty;
                    }

                    rows.Add(((int)csv.LineNumber, csv.FieldCount, cells));
                }
            }
        }
        catch (Exception e) when (e.GetType().Namespace?.StartsWith("CsvHelper", StringComparison.Ordinal) == true || e is FormatException)
        {
            throw new InvalidParameterException("directory", "deeds-index-format", $"{IndexFileName} is not RFC 4180 CSV: {e.Message}");
        }

        var refused = new List<RefusedDeedRow>();
        int recorded = 0, present = 0, stored = 0, storedBefore = 0, done = 0;
        foreach (var (line, fields, cells) in rows)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                if (fields != Columns.Length)
                {
                    throw new InvalidParameterException("registration_number", "deeds-index-columns", $"The row has {fields} fields, not the header's {Columns.Length}.");
                }

                var scans = await ScansAsync(root, cells["pages"], ct);
                var entry = Entry(cells);
                var number = entry.RegistrationNumber?.Trim().ToUpperInvariant() ?? string.Empty;
                var id = await ExistingAsync(number, ct);
                if (id is null)
                {
                    id = (await book.RecordAsync(entry, clerk, ct)).Id;
                    recorded++;
                }
                else
                {
                    present++;
                }

                var have = (await pages.ListAsync(id.Value, ct)).Select(p => p.Sha256).ToHashSet();
                var filed = await ScanFilesAsync(id.Value, ct);
                foreach (var scan in scans)
                {
                    var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(scan.Content));
                    if (scan.Container ? filed.Contains(sha) : have.Contains(sha))
                    {
                        storedBefore += scan.Pages.Count;
                        continue;
                    }

                    stored += (await pages.StoreScanAsync(id.Value, null, scan, clerk, ct)).Count;
                }
            }
            catch (RequestRejectedException e)
            {
                refused.Add(new RefusedDeedRow(line, Column(e), e.Rule, e.Message));
            }

            progress?.Report(new DeedImportProgress(++done, rows.Count, recorded, present, stored, refused.Count));
        }

        return new DeedImportReport(rows.Count, recorded, present, stored, storedBefore, refused);
    }

    // The deed's pages, read and checked before the deed is recorded, so a bad page refuses the row whole.
    private static async Task<List<ScanFile>> ScansAsync(string root, string list, CancellationToken ct)
    {
        var scans = new List<ScanFile>();
        foreach (var name in List(list))
        {
            if (name != Path.GetFileName(name) || name is "." or ".." || name.Any(char.IsControl))
            {
                throw new InvalidParameterException("pages", "page-file-name", $"'{name}' is not a file name in the import folder (no paths).");
            }

            var path = Path.Combine(root, name);
            var file = new FileInfo(path);
            if (!file.Exists)
            {
                throw new InvalidParameterException("pages", "page-file-missing", $"{name} is not in the import folder.");
            }

            if (file.LinkTarget is not null || file.Attributes.HasFlag(FileAttributes.ReparsePoint))
            {
                throw new InvalidParameterException("pages", "page-file-name", $"{name} is a link: only plain files in the folder are imported.");
            }

            if (file.Length > DeedPages.MaxPageBytes)
            {
                throw new InvalidParameterException("pages", "page-size", $"{name} is larger than {DeedPages.MaxPageBytes / 1024 / 1024} MiB.");
            }

            var bytes = await File.ReadAllBytesAsync(path, ct);
            try
            {
                scans.Add(await DeedScanFiles.ReadAsync(bytes, ct));
            }
            catch (InvalidParameterException e)
            {
                throw new InvalidParameterException("pages", e.Rule, $"{name}: {e.Message}");
            }
        }

        return scans;
    }

    private static DeedEntry Entry(Dictionary<string, string> cells) => new(
        Blank(cells["registration_number"]),
        DeedBook.ParseDay(cells["registered_on"], "registered_on", "deed-date"),
        DeedBook.ParseDay(cells["instrument_date"], "instrument_date", "deed-date"),
        Blank(cells["instrument_type"]),
        List(cells["grantors"]),
        List(cells["grantees"]),
        Blank(cells["land_description"]),
        List(cells["upis"]),
        string.IsNullOrWhiteSpace(cells["consideration"]) ? null
            : decimal.TryParse(cells["consideration"], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) ? amount
            : throw new InvalidParameterException("consideration", "consideration-range", $"'{cells["consideration"]}' is not an amount (digits and a decimal point)."),
        Blank(cells["attorney"]),
        Blank(cells["releases"]));

    private static string? Blank(string text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static List<string> List(string text) => [.. text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    // The index's column for an API field name (registeredOn → registered_on; grantors[1] → grantors).
    private static string Column(RequestRejectedException e)
    {
        var parameter = (e as InvalidParameterException)?.Parameter ?? "registration_number";
        var bare = parameter.Split('[')[0];
        return string.Concat(bare.Select(c => char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : c.ToString()));
    }

    private async Task<HashSet<string>> ScanFilesAsync(Guid deed, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT sha256 FROM deeds.scan_files WHERE deed_id = @id");
        command.Parameters.AddWithValue("id", deed);
        var shas = new HashSet<string>(StringComparer.Ordinal);
        await using var rows = await command.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
        {
            shas.Add(rows.GetString(0));
        }

        return shas;
    }

    private async Task<Guid?> ExistingAsync(string number, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT id FROM deeds.deeds WHERE registration_number = @n");
        command.Parameters.AddWithValue("n", number);
        return await command.ExecuteScalarAsync(ct) as Guid?;
    }
}
