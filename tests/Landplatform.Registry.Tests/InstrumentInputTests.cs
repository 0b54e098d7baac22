using Landplatform.Testing;
using static Landplatform.Registry.Tests.RegistryCounter;

namespace Landplatform.Registry.Tests;

/// <summary>
/// Input rules at lodgement (issue #23): an instrument dated before 1800 or in the future, a negative, absurd or
/// over-precise price, is refused with a 400 naming the field and the rule, and nothing is lodged.
/// </summary>
public sealed class InstrumentInputTests(SingleWindowServer server) : IClassFixture<SingleWindowServer>
{
    private readonly RegistryCounter counter = new(server);

    [Theory]
    [InlineData("1700-01-01", 250000, "instrumentDate", "R-DATE")]
    [InlineData("1799-12-31", 250000, "instrumentDate", "R-DATE")]
    [InlineData("2999-01-01", 250000, "instrumentDate", "R-DATE")]
    [InlineData(null, -5, "amount", "amount-range")]
    [InlineData(null, 99999999999999, "amount", "amount-range")]
    [InlineData(null, 100.001, "amount", "amount-range")]
    public async Task A_transfer_with_an_impossible_date_or_price_is_refused_naming_the_field(string? date, double amount, string field, string rule)
    {
        var title = await SingleOwnerTitleAsync(server.Database, 1);
        var before = await server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.transactions");
        var lodgement = new
        {
            kind = "transfer", titleNumber = title.TitleNumber, instrumentDate = date ?? Today, reason = "sale",
            grantors = new[] { new { partyId = title.OwnerId } }, grantees = new[] { new { partyId = title.OwnerId + 1, share = "1/1" } },
            amount = (decimal)amount,
        };
        Problem(await counter.PostAsync("/api/registry/transactions", "notary", lodgement), 400, rule, field);
        Assert.Equal(before, await server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.transactions"));
    }

    [Fact]
    public async Task The_earliest_date_and_a_price_of_zero_are_accepted()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 2);
        Ok(await counter.PostAsync("/api/registry/transactions", "notary", new
        {
            kind = "transfer", titleNumber = title.TitleNumber, instrumentDate = "1800-01-01", reason = "gift",
            grantors = new[] { new { partyId = title.OwnerId } }, grantees = new[] { new { partyId = title.OwnerId + 1, share = "1/1" } },
            amount = 0m,
        }), 201);
    }
}
