using Landplatform.Testing;

namespace Landplatform.Cadastre.Tests;

/// <summary>
/// What a lodgement and an approval do beyond the fabric (issue #21 items 5 and 6): the published survey fees are
/// invoiced through payments, and a building the new lot line crosses is reported and then goes with the lot that
/// holds most of it. The sample parent's building 263 straddles the clean subdivision's dividing line.
/// </summary>
public sealed class SurveyApprovalEffectsTests(PlatformServer server) : IClassFixture<PlatformServer>
{
    [Fact]
    public async Task A_lodgement_is_invoiced_200_XCD_and_25_per_lot_a_crossed_building_is_reported_and_follows_its_larger_part()
    {
        var surveyor = await Tokens.AccessTokenForAsync(server.Client, "surveyor");
        var (status, lodged) = await SurveyFiles.LodgeAsync(server, surveyor, "clean-subdivision.xml");
        Assert.Equal(201, status);
        Assert.Empty(SurveyFiles.ErrorRules(lodged));

        var invoice = lodged.GetProperty("invoice");
        Assert.Equal(250.00m, invoice.GetProperty("total").GetDecimal());
        Assert.Equal("XCD", invoice.GetProperty("currency").GetString());
        var reference = lodged.GetProperty("survey").GetProperty("reference").GetString()!;
        Assert.Equal(250.00m, await server.Database.ScalarAsync<decimal>(
            "SELECT total FROM payments.invoices WHERE subject_type = 'survey' AND subject_reference = @r", ("r", reference)));

        var building = lodged.GetProperty("report").GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("rule").GetString() == "S-BUILDING");
        Assert.Equal("warning", building.GetProperty("severity").GetString());
        Assert.Contains("Building 263 (106 m²) is crossed by the new line between Lot 1 and Lot 2", building.GetProperty("message").GetString(), StringComparison.Ordinal);

        var examiner = await Tokens.AccessTokenForAsync(server.Client, "examiner");
        var registrar = await Tokens.AccessTokenForAsync(server.Client, "registrar");
        var id = lodged.GetProperty("survey").GetProperty("id").GetString();
        Assert.Equal(200, (await SurveyFiles.PostAsync(server, examiner, $"/api/surveys/{id}/examination")).Status);
        var (approved, result) = await SurveyFiles.PostAsync(server, registrar, $"/api/surveys/{id}/approval");
        Assert.True(approved == 200, result.ToString());
        var children = result.GetProperty("newParcels").EnumerateArray().Select(c => c.GetString()!).ToArray();

        // Most of the building (5.96 m of its 8.63 m width) lies east of the line, in Lot 2.
        var owner = await server.Database.ScalarAsync<string>("SELECT upi FROM cadastre.buildings WHERE id = 263");
        Assert.Contains(owner, children);
        var share = await server.Database.ScalarAsync<double>(
            "SELECT ST_Area(ST_Intersection(b.footprint, p.boundary)) / ST_Area(b.footprint) FROM cadastre.buildings b JOIN cadastre.parcel_versions p ON p.upi = b.upi AND p.status = 'current' WHERE b.id = 263");
        Assert.InRange(share, 0.6, 0.8);
    }
}
