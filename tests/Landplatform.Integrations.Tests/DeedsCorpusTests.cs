using System.Diagnostics;
using System.Globalization;
using System.Text;
using Landplatform.Integrations.Deeds;
using Landplatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static Landplatform.Integrations.Tests.CivicScenario;

namespace Landplatform.Integrations.Tests;

/// <summary>
/// The deeds office at scale, on a generated corpus of typed deeds scanned as PNG, JPEG, multi-page TIFF and PDF, a
/// few turned on the glass, some with a blank or a smudged sheet among their pages: imported from a folder, read by
/// OCR workers sharing the queue, indexed and linked to parcels; then every deed must be found by a word of its text,
/// by its party and by its parcel, and exactly the blank, smudged and skewed pages flagged for rescanning.
/// The corpus has <see cref="DefaultSize"/> deeds; <c>LP_DEEDS_CORPUS=N</c> makes it N (docs/ARCHITECTURE.md, The register of deeds).
/// </summary>
public sealed class DeedsCorpusTests(CivicServer server, ITestOutputHelper output) : IClassFixture<CivicServer>
{
    public const int DefaultSize = 30;
    private readonly CivicScenario civic = new(server);

    [Fact]
    public async Task A_generated_corpus_is_imported_read_indexed_and_linked_and_every_deed_is_found_by_its_text_its_party_and_its_parcel()
    {
        var size = int.TryParse(Environment.GetEnvironmentVariable("LP_DEEDS_CORPUS"), NumberStyles.None, CultureInfo.InvariantCulture, out var wanted) && wanted > 0 ? wanted : DefaultSize;
        var upis = new List<string>();
        await using (var command = server.Database.DataSource.CreateCommand("SELECT upi FROM cadastre.parcel_versions WHERE status = 'current' ORDER BY upi OFFSET 9000 LIMIT @n"))
        {
            command.Parameters.AddWithValue("n", size);
            await using var rows = await command.ExecuteReaderAsync();
            while (await rows.ReadAsync())
            {
                upis.Add(rows.GetString(0));
            }
        }

        Assert.Equal(size, upis.Count);
        var clock = Stopwatch.StartNew();
        var corpus = Enumerable.Range(0, size).Select(i => CorpusDeed.Make(i, upis[i])).ToList();
        var folder = Directory.CreateTempSubdirectory("lp-deeds-corpus-").FullName;
        try
        {
            var index = new StringBuilder("registration_number,registered_on,instrument_date,instrument_type,grantors,grantees,land_description,upis,consideration,attorney,releases,pages\n");
            foreach (var deed in corpus)
            {
                foreach (var (name, bytes) in deed.Files)
                {
                    await File.WriteAllBytesAsync(Path.Combine(folder, name), bytes);
                }

                index.Append(CultureInfo.InvariantCulture, $"{deed.Number},{deed.Registered:yyyy-MM-dd},{deed.Registered.AddDays(-9):yyyy-MM-dd},conveyance,{deed.Grantor},{deed.Grantee},")
                    .Append(CultureInfo.InvariantCulture, $"The land called {deed.Word} Estate,{(deed.LinkLater ? string.Empty : deed.Upi)},{deed.Consideration},,,{string.Join(';', deed.Files.Select(f => f.Name))}\n");
            }

            await File.WriteAllTextAsync(Path.Combine(folder, DeedImport.IndexFileName), index.ToString());
            var made = clock.Elapsed;

            // Import.
            clock.Restart();
            var (code, report) = await ImportAsync(folder);
            var imported = clock.Elapsed;
            Assert.True(code == 0, report);
            var pages = corpus.Sum(d => d.Pages.Count);
            Assert.Contains($"{size} recorded, 0 already recorded, {pages} pages stored", report);

            // OCR: as many workers as the machine has cores take pages from the one queue (the server's own worker too).
            clock.Restart();
            await Task.WhenAll(Enumerable.Range(0, Math.Max(2, Environment.ProcessorCount)).Select(async _ =>
            {
                var worker = ActivatorUtilities.CreateInstance<OcrQueue>(server.Services);
                while (await worker.OcrNextAsync(CancellationToken.None))
                {
                }
            }));
            await Until(async () => Ok(await civic.GetAsync("/api/deeds/ocr", "registrar")) is var p && p.GetProperty("queued").GetInt64() == 0 && p.GetProperty("running").GetInt64() == 0,
                "the OCR queue to drain", TimeSpan.FromMinutes(5));
            var read = clock.Elapsed;
            var progress = Ok(await civic.GetAsync("/api/deeds/ocr", "registrar"));
            Assert.Equal(0L, progress.GetProperty("failed").GetInt64());

            // Link the deeds whose land was identified after keying.
            var ids = new Dictionary<string, Guid>();
            foreach (var deed in corpus)
            {
                var found = Assert.Single(Ok(await civic.GetAsync($"/api/deeds?number={Uri.EscapeDataString(deed.Number)}", "notary")).EnumerateArray());
                ids[deed.Number] = found.GetProperty("id").GetGuid();
                if (deed.LinkLater)
                {
                    Ok(await civic.PostAsync($"/api/deeds/{ids[deed.Number]}/parcels", "registrar", new { upi = deed.Upi }));
                }
            }

            // Every deed found by a word of its scanned text, by its grantee, by its parcel.
            clock.Restart();
            var missed = new List<string>();
            foreach (var deed in corpus)
            {
                var id = ids[deed.Number];
                if (!await FindsAsync($"text={deed.Word}", id))
                {
                    var text = await server.Database.ScalarAsync<string>("SELECT string_agg(coalesce(ocr_text, '?'), ' | ' ORDER BY page_number) FROM deeds.pages WHERE deed_id = @id", ("id", id));
                    missed.Add($"{deed.Number} by its word {deed.Word} (OCR read: {text.Replace('\n', ' ')})");
                }

                if (!await FindsAsync($"party={Uri.EscapeDataString(deed.Grantee)}", id))
                {
                    missed.Add($"{deed.Number} by its grantee {deed.Grantee}");
                }

                if (!await FindsAsync($"upi={deed.Upi}", id))
                {
                    missed.Add($"{deed.Number} by its parcel {deed.Upi}");
                }
            }

            var searched = clock.Elapsed;
            Assert.True(missed.Count == 0, $"{missed.Count} searches missed: {string.Join("; ", missed.Take(20))}");

            // Exactly the blank, smudged and turned pages are flagged; every typed page straight on the glass reads.
            var flagged = new Dictionary<(string, int), string[]>();
            await using (var command = server.Database.DataSource.CreateCommand(
                "SELECT d.registration_number, g.page_number, g.quality FROM deeds.pages g JOIN deeds.deeds d ON d.id = g.deed_id WHERE cardinality(g.quality) > 0"))
            await using (var rows = await command.ExecuteReaderAsync())
            {
                while (await rows.ReadAsync())
                {
                    flagged[(rows.GetString(0), rows.GetInt32(1))] = rows.GetFieldValue<string[]>(2);
                }
            }

            var wrong = new List<string>();
            foreach (var deed in corpus)
            {
                for (var n = 0; n < deed.Pages.Count; n++)
                {
                    var expected = deed.Pages[n];
                    var got = flagged.GetValueOrDefault((deed.Number, n + 1), []);
                    var ok = expected switch
                    {
                        PageKind.Blank => got is ["blank"],
                        PageKind.Smudged => got.Contains("unreadable") && !got.Contains("blank"),
                        PageKind.Skewed => got.Contains("skewed") && !got.Contains("unreadable"),
                        _ => got.Length == 0,
                    };
                    if (!ok)
                    {
                        wrong.Add($"{deed.Number} page {n + 1} ({expected}): [{string.Join(", ", got)}]");
                    }
                }
            }

            Assert.True(wrong.Count == 0, $"{wrong.Count} pages flagged wrongly: {string.Join("; ", wrong.Take(20))}");
            var listed = Ok(await civic.GetAsync("/api/deeds/flagged-pages?limit=500", "registrar")).GetArrayLength();
            Assert.Equal(Math.Min(500, flagged.Count), listed);
            Assert.True(Ok(await civic.GetAsync("/api/deeds/journal/verification", "registrar")).GetProperty("intact").GetBoolean());

            output.WriteLine($"corpus of {size} deeds, {pages} pages: made in {made.TotalSeconds:0.0} s, imported in {imported.TotalSeconds:0.0} s " +
                $"({size / imported.TotalSeconds:0.0} deeds/s), read by OCR in {read.TotalSeconds:0.0} s ({pages / read.TotalMinutes:0.0} pages/min on {Environment.ProcessorCount} cores), " +
                $"{3 * size} searches in {searched.TotalSeconds:0.0} s; {flagged.Count} pages flagged");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private async Task<bool> FindsAsync(string query, Guid id) =>
        Ok(await civic.GetAsync($"/api/deeds?{query}&limit=200", "notary")).EnumerateArray().Any(d => d.GetProperty("id").GetGuid() == id);

    private async Task<(int Code, string Output)> ImportAsync(string directory)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var report = new StringWriter();
        var code = await DeedsCommands.ImportAsync(scope.ServiceProvider, directory, report, CancellationToken.None);
        return (code, report.ToString());
    }

    private enum PageKind
    {
        Typed,
        Skewed,
        Blank,
        Smudged,
    }

    /// <summary>One synthetic deed: its index row, its typed text (holding a made-up place name found nowhere else), and its scan files.</summary>
    private sealed record CorpusDeed(string Number, DateOnly Registered, string Grantor, string Grantee, string Upi, string Word, decimal Consideration, bool LinkLater,
        IReadOnlyList<PageKind> Pages, IReadOnlyList<(string Name, byte[] Bytes)> Files)
    {
        // Syllables without i, l or m (l and I look alike in the typeface, m and rn once a JPEG blurs them), so a made-up word reads back as typed.
        private static readonly string[] Syllables = ["ba", "ko", "ru", "de", "ta", "no", "ve", "sa", "do", "pu", "ga", "ze", "fo", "ke", "hu", "ra"];
        private static readonly string[] Given = ["Alphonso", "Gertrude", "Cuthbert", "Winifred", "Ezekiel", "Hyacinth", "Rupert", "Drusilla", "Othniel", "Veronica"];

        public static CorpusDeed Make(int i, string upi)
        {
            var number = $"{9000 + i}/{1950 + (i % 70)}";
            var registered = new DateOnly(1950 + (i % 70), 1 + (i % 12), 1 + (i % 28));
            var word = Capital(PlaceName(i));
            var grantor = $"{Given[i % Given.Length]} {Capital(Name(i * 7 + 3, 3))}";
            var grantee = $"{Given[(i + 3) % Given.Length]} {Capital(Name(i * 13 + 5, 3))}";
            var consideration = 500m + (i * 37 % 9000);
            string[] lines =
            [
                $"THIS INDENTURE No {number} made the {registered.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)}",
                $"BETWEEN {grantor.ToUpperInvariant()} of Kingstown of the one part",
                $"AND {grantee.ToUpperInvariant()} of Calliaqua of the other part",
                $"WITNESSETH that the land called {word} Estate is conveyed",
                $"for the sum of {consideration:0} dollars with the lot at {word}",
            ];
            var kinds = new List<PageKind> { i % 15 == 4 ? PageKind.Skewed : PageKind.Typed };
            var images = new List<byte[]> { DeedScanMaker.Page(lines, degrees: kinds[0] == PageKind.Skewed ? 3 : 0) };
            if (i % 20 == 7)
            {
                kinds.Add(PageKind.Blank);
                images.Add(DeedScanMaker.Blank(sheet: i + 1));
            }

            if (i % 30 == 11)
            {
                kinds.Add(PageKind.Smudged);
                images.Add(DeedScanMaker.Smudged(i));
            }

            var stem = number.Replace('/', '-');
            IReadOnlyList<(string, byte[])> files = (i % 25) switch
            {
                3 => [($"{stem}.pdf", DeedScanMaker.Pdf(images))],
                6 or 16 => [($"{stem}.tif", DeedScanMaker.Tiff(images))],
                9 or 19 => [.. images.Select((image, n) => ($"{stem}-{n + 1}.jpg", DeedScanMaker.Jpeg(image, 90)))],
                _ => [.. images.Select((image, n) => ($"{stem}-{n + 1}.png", image))],
            };
            return new CorpusDeed(number, registered, grantor, grantee, upi, word, consideration, i % 10 == 5, kinds, files);
        }

        // Four syllables from the deed's index scrambled by an odd multiplier mod 16^4: a different word for each of 65,536 deeds.
        private static string PlaceName(int i)
        {
            var code = (int)((uint)i * 40503u % 65536u);
            return string.Concat(Enumerable.Range(0, 4).Select(s => Syllables[(code >> (4 * s)) & 15]));
        }

        private static string Name(int seed, int syllables)
        {
            var name = new StringBuilder();
            var rest = (uint)(seed * 2654435761u);
            for (var s = 0; s < syllables; s++)
            {
                name.Append(Syllables[rest % Syllables.Length]);
                rest /= (uint)Syllables.Length;
                rest += (uint)(seed + s) * 40503u;
            }

            return name.ToString();
        }

        private static string Capital(string word) => char.ToUpperInvariant(word[0]) + word[1..];
    }
}
