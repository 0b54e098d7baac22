using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Landplatform.Testing;
using static Landplatform.Registry.Tests.RegistryCounter;

namespace Landplatform.Registry.Tests;

/// <summary>
/// The fabric and the register together (issue #21 item 5): a survey of titled land is checked against the parents'
/// titles, and its approval closes them and opens the children's titles with the parents' rights, journaled, in one
/// commit. Plans are GeoJSON cut from the sample fabric in PostGIS, lodged over HTTP as a surveyor does.
/// </summary>
public sealed class SurveyTitleTests(SingleWindowServer server) : IClassFixture<SingleWindowServer>
{
    private readonly RegistryCounter counter = new(server);

    [Fact]
    public async Task A_mortgaged_and_caveated_title_is_warned_then_carried_to_every_child_and_the_parent_title_closes_journaled()
    {
        var (title, plan) = await SplittableTitleAsync(server.Database, 20);
        await counter.RegisterThroughAsync(new
        {
            kind = "mortgage", titleNumber = title.TitleNumber, instrumentDate = Today, grantors = new[] { new { partyId = title.OwnerId } },
            beneficiary = new { registrationNumber = "C-1990-62001", name = "Windward Savings Bank" }, amount = 120000m,
        }, "deed");
        await counter.RegisterThroughAsync(new
        {
            kind = "caveat", titleNumber = title.TitleNumber, instrumentDate = Today,
            beneficiary = new { registrationNumber = "C-1995-62002", name = "Leeward Land Company" }, terms = "Purchaser's interest under an agreement for sale",
        }, "deed");
        var before = Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}"));
        var owners = Owners(before);

        var lodged = Ok(await LodgeSurveyAsync(plan, title.Upi), 201);
        Assert.Empty(ErrorRules(lodged));
        var warnings = Findings(lodged, "S-TITLE");
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.Equal("warning", w.GetProperty("severity").GetString()));
        Assert.Contains(warnings, w => w.GetProperty("message").GetString()!.Contains($"Title {title.TitleNumber} of parent {title.Upi} carries a mortgage", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.GetProperty("message").GetString()!.Contains("carries a caveat", StringComparison.Ordinal));
        Assert.All(warnings, w => Assert.Contains("carried forward to the title of every new lot", w.GetProperty("message").GetString(), StringComparison.Ordinal));
        Assert.DoesNotContain(warnings, w => w.GetProperty("message").GetString()!.Contains("Windward", StringComparison.Ordinal));

        var approved = await ApproveAsync(lodged);
        var children = approved.GetProperty("newParcels").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Equal(2, children.Count);
        var register = approved.GetProperty("register");
        Assert.Equal([title.TitleNumber, .. children.Select(c => "T-" + c)], register.GetProperty("titles").EnumerateArray().Select(t => t.GetString()!).ToList());

        Assert.Equal("closed", Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}")).GetProperty("status").GetString());
        foreach (var child in children)
        {
            var extract = Ok(await counter.GetAsync($"/api/registry/parcels/{child}/title"));
            Assert.Equal("T-" + child, extract.GetProperty("titleNumber").GetString());
            Assert.Equal(owners, Owners(extract));
            var restrictions = extract.GetProperty("restrictions").EnumerateArray().ToList();
            Assert.Equal(["caveat", "mortgage"], restrictions.Select(r => r.GetProperty("kind").GetString()!).Order(StringComparer.Ordinal).ToList());
            Assert.Equal("Windward Savings Bank", restrictions.Single(r => r.GetProperty("kind").GetString() == "mortgage").GetProperty("holder").GetString());
            Assert.Equal(120000m, restrictions.Single(r => r.GetProperty("kind").GetString() == "mortgage").GetProperty("amount").GetDecimal());
            Assert.Equal("Leeward Land Company", restrictions.Single(r => r.GetProperty("kind").GetString() == "caveat").GetProperty("holder").GetString());
        }

        var registryTransaction = Assert.Single(register.GetProperty("transactions").EnumerateArray()).GetGuid();
        var entry = Assert.Single(register.GetProperty("journalEntries").EnumerateArray()).GetInt64();
        Assert.Equal(entry, await server.Database.ScalarAsync<long>("SELECT seq FROM registry.journal WHERE transaction_id = @t", ("t", registryTransaction)));
        var recorded = Ok(await counter.GetAsync($"/api/registry/transactions/{registryTransaction}", "registrar"));
        Assert.Equal("subdivision", recorded.GetProperty("kind").GetString());
        Assert.Equal("registered", recorded.GetProperty("state").GetString());
        await AssertJournalIntactAsync();

        // The closed title takes nothing more.
        Problem(await counter.PostAsync("/api/registry/transactions", "notary", Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }])), 409, "R-TITLE");
    }

    [Fact]
    public async Task A_transfer_pending_on_the_parents_title_is_an_S_DEALING_error_until_it_is_rejected_at_examination_and_at_approval()
    {
        var (title, plan) = await SplittableTitleAsync(server.Database, 24);
        var transfer = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]));
        var lodged = Ok(await LodgeSurveyAsync(plan, title.Upi), 201);
        var dealing = Assert.Single(Findings(lodged, "S-DEALING"));
        Assert.Equal("error", dealing.GetProperty("severity").GetString());
        Assert.Contains($"Title {title.TitleNumber} of parent {title.Upi} has a transfer", dealing.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(transfer.ToString(), dealing.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(title.Upi, dealing.GetProperty("parcel").GetString());

        var id = lodged.GetProperty("survey").GetProperty("id").GetString();
        Problem(await counter.PostAsync($"/api/surveys/{id}/examination", "examiner", new { }), 409, "survey-checks-failed");
        Assert.Equal("open", Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}")).GetProperty("status").GetString());

        // Once the transfer is rejected the corrected survey passes; a dealing lodged after examination still stops the
        // approval, and neither the fabric nor the register changes; once that one is rejected too, approval goes through.
        Ok(await counter.PostAsync($"/api/registry/transactions/{transfer}/rejection", "examiner", new { reason = "The parcel is being subdivided." }));
        var clean = Ok(await LodgeSurveyAsync(plan, title.Upi, $"/api/surveys/{id}/revisions"));
        Assert.Empty(ErrorRules(clean));
        Ok(await counter.PostAsync($"/api/surveys/{id}/examination", "examiner", new { }));
        var late = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]));
        var refused = Problem(await counter.PostAsync($"/api/surveys/{id}/approval", "registrar", new { }), 409, "survey-checks-failed");
        Assert.Contains(late.ToString(), refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("current", await server.Database.ScalarAsync<string>(
            "SELECT status FROM cadastre.parcel_versions WHERE upi = @u ORDER BY version DESC LIMIT 1", ("u", title.Upi)));
        Assert.Equal("open", Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}")).GetProperty("status").GetString());

        Ok(await counter.PostAsync($"/api/registry/transactions/{late}/rejection", "examiner", new { reason = "The parcel is being subdivided." }));
        var approved = Ok(await counter.PostAsync($"/api/surveys/{id}/approval", "registrar", new { }));
        Assert.Equal(2, approved.GetProperty("newParcels").GetArrayLength());
        Assert.Equal("closed", Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}")).GetProperty("status").GetString());
        await AssertJournalIntactAsync();
    }

    [Fact]
    public async Task A_merge_of_differently_owned_titles_is_refused_and_under_one_owner_the_child_title_carries_both_parents_rights()
    {
        var (first, second, plan) = await AdjacentTitlesAsync();
        var lodged = Ok(await LodgeSurveyAsync(plan, $"{first.Upi},{second.Upi}"), 201);
        var merge = Assert.Single(Findings(lodged, "S-MERGE"));
        Assert.Equal("error", merge.GetProperty("severity").GetString());
        Assert.Contains("different registered owners", merge.GetProperty("message").GetString(), StringComparison.Ordinal);

        // The second parcel is sold to the first's owner and mortgaged; the first carries a caveat.
        await counter.RegisterThroughAsync(Transfer(second, [new { partyId = first.OwnerId, share = "1/1" }]), "deed");
        await counter.RegisterThroughAsync(new
        {
            kind = "mortgage", titleNumber = second.TitleNumber, instrumentDate = Today, grantors = new[] { new { partyId = first.OwnerId } },
            beneficiary = new { registrationNumber = "C-1990-62003", name = "Kingstown Mutual" }, amount = 75000m,
        }, "deed");
        await counter.RegisterThroughAsync(new
        {
            kind = "caveat", titleNumber = first.TitleNumber, instrumentDate = Today,
            beneficiary = new { registrationNumber = "C-1995-62004", name = "Georgetown Estates" }, terms = "Right of way claimed",
        }, "deed");

        var id = lodged.GetProperty("survey").GetProperty("id").GetString();
        var resubmitted = Ok(await LodgeSurveyAsync(plan, $"{first.Upi},{second.Upi}", $"/api/surveys/{id}/revisions"));
        Assert.Empty(ErrorRules(resubmitted));
        Assert.Equal(2, Findings(resubmitted, "S-TITLE").Count);

        var approved = await ApproveAsync(resubmitted);
        var child = Assert.Single(approved.GetProperty("newParcels").EnumerateArray()).GetString()!;
        Assert.Equal(2, approved.GetProperty("register").GetProperty("journalEntries").GetArrayLength());
        foreach (var parent in new[] { first, second })
        {
            Assert.Equal("closed", Ok(await counter.GetAsync($"/api/registry/titles/{parent.TitleNumber}")).GetProperty("status").GetString());
        }

        var extract = Ok(await counter.GetAsync($"/api/registry/parcels/{child}/title"));
        Assert.Equal("T-" + child, extract.GetProperty("titleNumber").GetString());
        var owner = Assert.Single(extract.GetProperty("owners").EnumerateArray());
        Assert.Equal(first.OwnerId, owner.GetProperty("partyId").GetInt64());
        Assert.Equal(["Georgetown Estates", "Kingstown Mutual"],
            extract.GetProperty("restrictions").EnumerateArray().Select(r => r.GetProperty("holder").GetString()!).Order(StringComparer.Ordinal).ToList());
        await AssertJournalIntactAsync();
    }

    private async Task AssertJournalIntactAsync()
    {
        var (exitCode, output) = await RegistryVerify.RunAsync(server.Database.ConnectionString);
        Assert.True(exitCode == 0, output);
        Assert.Contains("journal intact", output, StringComparison.Ordinal);
        Assert.True(Ok(await counter.GetAsync("/api/registry/journal/verification", "registrar")).GetProperty("intact").GetBoolean());
    }

    private async Task<JsonElement> ApproveAsync(JsonElement lodged)
    {
        var id = lodged.GetProperty("survey").GetProperty("id").GetString();
        Ok(await counter.PostAsync($"/api/surveys/{id}/examination", "examiner", new { }));
        return Ok(await counter.PostAsync($"/api/surveys/{id}/approval", "registrar", new { }));
    }

    private Task<(int Status, JsonElement Body)> LodgeSurveyAsync(string plan, string parents, string path = "/api/surveys") =>
        LodgeSurveyAsync(counter, plan, parents, path);

    internal static Task<(int Status, JsonElement Body)> LodgeSurveyAsync(RegistryCounter counter, string plan, string parents, string path = "/api/surveys")
    {
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(plan));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var form = new MultipartFormDataContent { { file, "file", "plan.geojson" }, { new StringContent(parents), "parents" } };
        return counter.SendAsync(HttpMethod.Post, path, "surveyor", form);
    }

    /// <summary>A single-owner title over a parcel whose western and eastern halves are each one polygon, and that plan.</summary>
    internal static async Task<(SampleTitle Title, string Plan)> SplittableTitleAsync(SampleIslandDatabase database, int from)
    {
        for (var index = from; index < from + 40; index++)
        {
            var title = await SingleOwnerTitleAsync(database, index);
            await using var command = database.DataSource.CreateCommand("""
                WITH p AS (SELECT boundary AS b, (ST_XMin(boundary) + ST_XMax(boundary)) / 2 AS mid, ST_XMin(boundary) - 1 AS x0, ST_XMax(boundary) + 1 AS x1,
                                  ST_YMin(boundary) - 1 AS y0, ST_YMax(boundary) + 1 AS y1
                          FROM cadastre.parcel_versions WHERE upi = @upi AND status = 'current' AND ST_Area(boundary) > 800),
                     halves AS (SELECT ST_CollectionExtract(ST_Intersection(b, ST_MakeEnvelope(x0, y0, mid, y1, 2007)), 3) AS west,
                                       ST_CollectionExtract(ST_Intersection(b, ST_MakeEnvelope(mid, y0, x1, y1, 2007)), 3) AS east FROM p)
                SELECT ST_AsGeoJSON(ST_GeometryN(west, 1), 3), round(ST_Area(west)::numeric, 2), ST_AsGeoJSON(ST_GeometryN(east, 1), 3), round(ST_Area(east)::numeric, 2)
                FROM halves WHERE ST_NumGeometries(west) = 1 AND ST_NumGeometries(east) = 1
                """);
            command.Parameters.AddWithValue("upi", title.Upi);
            await using var reader = await command.ExecuteReaderAsync();
            if (await reader.ReadAsync())
            {
                return (title, Plan((reader.GetString(0), reader.GetDecimal(1)), (reader.GetString(2), reader.GetDecimal(3))));
            }
        }

        throw new InvalidOperationException("No splittable single-owner title in the sample.");
    }

    /// <summary>Two neighbouring parcels, each under its own single-owner title (different owners), whose union is one polygon, and that plan.</summary>
    private async Task<(SampleTitle First, SampleTitle Second, string Plan)> AdjacentTitlesAsync()
    {
        await using var command = server.Database.DataSource.CreateCommand("""
            WITH single AS (
                SELECT r.title_number, tp.upi, min(r.party_id) AS owner FROM registry.rights r
                JOIN registry.parties p ON p.id = r.party_id JOIN registry.title_parcels tp ON tp.title_number = r.title_number
                WHERE r.valid_to IS NULL AND r.kind = 'ownership' AND p.kind = 'person'
                  AND NOT EXISTS (SELECT 1 FROM registry.rights o WHERE o.title_number = r.title_number AND o.valid_to IS NULL AND o.kind <> 'ownership')
                GROUP BY r.title_number, tp.upi HAVING count(*) = 1),
            pairs AS (
                SELECT sa.title_number AS ta, a.upi AS ua, sa.owner AS oa, sb.title_number AS tb, b.upi AS ub, sb.owner AS ob,
                       ST_Union(a.boundary, b.boundary) AS u
                FROM cadastre.parcel_versions a JOIN single sa ON sa.upi = a.upi
                JOIN cadastre.parcel_versions b ON b.boundary && a.boundary AND b.upi > a.upi AND b.status = 'current'
                JOIN single sb ON sb.upi = b.upi
                WHERE a.status = 'current' AND a.upi > 'M' AND sa.owner <> sb.owner
                  AND ST_Length(ST_Intersection(ST_Boundary(a.boundary), ST_Boundary(b.boundary))) > 10)
            SELECT ta, ua, oa, tb, ub, ob, ST_AsGeoJSON(ST_GeometryN(u, 1), 3), round(ST_Area(u)::numeric, 2)
            FROM pairs WHERE ST_NumGeometries(u) = 1 AND ST_NumInteriorRings(ST_GeometryN(u, 1)) = 0
            ORDER BY ua, ub LIMIT 1
            """);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "no two neighbouring single-owner titles in the sample");
        return (new SampleTitle(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), string.Empty),
            new SampleTitle(reader.GetString(3), reader.GetString(4), reader.GetInt64(5), string.Empty),
            Plan((reader.GetString(6), reader.GetDecimal(7))));
    }

    private static string Plan(params (string Geometry, decimal Area)[] lots)
    {
        var features = lots.Select((l, i) => "{\"type\":\"Feature\",\"properties\":{\"label\":\"Lot " + (i + 1) + "\",\"area\":"
            + l.Area.ToString(System.Globalization.CultureInfo.InvariantCulture) + "},\"geometry\":" + l.Geometry + "}");
        return "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::2007\"}},\"features\":["
            + string.Join(",", features) + "]}";
    }

    private static List<string> Owners(JsonElement title) =>
        [.. title.GetProperty("owners").EnumerateArray().Select(o => $"{o.GetProperty("partyId").GetInt64()}:{o.GetProperty("share").GetString()}").Order(StringComparer.Ordinal)];

    internal static List<JsonElement> Findings(JsonElement lodged, string rule) =>
        [.. lodged.GetProperty("report").GetProperty("findings").EnumerateArray().Where(f => f.GetProperty("rule").GetString() == rule)];

    private static string[] ErrorRules(JsonElement lodged) =>
        [.. lodged.GetProperty("report").GetProperty("findings").EnumerateArray()
            .Where(f => f.GetProperty("severity").GetString() == "error").Select(f => $"{f.GetProperty("rule").GetString()}: {f.GetProperty("message").GetString()}")];
}

/// <summary>
/// A title over more parcels than the survey retires would close over land left without a title: an S-TITLE error.
/// The second parcel is linked in SQL (under the initial load's transaction), so this class has a database of its own.
/// </summary>
public sealed class SurveyTitleOverOtherLandTests(SingleWindowServer server) : IClassFixture<SingleWindowServer>
{
    [Fact]
    public async Task A_parent_whose_title_also_holds_another_parcel_is_an_S_TITLE_error()
    {
        var counter = new RegistryCounter(server);
        var (title, plan) = await SurveyTitleTests.SplittableTitleAsync(server.Database, 30);
        var other = await SingleOwnerTitleAsync(server.Database, 50);
        await using (var link = server.Database.DataSource.CreateCommand("""
            INSERT INTO registry.title_parcels (title_number, upi, created_by_transaction_id)
            SELECT title_number, @other, created_by_transaction_id FROM registry.title_parcels WHERE title_number = @title
            """))
        {
            link.Parameters.AddWithValue("title", title.TitleNumber);
            link.Parameters.AddWithValue("other", other.Upi);
            Assert.Equal(1, await link.ExecuteNonQueryAsync());
        }

        var lodged = Ok(await SurveyTitleTests.LodgeSurveyAsync(counter, plan, title.Upi), 201);
        var error = Assert.Single(SurveyTitleTests.Findings(lodged, "S-TITLE"), f => f.GetProperty("severity").GetString() == "error");
        Assert.Contains($"Title {title.TitleNumber} of parent {title.Upi} also holds parcel(s) {other.Upi}", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(lodged.GetProperty("report").GetProperty("passed").GetBoolean());
    }
}
