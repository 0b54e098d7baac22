using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Landplatform.Testing;

namespace Landplatform.Cadastre.Tests;

/// <summary>
/// LandXML 1.2 as surveyors write it (issue #21): plans in feet and dd.mm.ss, in hectares with a combined factor, in UTM
/// 20N, with a curved lot line, with an easement and an adjoining parcel, each lodged over HTTP and checked against the
/// real fabric; a corner off its observations fails S-OBS; duplicate point names and lot labels are 400 problems.
/// Each lodged survey is rejected afterwards so it claims no parent.
/// </summary>
public sealed class SurveyLandXmlTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    [Theory]
    [InlineData("imperial-feet.xml")]
    [InlineData("hectares-combined-factor.xml")]
    [InlineData("utm-32620.xml")]
    [InlineData("curved-boundary.xml")]
    [InlineData("easement-and-adjoining.xml")]
    public async Task A_clean_plan_in_the_units_and_systems_surveyors_use_passes_and_its_lots_land_on_the_parent(string file)
    {
        var lodged = await LodgeAndWithdrawAsync(file);
        Assert.True(Errors(lodged).Length == 0, lodged.ToString());
        var lots = await LotsAsync(lodged);
        Assert.Equal(["Lot 1", "Lot 2"], lots.Keys.Order(StringComparer.Ordinal));

        // The two lots, in the national grid, cover the 19.91 m x 156.03 m parent: 3,106.56 m², whatever the plan's units.
        Assert.InRange(lots.Values.Sum(), 3106.56 - 0.3, 3106.56 + 0.3);
    }

    [Fact]
    public async Task A_plan_in_feet_read_as_metres_would_lie_off_the_island_so_feet_are_converted()
    {
        var feet = await LodgeAndWithdrawAsync("imperial-feet.xml");
        var lots = await LotsAsync(feet);
        Assert.InRange(lots["Lot 1"], 1553.28 - 0.1, 1553.28 + 0.1);
        Assert.DoesNotContain(Findings(feet), f => f.GetProperty("rule").GetString() == "S-AREA");
    }

    [Fact]
    public async Task A_curved_lot_line_is_drawn_as_an_arc_and_its_area_computed_exactly()
    {
        var lodged = await LodgeAndWithdrawAsync("curved-boundary.xml");
        Assert.Empty(Errors(lodged));
        var corners = await server.Database.ScalarAsync<int>(
            "SELECT ST_NPoints(boundary) FROM cadastre.survey_lots WHERE survey_id = @id AND label = 'Lot 1'", ("id", SurveyId(lodged)));
        Assert.True(corners > 20, $"the arc was drawn with {corners} corners");

        // The stated areas differ from the chord polygon by the arc's segment (22.9 m²): only an exact arc area passes S-AREA.
        var text = await File.ReadAllTextAsync(Path.Combine(SurveyFiles.Directory, "curved-boundary.xml"));
        Assert.Contains("<Curve rot=\"ccw\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_easement_is_recorded_as_an_easement_and_an_adjoining_parcel_is_not_a_lot()
    {
        var lodged = await LodgeAndWithdrawAsync("easement-and-adjoining.xml");
        Assert.Empty(Errors(lodged));
        var easement = Findings(lodged).Single(f => f.GetProperty("rule").GetString() == "S-EASEMENT");
        Assert.Equal("info", easement.GetProperty("severity").GetString());
        Assert.Contains("E1 (59.73 m²) is recorded over Lot 1, Lot 2", easement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(Findings(lodged), f => f.GetProperty("message").GetString()!.Contains("CH-00053-0002 is an adjoining parcel", StringComparison.Ordinal));
        Assert.Equal(2, (await LotsAsync(lodged)).Count);
    }

    [Fact]
    public async Task A_corner_0_30_m_from_its_observations_fails_S_OBS_and_nothing_else()
    {
        var lodged = await LodgeAndWithdrawAsync("corner-off-observations.xml");
        Assert.Equal(["S-OBS"], Errors(lodged));
        var messages = Findings(lodged).Where(f => f.GetProperty("rule").GetString() == "S-OBS").Select(f => f.GetProperty("message").GetString()!).ToList();
        Assert.Contains(messages, m => m.Contains("from 1 to 2", StringComparison.Ordinal) && m.Contains("reaches 0.300 m from where the coordinates put 2", StringComparison.Ordinal));
        Assert.Contains(Findings(lodged), f => f.GetProperty("rule").GetString() == "S-CLOSE" && f.GetProperty("severity").GetString() == "info");
    }

    [Fact]
    public async Task Several_traverses_in_one_observation_group_are_closed_each_on_their_own()
    {
        // The ePlan norm: one group; the outer traverse closes and the dividing line is a single observation, not a leg of it.
        var lodged = await LodgeAndWithdrawAsync("easement-and-adjoining.xml");
        var close = Findings(lodged).Where(f => f.GetProperty("rule").GetString() == "S-CLOSE").ToList();
        var only = Assert.Single(close);
        Assert.Matches(@"Traverse OG1: misclose 0\.00\d m over 351\.88 m", only.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("duplicate-point-names.xml", "CgPoint name '3' is given to two points")]
    [InlineData("duplicate-lot-labels.xml", "The label 'Lot 1' is given to 2 parcels")]
    public async Task A_name_given_twice_is_a_400_problem_naming_it_and_nothing_is_stored(string file, string why)
    {
        var surveyor = await Tokens.AccessTokenForAsync(server.Client, "surveyor");
        var before = await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.surveys");
        var (status, problem) = await SurveyFiles.LodgeAsync(server, surveyor, file);
        Assert.Equal(400, status);
        Assert.Equal("S-SCHEMA", problem.GetProperty("rule").GetString());
        Assert.Equal("file", problem.GetProperty("parameter").GetString());
        Assert.Contains(why, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.surveys"));
    }

    [Theory]
    [InlineData("LS-0042", "2026-11-20T15:00:00", null)]
    [InlineData("LS-9999", "2026-11-20T15:00:00", "surveyed under licence LS-9999, but the surveyor lodging it holds licence LS-0042")]
    [InlineData("LS-0042", "2099-01-01T09:00:00", "The date of survey 2099-01-01 is in the future")]
    public async Task The_header_names_the_lodging_surveyors_licence_and_a_date_of_survey_not_in_the_future(string licence, string surveyed, string? error)
    {
        var text = (await File.ReadAllTextAsync(Path.Combine(SurveyFiles.Directory, "imperial-feet.xml")))
            .Replace("surveyorRegistration=\"LS-0042\"", $"surveyorRegistration=\"{licence}\"", StringComparison.Ordinal)
            .Replace("endTime=\"2026-11-20T15:00:00\"", $"endTime=\"{surveyed}\"", StringComparison.Ordinal);
        var (status, lodged) = await LodgeBytesAsync("header.xml", Encoding.UTF8.GetBytes(text));
        Assert.Equal(201, status);
        await WithdrawAsync(lodged);
        if (error is null)
        {
            Assert.Empty(Errors(lodged));
        }
        else
        {
            Assert.Equal(["S-HEADER"], Errors(lodged));
            Assert.Contains(Findings(lodged), f => f.GetProperty("message").GetString()!.Contains(error, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_plan_without_a_CRS_is_refused_unless_the_form_declares_one_and_then_any_EPSG_system_is_reprojected()
    {
        var text = (await File.ReadAllTextAsync(Path.Combine(SurveyFiles.Directory, "utm-32620.xml")))
            .Replace("epsgCode=\"32620\" ", string.Empty, StringComparison.Ordinal);
        var bytes = Encoding.UTF8.GetBytes(text);
        var (refused, problem) = await LodgeBytesAsync("no-crs.xml", bytes);
        Assert.Equal(400, refused);
        Assert.Contains("declare crs", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var (status, lodged) = await LodgeBytesAsync("no-crs.xml", bytes, crs: "EPSG:32620");
        Assert.Equal(201, status);
        await WithdrawAsync(lodged);
        Assert.Empty(Errors(lodged));

        var (unknown, notKnown) = await LodgeBytesAsync("no-crs.xml", bytes, crs: "EPSG:999999");
        Assert.Equal(400, unknown);
        Assert.Contains("EPSG:999999", notKnown.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Curves_that_would_draw_more_corners_than_the_cap_are_refused_before_they_are_drawn()
    {
        // 1,000 near-full circles of 10 m, each drawn with about 220 corners: 220,000 corners from a 100 kB file.
        var xml = new StringBuilder("""
            <?xml version="1.0" encoding="UTF-8"?>
            <LandXML xmlns="http://www.landxml.org/schema/LandXML-1.2" version="1.2">
              <CoordinateSystem epsgCode="2007"/>
              <CgPoints><CgPoint name="A">1477900.000 491120.000</CgPoint><CgPoint name="B">1477900.100 491119.999</CgPoint><CgPoint name="C">1477900.000 491110.000</CgPoint></CgPoints>
              <Parcels><Parcel name="Lot 1" state="created" class="Lot"><CoordGeom>
            """);
        for (var i = 0; i < 500; i++)
        {
            xml.Append("<Curve rot=\"cw\"><Start pntRef=\"A\"/><Center pntRef=\"C\"/><End pntRef=\"B\"/></Curve>");
            xml.Append("<Curve rot=\"ccw\"><Start pntRef=\"B\"/><Center pntRef=\"C\"/><End pntRef=\"A\"/></Curve>");
        }

        xml.Append("</CoordGeom></Parcel></Parcels></LandXML>");
        var (status, problem) = await LodgeBytesAsync("many-curves.xml", Encoding.UTF8.GetBytes(xml.ToString()));
        Assert.Equal(400, status);
        Assert.Equal("S-SCHEMA", problem.GetProperty("rule").GetString());
        Assert.Contains("too many corners once their arcs are drawn", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lot_at_sea_that_names_no_parent_fails_S_LOCATION()
    {
        var lodged = await LodgeAndWithdrawAsync("lot-at-sea.geojson");
        Assert.Equal(["S-LOCATION"], Errors(lodged));
        Assert.Contains(Findings(lodged), f => f.GetProperty("message").GetString()!.Contains("off the island's land", StringComparison.Ordinal));
    }

    private async Task<JsonElement> LodgeAndWithdrawAsync(string file)
    {
        var surveyor = await Tokens.AccessTokenForAsync(server.Client, "surveyor");
        var (status, lodged) = await SurveyFiles.LodgeAsync(server, surveyor, file);
        Assert.True(status == 201, $"{file}: {status} {lodged}");
        await WithdrawAsync(lodged);
        return lodged;
    }

    private async Task<(int Status, JsonElement Body)> LodgeBytesAsync(string name, byte[] content, string? crs = null)
    {
        var surveyor = await Tokens.AccessTokenForAsync(server.Client, "surveyor");
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(content);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
        form.Add(part, "file", name);
        if (crs is not null)
        {
            form.Add(new StringContent(crs), "crs");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/surveys") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", surveyor);
        using var response = await server.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(body).RootElement.Clone());
    }

    private async Task WithdrawAsync(JsonElement lodged)
    {
        var examiner = await Tokens.AccessTokenForAsync(server.Client, "examiner");
        var (status, body) = await SurveyFiles.PostAsync(server, examiner, $"/api/surveys/{SurveyId(lodged)}/rejection", new { reason = "test clean-up" });
        Assert.True(status == 200, body.ToString());
    }

    private async Task<Dictionary<string, double>> LotsAsync(JsonElement lodged)
    {
        var lots = new Dictionary<string, double>(StringComparer.Ordinal);
        await using var command = server.Database.DataSource.CreateCommand("SELECT label, ST_Area(boundary) FROM cadastre.survey_lots WHERE survey_id = @id");
        command.Parameters.AddWithValue("id", SurveyId(lodged));
        await using var rows = await command.ExecuteReaderAsync();
        while (await rows.ReadAsync())
        {
            lots[rows.GetString(0)] = rows.GetDouble(1);
        }

        return lots;
    }

    private static Guid SurveyId(JsonElement lodged) => Guid.Parse(lodged.GetProperty("survey").GetProperty("id").GetString()!);

    private static IEnumerable<JsonElement> Findings(JsonElement lodged) => lodged.GetProperty("report").GetProperty("findings").EnumerateArray();

    private static string[] Errors(JsonElement lodged) => SurveyFiles.ErrorRules(lodged);
}
