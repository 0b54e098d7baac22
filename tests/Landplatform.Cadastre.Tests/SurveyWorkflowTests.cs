using System.Text.Json;
using Landplatform.Testing;

namespace Landplatform.Cadastre.Tests;

public sealed class SurveyWorkflowTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    [Fact]
    public async Task A_clean_survey_is_examined_and_approved_and_the_fabric_lineage_and_history_follow()
    {
        var surveyor = await Tokens.AccessTokenForAsync(server.Client, "surveyor");
        var examiner = await Tokens.AccessTokenForAsync(server.Client, "examiner");
        var registrar = await Tokens.AccessTokenForAsync(server.Client, "registrar");
        var (_, lodged) = await SurveyFiles.LodgeAsync(server, surveyor, "clean-subdivision.xml");
        var id = lodged.GetProperty("survey").GetProperty("id").GetString();

        Assert.Equal(403, (await SurveyFiles.PostAsync(server, surveyor, $"/api/surveys/{id}/examination")).Status);
        Assert.Equal(409, (await SurveyFiles.PostAsync(server, registrar, $"/api/surveys/{id}/approval")).Status);
        var (examined, _) = await SurveyFiles.PostAsync(server, examiner, $"/api/surveys/{id}/examination");
        Assert.Equal(200, examined);
        Assert.Equal(403, (await SurveyFiles.PostAsync(server, examiner, $"/api/surveys/{id}/approval")).Status);

        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var (approved, result) = await SurveyFiles.PostAsync(server, registrar, $"/api/surveys/{id}/approval");
        Assert.True(approved == 200, result.ToString());
        var children = result.GetProperty("newParcels").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Equal(2, children.Count);
        Assert.Equal("approved", result.GetProperty("survey").GetProperty("status").GetString());

        var parent = await server.GetJsonAsync($"/api/parcels/{SurveyFiles.Parent}");
        Assert.Equal("historic", parent.GetProperty("properties").GetProperty("status").GetString());
        var then = await server.GetJsonAsync($"/api/parcels/{SurveyFiles.Parent}?asOf={Uri.EscapeDataString(before.ToString("yyyy-MM-ddTHH:mm:ssZ"))}");
        Assert.Equal(1, then.GetProperty("properties").GetProperty("version").GetInt32());
        foreach (var child in children)
        {
            var feature = await server.GetJsonAsync($"/api/parcels/{child}");
            Assert.Equal("current", feature.GetProperty("properties").GetProperty("status").GetString());
            Assert.InRange(feature.GetProperty("properties").GetProperty("officialArea").GetDouble(), 1553.27, 1553.29);
        }

        var lineage = await server.GetJsonAsync($"/api/parcels/{SurveyFiles.Parent}/lineage");
        Assert.Equal(children.Order(StringComparer.Ordinal), lineage.GetProperty("descendants").EnumerateArray().Select(d => d.GetProperty("upi").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal($"Survey {lodged.GetProperty("survey").GetProperty("reference").GetString()}",
            lineage.GetProperty("descendants")[0].GetProperty("transaction").GetProperty("reference").GetString());
    }
}

/// <summary>The other workflow paths, on a database where the sample parent is still current.</summary>
public sealed class SurveyRevisionTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    [Fact]
    public async Task A_resubmission_keeps_every_earlier_report_and_errors_block_examination()
    {
        var surveyor = await Tokens.AccessTokenForAsync(server.Client, "surveyor");
        var examiner = await Tokens.AccessTokenForAsync(server.Client, "examiner");
        var (_, lodged) = await SurveyFiles.LodgeAsync(server, surveyor, "sliver-gap.geojson");
        var id = lodged.GetProperty("survey").GetProperty("id").GetString();
        var (blocked, problem) = await SurveyFiles.PostAsync(server, examiner, $"/api/surveys/{id}/examination");
        Assert.Equal(409, blocked);
        Assert.Equal("survey-checks-failed", problem.GetProperty("rule").GetString());

        var (status, second) = await SurveyFiles.LodgeAsync(server, surveyor, "clean-subdivision.geojson", path: $"/api/surveys/{id}/revisions");
        Assert.True(status == 200, $"{status}: {second}");
        Assert.Equal(2, second.GetProperty("report").GetProperty("revision").GetInt32());
        Assert.True(second.GetProperty("report").GetProperty("passed").GetBoolean());

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/surveys/{id}");
        request.Headers.Authorization = new("Bearer", examiner);
        using var response = await server.Client.SendAsync(request);
        var survey = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var revisions = survey.GetProperty("revisions").EnumerateArray().ToList();
        Assert.Equal(2, revisions.Count);
        Assert.True(revisions[0].GetProperty("errors").GetInt32() > 0);
        Assert.Equal(0, revisions[1].GetProperty("errors").GetInt32());

        using var first = new HttpRequestMessage(HttpMethod.Get, $"/api/surveys/{id}/report?revision=1&f=html");
        first.Headers.Authorization = new("Bearer", surveyor);
        using var page = await server.Client.SendAsync(first);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.Contains("class=\"error-marker\"", html, StringComparison.Ordinal);
        Assert.Contains("S-FABRIC", html, StringComparison.Ordinal);

        var rewrite = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => server.Database.ScalarAsync<object>("DELETE FROM cadastre.survey_revisions"));
        Assert.Equal("LPH02", rewrite.SqlState);
    }

    [Fact]
    public async Task A_rejection_needs_reasons_and_another_surveyor_cannot_see_the_survey()
    {
        var surveyor = await Tokens.AccessTokenForAsync(server.Client, "surveyor");
        var examiner = await Tokens.AccessTokenForAsync(server.Client, "examiner");
        var (_, lodged) = await SurveyFiles.LodgeAsync(server, surveyor, "area-mismatch.csv", "EPSG:2007", SurveyFiles.Parent);
        var id = lodged.GetProperty("survey").GetProperty("id").GetString();
        var (noReason, problem) = await SurveyFiles.PostAsync(server, examiner, $"/api/surveys/{id}/rejection", new { reason = " " });
        Assert.Equal(400, noReason);
        Assert.Equal("reason", problem.GetProperty("parameter").GetString());
        var (rejected, body) = await SurveyFiles.PostAsync(server, examiner, $"/api/surveys/{id}/rejection", new { reason = "Lot 1 area wrong" });
        Assert.Equal(200, rejected);
        Assert.Equal("Lot 1 area wrong", body.GetProperty("reason").GetString());
    }
}
