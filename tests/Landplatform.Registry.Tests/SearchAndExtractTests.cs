using Landplatform.Testing;
using static Landplatform.Registry.Tests.RegistryCounter;

namespace Landplatform.Registry.Tests;

/// <summary>Finding titles by UPI, owner name, address and (for registry staff only) UIN; the extract's content.</summary>
public sealed class SearchAndExtractTests(SingleWindowServer server) : IClassFixture<SingleWindowServer>
{
    private readonly RegistryCounter counter = new(server);

    [Fact]
    public async Task A_misspelt_owner_name_finds_the_owners_titles_without_their_UIN_for_the_public()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 50);
        var misspelt = title.OwnerName.Length > 6 ? title.OwnerName.Remove(3, 1) : title.OwnerName;
        var hits = Ok(await counter.GetAsync($"/api/registry/search?name={Uri.EscapeDataString(misspelt)}&limit=100")).EnumerateArray().ToList();
        var hit = Assert.Single(hits, h => h.GetProperty("titleNumber").GetString() == title.TitleNumber);
        var owner = Assert.Single(hit.GetProperty("owners").EnumerateArray());
        Assert.Equal(title.OwnerName, owner.GetProperty("name").GetString());
        Assert.False(owner.TryGetProperty("uin", out _));
        Assert.All(hits, h => Assert.All(h.GetProperty("owners").EnumerateArray(), o => Assert.False(o.TryGetProperty("uin", out _))));

        var staff = Ok(await counter.GetAsync($"/api/registry/search?name={Uri.EscapeDataString(misspelt)}&limit=100", "examiner"));
        var seen = Assert.Single(staff.EnumerateArray(), h => h.GetProperty("titleNumber").GetString() == title.TitleNumber);
        Assert.StartsWith("VC", Assert.Single(seen.GetProperty("owners").EnumerateArray()).GetProperty("uin").GetString());
    }

    [Fact]
    public async Task Search_by_UPI_prefix_and_by_address_finds_the_title()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 51);
        var byUpi = Ok(await counter.GetAsync($"/api/registry/search?upi={title.Upi.ToLowerInvariant()}"));
        Assert.Equal(title.TitleNumber, Assert.Single(byUpi.EnumerateArray()).GetProperty("titleNumber").GetString());
        var prefix = Ok(await counter.GetAsync($"/api/registry/search?upi={title.Upi[..8]}&limit=100")).EnumerateArray().ToList();
        Assert.Contains(prefix, h => h.GetProperty("titleNumber").GetString() == title.TitleNumber);
        Assert.All(prefix, h => Assert.StartsWith(title.Upi[..8], h.GetProperty("parcels")[0].GetProperty("upi").GetString()));

        var address = await server.Database.ScalarAsync<string>("SELECT address FROM cadastre.parcel_versions WHERE upi = @u AND status = 'current'", ("u", title.Upi));
        var byAddress = Ok(await counter.GetAsync($"/api/registry/search?address={Uri.EscapeDataString(address.ToUpperInvariant())}&limit=100"));
        Assert.Contains(byAddress.EnumerateArray(), h => h.GetProperty("titleNumber").GetString() == title.TitleNumber);

        Problem(await counter.GetAsync("/api/registry/search?name=ab"), 400, "search-length", "name");
        Problem(await counter.GetAsync("/api/registry/search?upi=CH-0001&name=Smith"), 400, "search-one-key", "name");
        Problem(await counter.GetAsync("/api/registry/search?upi=CH-0001&limit=1000"), 400, "limit-range", "limit");
    }

    [Fact]
    public async Task Search_by_UIN_is_for_registry_staff_only_and_shows_past_titles_too()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 52);
        var uin = await server.Database.ScalarAsync<string>("SELECT uin FROM registry.parties WHERE id = @id", ("id", title.OwnerId));
        Assert.Equal(401, (await counter.GetAsync($"/api/registry/search/by-uin?uin={uin}")).Status);
        Assert.Equal(403, (await counter.GetAsync($"/api/registry/search/by-uin?uin={uin}", "citizen")).Status);
        await counter.RegisterThroughAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }], reason: "gift"), "deed");

        var hits = Ok(await counter.GetAsync($"/api/registry/search/by-uin?uin={uin}", "registrar"));
        var sold = Assert.Single(hits.EnumerateArray(), h => h.GetProperty("titleNumber").GetString() == title.TitleNumber);
        Assert.Equal(title.OwnerId + 1, Assert.Single(sold.GetProperty("owners").EnumerateArray()).GetProperty("partyId").GetInt64());
        var past = Assert.Single(sold.GetProperty("pastOwners").EnumerateArray());
        Assert.Equal(uin, past.GetProperty("uin").GetString());
        Assert.True(past.TryGetProperty("to", out _));
        var agency = await Tokens.ClientTokenAsync(server.Client, "planning-agency", "registry.read");
        using var response = await Tokens.GetAsync(server.Client, $"/api/registry/search/by-uin?uin={uin}", agency);
        Assert.Equal(200, (int)response.StatusCode);
    }

    [Fact]
    public async Task The_extract_shows_parcel_boundary_owners_and_the_hazard_zones_touching_the_parcel()
    {
        await using var command = server.Database.DataSource.CreateCommand("""
            SELECT tp.upi, min(h.hazard) FROM registry.title_parcels tp
            JOIN cadastre.parcel_versions v ON v.upi = tp.upi AND v.status = 'current'
            JOIN cadastre.hazard_zones h ON ST_Intersects(h.boundary, v.boundary)
            GROUP BY tp.upi ORDER BY tp.upi LIMIT 1
            """);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var (upi, hazard) = (reader.GetString(0), reader.GetString(1));

        var extract = Ok(await counter.GetAsync($"/api/registry/parcels/{upi}/title"));
        Assert.Equal("T-" + upi, extract.GetProperty("titleNumber").GetString());
        Assert.Equal("open", extract.GetProperty("status").GetString());
        var parcel = Assert.Single(extract.GetProperty("parcels").EnumerateArray());
        Assert.Equal("MultiPolygon", parcel.GetProperty("boundary").GetProperty("type").GetString());
        var lon = parcel.GetProperty("boundary").GetProperty("coordinates")[0][0][0][0].GetDouble();
        Assert.InRange(lon, -61.5, -61.0);
        Assert.NotEmpty(extract.GetProperty("owners").EnumerateArray());
        Assert.Contains(extract.GetProperty("hazards").EnumerateArray(), h => h.GetProperty("hazard").GetString() == hazard);

        Problem(await counter.GetAsync("/api/registry/titles/T-XX-00000-0000"), 404, "title-unknown");
        Problem(await counter.GetAsync("/api/registry/parcels/not-a-upi/title"), 400, "upi-format", "upi");
    }

    [Fact]
    public async Task The_printable_extract_is_a_PDF_whose_text_names_the_title_parcel_owner_restriction_and_hazard()
    {
        await using var command = server.Database.DataSource.CreateCommand("""
            SELECT tp.upi, min(h.hazard) FROM registry.title_parcels tp
            JOIN registry.rights r ON r.title_number = tp.title_number AND r.kind = 'ownership' AND r.valid_to IS NULL
            JOIN registry.parties p ON p.id = r.party_id AND p.kind = 'person'
            JOIN cadastre.parcel_versions v ON v.upi = tp.upi AND v.status = 'current'
            JOIN cadastre.hazard_zones h ON ST_Intersects(h.boundary, v.boundary)
            GROUP BY tp.upi HAVING count(DISTINCT r.party_id) = 1 ORDER BY tp.upi OFFSET 3 LIMIT 1
            """);
        string upi, hazard;
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            (upi, hazard) = (reader.GetString(0), reader.GetString(1));
        }

        var ownerId = await server.Database.ScalarAsync<long>("SELECT party_id FROM registry.rights WHERE title_number = @t AND valid_to IS NULL", ("t", "T-" + upi));
        var title = new SampleTitle("T-" + upi, upi, ownerId, string.Empty);
        await counter.RegisterThroughAsync(new
        {
            kind = "mortgage", titleNumber = title.TitleNumber, instrumentDate = Today,
            grantors = new[] { new { partyId = ownerId } },
            beneficiary = new { registrationNumber = "C-1975-31415", name = "Windward Building Society" }, amount = 95000m,
        }, "deed");
        var owner = await server.Database.ScalarAsync<string>("SELECT name FROM registry.parties WHERE id = @id", ("id", ownerId));

        using var response = await server.Client.GetAsync($"/api/registry/titles/{title.TitleNumber}/extract.pdf");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        var pdf = await response.Content.ReadAsByteArrayAsync();
        Assert.StartsWith("%PDF-", System.Text.Encoding.ASCII.GetString(pdf, 0, 5));

        var file = Path.Combine(Path.GetTempPath(), $"extract-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(file, pdf);
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("pdftotext", [file, "-"]) { RedirectStandardOutput = true };
            using var process = System.Diagnostics.Process.Start(start)!;
            var text = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.Equal(0, process.ExitCode);
            Assert.Contains($"Title extract {title.TitleNumber}", text);
            Assert.Contains(upi, text);
            Assert.Contains(owner, text);
            Assert.Contains("Windward Building Society", text);
            Assert.Contains("95,000.00", text);
            Assert.Contains(hazard.Replace('_', ' '), text);
            Assert.DoesNotContain("UIN", text);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
