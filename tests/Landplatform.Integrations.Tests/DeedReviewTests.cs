using System.Text.Json;
using static Landplatform.Integrations.Tests.CivicScenario;

namespace Landplatform.Integrations.Tests;

/// <summary>
/// The index keyed once and reviewed: a second deeds clerk signs a deed's index off or disputes it field by field,
/// never the clerk who keyed it; disputes are listed for the office, the search filters by review state, and every
/// review is an entry of the deeds journal.
/// </summary>
public sealed class DeedReviewTests(CivicServer server) : IClassFixture<CivicServer>
{
    private readonly CivicScenario civic = new(server);

    [Fact]
    public async Task A_deed_is_signed_off_or_disputed_field_by_field_by_a_second_clerk_and_never_by_its_keyer()
    {
        var upi = await server.Database.ScalarAsync<string>("SELECT upi FROM cadastre.parcel_versions WHERE status = 'current' ORDER BY upi OFFSET 7100 LIMIT 1");
        var signed = await RecordAsync("8101/1970", upi, "Hyacinth Ballantyne");
        var disputed = await RecordAsync("8102/1971", upi, "Winifred Quashie");
        var pending = await RecordAsync("8103/1972", upi, "Ezekiel Lewis");
        const string Journal = "SELECT count(*) FROM deeds.journal";
        var entries = await server.Database.ScalarAsync<long>(Journal);

        // The keyer may not review their own keying; a reviewer's bad form is refused naming the field; nothing journaled.
        Problem(await ReviewAsync(signed, "registrar", new { confirm = true }), 403, "review-own-deed");
        Problem(await ReviewAsync(signed, "examiner", new { }), 400, "review-outcome", "confirm");
        Problem(await ReviewAsync(signed, "examiner", new { confirm = true, disagreements = new[] { new { field = "grantees", reading = "X" } } }), 400, "review-outcome", "disagreements");
        Problem(await ReviewAsync(signed, "examiner", new { disagreements = new[] { new { field = "colour", reading = "blue" } } }), 400, "review-field", "disagreements[0].field");
        Problem(await ReviewAsync(signed, "examiner", new { disagreements = new[] { new { field = "grantees", reading = "A" }, new { field = "grantees", reading = "B" } } }), 400, "review-field", "disagreements[1].field");
        Problem(await ReviewAsync(signed, "examiner", new { disagreements = new[] { new { field = "grantees", reading = "Winifred\u0000Quashie" } } }), 400, "review-reading", "disagreements[0].reading");
        Assert.Equal(403, (await ReviewAsync(signed, "notary", new { confirm = true })).Status);
        Problem(await ReviewAsync(Guid.CreateVersion7(), "examiner", new { confirm = true }), 404, "deed-unknown");
        Assert.Equal(entries, await server.Database.ScalarAsync<long>(Journal));

        // A sign-off closes the review.
        var signOff = Ok(await ReviewAsync(signed, "examiner", new { confirm = true }));
        Assert.Equal("signed", signOff.GetProperty("status").GetString());
        Assert.NotEqual(signOff.GetProperty("keyedBy").GetString(), signOff.GetProperty("latest").GetProperty("reviewedBy").GetString());
        Problem(await ReviewAsync(signed, "examiner", new { disagreements = new[] { new { field = "grantees", reading = "Hyacinth Ballantine" } } }), 409, "review-signed");

        // A dispute names each field: what was keyed beside what the reviewer reads on the scan.
        var dispute = Ok(await ReviewAsync(disputed, "examiner", new
        {
            disagreements = new object[]
            {
                new { field = "grantees", reading = "Winifred Quashie-Baptiste", note = "the scan's second line" },
                new { field = "consideration", reading = "2500.00" },
            },
        }));
        Assert.Equal("disputed", dispute.GetProperty("status").GetString());

        var listed = Ok(await civic.GetAsync("/api/deeds/reviews?status=disputed", "registrar")).EnumerateArray().ToList();
        var entry = Assert.Single(listed);
        Assert.Equal("8102/1971", entry.GetProperty("registrationNumber").GetString());
        var fields = entry.GetProperty("latest").GetProperty("disagreements").EnumerateArray()
            .Select(d => (d.GetProperty("field").GetString(), d.GetProperty("keyed").GetString(), d.GetProperty("reading").GetString())).ToList();
        Assert.Equal([("grantees", "Winifred Quashie", "Winifred Quashie-Baptiste"), ("consideration", "2400.00", "2500.00")], fields);
        Assert.Equal(["8103/1972"], Ok(await civic.GetAsync("/api/deeds/reviews?status=pending", "registrar")).EnumerateArray().Select(d => d.GetProperty("registrationNumber").GetString()));
        Problem(await civic.GetAsync("/api/deeds/reviews?status=maybe", "registrar"), 400, "review-status", "status");
        Assert.Equal(403, (await civic.GetAsync("/api/deeds/reviews?status=disputed", "notary")).Status);

        // The index search filters by review state.
        Assert.Equal(["8101/1970"], await NumbersAsync($"/api/deeds?upi={upi}&review=signed"));
        Assert.Equal(["8102/1971"], await NumbersAsync($"/api/deeds?upi={upi}&review=disputed"));
        Assert.Equal(["8103/1972"], await NumbersAsync($"/api/deeds?upi={upi}&review=pending"));
        Problem(await civic.GetAsync($"/api/deeds?upi={upi}&review=unsure", "notary"), 400, "review-status", "review");

        // Settled by the office, the disputed deed is reviewed again and signed off; the pending one stays pending.
        Assert.Equal("signed", Ok(await ReviewAsync(disputed, "examiner", new { confirm = true })).GetProperty("status").GetString());
        Assert.Empty(Ok(await civic.GetAsync("/api/deeds/reviews?status=disputed", "registrar")).EnumerateArray());
        Assert.Equal(["8101/1970", "8102/1971"], (await NumbersAsync($"/api/deeds?upi={upi}&review=signed")).Order());
        Assert.Equal(pending, Assert.Single(Ok(await civic.GetAsync($"/api/deeds?upi={upi}&review=pending", "notary")).EnumerateArray()).GetProperty("id").GetGuid());

        // Every review is journaled, and a review changed behind the platform's back is found.
        Assert.Equal(3L, await server.Database.ScalarAsync<long>("SELECT count(*) FROM deeds.journal WHERE kind = 'reviewed'"));
        Assert.True(Ok(await civic.GetAsync("/api/deeds/journal/verification", "registrar")).GetProperty("intact").GetBoolean());
        await using (var connection = await server.Database.DataSource.OpenConnectionAsync())
        await using (var command = new Npgsql.NpgsqlCommand(
            "SET session_replication_role = replica; UPDATE deeds.reviews SET outcome = 'signed', disagreements = '[]' WHERE deed_id = @id AND seq = 1; SET session_replication_role = origin", connection))
        {
            command.Parameters.AddWithValue("id", disputed);
            await command.ExecuteNonQueryAsync();
        }

        var verification = Ok(await civic.GetAsync("/api/deeds/journal/verification", "registrar"));
        Assert.False(verification.GetProperty("intact").GetBoolean());
        Assert.Contains(verification.GetProperty("findings").EnumerateArray(), f => f.GetString()!.Contains($"review 1 of deed {disputed}", StringComparison.Ordinal));
    }

    private async Task<Guid> RecordAsync(string number, string upi, string grantee) =>
        Ok(await civic.PostAsync("/api/deeds", "registrar", new
        {
            registrationNumber = number, registeredOn = "1971-06-01", instrumentDate = "1971-05-20", instrumentType = "conveyance",
            grantors = new[] { "Rupert Vendor" }, grantees = new[] { grantee }, landDescription = "A lot at Layou", upis = new[] { upi }, consideration = 2400m,
        }), 201).GetProperty("id").GetGuid();

    private Task<(int Status, JsonElement Body)> ReviewAsync(Guid deed, string role, object body) => civic.PostAsync($"/api/deeds/{deed}/review", role, body);

    private async Task<List<string?>> NumbersAsync(string path) =>
        [.. Ok(await civic.GetAsync(path, "notary")).EnumerateArray().Select(d => d.GetProperty("registrationNumber").GetString())];
}
