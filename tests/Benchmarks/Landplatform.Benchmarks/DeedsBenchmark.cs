using System.Diagnostics;
using System.Globalization;
using Landplatform.Integrations.Deeds;
using Landplatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Landplatform.Benchmarks;

/// <summary>
/// The deeds office's sizing figures, each beside its peer in the same run: a folder of synthetic typed deeds (two
/// 200 dpi pages each) imported by <c>./lp deeds import</c>'s code, against the raw SQL that stores the same page bytes,
/// and the same deeds as two-page TIFFs and PDFs;
/// OCR pages per minute on one core through the queue (text and searchable PDF), against Tesseract run directly on the
/// same pages with the same arguments and outputs (our overhead: claiming, decoding, re-encoding, saving); and what 50,000 deeds would take at that pace.
/// </summary>
public static class DeedsBenchmark
{
    private const int Deeds = 100;
    private const int OcrPages = 12;
    private const int FormatDeeds = 20;

    public static async Task<int> RunAsync(IServiceProvider services, CancellationToken ct)
    {
        var data = services.GetRequiredService<NpgsqlDataSource>();
        var upi = (string)(await data.CreateCommand("SELECT upi FROM cadastre.parcel_versions WHERE status = 'current' ORDER BY upi LIMIT 1").ExecuteScalarAsync(ct))!;
        var run = DateTime.UtcNow.ToString("yyMMddHHmmss", CultureInfo.InvariantCulture);
        var folder = Directory.CreateTempSubdirectory("lp-bench-deeds-").FullName;
        try
        {
            var lines = new List<string> { "registration_number,registered_on,instrument_date,instrument_type,grantors,grantees,land_description,upis,consideration,attorney,releases,pages" };
            var files = new List<string>();
            for (var i = 0; i < Deeds; i++)
            {
                var year = 1950 + (i % 70);
                for (var page = 1; page <= 2; page++)
                {
                    var name = $"d{i}-{page}.png";
                    await File.WriteAllBytesAsync(Path.Combine(folder, name), DeedScanMaker.Page(Typed(i, page, year, run)), ct);
                    files.Add(name);
                }

                lines.Add($"B{run}-{i}/{year},{year}-06-01,{year}-05-20,conveyance,Vendor {i} Samuel,Purchaser {i} Quashie,Lot {i} at Layou,{upi},{1000 + i}.00,,,d{i}-1.png;d{i}-2.png");
            }

            await File.WriteAllLinesAsync(Path.Combine(folder, DeedImport.IndexFileName), lines, ct);

            // Ours: the import (checks, quality measures, checksums, deeds, parties, links, pages, journal).
            var import = services.GetRequiredService<DeedImport>();
            var clock = Stopwatch.StartNew();
            var report = await import.ImportAsync(folder, "bench", null, ct);
            var ours = clock.Elapsed.TotalSeconds;
            if (report.Recorded != Deeds || report.Refused.Count > 0)
            {
                Console.Error.WriteLine($"deeds: the import recorded {report.Recorded} of {Deeds}: {string.Join("; ", report.Refused.Select(r => r.Rule + " " + r.Message))}");
                return 1;
            }

            // The raw SQL: the same page bytes inserted into an unindexed temporary table, one statement per page.
            await using var connection = await data.OpenConnectionAsync(ct);
            await using (var create = new NpgsqlCommand("CREATE TEMPORARY TABLE bench_pages (name text, content bytea)", connection))
            {
                await create.ExecuteNonQueryAsync(ct);
            }

            clock.Restart();
            foreach (var name in files)
            {
                await using var insert = new NpgsqlCommand("INSERT INTO bench_pages VALUES (@n, @c)", connection);
                insert.Parameters.AddWithValue("n", name);
                insert.Parameters.AddWithValue("c", await File.ReadAllBytesAsync(Path.Combine(folder, name), ct));
                await insert.ExecuteNonQueryAsync(ct);
            }

            var raw = clock.Elapsed.TotalSeconds;
            var perDeed = ours / Deeds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"deeds import, {Deeds} deeds of 2 pages: {Deeds / ours:0.0} deeds/s ({ours:0.0} s; {ours / raw:0.0}× the raw INSERT of the same bytes, {raw:0.00} s); "
                + $"50,000 deeds would take {perDeed * 50_000 / 3600:0.0} h (goal: a working day, 8 h)"));

            // Multi-page scans: the same kind of deed as a two-page TIFF and as a two-page PDF, through the same import.
            foreach (var (kind, extension) in new[] { ("TIFF", "tif"), ("PDF", "pdf") })
            {
                var scans = Directory.CreateTempSubdirectory("lp-bench-deeds-" + extension + "-").FullName;
                try
                {
                    var rows = new List<string> { lines[0] };
                    for (var i = 0; i < FormatDeeds; i++)
                    {
                        var year = 1950 + (i % 70);
                        List<byte[]> pages = [DeedScanMaker.Page(Typed(i, 1, year, run + extension)), DeedScanMaker.Page(Typed(i, 2, year, run + extension))];
                        await File.WriteAllBytesAsync(Path.Combine(scans, $"d{i}.{extension}"), extension == "tif" ? DeedScanMaker.Tiff(pages) : DeedScanMaker.Pdf(pages), ct);
                        rows.Add($"{kind}{run}-{i}/{year},{year}-06-01,{year}-05-20,conveyance,Vendor {i} Samuel,Purchaser {i} Quashie,Lot {i} at Layou,{upi},{1000 + i}.00,,,d{i}.{extension}");
                    }

                    await File.WriteAllLinesAsync(Path.Combine(scans, DeedImport.IndexFileName), rows, ct);
                    clock.Restart();
                    var multi = await import.ImportAsync(scans, "bench", null, ct);
                    var took = clock.Elapsed.TotalSeconds;
                    if (multi.Recorded != FormatDeeds || multi.Refused.Count > 0)
                    {
                        Console.Error.WriteLine($"deeds: the {kind} import recorded {multi.Recorded} of {FormatDeeds}: {string.Join("; ", multi.Refused.Select(r => r.Rule + " " + r.Message))}");
                        return 1;
                    }

                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"deeds import, {FormatDeeds} deeds of a 2-page {kind}: {FormatDeeds / took:0.0} deeds/s ({took:0.0} s; {took / FormatDeeds / perDeed:0.0}× a deed of 2 PNGs); "
                        + $"50,000 such deeds would take {took / FormatDeeds * 50_000 / 3600:0.0} h"));
                }
                finally
                {
                    Directory.Delete(scans, recursive: true);
                }
            }

            // OCR, one worker on one core: ours through the queue, then Tesseract alone on the same files.
            var queue = new OcrQueue(data, Options.Create(new DeedsOptions { OcrWorkers = 1 }), NullLogger<OcrQueue>.Instance);
            clock.Restart();
            var done = 0;
            while (done < OcrPages && await queue.OcrNextAsync(ct))
            {
                done++;
            }

            var ocr = clock.Elapsed.TotalSeconds;
            clock.Restart();
            foreach (var name in files.Take(done))
            {
                var start = new ProcessStartInfo("tesseract") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var argument in (string[])[Path.Combine(folder, name), Path.Combine(folder, "alone"), "-l", "eng", "--psm", "3", "tsv", "pdf"])
                {
                    start.ArgumentList.Add(argument);
                }

                start.Environment["OMP_THREAD_LIMIT"] = "1";
                using var process = Process.Start(start)!;
                await process.StandardOutput.ReadToEndAsync(ct);
                await process.WaitForExitAsync(ct);
            }

            var tesseract = clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"deeds OCR, {done} pages on one core: {done / ocr * 60:0.0} pages/min through the queue, {done / tesseract * 60:0.0} pages/min by Tesseract alone "
                + $"({ocr / tesseract:0.00}×); one core reads {done / ocr * 60 * 60 * 8:0} pages in 8 h"));
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string[] Typed(int deed, int page, int year, string run) => page == 1
        ?
        [
            $"THIS INDENTURE made the first day of June {year} number B{run}-{deed}",
            $"BETWEEN VENDOR {deed} SAMUEL of Kingstown of the one part",
            $"AND PURCHASER {deed} QUASHIE of Calliaqua of the other part",
            $"WITNESSETH that in consideration of {1000 + deed} dollars paid",
            "the vendor conveys unto the purchaser all that lot of land",
            "situate at Layou in the parish of Saint Andrew",
        ]
        :
        [
            "THE SCHEDULE above referred to",
            $"All that lot of land numbered {deed} on the plan annexed",
            "bounded on the north by the public road and on the south by the river",
            "IN WITNESS whereof the parties have set their hands and seals",
        ];
}
