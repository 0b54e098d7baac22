using System.Text.Json;
using Landplatform.Integrations.Deeds;
using Landplatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Landplatform.Integrations.Tests.CivicScenario;

namespace Landplatform.Integrations.Tests;

/// <summary>
/// The register of deeds as the office keeps it: deeds recorded from the Index of Deeds and checked field by field,
/// linked to parcels, their scans checked, stored and read by OCR, found by party, parcel, number and text, and the
/// root of title of a parcel built from its deeds with each defect named; every entry append-only and journaled.
/// </summary>
public sealed class DeedsRegisterTests(CivicServer server) : IClassFixture<CivicServer>
{
    private readonly CivicScenario civic = new(server);

    private async Task<string> ParcelAsync(int n) =>
        await server.Database.ScalarAsync<string>("SELECT upi FROM cadastre.parcel_versions WHERE status = 'current' ORDER BY upi OFFSET @n LIMIT 1", ("n", 4000 + n));

    private static object Deed(string number, string registered, string type, string[] grantors, string[] grantees, string upi, decimal? consideration = null, string? releases = null) =>
        new
        {
            registrationNumber = number, registeredOn = registered, instrumentDate = registered, instrumentType = type, grantors, grantees,
            landDescription = $"All that lot of land at {upi} as the plan annexed shows", upis = new[] { upi }, consideration, attorney = "Maria Attorney-at-Law", releases,
        };

    private async Task<JsonElement> RecordAsync(object deed) => Ok(await civic.PostAsync("/api/deeds", "registrar", deed), 201);

    [Fact]
    public async Task Root_of_title_names_a_clean_chain_a_missing_link_a_name_variant_and_an_unreleased_mortgage()
    {
        // A clean chain: the 1980 sale is the good root (the latest for value at least 30 years ago); the mortgage is released.
        var clean = await ParcelAsync(1);
        await RecordAsync(Deed("101/1975", "1975-03-01", "gift", ["Ada Older"], ["Basil Root"], clean));
        await RecordAsync(Deed("102/1980", "1980-06-12", "conveyance", ["Basil Root"], ["Celia Buyer"], clean, 45_000m));
        await RecordAsync(Deed("103/2001", "2001-02-03", "conveyance", ["Celia Buyer"], ["Dorian Next", "Eva Next"], clean, 180_000m));
        await RecordAsync(Deed("104/2005", "2005-05-05", "mortgage", ["Dorian Next", "Eva Next"], ["Island Bank Ltd"], clean, 100_000m));
        await RecordAsync(Deed("105/2012", "2012-01-10", "release", ["Island Bank Ltd"], ["Dorian Next", "Eva Next"], clean, releases: "104/2005"));
        var sound = Ok(await civic.GetAsync($"/api/deeds/root-of-title/{clean}", "notary"));
        Assert.True(sound.GetProperty("sound").GetBoolean(), sound.ToString());
        Assert.Empty(sound.GetProperty("findings").EnumerateArray());
        Assert.Equal("102/1980", sound.GetProperty("root").GetProperty("registrationNumber").GetString());
        Assert.Equal(["102/1980", "103/2001"], sound.GetProperty("chain").EnumerateArray().Select(l => l.GetProperty("deed").GetProperty("registrationNumber").GetString()));
        Assert.Equal(["Dorian Next", "Eva Next"], sound.GetProperty("holders").EnumerateArray().Select(h => h.GetString()));

        // A missing link: the 2003 seller never held the land.
        var broken = await ParcelAsync(2);
        await RecordAsync(Deed("201/1985", "1985-01-01", "conveyance", ["Farid Seller"], ["Greta Holder"], broken, 30_000m));
        await RecordAsync(Deed("202/2003", "2003-03-03", "conveyance", ["Hamish Stranger"], ["Ines Buyer"], broken, 90_000m));
        var gap = Ok(await civic.GetAsync($"/api/deeds/root-of-title/{broken}", "notary"));
        Assert.False(gap.GetProperty("sound").GetBoolean());
        var missing = Assert.Single(gap.GetProperty("findings").EnumerateArray());
        Assert.Equal(("missing-link", "error", "202/2003"), (missing.GetProperty("rule").GetString(), missing.GetProperty("severity").GetString(), missing.GetProperty("registrationNumber").GetString()));

        // A name variant: the same person written two ways is to be explained, not a break.
        var variant = await ParcelAsync(3);
        await RecordAsync(Deed("301/1984", "1984-04-04", "conveyance", ["Judith Vendor"], ["Jonathan Smith"], variant, 25_000m));
        await RecordAsync(Deed("302/2004", "2004-04-04", "conveyance", ["Jonathon Smyth"], ["Karl Purchaser"], variant, 75_000m));
        var named = Ok(await civic.GetAsync($"/api/deeds/root-of-title/{variant}", "notary"));
        Assert.True(named.GetProperty("sound").GetBoolean());
        var warning = Assert.Single(named.GetProperty("findings").EnumerateArray());
        Assert.Equal(("name-variant", "warning"), (warning.GetProperty("rule").GetString(), warning.GetProperty("severity").GetString()));
        Assert.Contains("Jonathan Smith", warning.GetProperty("message").GetString());

        // An unreleased mortgage.
        var mortgaged = await ParcelAsync(4);
        await RecordAsync(Deed("401/1982", "1982-02-02", "conveyance", ["Lena Vendor"], ["Milo Owner"], mortgaged, 20_000m));
        await RecordAsync(Deed("402/2008", "2008-08-08", "mortgage", ["Milo Owner"], ["Island Bank Ltd"], mortgaged, 50_000m));
        var encumbered = Ok(await civic.GetAsync($"/api/deeds/root-of-title/{mortgaged}", "notary"));
        Assert.False(encumbered.GetProperty("sound").GetBoolean());
        var unreleased = Assert.Single(encumbered.GetProperty("findings").EnumerateArray());
        Assert.Equal(("unreleased-mortgage", "402/2008"), (unreleased.GetProperty("rule").GetString(), unreleased.GetProperty("registrationNumber").GetString()));

        // The same as a printable page for the attorney's file, names escaped.
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/api/deeds/root-of-title/{mortgaged}?f=html"))
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await civic.TokenAsync("notary"));
            using var response = await server.Client.SendAsync(request);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            var page = await response.Content.ReadAsStringAsync();
            Assert.Contains("NOT proved", page);
            Assert.Contains("unreleased-mortgage", page);
            Assert.Contains("402/2008", page);
            Assert.DoesNotContain("<script", page);
        }

        Problem(await civic.GetAsync($"/api/deeds/root-of-title/{mortgaged}?f=pdf", "notary"), 400, "format", "f");

        // No sale old enough: the root is not a good one.
        var young = await ParcelAsync(5);
        await RecordAsync(Deed("501/2010", "2010-10-10", "conveyance", ["Nora Vendor"], ["Otto Owner"], young, 60_000m));
        var recent = Ok(await civic.GetAsync($"/api/deeds/root-of-title/{young}", "notary"));
        Assert.Equal("no-good-root", Assert.Single(recent.GetProperty("findings").EnumerateArray()).GetProperty("rule").GetString());
        Assert.True(Ok(await civic.GetAsync($"/api/deeds/root-of-title/{young}?years=10", "notary")).GetProperty("sound").GetBoolean());

        // Only those who may read the register search it.
        Assert.Equal(403, (await civic.GetAsync($"/api/deeds/root-of-title/{clean}", "citizen")).Status);
        Assert.Equal(401, (await civic.GetAsync($"/api/deeds/root-of-title/{clean}")).Status);
    }

    [Fact]
    public async Task A_bad_deed_is_refused_naming_the_field_and_rule_and_changes_nothing()
    {
        var upi = await ParcelAsync(10);
        var before = await server.Database.ScalarAsync<long>("SELECT (SELECT count(*) FROM deeds.deeds) + (SELECT count(*) FROM deeds.parties) + (SELECT count(*) FROM deeds.journal)");
        Problem(await civic.PostAsync("/api/deeds", "registrar", Deed("1/1066", "1066-10-14", "conveyance", ["William"], ["Harold"], upi)), 400, "deed-date", "registeredOn");
        Problem(await civic.PostAsync("/api/deeds", "registrar", Deed("1/2099", "2099-01-01", "conveyance", ["A B"], ["C D"], upi)), 400, "deed-date", "registeredOn");
        Problem(await civic.PostAsync("/api/deeds", "registrar", Deed("2/2000", "2000-01-01", "sale", ["A B"], ["C D"], upi)), 400, "instrument-type", "instrumentType");
        Problem(await civic.PostAsync("/api/deeds", "registrar", Deed("3/2000", "2000-01-01", "conveyance", ["A B"], ["C D"], "CH-99999-9999")), 400, "upi-unknown", "upis");
        Problem(await civic.PostAsync("/api/deeds", "registrar", Deed("4/2000", "2000-01-01", "conveyance", ["A B"], ["C D"], "no parcel")), 400, "upi-format", "upis[0]");
        Problem(await civic.PostAsync("/api/deeds", "registrar", Deed("5/2000", "2000-01-01", "conveyance", ["A\u0007B"], ["C D"], upi)), 400, "party-name", "grantors[0]");
        Problem(await civic.PostAsync("/api/deeds", "registrar", Deed("6/2000", "2000-01-01", "conveyance", [], ["C D"], upi)), 400, "parties-required", "grantors");
        Problem(await civic.PostAsync("/api/deeds", "registrar", Deed("7/2000", "2000-01-01", "release", ["Bank"], ["C D"], upi, releases: "8/1999")), 400, "release-of", "releases");
        Problem(await civic.PostAsync("/api/deeds", "registrar", Deed("'; DROP TABLE deeds.deeds; --", "2000-01-01", "conveyance", ["A B"], ["C D"], upi, -1m)), 400, "consideration-range", "consideration");
        Assert.Equal(403, (await civic.PostAsync("/api/deeds", "notary", Deed("9/2000", "2000-01-01", "conveyance", ["A B"], ["C D"], upi))).Status);
        Assert.Equal(before, await server.Database.ScalarAsync<long>("SELECT (SELECT count(*) FROM deeds.deeds) + (SELECT count(*) FROM deeds.parties) + (SELECT count(*) FROM deeds.journal)"));

        await RecordAsync(Deed("10/2000", "2000-01-01", "conveyance", ["A B"], ["C D"], upi, 1000m));
        Problem(await civic.PostAsync("/api/deeds", "registrar", Deed("10/2000", "2001-01-01", "gift", ["C D"], ["E F"], upi)), 409, "deed-number-taken");
    }

    [Fact]
    public async Task Scans_are_checked_stored_once_read_by_OCR_and_found_by_a_word_of_their_text_by_party_and_by_parcel()
    {
        var upi = await ParcelAsync(20);
        var deed = await RecordAsync(Deed("2001/1963", "1963-07-01", "conveyance", ["John Smith"], ["Winifred Quashie"], upi, 2_400m));
        var id = deed.GetProperty("id").GetGuid();
        string[] typed =
        [
            "THIS INDENTURE made the first day of July 1963",
            "BETWEEN JOHN SMITH of Kingstown planter of the one part",
            "AND WINIFRED QUASHIE of Calliaqua of the other part",
            "WITNESSETH that in consideration of two thousand four hundred dollars",
            "the vendor conveys the breadfruit orchard at Mesopotamia",
        ];
        var text = Ok(await StorePageAsync(id, DeedScanMaker.Page(typed)), 201);
        Assert.Equal(1, text.GetProperty("pageNumber").GetInt32());
        Assert.Equal(200, text.GetProperty("dpi").GetInt32());
        Assert.Empty(text.GetProperty("quality").EnumerateArray());
        var blank = Ok(await StorePageAsync(id, DeedScanMaker.Blank()), 201);
        Assert.Equal(["blank"], blank.GetProperty("quality").EnumerateArray().Select(q => q.GetString()));
        var skewed = Ok(await StorePageAsync(id, DeedScanMaker.Page(typed.Select(t => t + " continued").ToArray(), degrees: 4)), 201);
        Assert.Contains("skewed", skewed.GetProperty("quality").EnumerateArray().Select(q => q.GetString()));
        var coarse = Ok(await StorePageAsync(id, DeedScanMaker.Page(["a coarse copy of the plan"], dpi: 100)), 201);
        Assert.Contains("low-resolution", coarse.GetProperty("quality").EnumerateArray().Select(q => q.GetString()));

        // The same scan twice, a file that claims to be a PDF and is not, something that is not a scan, a tiny file claiming a vast image: refused, nothing stored.
        Problem(await StorePageAsync(id, DeedScanMaker.Page(typed)), 409, "page-stored");
        Problem(await StorePageAsync(id, "%PDF-1.4 not an image"u8.ToArray()), 400, "page-unreadable", "file");
        Problem(await StorePageAsync(id, "BM not a scan the office makes"u8.ToArray()), 400, "page-format", "file");
        Problem(await StorePageAsync(id, VastPngHeader()), 400, "page-size", "file");
        Assert.Equal(4, Ok(await civic.GetAsync($"/api/deeds/{id}/pages", "registrar")).GetArrayLength());

        await Until(async () => Ok(await civic.GetAsync($"/api/deeds/{id}/pages", "registrar")).EnumerateArray().All(p => p.GetProperty("ocrState").GetString() is "done" or "failed"),
            "OCR of the deed's pages", TimeSpan.FromMinutes(4));
        var pages = Ok(await civic.GetAsync($"/api/deeds/{id}/pages", "registrar")).EnumerateArray().ToList();
        Assert.All(pages, p => Assert.Equal("done", p.GetProperty("ocrState").GetString()));
        Assert.True(pages[0].GetProperty("ocrWords").GetInt32() >= 30, pages[0].ToString());
        Assert.DoesNotContain("unreadable", pages[0].GetProperty("quality").EnumerateArray().Select(q => q.GetString()));

        // Found by a word of the scanned text, by a name spelt another way, by parcel and by number; not by a word it lacks.
        Assert.Contains(Ok(await civic.GetAsync("/api/deeds?text=breadfruit%20Mesopotamia", "notary")).EnumerateArray(), d => d.GetProperty("id").GetGuid() == id);
        Assert.Contains(Ok(await civic.GetAsync("/api/deeds?party=Jon%20Smyth", "notary")).EnumerateArray(), d => d.GetProperty("id").GetGuid() == id);
        Assert.Contains(Ok(await civic.GetAsync("/api/deeds?party=Winifred%20Quashi", "notary")).EnumerateArray(), d => d.GetProperty("id").GetGuid() == id);
        Assert.Contains(Ok(await civic.GetAsync($"/api/deeds?upi={upi}&type=conveyance&from=1960-01-01&to=1965-12-31", "notary")).EnumerateArray(), d => d.GetProperty("id").GetGuid() == id);
        Assert.Equal(id, Assert.Single(Ok(await civic.GetAsync("/api/deeds?number=2001/1963", "notary")).EnumerateArray()).GetProperty("id").GetGuid());
        Assert.DoesNotContain(Ok(await civic.GetAsync("/api/deeds?text=nutmeg", "notary")).EnumerateArray(), d => d.GetProperty("id").GetGuid() == id);
        Problem(await civic.GetAsync("/api/deeds?from=1963-13-01", "notary"), 400, "date-format", "from");
        Problem(await civic.GetAsync("/api/deeds", "notary"), 400, "search-criteria");

        var progress = Ok(await civic.GetAsync("/api/deeds/ocr", "registrar"));
        Assert.True(progress.GetProperty("done").GetInt64() >= 4);
        Assert.True(progress.GetProperty("blank").GetInt64() >= 1);
    }

    [Fact]
    public async Task A_deed_changed_behind_the_platform_s_back_is_found_by_the_journal()
    {
        var upi = await ParcelAsync(30);
        var deed = await RecordAsync(Deed("3001/1990", "1990-09-09", "conveyance", ["Peter Honest"], ["Quentin Buyer"], upi, 10_000m));
        Assert.True(Ok(await civic.GetAsync("/api/deeds/journal/verification", "registrar")).GetProperty("intact").GetBoolean());

        // The runtime role cannot change a recorded deed at all; the database owner's superuser can, with the triggers off.
        await using (var connection = await server.Database.DataSource.OpenConnectionAsync())
        await using (var command = new Npgsql.NpgsqlCommand(
            "SET session_replication_role = replica; UPDATE deeds.parties SET name = 'Mallory Forger' WHERE deed_id = @id AND role = 'grantee'; SET session_replication_role = origin", connection))
        {
            command.Parameters.AddWithValue("id", deed.GetProperty("id").GetGuid());
            await command.ExecuteNonQueryAsync();
        }

        var verification = Ok(await civic.GetAsync("/api/deeds/journal/verification", "registrar"));
        Assert.False(verification.GetProperty("intact").GetBoolean());
        Assert.Contains(verification.GetProperty("findings").EnumerateArray(), f => f.GetString()!.Contains("deed 3001/1990", StringComparison.Ordinal));
        Assert.Equal(403, (await civic.GetAsync("/api/deeds/journal/verification", "notary")).Status);
    }

    [Fact]
    public async Task A_folder_of_scanned_deeds_is_recorded_with_bad_rows_refused_whole_and_a_second_run_adds_nothing()
    {
        var upi = await ParcelAsync(40);
        var work = Directory.CreateTempSubdirectory("lp-deeds-").FullName;
        var folder = Directory.CreateDirectory(Path.Combine(work, "scans")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(folder, "4001-1.png"), DeedScanMaker.Page(["Conveyance of 1971 from Ruth Vendor to Sam Purchaser"]));
        await File.WriteAllBytesAsync(Path.Combine(folder, "4001-2.png"), DeedScanMaker.Page(["the schedule of the land at Layou"]));
        await File.WriteAllBytesAsync(Path.Combine(folder, "4002-1.png"), DeedScanMaker.Page(["Mortgage of 1975 by Sam Purchaser"]));
        await File.WriteAllTextAsync(Path.Combine(folder, "notes.png"), "not a scan");
        await File.WriteAllBytesAsync(Path.Combine(work, "outside.png"), DeedScanMaker.Page(["outside the folder"]));
        File.CreateSymbolicLink(Path.Combine(folder, "link.png"), Path.Combine(work, "outside.png"));
        string[] header = ["registration_number,registered_on,instrument_date,instrument_type,grantors,grantees,land_description,upis,consideration,attorney,releases,pages"];
        await File.WriteAllLinesAsync(Path.Combine(folder, DeedImport.IndexFileName), [.. header,
            $"4001/1971,1971-05-01,1971-04-20,conveyance,Ruth Vendor,Sam Purchaser,\"Lot at Layou, as the plan shows\",{upi},1800.00,Tom Attorney,,4001-1.png;4001-2.png",
            $"4002/1975,1975-02-02,1975-02-01,mortgage,Sam Purchaser,Island Bank Ltd,Lot at Layou,{upi},5000,,,4002-1.png",
            $"4003/1976,1976-13-01,1976-01-01,conveyance,Sam Purchaser,Una Buyer,Lot at Layou,{upi},100,,,",
            $"4004/1977,1977-01-01,1977-01-01,conveyance,Sam Purchaser,Una Buyer,Lot at Layou,{upi},100,,,notes.png",
            $"4005/1977,1977-01-01,1977-01-01,conveyance,Sam Purchaser,Una Buyer,Lot at Layou,{upi},100,,,../outside.png",
            $"4006/1977,1977-01-01,1977-01-01,conveyance,Sam Purchaser,Una Buyer,Lot at Layou,{upi},100,,,link.png",
            $"4007/1977,1977-01-01,1977-01-01,deed of sale,Sam Purchaser,Una Buyer,Lot at Layou,{upi},100,,,",
            $"4008/1977,1977-01-01,1977-01-01,conveyance,Sam Purchaser",
        ]);

        var (code, output) = await ImportDeedsAsync(folder);
        Assert.True(code == 3, output);
        Assert.Contains("8 deeds", output);
        Assert.Contains("2 recorded, 0 already recorded, 3 pages stored, 0 already stored, 6 refused", output);
        foreach (var (line, column, rule) in new[]
        {
            (4, "registered_on", "deed-date"), (5, "pages", "page-format"), (6, "pages", "page-file-name"), (7, "pages", "page-file-name"),
            (8, "instrument_type", "instrument-type"), (9, "registration_number", "deeds-index-columns"),
        })
        {
            Assert.Contains(output.Split('\n'), l => l.Contains($"line {line} ({column}): {rule}", StringComparison.Ordinal));
        }

        Assert.Equal(0L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM deeds.deeds WHERE registration_number IN ('4003/1976', '4004/1977', '4005/1977', '4006/1977', '4007/1977', '4008/1977')"));
        var recorded = Assert.Single(Ok(await civic.GetAsync("/api/deeds?number=4001/1971", "notary")).EnumerateArray());
        Assert.Equal(2, recorded.GetProperty("pages").GetInt32());
        Assert.Equal("Lot at Layou, as the plan shows", recorded.GetProperty("landDescription").GetString());
        Assert.Equal(1800.00m, recorded.GetProperty("consideration").GetDecimal());

        // Run again (as after a crash): nothing is recorded or stored twice.
        var (again, second) = await ImportDeedsAsync(folder);
        Assert.True(again == 3, second);
        Assert.Contains("0 recorded, 2 already recorded, 0 pages stored, 3 already stored, 6 refused", second);
        Assert.True(Ok(await civic.GetAsync("/api/deeds/journal/verification", "registrar")).GetProperty("intact").GetBoolean());
    }

    private async Task<(int Code, string Output)> ImportDeedsAsync(string directory)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var output = new StringWriter();
        var code = await DeedsCommands.ImportAsync(scope.ServiceProvider, directory, output, CancellationToken.None);
        return (code, output.ToString());
    }

    private Task<(int Status, JsonElement Body)> StorePageAsync(Guid id, byte[] scan)
    {
        var form = new MultipartFormDataContent { { new ByteArrayContent(scan), "file", "page.png" } };
        return civic.PostFormAsync($"/api/deeds/{id}/pages", "registrar", form);
    }

    // A valid PNG of a few hundred bytes whose header claims 100,000 × 100,000 grey pixels (a decompression bomb's shape).
    private static byte[] VastPngHeader()
    {
        var png = new List<byte> { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };
        void Chunk(string type, byte[] data)
        {
            png.AddRange([(byte)(data.Length >> 24), (byte)(data.Length >> 16), (byte)(data.Length >> 8), (byte)data.Length]);
            var body = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
            png.AddRange(body);
            var crc = Crc32(body);
            png.AddRange([(byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc]);
        }

        Chunk("IHDR", [0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0, 8, 0, 0, 0, 0]);
        using var compressed = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            zlib.Write(new byte[100_001]);
        }

        Chunk("IDAT", compressed.ToArray());
        Chunk("IEND", []);
        return [.. png];
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
