using System.Net.Http.Headers;
using System.Text.Json;
using Landplatform.Testing;

namespace Landplatform.Cadastre.Tests;

/// <summary>Lodgements racing for one parent, and the examiners' queue in pages (issue #21 item 6).</summary>
public sealed class SurveyQueueTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    [Fact]
    public async Task Of_four_simultaneous_lodgements_on_one_parent_every_one_but_the_first_fails_S_PENDING()
    {
        var surveyor = await Tokens.AccessTokenForAsync(server.Client, "surveyor");
        var lodged = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => SurveyFiles.LodgeAsync(server, surveyor, "clean-subdivision.xml")));
        Assert.All(lodged, l => Assert.Equal(201, l.Status));
        var pending = lodged.Count(l => SurveyFiles.ErrorRules(l.Body).Contains("S-PENDING"));
        Assert.Equal(3, pending);
        Assert.Single(lodged, l => SurveyFiles.ErrorRules(l.Body).Length == 0);
    }

    [Fact]
    public async Task Of_three_simultaneous_lodgements_under_one_reference_one_is_lodged_and_the_others_are_refused_never_a_500()
    {
        var surveyor = await Tokens.AccessTokenForAsync(server.Client, "surveyor");
        var reference = $"SP-RACE-{Guid.NewGuid():N}"[..20];
        var lodged = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SurveyFiles.LodgeAsync(server, surveyor, "lot-at-sea.geojson", reference: reference)));
        Assert.Single(lodged, l => l.Status == 201);
        Assert.All(lodged.Where(l => l.Status != 201), l =>
        {
            Assert.Equal(409, l.Status);
            Assert.Equal("survey-reference-unique", l.Body.GetProperty("rule").GetString());
        });
    }

    [Fact]
    public async Task The_queue_comes_in_pages_with_a_link_to_the_next()
    {
        var surveyor = await Tokens.AccessTokenForAsync(server.Client, "surveyor");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(201, (await SurveyFiles.LodgeAsync(server, surveyor, "lot-at-sea.geojson")).Status);
        }

        var examiner = await Tokens.AccessTokenForAsync(server.Client, "examiner");
        var seen = new List<string>();
        var path = "/api/surveys?limit=2";
        var pages = 0;
        while (path is not null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", examiner);
            using var response = await server.Client.SendAsync(request);
            Assert.Equal(200, (int)response.StatusCode);
            var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.InRange(page.GetArrayLength(), 1, 2);
            seen.AddRange(page.EnumerateArray().Select(s => s.GetProperty("reference").GetString()!));
            pages++;
            path = response.Headers.TryGetValues("Link", out var links) ? links.Single().Split('>')[0].TrimStart('<') : null;
        }

        var total = await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.surveys");
        Assert.Equal(total, seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.True(pages >= 2);

        using var tooMany = new HttpRequestMessage(HttpMethod.Get, "/api/surveys?limit=501");
        tooMany.Headers.Authorization = new AuthenticationHeaderValue("Bearer", examiner);
        using var refused = await server.Client.SendAsync(tooMany);
        Assert.Equal(400, (int)refused.StatusCode);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("limit", problem.GetProperty("parameter").GetString());
    }
}
