using Landplatform.Testing;
using static Landplatform.Registry.Tests.RegistryCounter;

namespace Landplatform.Registry.Tests;

/// <summary>Many notaries filing conflicting transfers of one title at the same moment: the database lets exactly one register.</summary>
public sealed class ConcurrentTransferTests(SingleWindowServer server) : IClassFixture<SingleWindowServer>
{
    private const int Notaries = 50;

    [Fact]
    public async Task Fifty_concurrent_conflicting_transfers_register_exactly_one_and_the_journal_stays_consistent()
    {
        var counter = new RegistryCounter(server);
        foreach (var role in new[] { "notary", "examiner", "registrar" })
        {
            await counter.TokenAsync(role);
        }

        var title = await SingleOwnerTitleAsync(server.Database, 30);
        var journalBefore = await server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.journal");
        using var start = new SemaphoreSlim(0, Notaries);
        var filings = Enumerable.Range(1, Notaries).Select(async n =>
        {
            await start.WaitAsync();
            var id = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + n, share = "1/1" }]));
            await counter.PayAsync(id, "deed");
            var examined = await counter.ExamineAsync(id);
            var outcome = examined.Status == 200 ? await counter.RegisterAsync(id) : examined;
            return (Id: id, Buyer: title.OwnerId + n, outcome.Status, Rule: outcome.Status == 200 ? null : outcome.Body.GetProperty("rule").GetString());
        }).ToList();
        start.Release(Notaries);
        var results = await Task.WhenAll(filings);

        var registered = Assert.Single(results, r => r.Status == 200);
        Assert.All(results.Where(r => r.Status != 200), r =>
        {
            Assert.Equal(409, r.Status);
            Assert.Contains(r.Rule, new[] { "R-PRIORITY", "R-OWNER" });
        });

        // The one that registered is the one lodged first: priority by lodgement time.
        var firstLodged = await server.Database.ScalarAsync<Guid>(
            "SELECT id FROM registry.transactions WHERE title_number = @t AND kind = 'transfer' ORDER BY lodged_at, id LIMIT 1", ("t", title.TitleNumber));
        Assert.Equal(firstLodged, registered.Id);

        var owners = Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}")).GetProperty("owners").EnumerateArray().ToList();
        Assert.Equal(registered.Buyer, Assert.Single(owners).GetProperty("partyId").GetInt64());
        Assert.Equal(1, await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM registry.transactions WHERE title_number = @t AND state = 'registered'", ("t", title.TitleNumber)));
        Assert.Equal(journalBefore + 1, await server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.journal"));
        Assert.Equal(1, await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM exchange.outbox WHERE type = 'registry.transaction.registered' AND payload->>'titleNumber' = @t", ("t", title.TitleNumber)));
        var verification = Ok(await counter.GetAsync("/api/registry/journal/verification", "registrar"));
        Assert.True(verification.GetProperty("intact").GetBoolean(), verification.ToString());
    }

    [Fact]
    public async Task Two_titles_transferred_at_once_to_the_same_new_person_make_one_party()
    {
        var counter = new RegistryCounter(server);
        var uin = NewUin(77);
        var titles = new[] { await SingleOwnerTitleAsync(server.Database, 31), await SingleOwnerTitleAsync(server.Database, 32) };
        var ids = new List<Guid>();
        foreach (var title in titles)
        {
            var id = await counter.LodgeAsync(Transfer(title, [new { uin, name = "Quincy Twin-Buyer", share = "1/1" }]));
            await counter.PayAsync(id, "deed");
            Ok(await counter.ExamineAsync(id));
            ids.Add(id);
        }

        var registered = await Task.WhenAll(ids.Select(id => counter.RegisterAsync(id)));
        Assert.All(registered, r => Assert.True(r.Status == 200, r.Body.ToString()));
        Assert.Equal(1, await server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.parties WHERE uin = @u", ("u", uin)));
        foreach (var title in titles)
        {
            var owner = Assert.Single(Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}")).GetProperty("owners").EnumerateArray());
            Assert.Equal("Quincy Twin-Buyer", owner.GetProperty("name").GetString());
        }
    }
}
