using Landplatform.Testing;
using static Landplatform.Registry.Tests.RegistryCounter;

namespace Landplatform.Registry.Tests;

/// <summary>Every rule a transaction must pass, each refused with its id and a message that says what is wrong.</summary>
public sealed class RegistrationRuleTests(SingleWindowServer server) : IClassFixture<SingleWindowServer>
{
    private readonly RegistryCounter counter = new(server);

    private Task<long> TransactionCountAsync() => server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.transactions");

    [Fact]
    public async Task R_OWNER_a_transfer_by_someone_who_is_not_the_registered_owner_is_refused()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 10);
        var id = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 2, share = "1/1" }], grantors: [new { partyId = title.OwnerId + 1 }]));
        await counter.PayAsync(id, "deed");
        var problem = Problem(await counter.ExamineAsync(id), 409, "R-OWNER");
        Assert.Contains(title.TitleNumber, problem.GetProperty("detail").GetString());
        Assert.Equal("paid", Ok(await counter.GetAsync($"/api/registry/transactions/{id}", "examiner")).GetProperty("state").GetString());
    }

    [Fact]
    public async Task R_OWNER_every_joint_owner_must_sign()
    {
        await using var command = server.Database.DataSource.CreateCommand("""
            SELECT r.title_number, min(r.party_id) FROM registry.rights r WHERE r.valid_to IS NULL AND r.kind = 'ownership'
            GROUP BY r.title_number HAVING count(*) = 2 ORDER BY r.title_number LIMIT 1
            """);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var title = new SampleTitle(reader.GetString(0), string.Empty, reader.GetInt64(1), string.Empty);
        var id = await counter.LodgeAsync(Transfer(title, [new { partyId = 1, share = "1/1" }]));
        await counter.PayAsync(id, "deed");
        var problem = Problem(await counter.ExamineAsync(id), 409, "R-OWNER");
        Assert.Contains("did not sign", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task R_SHARES_shares_that_do_not_sum_to_exactly_one_are_refused_and_nothing_is_stored()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 11);
        var before = await TransactionCountAsync();
        var problem = Problem(await counter.PostAsync("/api/registry/transactions", "notary",
            Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/2" }, new { partyId = title.OwnerId + 2, share = "1/3" }])), 400, "R-SHARES", "grantees");
        Assert.Contains("1/2 + 1/3", problem.GetProperty("detail").GetString());

        // Thirds that a float would round wrongly still add up exactly.
        Ok(await counter.PostAsync("/api/registry/transactions", "notary", Transfer(title,
            [new { partyId = title.OwnerId + 1, share = "1/3" }, new { partyId = title.OwnerId + 2, share = "1/3" }, new { partyId = title.OwnerId + 3, share = "1/3" }])), 201);
        Problem(await counter.PostAsync("/api/registry/transactions", "notary",
            Transfer(title, [new { partyId = title.OwnerId + 1, share = "3/2" }])), 400, "share-format", "grantees[0].share");
        Assert.Equal(before + 1, await TransactionCountAsync());
    }

    [Fact]
    public async Task R_DATE_an_instrument_dated_in_the_future_is_refused()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 12);
        var before = await TransactionCountAsync();
        var tomorrow = DateTime.UtcNow.AddDays(2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Problem(await counter.PostAsync("/api/registry/transactions", "notary",
            Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }], date: tomorrow)), 400, "R-DATE", "instrumentDate");
        Assert.Equal(before, await TransactionCountAsync());
    }

    [Fact]
    public async Task R_DOCS_a_transfer_without_its_deed_does_not_pass_examination()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 13);
        var id = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]));
        await counter.PayAsync(id);
        Assert.Contains("deed", Problem(await counter.ExamineAsync(id), 409, "R-DOCS").GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_new_owner_with_a_mistyped_UIN_is_refused_at_lodgement()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 14);
        var good = NewUin(14);
        var bad = good[..^1] + (char)('0' + ((good[^1] - '0' + 1) % 10));
        Problem(await counter.PostAsync("/api/registry/transactions", "notary",
            Transfer(title, [new { uin = bad, name = "Mistyped Person", share = "1/1" }])), 400, "uin-check-digit", "grantees[0].uin");
    }

    [Fact]
    public async Task R_CAVEAT_a_registered_caveat_blocks_a_transfer_until_it_is_withdrawn()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 15);
        await counter.RegisterThroughAsync(new
        {
            kind = "caveat", titleNumber = title.TitleNumber, instrumentDate = Today,
            beneficiary = new { registrationNumber = "C-2001-77777", name = "Kingstown Credit Union" },
            terms = "Purchaser's interest under an agreement for sale",
        }, "deed");
        var extract = Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}"));
        var caveat = Assert.Single(extract.GetProperty("restrictions").EnumerateArray());
        Assert.Equal("caveat", caveat.GetProperty("kind").GetString());
        Assert.Equal("Kingstown Credit Union", caveat.GetProperty("holder").GetString());

        var transfer = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]));
        await counter.PayAsync(transfer, "deed");
        Assert.Contains("withdrawn", Problem(await counter.ExamineAsync(transfer), 409, "R-CAVEAT").GetProperty("detail").GetString());

        // The withdrawal was lodged after the transfer, which has priority: the registrar rejects the transfer first.
        Ok(await counter.PostAsync($"/api/registry/transactions/{transfer}/rejection", "registrar", new { reason = "Blocked by a caveat." }));
        Problem(await counter.RegisterThroughAsyncExpectingAsync(new { kind = "caveat-withdrawal", titleNumber = title.TitleNumber, instrumentDate = Today, rightId = 999999999L }), 409, "R-RIGHT");
        await counter.RegisterThroughAsync(new { kind = "caveat-withdrawal", titleNumber = title.TitleNumber, instrumentDate = Today, rightId = caveat.GetProperty("id").GetInt64() }, "deed");
        Assert.Empty(Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}")).GetProperty("restrictions").EnumerateArray());
        await counter.RegisterThroughAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]), "deed");
    }

    [Fact]
    public async Task R_PRIORITY_the_first_lodged_registers_first_and_a_later_one_waits()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 16);
        var first = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]));
        var second = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 2, share = "1/1" }]));
        await counter.PayAsync(first, "deed");
        await counter.PayAsync(second, "deed");
        Ok(await counter.ExamineAsync(second));
        var waiting = Problem(await counter.RegisterAsync(second), 409, "R-PRIORITY");
        Assert.Contains(first.ToString(), waiting.GetProperty("detail").GetString());
        Assert.Equal("examined", Ok(await counter.GetAsync($"/api/registry/transactions/{second}", "registrar")).GetProperty("state").GetString());

        Ok(await counter.ExamineAsync(first));
        Ok(await counter.RegisterAsync(first));
        // Now the first has registered, the second's transferor no longer owns the title.
        Problem(await counter.RegisterAsync(second), 409, "R-OWNER");
    }

    [Fact]
    public async Task A_mortgage_registers_as_a_restriction_needs_the_mortgagees_consent_to_transfer_and_is_discharged()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 17);
        await counter.RegisterThroughAsync(new
        {
            kind = "mortgage", titleNumber = title.TitleNumber, instrumentDate = Today,
            grantors = new[] { new { partyId = title.OwnerId } },
            beneficiary = new { registrationNumber = "C-1990-55555", name = "Bank of Saint Vincent" }, amount = 180000.50m,
        }, "deed");
        var mortgage = Assert.Single(Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}")).GetProperty("restrictions").EnumerateArray());
        Assert.Equal("mortgage", mortgage.GetProperty("kind").GetString());
        Assert.Equal(180000.50m, mortgage.GetProperty("amount").GetDecimal());

        var transfer = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]));
        await counter.PayAsync(transfer, "deed");
        Assert.Contains("consent", Problem(await counter.ExamineAsync(transfer), 409, "R-DOCS").GetProperty("detail").GetString());
        Ok(await counter.PostAsync($"/api/registry/transactions/{transfer}/rejection", "examiner", new { reason = "No consent of the mortgagee." }));

        await counter.RegisterThroughAsync(new { kind = "discharge", titleNumber = title.TitleNumber, instrumentDate = Today, rightId = mortgage.GetProperty("id").GetInt64() }, "deed");
        Assert.Empty(Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}")).GetProperty("restrictions").EnumerateArray());
    }

    [Fact]
    public async Task R_SURVEY_and_subdivision_new_titles_for_the_children_carry_the_parents_rights()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 18);
        var notYet = await counter.LodgeAsync(new { kind = "subdivision", titleNumber = title.TitleNumber, instrumentDate = Today });
        await counter.PayAsync(notYet, "deed");
        Problem(await counter.ExamineAsync(notYet), 409, "R-SURVEY");
        Ok(await counter.PostAsync($"/api/registry/transactions/{notYet}/rejection", "examiner", new { reason = "No approved survey." }));

        await counter.RegisterThroughAsync(new
        {
            kind = "mortgage", titleNumber = title.TitleNumber, instrumentDate = Today,
            grantors = new[] { new { partyId = title.OwnerId } },
            beneficiary = new { registrationNumber = "C-1990-55556", name = "First Island Bank" }, amount = 50000m,
        }, "deed");
        var parent = await server.Database.SplittableChildAsync(title.Upi);
        var change = await server.Database.SubdivideInTwoAsync(parent, DateTimeOffset.UtcNow.AddMinutes(-1));

        var registered = await counter.RegisterThroughAsync(new { kind = "subdivision", titleNumber = title.TitleNumber, instrumentDate = Today }, "deed");
        var titles = registered.GetProperty("titles").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Equal([title.TitleNumber, .. change.ChildUpis.Select(u => "T-" + u)], titles);

        Assert.Equal("closed", Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}")).GetProperty("status").GetString());
        foreach (var child in change.ChildUpis)
        {
            var extract = Ok(await counter.GetAsync($"/api/registry/parcels/{child}/title"));
            Assert.Equal("T-" + child, extract.GetProperty("titleNumber").GetString());
            Assert.Equal(title.OwnerId, Assert.Single(extract.GetProperty("owners").EnumerateArray()).GetProperty("partyId").GetInt64());
            Assert.Equal("First Island Bank", Assert.Single(extract.GetProperty("restrictions").EnumerateArray()).GetProperty("holder").GetString());
        }

        Problem(await counter.PostAsync("/api/registry/transactions", "notary", Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }])), 409, "R-TITLE");
    }
}
