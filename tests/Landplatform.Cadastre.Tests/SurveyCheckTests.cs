using System.Text.Json;
using Landplatform.Testing;

namespace Landplatform.Cadastre.Tests;

/// <summary>Each sample survey lodged as a surveyor would; the exact rules that fire. Each is rejected afterwards so it claims no parent.</summary>
public sealed class SurveyCheckTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    public static TheoryData<string, string?, bool> CleanFiles() => new()
    {
        { "clean-subdivision.xml", null, false },
        { "clean-subdivision.geojson", null, false },
        { "clean-subdivision.csv", "EPSG:2007", true },
        { "clean-subdivision-quoted.csv", "EPSG:2007", true },
        { "clean-subdivision.gpkg", null, true },
        { "clean-subdivision-shapefile.zip", null, true },
        { "clean-subdivision.dxf", "EPSG:2007", true },
        { "clean-subdivision-wgs84.geojson", null, false },
    };

    [Theory]
    [MemberData(nameof(CleanFiles))]
    public async Task A_clean_subdivision_passes_every_check_in_every_format(string file, string? crs, bool declareParent)
    {
        var lodged = await LodgeAndWithdrawAsync(file, crs, declareParent ? SurveyFiles.Parent : null);
        Assert.Empty(SurveyFiles.ErrorRules(lodged));
        var report = lodged.GetProperty("report");
        Assert.True(report.GetProperty("passed").GetBoolean());
        Assert.Equal([SurveyFiles.Parent], lodged.GetProperty("survey").GetProperty("parents").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("checked", lodged.GetProperty("survey").GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("misclosing-traverse.xml", null, "S-CLOSE")]
    [InlineData("overlap-with-neighbour.geojson", null, "S-FABRIC,S-PARENT")]
    [InlineData("sliver-gap.geojson", null, "S-FABRIC,S-PARENT")]
    [InlineData("area-mismatch.csv", "EPSG:2007", "S-AREA")]
    [InlineData("self-intersection.geojson", null, "S-GEOM")]
    [InlineData("duplicate-vertices.geojson", null, "S-GEOM")]
    public async Task A_faulty_survey_is_checked_and_exactly_its_faults_are_reported(string file, string? crs, string rules)
    {
        var lodged = await LodgeAndWithdrawAsync(file, crs, crs is null ? null : SurveyFiles.Parent);
        Assert.Equal(rules.Split(','), SurveyFiles.ErrorRules(lodged));
        Assert.False(lodged.GetProperty("report").GetProperty("passed").GetBoolean());
        Assert.All(lodged.GetProperty("report").GetProperty("findings").EnumerateArray().Where(f => f.GetProperty("severity").GetString() == "error"),
            f => Assert.False(string.IsNullOrWhiteSpace(f.GetProperty("message").GetString())));
    }

    [Fact]
    public async Task The_misclose_is_reported_with_its_size_and_ratio()
    {
        var lodged = await LodgeAndWithdrawAsync("misclosing-traverse.xml", null, null);
        var close = lodged.GetProperty("report").GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("rule").GetString() == "S-CLOSE");
        Assert.Matches(@"misclose 0\.5\d\d m over \d+\.\d\d m \(1:\d+\)", close.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("wrong-crs.geojson", null, "outside Saint Vincent")]
    [InlineData("malformed.xml", null, "malformed")]
    [InlineData("xml-bomb.xml", null, "DTD")]
    [InlineData("zip-slip.zip", null, "zip slip")]
    [InlineData("clean-subdivision.csv", null, "declare crs")]
    [InlineData("garbage.dxf", "EPSG:2007", "not a DXF drawing")]
    [InlineData("make-surveys.py", null, "not a survey format")]
    public async Task A_file_that_cannot_be_read_safely_is_refused_with_S_SCHEMA_and_nothing_is_stored(string file, string? crs, string why)
    {
        var surveyor = await Tokens.AccessTokenForAsync(server.Client, "surveyor");
        var before = await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.surveys");
        var (status, problem) = await SurveyFiles.LodgeAsync(server, surveyor, file, crs, SurveyFiles.Parent);
        Assert.Equal(400, status);
        Assert.Equal("S-SCHEMA", problem.GetProperty("rule").GetString());
        Assert.Equal("file", problem.GetProperty("parameter").GetString());
        Assert.Contains(why, problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.surveys"));
    }

    [Fact]
    public async Task A_second_survey_on_a_parent_already_claimed_fails_S_PENDING()
    {
        var surveyor = await Tokens.AccessTokenForAsync(server.Client, "surveyor");
        var (_, first) = await SurveyFiles.LodgeAsync(server, surveyor, "clean-subdivision.xml");
        var (_, second) = await SurveyFiles.LodgeAsync(server, surveyor, "clean-subdivision.geojson");
        Assert.Equal(["S-PENDING"], SurveyFiles.ErrorRules(second));
        await WithdrawAsync(first);
        await WithdrawAsync(second);
    }

    [Fact]
    public async Task Only_surveyors_lodge_surveys()
    {
        var citizen = await Tokens.AccessTokenForAsync(server.Client, "citizen");
        var (status, _) = await SurveyFiles.LodgeAsync(server, citizen, "clean-subdivision.xml");
        Assert.Equal(403, status);
        using var anonymous = await server.Client.PostAsync("/api/surveys", new MultipartFormDataContent());
        Assert.Equal(401, (int)anonymous.StatusCode);
    }

    private async Task<JsonElement> LodgeAndWithdrawAsync(string file, string? crs, string? parents)
    {
        var surveyor = await Tokens.AccessTokenForAsync(server.Client, "surveyor");
        var (status, lodged) = await SurveyFiles.LodgeAsync(server, surveyor, file, crs, parents);
        Assert.True(status == 201, $"{file}: {status} {lodged}");
        await WithdrawAsync(lodged);
        return lodged;
    }

    private async Task WithdrawAsync(JsonElement lodged)
    {
        var examiner = await Tokens.AccessTokenForAsync(server.Client, "examiner");
        var id = lodged.GetProperty("survey").GetProperty("id").GetString();
        var (status, body) = await SurveyFiles.PostAsync(server, examiner, $"/api/surveys/{id}/rejection", new { reason = "test clean-up" });
        Assert.True(status == 200, body.ToString());
    }
}

/// <summary>A deployment that tolerates a larger traverse misclose.</summary>
public sealed class LooseClosureServer : PlatformServer
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Identity:DemoMode"] = "true",
        ["Surveys:ClosureConstant"] = "0.6",
    };
}

public sealed class SurveyToleranceTests(LooseClosureServer server) : IClassFixture<LooseClosureServer>
{
    [Fact]
    public async Task Tolerances_come_from_configuration()
    {
        var surveyor = await Tokens.AccessTokenForAsync(server.Client, "surveyor");
        var (status, lodged) = await SurveyFiles.LodgeAsync(server, surveyor, "misclosing-traverse.xml");
        Assert.Equal(201, status);
        Assert.Empty(SurveyFiles.ErrorRules(lodged));
        var close = lodged.GetProperty("report").GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("rule").GetString() == "S-CLOSE");
        Assert.Equal("info", close.GetProperty("severity").GetString());
        Assert.Contains("allowed 0.635 m", close.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
