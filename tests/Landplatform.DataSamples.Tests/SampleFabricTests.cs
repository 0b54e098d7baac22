using Landplatform.Testing;

namespace Landplatform.DataSamples.Tests;

/// <summary>The sample island as loaded into PostGIS, checked in SQL the way an examiner would.</summary>
public sealed class SampleFabricTests(SampleIslandDatabase database) : IClassFixture<SampleIslandDatabase>
{
    [Fact]
    public async Task The_sample_holds_about_twenty_thousand_current_parcels_in_five_districts()
    {
        var parcels = await database.ScalarAsync<long>("SELECT count(*) FROM cadastre.parcel_versions WHERE status = 'current'");
        Assert.InRange(parcels, 18_000, 22_000);
        Assert.Equal(5L, await database.ScalarAsync<long>("SELECT count(*) FROM cadastre.districts"));
    }

    [Fact]
    public async Task No_two_current_parcels_overlap()
    {
        var overlaps = await database.ScalarAsync<long>("""
            SELECT count(*) FROM cadastre.parcel_versions a JOIN cadastre.parcel_versions b
              ON a.boundary && b.boundary AND a.id < b.id
            WHERE a.status = 'current' AND b.status = 'current'
              AND ST_Area(ST_Intersection(a.boundary, b.boundary)) >= 0.01
            """);
        Assert.Equal(0L, overlaps);
    }

    [Fact]
    public async Task Most_parcels_have_a_boundary_off_the_grid_axes_as_real_land_does()
    {
        // Issue 21: at most a third of the parcels with every edge parallel to the grid axes (a square road grid gave 92 %).
        var squareOnly = await database.ScalarAsync<double>("""
            SELECT avg(CASE WHEN EXISTS (SELECT 1 FROM ST_DumpSegments(p.boundary) d
                                         WHERE abs(ST_X(ST_StartPoint(d.geom)) - ST_X(ST_EndPoint(d.geom))) > 0.001
                                           AND abs(ST_Y(ST_StartPoint(d.geom)) - ST_Y(ST_EndPoint(d.geom))) > 0.001) THEN 0.0 ELSE 1.0 END)::float8
            FROM cadastre.parcel_versions p WHERE p.status = 'current'
            """);
        Assert.True(squareOnly <= 1.0 / 3, $"{squareOnly:P1} of the parcels have only grid-parallel edges");
    }

    [Fact]
    public async Task The_lots_of_a_whole_block_cover_it_with_no_gap_and_no_overlap()
    {
        // A block a metre or more inside its district is cut by no coast or parish boundary: its lots, slanted or square, must tile it exactly.
        var blocks = await database.ScalarAsync<long>("""
            SELECT count(*) FROM cadastre.blocks b JOIN cadastre.districts d ON d.code = b.district_code WHERE ST_Contains(d.boundary, ST_Expand(b.boundary, 1))
            """);
        Assert.True(blocks > 1000, $"only {blocks} whole blocks");
        var misfits = await database.ScalarAsync<long>("""
            WITH lots AS (SELECT block_code, ST_Union(boundary) AS lots, sum(ST_Area(boundary)) AS summed
                          FROM cadastre.parcel_versions WHERE status = 'current' GROUP BY block_code)
            SELECT count(*) FROM cadastre.blocks b JOIN cadastre.districts d ON d.code = b.district_code LEFT JOIN lots l ON l.block_code = b.code
            WHERE ST_Contains(d.boundary, ST_Expand(b.boundary, 1))
              AND (l.lots IS NULL OR ST_Area(ST_SymDifference(b.boundary, l.lots)) >= 0.01 OR abs(l.summed - ST_Area(b.boundary)) >= 0.01)
            """);
        Assert.Equal(0L, misfits);
    }

    [Fact]
    public async Task Every_polygon_is_valid_and_in_the_national_grid()
    {
        Assert.Equal(0L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM cadastre.parcel_versions WHERE NOT ST_IsValid(boundary) OR ST_SRID(boundary) <> 2007 OR ST_Area(boundary) < 50"));
        foreach (var table in (string[])["districts", "blocks", "road_reserves", "hazard_zones"])
        {
            Assert.Equal(0L, await database.ScalarAsync<long>($"SELECT count(*) FROM cadastre.{table} WHERE NOT ST_IsValid(boundary)"));
        }

        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM cadastre.buildings WHERE NOT ST_IsValid(footprint)"));
    }

    [Fact]
    public async Task Parcels_lie_in_their_district_and_off_the_road_reserves()
    {
        Assert.Equal(0L, await database.ScalarAsync<long>("""
            SELECT count(*) FROM cadastre.parcel_versions p JOIN cadastre.districts d ON d.code = p.district_code
            WHERE ST_Area(ST_Difference(p.boundary, d.boundary)) >= 0.01
            """));
        Assert.Equal(0L, await database.ScalarAsync<long>("""
            SELECT count(*) FROM cadastre.parcel_versions p JOIN cadastre.road_reserves r ON p.boundary && r.boundary
            WHERE ST_Area(ST_Intersection(p.boundary, r.boundary)) >= 0.01
            """));
    }

    [Fact]
    public async Task Every_building_stands_inside_its_own_parcel()
    {
        Assert.True(await database.ScalarAsync<long>("SELECT count(*) FROM cadastre.buildings") > 1000);
        Assert.Equal(0L, await database.ScalarAsync<long>("""
            SELECT count(*) FROM cadastre.buildings b JOIN cadastre.parcel_versions p ON p.upi = b.upi AND p.status = 'current'
            WHERE NOT ST_Within(b.footprint, p.boundary)
            """));
    }

    [Fact]
    public async Task Each_hazard_layer_covers_part_of_the_island_and_touches_parcels()
    {
        foreach (var hazard in (string[])["flood_coastal", "flood_river", "landslide", "storm_surge"])
        {
            var touched = await database.ScalarAsync<long>("""
                SELECT count(DISTINCT p.upi) FROM cadastre.hazard_zones h JOIN cadastre.parcel_versions p ON ST_Intersects(p.boundary, h.boundary)
                WHERE h.hazard = @hazard AND p.status = 'current'
                """, ("hazard", hazard));
            Assert.True(touched > 10, $"{hazard} touches {touched} parcels");
        }
    }

    [Fact]
    public async Task Official_areas_agree_with_computed_areas_as_a_survey_figure_would()
    {
        Assert.Equal(0L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM cadastre.parcel_versions WHERE abs(official_area - computed_area) > 0.001 * computed_area + 0.01"));
    }
}
