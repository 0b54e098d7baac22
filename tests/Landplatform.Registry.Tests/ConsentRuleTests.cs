using System.Text;
using System.Text.Json;
using Landplatform.Testing;
using static Landplatform.Registry.Tests.RegistryCounter;

namespace Landplatform.Registry.Tests;

/// <summary>
/// Nobody rewrites a title without the consent the law asks for: rectifications are the registrar's, on a court
/// order or after notice, never over a caveat without an order; the civil registry decides who may take or pass land.
/// </summary>
public sealed class ConsentRuleTests(SingleWindowServer server) : IClassFixture<SingleWindowServer>
{
    private readonly RegistryCounter counter = new(server);

    private Task<long> TransactionCountAsync() => server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.transactions");

    private Task<long> JournalCountAsync() => server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.journal");

    private static string DaysAgo(int days) =>
        DateTime.UtcNow.AddDays(-days).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static object Rectification(SampleTitle title, long newOwner, string? noticeServedAt) => new
    {
        titleNumber = title.TitleNumber,
        instrumentDate = Today,
        grantees = new[] { new { partyId = newOwner, share = "1/1" } },
        grounds = "The 1987 conveyance was entered against the wrong title.",
        noticeServedAt,
    };

    private async Task<Guid> LodgeRectificationAsync(object body)
    {
        var lodged = Ok(await counter.PostAsync("/api/registry/rectifications", "registrar", body), 201);
        Assert.Equal("rectification", lodged.GetProperty("kind").GetString());
        return lodged.GetProperty("id").GetGuid();
    }

    private async Task AttachCourtOrderAsync(Guid id)
    {
        var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(Encoding.UTF8.GetBytes($"High Court order rectifying the register, claim {id}")), "file", "order.pdf" },
            { new StringContent("court-order"), "kind" },
        };
        Ok(await counter.SendAsync(HttpMethod.Post, $"/api/registry/rectifications/{id}/documents", "registrar", form), 201);
    }

    private async Task SubmitAsync(Guid id) =>
        Assert.Equal("paid", Ok(await counter.PostAsync($"/api/registry/rectifications/{id}/submission", "registrar")).GetProperty("state").GetString());

    [Fact]
    public async Task A_notary_cannot_lodge_a_rectification_and_nothing_is_stored()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 40);
        var before = await TransactionCountAsync();
        var body = new { kind = "rectification", titleNumber = title.TitleNumber, instrumentDate = Today, grantees = new[] { new { partyId = title.OwnerId + 1, share = "1/1" } }, grounds = "x" };
        Problem(await counter.PostAsync("/api/registry/transactions", "notary", body), 403, "R-RECTIFY");
        Assert.Equal(before, await TransactionCountAsync());

        // And the registrar's own route is closed to notaries by its policy.
        var refused = await counter.PostAsync("/api/registry/rectifications", "notary", Rectification(title, title.OwnerId + 1, DaysAgo(60)));
        Assert.Equal(403, refused.Status);
        Assert.Equal(before, await TransactionCountAsync());
    }

    [Fact]
    public async Task A_rectification_without_a_court_order_needs_notice_to_the_proprietor_and_its_period()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 41);
        Problem(await counter.PostAsync("/api/registry/rectifications", "registrar",
            new { titleNumber = title.TitleNumber, instrumentDate = Today, grantees = new[] { new { partyId = title.OwnerId + 1, share = "1/1" } } }), 400, "rectification-grounds", "grounds");

        var noNotice = await LodgeRectificationAsync(Rectification(title, title.OwnerId + 1, null));
        await SubmitAsync(noNotice);
        Assert.Contains("noticeServedAt", Problem(await counter.ExamineAsync(noNotice), 409, "R-NOTICE").GetProperty("detail").GetString());
        Ok(await counter.PostAsync($"/api/registry/transactions/{noNotice}/rejection", "registrar", new { reason = "no notice served" }));

        var tooSoon = await LodgeRectificationAsync(Rectification(title, title.OwnerId + 1, DaysAgo(3)));
        await SubmitAsync(tooSoon);
        Assert.Contains("30 days", Problem(await counter.ExamineAsync(tooSoon), 409, "R-NOTICE").GetProperty("detail").GetString());
        Ok(await counter.PostAsync($"/api/registry/transactions/{tooSoon}/rejection", "registrar", new { reason = "notice period running" }));

        // After the notice period the registrar's decision registers, journaled, with no fee and no duty.
        var journal = await JournalCountAsync();
        var decided = await LodgeRectificationAsync(Rectification(title, title.OwnerId + 1, DaysAgo(31)));
        await SubmitAsync(decided);
        Ok(await counter.ExamineAsync(decided));
        Ok(await counter.RegisterAsync(decided));
        Assert.Equal(journal + 1, await JournalCountAsync());
        var view = Ok(await counter.GetAsync($"/api/registry/transactions/{decided}", "registrar"));
        Assert.Equal("registered", view.GetProperty("state").GetString());
        Assert.True(!view.TryGetProperty("invoice", out var invoice) || invoice.ValueKind == JsonValueKind.Null, $"a rectification is not invoiced: {view}");
    }

    [Fact]
    public async Task A_rectification_over_a_caveat_needs_a_court_order_and_with_one_registers_into_the_titles_history()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 42);
        await counter.RegisterThroughAsync(new
        {
            kind = "caveat", titleNumber = title.TitleNumber, instrumentDate = Today,
            beneficiary = new { registrationNumber = "C-2001-77777", name = "Kingstown Credit Union" },
            terms = "Purchaser's interest under an agreement for sale",
        }, "deed");

        var overCaveat = await LodgeRectificationAsync(Rectification(title, title.OwnerId + 1, DaysAgo(90)));
        await SubmitAsync(overCaveat);
        Assert.Contains("court order", Problem(await counter.ExamineAsync(overCaveat), 409, "R-CAVEAT").GetProperty("detail").GetString());
        Ok(await counter.PostAsync($"/api/registry/transactions/{overCaveat}/rejection", "registrar", new { reason = "caveat" }));

        var newOwnerName = await server.Database.ScalarAsync<string>("SELECT name FROM registry.parties WHERE id = @id", ("id", title.OwnerId + 1));
        var journal = await JournalCountAsync();
        var ordered = await LodgeRectificationAsync(Rectification(title, title.OwnerId + 1, null));
        await AttachCourtOrderAsync(ordered);
        await SubmitAsync(ordered);
        Ok(await counter.ExamineAsync(ordered));
        Ok(await counter.RegisterAsync(ordered));
        Assert.Equal(journal + 1, await JournalCountAsync());

        var extract = Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}?history=true"));
        var text = extract.ToString();
        Assert.Contains(newOwnerName, text);
        Assert.Contains(title.OwnerName, text);
        Assert.Equal(1L, await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM registry.rights WHERE title_number = @t AND kind = 'ownership' AND valid_to IS NULL AND party_id = @p",
            ("t", title.TitleNumber), ("p", title.OwnerId + 1)));
    }

    [Fact]
    public async Task A_transfer_to_a_person_the_civil_registry_records_dead_is_refused_and_nothing_is_stored()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 43);
        var uin = NewUin(4301);
        server.Systems.CivilRegistry.Register(new Landplatform.Simulators.CivilPerson(uin, "Augustin Cordice", new DateOnly(1931, 5, 5), true, new DateOnly(2020, 6, 1)));
        var before = await TransactionCountAsync();
        var problem = Problem(await counter.PostAsync("/api/registry/transactions", "notary",
            Transfer(title, [new { uin, name = "Augustin Cordice", share = "1/1" }])), 400, "R-DECEASED", "grantees[0]");
        Assert.Contains("2020-06-01", problem.GetProperty("detail").GetString());

        // A person already in the register whose death was registered since is refused the same way.
        var other = await SingleOwnerTitleAsync(server.Database, 44);
        await counter.OwnerDiesAsync(other, new DateOnly(2021, 2, 2));
        Problem(await counter.PostAsync("/api/registry/transactions", "notary",
            Transfer(title, [new { partyId = other.OwnerId, share = "1/1" }])), 400, "R-DECEASED", "grantees[0]");
        // Nor can a dead owner sell: the land passes by transmission.
        Problem(await counter.PostAsync("/api/registry/transactions", "notary",
            Transfer(other, [new { partyId = title.OwnerId, share = "1/1" }])), 400, "R-DECEASED", "grantors[0]");
        Assert.Equal(before, await TransactionCountAsync());
    }

    [Fact]
    public async Task Every_lodgement_against_a_title_is_announced_and_its_owner_sees_it()
    {
        // The demo citizen receives a title, then someone lodges a caveat against it.
        var citizen = Landplatform.Integrations.Identity.DemoAccounts.Users.Single(u => u.Role == "citizen");
        server.Systems.CivilRegistry.Register(new Landplatform.Simulators.CivilPerson(citizen.Uin, citizen.FullName, null));
        var title = await SingleOwnerTitleAsync(server.Database, 46);
        await counter.RegisterThroughAsync(Transfer(title, [new { uin = citizen.Uin, name = citizen.FullName, share = "1/1" }], reason: "gift"), "deed");
        var caveat = await counter.LodgeAsync(new
        {
            kind = "caveat", titleNumber = title.TitleNumber, instrumentDate = Today,
            beneficiary = new { registrationNumber = "C-2001-77777", name = "Kingstown Credit Union" }, terms = "Purchaser's interest",
        });

        var payload = await server.Database.ScalarAsync<string>(
            "SELECT payload::text FROM exchange.outbox WHERE type = 'registry.transaction.lodged' AND correlation_id = @id", ("id", caveat));
        var announced = JsonDocument.Parse(payload).RootElement;
        Assert.Equal(title.TitleNumber, announced.GetProperty("titleNumber").GetString());
        Assert.Equal("caveat", announced.GetProperty("kind").GetString());
        Assert.Equal(citizen.Uin, announced.GetProperty("owners")[0].GetProperty("uin").GetString());

        var notices = Ok(await counter.GetAsync("/api/registry/notices", "citizen"));
        var notice = notices.EnumerateArray().First(n => n.GetProperty("transactionId").GetGuid() == caveat);
        Assert.Equal(title.TitleNumber, notice.GetProperty("titleNumber").GetString());
        Assert.Equal("lodged", notice.GetProperty("state").GetString());
        // Another person sees nothing of it.
        Assert.DoesNotContain(Ok(await counter.GetAsync("/api/registry/notices", "surveyor")).EnumerateArray(), n => n.GetProperty("transactionId").GetGuid() == caveat);
    }

    [Fact]
    public async Task A_transmission_on_death_needs_the_recorded_death_and_a_grant_and_then_registers()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 45);
        var before = await TransactionCountAsync();
        var heir = new[] { new { partyId = title.OwnerId + 1, share = "1/1" } };
        var alive = Problem(await counter.PostAsync("/api/registry/transactions", "notary", Transfer(title, heir, reason: "inheritance")), 400, "R-DEATH", "grantors[0]");
        Assert.Contains("not recorded", alive.GetProperty("detail").GetString());
        Assert.Equal(before, await TransactionCountAsync());

        await counter.OwnerDiesAsync(title, new DateOnly(2026, 3, 4));
        var id = await counter.LodgeAsync(Transfer(title, heir, reason: "inheritance"));
        var grantor = Ok(await counter.GetAsync($"/api/registry/transactions/{id}", "registrar")).GetProperty("instrument").GetProperty("grantors")[0];
        Assert.True(grantor.GetProperty("deceased").GetBoolean());
        Assert.Equal("2026-03-04", grantor.GetProperty("dateOfDeath").GetString());
        Assert.NotEqual(JsonValueKind.Null, grantor.GetProperty("verifiedAt").ValueKind);

        await counter.PayAsync(id, "deed", "letters-of-administration");
        Ok(await counter.ExamineAsync(id));
        Ok(await counter.RegisterAsync(id));
        Assert.Equal(1L, await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM registry.rights WHERE title_number = @t AND kind = 'ownership' AND valid_to IS NULL AND party_id = @p",
            ("t", title.TitleNumber), ("p", title.OwnerId + 1)));
    }
}
