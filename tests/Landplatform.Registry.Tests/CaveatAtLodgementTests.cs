using Landplatform.Testing;
using static Landplatform.Registry.Tests.RegistryCounter;

namespace Landplatform.Registry.Tests;

/// <summary>
/// Blockers at lodgement (issue #23): a caveat is told to the notary in the lodgement's answer, before anyone pays; it is
/// checked again at registration; and the caveat's withdrawal is not held behind the transfer the caveat blocks.
/// </summary>
public sealed class CaveatAtLodgementTests(SingleWindowServer server) : IClassFixture<SingleWindowServer>
{
    private readonly RegistryCounter counter = new(server);

    private static object Caveat(SampleTitle title) => new
    {
        kind = "caveat", titleNumber = title.TitleNumber, instrumentDate = Today,
        beneficiary = new { registrationNumber = "C-2001-77777", name = "Kingstown Credit Union" },
        terms = "Purchaser's interest under an agreement for sale",
    };

    [Fact]
    public async Task A_transfer_lodged_over_a_caveat_is_warned_before_anyone_pays()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 1);
        await counter.RegisterThroughAsync(Caveat(title), "deed");

        var lodged = Ok(await counter.PostAsync("/api/registry/transactions", "notary", Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }])), 201);
        var warning = Assert.Single(lodged.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("rule").GetString() == "R-CAVEAT");
        Assert.Contains("withdrawn", warning.GetProperty("detail").GetString());
        Assert.Equal("lodged", lodged.GetProperty("state").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, lodged.GetProperty("invoice").ValueKind);
        Assert.Equal(0m, lodged.GetProperty("paid").GetDecimal());

        // A mortgage is held up the same way; a discharge or a second caveat is not.
        var mortgage = Ok(await counter.PostAsync("/api/registry/transactions", "notary", new
        {
            kind = "mortgage", titleNumber = title.TitleNumber, instrumentDate = Today, grantors = new[] { new { partyId = title.OwnerId } },
            beneficiary = new { registrationNumber = "C-1990-00001", name = "Bank of St Vincent" }, amount = 100000m,
        }), 201);
        Assert.Contains(mortgage.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("rule").GetString() == "R-CAVEAT");
        var second = Ok(await counter.PostAsync("/api/registry/transactions", "notary", Caveat(title)), 201);
        Assert.DoesNotContain(second.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("rule").GetString() == "R-CAVEAT");
    }

    [Fact]
    public async Task A_caveat_registered_after_a_transfer_was_examined_still_stops_it_at_registration()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 2);
        var caveat = await counter.LodgeAsync(Caveat(title));
        var transfer = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]));
        await counter.PayAsync(caveat, "deed");
        await counter.PayAsync(transfer, "deed");
        Ok(await counter.ExamineAsync(transfer));
        Ok(await counter.ExamineAsync(caveat));
        Ok(await counter.RegisterAsync(caveat));

        Problem(await counter.RegisterAsync(transfer), 409, "R-CAVEAT");
        Assert.Equal(title.OwnerId, Assert.Single(Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}")).GetProperty("owners").EnumerateArray()).GetProperty("partyId").GetInt64());
    }

    [Fact]
    public async Task A_caveat_withdrawal_lodged_after_the_transfer_it_blocks_registers_and_frees_the_transfer()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 3);
        await counter.RegisterThroughAsync(Caveat(title), "deed");
        var caveatId = Assert.Single(Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}")).GetProperty("restrictions").EnumerateArray()).GetProperty("id").GetInt64();
        var transfer = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]));
        await counter.PayAsync(transfer, "deed");
        Problem(await counter.ExamineAsync(transfer), 409, "R-CAVEAT");

        // The withdrawal is later in the day book than the transfer, which cannot register while the caveat stands: no deadlock.
        var withdrawal = await counter.LodgeAsync(new { kind = "caveat-withdrawal", titleNumber = title.TitleNumber, instrumentDate = Today, rightId = caveatId });
        await counter.PayAsync(withdrawal, "deed");
        Ok(await counter.ExamineAsync(withdrawal));
        Ok(await counter.RegisterAsync(withdrawal));

        Ok(await counter.ExamineAsync(transfer));
        Ok(await counter.RegisterAsync(transfer));
        var extract = Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}"));
        Assert.Empty(extract.GetProperty("restrictions").EnumerateArray());
        Assert.Equal(title.OwnerId + 1, Assert.Single(extract.GetProperty("owners").EnumerateArray()).GetProperty("partyId").GetInt64());

        // A transfer lodged after another pending transfer still waits for it: only the withdrawal skips what its caveat blocks.
        var first = await counter.LodgeAsync(Transfer(title with { OwnerId = title.OwnerId + 1 }, [new { partyId = title.OwnerId + 2, share = "1/1" }]));
        var second = await counter.LodgeAsync(Transfer(title with { OwnerId = title.OwnerId + 1 }, [new { partyId = title.OwnerId + 3, share = "1/1" }]));
        await counter.PayAsync(second, "deed");
        Ok(await counter.ExamineAsync(second));
        Problem(await counter.RegisterAsync(second), 409, "R-PRIORITY");
        Assert.NotEqual(first, second);
    }
}
