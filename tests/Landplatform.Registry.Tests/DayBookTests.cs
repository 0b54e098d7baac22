using System.Text.RegularExpressions;
using Landplatform.Testing;
using static Landplatform.Registry.Tests.RegistryCounter;

namespace Landplatform.Registry.Tests;

/// <summary>
/// Application numbers, lodgement receipts and the day book (issue #23): every application gets a number and a receipt at
/// lodgement; the day book lists a day's applications in order for staff; a title's pending list shows its owners and the
/// parties named what is waiting, in the order it will be decided; conflicting applications are decided in day-book order.
/// </summary>
public sealed partial class DayBookTests(SingleWindowServer server) : IClassFixture<SingleWindowServer>
{
    private readonly RegistryCounter counter = new(server);

    [Fact]
    public async Task A_notarys_own_list_holds_only_their_lodgements_newest_first()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 17);
        var ids = new List<Guid>();
        for (var i = 1; i <= 2; i++)
        {
            ids.Add(Ok(await counter.PostAsync("/api/registry/transactions", "notary", Transfer(title, [new { partyId = title.OwnerId + i, share = "1/1" }])), 201)
                .GetProperty("id").GetGuid());
        }

        var notary = Landplatform.Integrations.Identity.DemoAccounts.Users.Single(u => u.Role == "notary").UserName;
        var (status, mine) = await counter.SendAsync(HttpMethod.Get, "/api/registry/transactions?mine=true&limit=100", "notary");
        Assert.Equal(200, status);
        var rows = mine.EnumerateArray().ToList();
        Assert.All(rows, r => Assert.Equal(notary, r.GetProperty("lodgedBy").GetString()));
        var positions = ids.Select(id => rows.FindIndex(r => r.GetProperty("id").GetGuid() == id)).ToList();
        Assert.True(positions[1] >= 0 && positions[1] < positions[0], $"the later lodgement comes first: {string.Join(", ", positions)}");
        var (_, others) = await counter.SendAsync(HttpMethod.Get, "/api/registry/transactions?mine=true&limit=100", "registrar");
        Assert.DoesNotContain(others.EnumerateArray(), r => ids.Contains(r.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task Every_application_gets_a_number_and_a_receipt_and_the_day_book_lists_them_in_order()
    {
        var first = await SingleOwnerTitleAsync(server.Database, 1);
        var second = await SingleOwnerTitleAsync(server.Database, 2);
        var lodged = new List<System.Text.Json.JsonElement>();
        foreach (var lodgement in new[]
        {
            Transfer(first, [new { partyId = first.OwnerId + 1, share = "1/1" }]),
            Transfer(second, [new { partyId = second.OwnerId + 1, share = "1/1" }], reason: "gift"),
            Transfer(first, [new { partyId = first.OwnerId + 2, share = "1/1" }]),
        })
        {
            lodged.Add(Ok(await counter.PostAsync("/api/registry/transactions", "notary", lodgement), 201));
        }

        var numbers = lodged.Select(l => l.GetProperty("applicationNumber").GetString()!).ToList();
        Assert.All(numbers, n => Assert.Matches(NumberPattern(), n));
        Assert.Equal(3, numbers.Distinct().Count());
        var places = lodged.Select(l => l.GetProperty("receipt").GetProperty("dayBookPlace").GetInt64()).ToList();
        Assert.Equal(places.Order(), places);
        foreach (var (answer, title) in lodged.Zip(new[] { first, second, first }))
        {
            var receipt = answer.GetProperty("receipt");
            Assert.Equal(answer.GetProperty("applicationNumber").GetString(), receipt.GetProperty("applicationNumber").GetString());
            Assert.Equal(title.TitleNumber, receipt.GetProperty("titleNumber").GetString());
            Assert.Equal("transfer", receipt.GetProperty("kind").GetString());
            Assert.Equal(0, receipt.GetProperty("lodgedAt").GetDateTimeOffset().Millisecond);
        }

        // The day book (staff): today's applications in day-book order, ours among them, each with its number and title.
        var book = Ok(await counter.GetAsync($"/api/registry/day-book?date={Today}", "registrar"));
        var entries = book.GetProperty("entries").EnumerateArray().ToList();
        var ours = entries.Where(e => numbers.Contains(e.GetProperty("applicationNumber").GetString()!)).ToList();
        Assert.Equal(numbers, ours.Select(e => e.GetProperty("applicationNumber").GetString()));
        Assert.Equal(entries.Select(e => e.GetProperty("place").GetInt64()).Order(), entries.Select(e => e.GetProperty("place").GetInt64()));
        Assert.Equal(second.TitleNumber, Assert.Single(ours[1].GetProperty("titles").EnumerateArray()).GetString());
        Assert.Equal("lodged", ours[0].GetProperty("state").GetString());

        // Another day's book holds none of them; a date that is no date is refused naming it; the public may not read the book.
        Assert.Empty(Ok(await counter.GetAsync("/api/registry/day-book?date=2001-01-01", "registrar")).GetProperty("entries").EnumerateArray());
        Problem(await counter.GetAsync("/api/registry/day-book?date=2026-13-45", "registrar"), 400, "date-format", "date");
        Problem(await counter.GetAsync("/api/registry/day-book?date='; DROP TABLE registry.transactions; --", "registrar"), 400, "date-format", "date");
        Assert.Equal(403, (await counter.GetAsync($"/api/registry/day-book?date={Today}", "citizen")).Status);
        Assert.Equal(401, (await counter.GetAsync($"/api/registry/day-book?date={Today}")).Status);
    }

    [Fact]
    public async Task A_titles_pending_list_is_shown_to_staff_and_the_parties_named_and_hidden_from_anyone_else()
    {
        var citizen = Landplatform.Integrations.Identity.DemoAccounts.Users.Single(u => u.Role == "citizen");
        server.Systems.CivilRegistry.Register(new Landplatform.Simulators.CivilPerson(citizen.Uin, citizen.FullName, null));
        var title = await SingleOwnerTitleAsync(server.Database, 3);
        var toCitizen = await counter.LodgeAsync(Transfer(title, [new { uin = citizen.Uin, name = citizen.FullName, share = "1/1" }], reason: "gift"));
        var competing = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 5, share = "1/1" }]));

        var staffView = Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}/pending", "examiner"));
        Assert.Equal(new[] { toCitizen, competing }, staffView.GetProperty("pending").EnumerateArray().Select(p => p.GetProperty("transactionId").GetGuid()));

        // The citizen is named as grantee in one of them: they see the list (both, in the order they will be decided).
        var citizenView = Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber.ToLowerInvariant()}/pending", "citizen"));
        Assert.Equal(2, citizenView.GetProperty("pending").GetArrayLength());

        // A signed-in person with nothing to do with the title learns nothing, not even that it has applications.
        var other = await SingleOwnerTitleAsync(server.Database, 4);
        await counter.LodgeAsync(Transfer(other, [new { partyId = other.OwnerId + 1, share = "1/1" }]));
        Problem(await counter.GetAsync($"/api/registry/titles/{other.TitleNumber}/pending", "citizen"), 404, "title-pending-hidden");
        Assert.Equal(401, (await counter.GetAsync($"/api/registry/titles/{other.TitleNumber}/pending")).Status);
    }

    [Fact]
    public async Task Conflicting_applications_are_decided_in_day_book_order()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 5);
        var earlier = await counter.LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]));
        var laterLodged = Ok(await counter.PostAsync("/api/registry/transactions", "notary", Transfer(title, [new { partyId = title.OwnerId + 2, share = "1/1" }])), 201);
        var later = laterLodged.GetProperty("id").GetGuid();

        // The notary hears at lodgement, before paying anything, that an earlier application comes first.
        Assert.Contains(laterLodged.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("rule").GetString() == "R-PRIORITY");
        foreach (var id in new[] { later, earlier })
        {
            await counter.PayAsync(id, "deed");
            Ok(await counter.ExamineAsync(id));
        }

        // The later one in the day book waits for the earlier, however early its own examination was done.
        var waiting = Problem(await counter.RegisterAsync(later), 409, "R-PRIORITY");
        Assert.Contains(earlier.ToString(), waiting.GetProperty("detail").GetString());
        Ok(await counter.RegisterAsync(earlier));
        var owner = Assert.Single(Ok(await counter.GetAsync($"/api/registry/titles/{title.TitleNumber}")).GetProperty("owners").EnumerateArray());
        Assert.Equal(title.OwnerId + 1, owner.GetProperty("partyId").GetInt64());
    }

    [GeneratedRegex("^AN-[0-9]{8}$")]
    private static partial Regex NumberPattern();
}
