using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Landplatform.Testing;
using static Landplatform.Registry.Tests.RegistryCounter;

namespace Landplatform.Registry.Tests;

/// <summary>
/// Idempotency-Key on lodgement (issue #23): a notary whose connection dropped sends the lodgement again with the same key
/// and gets the first answer, not a second application; the same key with another instrument is refused; eight identical
/// requests at once make one application. Rows counted in PostGIS.
/// </summary>
public sealed class LodgementIdempotencyTests(SingleWindowServer server) : IClassFixture<SingleWindowServer>
{
    private readonly RegistryCounter counter = new(server);

    [Fact]
    public async Task A_lodgement_sent_again_with_its_key_gets_the_first_answer_and_lodges_one_application()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 40);
        var lodgement = Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]);
        var key = Guid.NewGuid().ToString();

        var (firstStatus, firstBody, _) = await LodgeAsync(lodgement, key);
        var (againStatus, againBody, replayed) = await LodgeAsync(lodgement, key);

        Assert.Equal(HttpStatusCode.Created, firstStatus);
        Assert.Equal(HttpStatusCode.Created, againStatus);
        Assert.Equal(firstBody, againBody);
        Assert.True(replayed);
        Assert.Equal(1L, await ApplicationsOnAsync(title));

        // Without a key, the same instrument sent again is a second application, as a notary who means it would expect.
        var (unkeyed, _, _) = await LodgeAsync(lodgement, null);
        Assert.Equal(HttpStatusCode.Created, unkeyed);
        Assert.Equal(2L, await ApplicationsOnAsync(title));
    }

    [Fact]
    public async Task The_same_key_with_another_instrument_is_refused_with_422_and_lodges_nothing()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 41);
        var key = Guid.NewGuid().ToString();
        var (first, _, _) = await LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]), key);
        Assert.Equal(HttpStatusCode.Created, first);

        var (status, body, _) = await LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 2, share = "1/1" }]), key);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("idempotency-key-reused", problem.GetProperty("rule").GetString());
        Assert.Equal("Idempotency-Key", problem.GetProperty("parameter").GetString());
        Assert.Equal(1L, await ApplicationsOnAsync(title));

        // A key that is no key (spaces inside, far too long) is a 400 naming the header, and changes nothing.
        foreach (var hostile in new[] { "has spaces", new string('k', 201) })
        {
            var (refused, text, _) = await LodgeAsync(Transfer(title, [new { partyId = title.OwnerId + 3, share = "1/1" }]), hostile);
            Assert.Equal(HttpStatusCode.BadRequest, refused);
            Assert.Equal("idempotency-key-format", JsonDocument.Parse(text).RootElement.GetProperty("rule").GetString());
        }

        Assert.Equal(1L, await ApplicationsOnAsync(title));
    }

    [Fact]
    public async Task Eight_identical_lodgements_sent_at_once_with_one_key_make_one_application()
    {
        var title = await SingleOwnerTitleAsync(server.Database, 42);
        var lodgement = Transfer(title, [new { partyId = title.OwnerId + 1, share = "1/1" }]);
        var key = Guid.NewGuid().ToString();
        await counter.TokenAsync("notary");
        using var start = new SemaphoreSlim(0, 8);
        var sent = Enumerable.Range(0, 8).Select(async _ =>
        {
            await start.WaitAsync();
            return await LodgeAsync(lodgement, key);
        }).ToList();
        start.Release(8);
        var answers = await Task.WhenAll(sent);

        Assert.All(answers, a => Assert.True(a.Status == HttpStatusCode.Created, a.Body));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Equal(7, answers.Count(a => a.Replayed));
        var ids = answers.Select(a => JsonDocument.Parse(a.Body).RootElement.GetProperty("id").GetGuid()).Distinct().ToList();
        Assert.Single(ids);
        Assert.Equal(1L, await ApplicationsOnAsync(title));
        Assert.Equal(1L, await server.Database.ScalarAsync<long>(
            "SELECT count(*) FROM exchange.outbox WHERE type = 'registry.transaction.lodged' AND correlation_id = @id", ("id", ids[0])));
    }

    private Task<long> ApplicationsOnAsync(SampleTitle title) =>
        server.Database.ScalarAsync<long>("SELECT count(*) FROM registry.transactions WHERE title_number = @t AND kind = 'transfer'", ("t", title.TitleNumber));

    private async Task<(HttpStatusCode Status, string Body, bool Replayed)> LodgeAsync(object lodgement, string? key)
    {
        counter.KnownToCivilRegistry(lodgement);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/registry/transactions") { Content = JsonContent.Create(lodgement) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await counter.TokenAsync("notary"));
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        using var response = await server.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Contains("Idempotent-Replayed"));
    }
}
