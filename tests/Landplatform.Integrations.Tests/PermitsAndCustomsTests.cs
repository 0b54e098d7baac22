using System.Globalization;
using System.Text.Json;
using Landplatform.Testing;
using static Landplatform.Integrations.Tests.CivicScenario;

namespace Landplatform.Integrations.Tests;

/// <summary>Building permits on a parcel in a flood zone, by its owner, a stranger and an agent; the officer's decision; the customs link and its audit.</summary>
public sealed class PermitsAndCustomsTests(CivicServer server) : IClassFixture<CivicServer>
{
    private readonly CivicScenario civic = new(server);

    /// <summary>A residential parcel whose footprint (the parcel less a 1 m setback) lies partly in one flood zone level and in no other hazard zone.</summary>
    private async Task<(string Upi, string Footprint, string Percent, string Level)> FloodParcelAsync(int skip)
    {
        var row = JsonDocument.Parse(await server.Database.ScalarAsync<string>("""
            WITH f AS (
                SELECT v.upi, ST_GeometryN(ST_Multi(ST_Buffer(v.boundary, -1)), 1) AS g
                FROM cadastre.parcel_versions v WHERE v.status = 'current' AND v.land_use = 'residential'),
            hit AS (
                SELECT f.upi, f.g, min(z.level) AS level, count(DISTINCT (z.hazard, z.level)) AS kinds, bool_and(z.hazard LIKE 'flood%') AS flood,
                       ST_Area(ST_Intersection(f.g, ST_Union(z.boundary))) / ST_Area(f.g) AS share
                FROM f JOIN cadastre.hazard_zones z ON ST_Intersects(z.boundary, f.g)
                GROUP BY f.upi, f.g)
            SELECT json_build_array(upi, ST_AsGeoJSON(g), round((share * 100)::numeric, 0), level)::text FROM hit
            WHERE kinds = 1 AND flood AND share BETWEEN 0.15 AND 0.85
            ORDER BY upi OFFSET @skip LIMIT 1
            """, ("skip", skip))).RootElement;
        return (row[0].GetString()!, row[1].GetString()!, row[2].GetDecimal().ToString("0", CultureInfo.InvariantCulture), row[3].GetString()!);
    }

    private static object Application(string upi, string footprint, string? ownerUin = null) =>
        new { upi, description = "Two-storey dwelling, 140 m² of floor", footprint = JsonDocument.Parse(footprint).RootElement, ownerUin };

    [Fact]
    public async Task An_owner_applies_on_a_flood_parcel_gets_the_flood_finding_and_an_officer_approves_it_for_all_to_see()
    {
        var (upi, footprint, percent, level) = await FloodParcelAsync(0);
        var citizen = Person("citizen");
        await civic.RegisterTransferAsync(upi, citizen.Uin, citizen.FullName);

        var application = Ok(await civic.PostAsync("/api/permits", "citizen", Application(upi, footprint)), 201);
        Assert.Equal("submitted", application.GetProperty("status").GetString());
        Assert.Equal("owner", application.GetProperty("applicantCapacity").GetString());
        var flood = Assert.Single(application.GetProperty("findings").EnumerateArray(), f => f.GetProperty("id").GetString() == "P-FLOOD");
        Assert.Contains($"lies {percent} % in a", flood.GetProperty("message").GetString());
        Assert.Contains($"({level})", flood.GetProperty("message").GetString());
        Assert.Contains("floor must be at least", flood.GetProperty("message").GetString());
        Assert.Equal(level == "low" ? "advice" : "condition", flood.GetProperty("severity").GetString());
        Assert.Contains(application.GetProperty("findings").EnumerateArray(), f => f.GetProperty("id").GetString() == "P-PLANNING-NONE");
        var id = application.GetProperty("id").GetGuid();

        Assert.Equal(403, (await civic.PostAsync($"/api/permits/{id}/decision", "citizen", new { decision = "approve", reasons = "mine" })).Status);
        Problem(await civic.PostAsync($"/api/permits/{id}/decision", "permit-officer", new { decision = "maybe", reasons = "x" }), 400, "P-DECISION", "decision");
        Problem(await civic.PostAsync($"/api/permits/{id}/decision", "permit-officer", new { decision = "approve" }), 400, "reason-required", "reasons");
        Assert.Empty(Ok(await civic.GetAsync($"/api/permits?upi={upi}")).EnumerateArray());

        var approved = Ok(await civic.PostAsync($"/api/permits/{id}/decision", "permit-officer",
            new { decision = "approve", reasons = "Approved on condition that the floor level follows P-FLOOD." }));
        Assert.Equal("approved", approved.GetProperty("status").GetString());
        Problem(await civic.PostAsync($"/api/permits/{id}/decision", "permit-officer", new { decision = "refuse", reasons = "again" }), 409, "P-STATE");

        var onParcel = Assert.Single(Ok(await civic.GetAsync($"/api/permits?upi={upi}")).EnumerateArray());
        Assert.Equal(approved.GetProperty("number").GetString(), onParcel.GetProperty("number").GetString());
        Assert.False(onParcel.TryGetProperty("applicantName", out _));
        Assert.False(onParcel.GetRawText().Contains(citizen.Uin, StringComparison.Ordinal));
        Assert.Equal(1L, await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM exchange.outbox WHERE type = 'permits.permit.decided' AND correlation_id = @id AND payload ->> 'decision' = 'approved'", ("id", id)));
    }

    [Fact]
    public async Task A_stranger_is_refused_and_an_agent_needs_the_owners_own_consent()
    {
        var (upi, footprint, _, _) = await FloodParcelAsync(1);
        var citizen = Person("citizen");
        await civic.RegisterTransferAsync(upi, citizen.Uin, citizen.FullName);
        var stored = await server.Database.ScalarAsync<long>("SELECT count(*) FROM permits.applications");

        Problem(await civic.PostAsync("/api/permits", "surveyor", Application(upi, footprint)), 409, "P-OWNER");
        Assert.Equal(401, (await civic.PostAsync("/api/permits", null, Application(upi, footprint))).Status);
        Problem(await civic.PostAsync("/api/permits", "citizen", new { upi, description = "Shed",
            footprint = JsonDocument.Parse("""{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}""").RootElement }), 400, "P-FOOTPRINT", "footprint");
        Assert.Equal(stored, await server.Database.ScalarAsync<long>("SELECT count(*) FROM permits.applications"));

        // An architect (the surveyor's account) applies for the owner; nothing is checked or decided before the owner consents.
        var pending = Ok(await civic.PostAsync("/api/permits", "surveyor", Application(upi, footprint, citizen.Uin)), 201);
        Assert.Equal("awaiting-consent", pending.GetProperty("status").GetString());
        Assert.Equal("agent", pending.GetProperty("applicantCapacity").GetString());
        Assert.Empty(pending.GetProperty("findings").EnumerateArray());
        var id = pending.GetProperty("id").GetGuid();
        Problem(await civic.PostAsync($"/api/permits/{id}/decision", "permit-officer", new { decision = "approve", reasons = "early" }), 409, "P-STATE");
        Problem(await civic.PostAsync($"/api/permits/{id}/consent", "surveyor"), 409, "P-CONSENT");
        Problem(await civic.PostAsync($"/api/permits/{id}/consent", "notary"), 409, "P-CONSENT");
        Assert.Equal(404, (await civic.GetAsync($"/api/permits/{id}", "notary")).Status);

        var consented = Ok(await civic.PostAsync($"/api/permits/{id}/consent", "citizen"));
        Assert.Equal("submitted", consented.GetProperty("status").GetString());
        Assert.True(consented.GetProperty("consentedAt").ValueKind == JsonValueKind.String);
        Assert.Contains(consented.GetProperty("findings").EnumerateArray(), f => f.GetProperty("id").GetString() == "P-FLOOD");
        Assert.Equal("submitted", Ok(await civic.GetAsync($"/api/permits/{id}", "surveyor")).GetProperty("status").GetString());
        Assert.Equal("refused", Ok(await civic.PostAsync($"/api/permits/{id}/decision", "permit-officer",
            new { decision = "refuse", reasons = "The floor level shown is below what P-FLOOD requires." })).GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_agent_gets_the_same_answer_whether_or_not_the_uin_they_name_owns_the_parcel()
    {
        // Issue #24: 201 with the owner's name for an owner, 409 otherwise, tied any UIN to a name. Now both read alike.
        var (upi, footprint, _, _) = await FloodParcelAsync(6);
        var citizen = Person("citizen");
        await civic.RegisterTransferAsync(upi, citizen.Uin, citizen.FullName);

        var forOwner = Ok(await civic.PostAsync("/api/permits", "surveyor", Application(upi, footprint, citizen.Uin)), 201);
        var forStranger = Ok(await civic.PostAsync("/api/permits", "surveyor", Application(upi, footprint, Person("planner").Uin)), 201);
        static string Shape(JsonElement a) => JsonSerializer.Serialize(a.EnumerateObject()
            .Where(p => p.Name is not ("id" or "number" or "createdAt")).ToDictionary(p => p.Name, p => p.Value.GetRawText()));
        Assert.Equal(Shape(forOwner), Shape(forStranger));
        Assert.Equal(JsonValueKind.Null, forOwner.GetProperty("ownerName").ValueKind);
        Assert.DoesNotContain(citizen.FullName, forOwner.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(Shape(Ok(await civic.GetAsync($"/api/permits/{forOwner.GetProperty("id").GetGuid()}", "surveyor"))),
            Shape(Ok(await civic.GetAsync($"/api/permits/{forStranger.GetProperty("id").GetGuid()}", "surveyor"))));

        // The person wrongly named can never consent; the real owner can, and then the agent sees the owner.
        Problem(await civic.PostAsync($"/api/permits/{forStranger.GetProperty("id").GetGuid()}/consent", "planner"), 409, "P-OWNER");
        Assert.Equal("awaiting-consent", Ok(await civic.GetAsync($"/api/permits/{forStranger.GetProperty("id").GetGuid()}", "surveyor")).GetProperty("status").GetString());
        Ok(await civic.PostAsync($"/api/permits/{forOwner.GetProperty("id").GetGuid()}/consent", "citizen"));
        var consented = Ok(await civic.GetAsync($"/api/permits/{forOwner.GetProperty("id").GetGuid()}", "surveyor"));
        Assert.Equal("submitted", consented.GetProperty("status").GetString());
        Assert.Equal(citizen.FullName, consented.GetProperty("ownerName").GetString());
    }

    [Fact]
    public async Task A_person_lists_the_applications_they_filed_or_that_are_made_on_their_land_newest_first_and_nobody_elses()
    {
        var (upi, footprint, _, _) = await FloodParcelAsync(4);
        var (ownUpi, ownFootprint, _, _) = await FloodParcelAsync(5);
        var citizen = Person("citizen");
        await civic.RegisterTransferAsync(upi, citizen.Uin, citizen.FullName);
        await civic.RegisterTransferAsync(ownUpi, citizen.Uin, citizen.FullName);

        // The surveyor's account files for the owner; then the owner applies on their other parcel themselves.
        var filed = Ok(await civic.PostAsync("/api/permits", "surveyor", Application(upi, footprint, citizen.Uin)), 201);
        var own = Ok(await civic.PostAsync("/api/permits", "citizen", Application(ownUpi, ownFootprint)), 201);
        string? Id(JsonElement a) => a.GetProperty("id").GetString();

        var ownersList = Ok(await civic.GetAsync("/api/permits/mine", "citizen")).EnumerateArray().ToList();
        var ids = ownersList.Select(Id).ToList();
        Assert.Contains(Id(filed), ids);
        Assert.True(ids.IndexOf(Id(own)) < ids.IndexOf(Id(filed)), "the newest application comes first");
        Assert.All(ownersList, a => Assert.True(a.GetProperty("ownerName").GetString() == citizen.FullName || a.GetProperty("applicantName").GetString() == citizen.FullName));
        var asOwner = ownersList.Single(a => Id(a) == Id(filed));
        Assert.Equal("awaiting-consent", asOwner.GetProperty("status").GetString());
        Assert.Equal(upi, asOwner.GetProperty("upi").GetString());
        var mineApplied = ownersList.Single(a => Id(a) == Id(own));
        Assert.Equal("submitted", mineApplied.GetProperty("status").GetString());
        Assert.Contains(mineApplied.GetProperty("findings").EnumerateArray(), f => f.GetProperty("id").GetString() == "P-FLOOD");

        var agentsList = Ok(await civic.GetAsync("/api/permits/mine", "surveyor")).EnumerateArray().Select(Id).ToList();
        Assert.Contains(Id(filed), agentsList);
        Assert.DoesNotContain(Id(own), agentsList);
        Assert.Empty(Ok(await civic.GetAsync("/api/permits/mine", "notary")).EnumerateArray());

        // A decision shows in the owner's list with its reasons.
        Ok(await civic.PostAsync($"/api/permits/{Id(own)}/decision", "permit-officer", new { decision = "refuse", reasons = "The floor is below the flood level." }));
        var decided = Ok(await civic.GetAsync("/api/permits/mine", "citizen")).EnumerateArray().Single(a => Id(a) == Id(own));
        Assert.Equal("refused", decided.GetProperty("status").GetString());
        Assert.Equal("The floor is below the flood level.", decided.GetProperty("reasons").GetString());

        // Another system's token names no person: the same problem as when it applies; no token at all is 401.
        var agency = await Tokens.ClientTokenAsync(server.Client, "planning-agency", "parcels.read");
        var applying = Problem(await civic.SendAsync(HttpMethod.Post, "/api/permits", null, Application(upi, footprint), agency), 409, "P-IDENTITY");
        var listing = Problem(await civic.GetAsync("/api/permits/mine", bearer: agency), 409, "P-IDENTITY");
        Assert.Equal(applying.GetProperty("detail").GetString(), listing.GetProperty("detail").GetString());
        Assert.Equal(401, (await civic.GetAsync("/api/permits/mine")).Status);
    }

    [Fact]
    public async Task Customs_hears_yes_only_for_an_owner_with_an_approved_permit_needs_its_scope_and_every_query_is_audited()
    {
        var (upi, footprint, _, _) = await FloodParcelAsync(2);
        var (otherUpi, _, _, _) = await FloodParcelAsync(3);
        var citizen = Person("citizen");
        await civic.RegisterTransferAsync(upi, citizen.Uin, citizen.FullName);
        await civic.RegisterTransferAsync(otherUpi, citizen.Uin, citizen.FullName);
        var id = Ok(await civic.PostAsync("/api/permits", "citizen", Application(upi, footprint)), 201).GetProperty("id").GetGuid();
        Ok(await civic.PostAsync($"/api/permits/{id}/decision", "permit-officer", new { decision = "approve", reasons = "Meets the conditions." }));

        var customs = await Tokens.ClientTokenAsync(server.Client, "customs", "customs.read");
        var yes = Ok(await civic.GetAsync($"/api/customs/concession-eligibility?uin={citizen.Uin}&upi={upi}", bearer: customs));
        Assert.True(yes.GetProperty("eligible").GetBoolean(), yes.ToString());
        Assert.All(yes.GetProperty("reasons").EnumerateArray(), r => Assert.True(r.GetProperty("met").GetBoolean()));
        Assert.StartsWith("BP-", yes.GetProperty("permitNumber").GetString());
        Assert.False(yes.GetRawText().Contains(citizen.FullName, StringComparison.Ordinal));

        var noPermit = Ok(await civic.GetAsync($"/api/customs/concession-eligibility?uin={citizen.Uin}&upi={otherUpi}", bearer: customs));
        Assert.False(noPermit.GetProperty("eligible").GetBoolean());
        Assert.Equal(["C-PERMIT"], noPermit.GetProperty("reasons").EnumerateArray().Where(r => !r.GetProperty("met").GetBoolean()).Select(r => r.GetProperty("code").GetString()));
        var stranger = Person("surveyor").Uin;
        var notOwner = Ok(await civic.GetAsync($"/api/customs/concession-eligibility?uin={stranger}&upi={upi}", bearer: customs));
        Assert.False(notOwner.GetProperty("eligible").GetBoolean());
        Assert.Equal(["C-TITLE"], notOwner.GetProperty("reasons").EnumerateArray().Where(r => !r.GetProperty("met").GetBoolean()).Select(r => r.GetProperty("code").GetString()));
        Assert.Equal(JsonValueKind.Null, notOwner.GetProperty("permitNumber").ValueKind);

        // Without the scope, or as a person, there is no answer (and nothing to audit).
        var parcelsOnly = await Tokens.ClientTokenAsync(server.Client, "customs", "parcels.read");
        Assert.Equal(403, (await civic.GetAsync($"/api/customs/concession-eligibility?uin={citizen.Uin}&upi={upi}", bearer: parcelsOnly)).Status);
        Assert.Equal(403, (await civic.GetAsync($"/api/customs/concession-eligibility?uin={citizen.Uin}&upi={upi}", "citizen")).Status);
        Assert.Equal(401, (await civic.GetAsync($"/api/customs/concession-eligibility?uin={citizen.Uin}&upi={upi}")).Status);
        Problem(await civic.GetAsync($"/api/customs/concession-eligibility?upi={upi}", bearer: customs), 400, "parameter-required", "uin");

        // The audit: exactly the three answered questions, who asked, what, and what they were told; append-only.
        Assert.Equal(403, (await civic.GetAsync("/api/customs/audit", bearer: customs)).Status);
        var audit = Ok(await civic.GetAsync("/api/customs/audit", "administrator")).EnumerateArray().ToList();
        Assert.Equal(3, audit.Count);
        Assert.All(audit, a => Assert.Equal("customs", a.GetProperty("clientId").GetString()));
        Assert.Equal([(stranger, upi, false), (citizen.Uin, otherUpi, false), (citizen.Uin, upi, true)],
            audit.Select(a => (a.GetProperty("uin").GetString(), a.GetProperty("upi").GetString(), a.GetProperty("eligible").GetBoolean())));
        Assert.Equal(yes.GetProperty("queryId").GetInt64(), audit[2].GetProperty("id").GetInt64());
        var refusal = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            server.Database.ScalarAsync<object>("DELETE FROM customs.queries RETURNING 1"));
        Assert.Equal("LPH02", refusal.SqlState);
    }
}
