using Landplatform.Cadastre.Contracts;
using Landplatform.GisServer.Ogc;
using Landplatform.GisServer.Ogc.Features;

namespace Landplatform.GisServer.Tests;

/// <summary>The CQL2 text parser and JSON reader on their own: what each filter becomes, and how bad ones are refused.</summary>
public sealed class OgcFeaturesCql2Tests
{
    private static readonly FilterContext Parcels = new(FeatureCatalog.Find("parcels")!, CoordinateReferenceSystem.Crs84);

    private static FilterExpression Text(string filter) => Cql2TextParser.Parse(filter, Parcels);

    private static InvalidParameterException TextError(string filter) =>
        Assert.Throws<InvalidParameterException>(() => Cql2TextParser.Parse(filter, Parcels));

    [Theory]
    [InlineData("land_use = 'residential'", ComparisonOperator.Equal)]
    [InlineData("land_use <> 'residential'", ComparisonOperator.NotEqual)]
    [InlineData("official_area < 500", ComparisonOperator.Less)]
    [InlineData("official_area <= 500", ComparisonOperator.LessOrEqual)]
    [InlineData("official_area > 500", ComparisonOperator.Greater)]
    [InlineData("official_area >= 500", ComparisonOperator.GreaterOrEqual)]
    [InlineData("500 > official_area", ComparisonOperator.Less)]
    public void Comparisons_keep_the_property_on_the_left(string filter, ComparisonOperator expected)
    {
        var comparison = Assert.IsType<ComparisonFilter>(Text(filter));
        Assert.Equal(expected, comparison.Operator);
        Assert.True(comparison.Property is "land_use" or "official_area");
    }

    [Fact]
    public void AND_binds_tighter_than_OR_and_parentheses_override_it()
    {
        var or = Assert.IsType<OrFilter>(Text("version = 1 OR version = 2 AND status = 'current'"));
        Assert.IsType<ComparisonFilter>(or.Operands[0]);
        Assert.IsType<AndFilter>(or.Operands[1]);

        var and = Assert.IsType<AndFilter>(Text("(version = 1 OR version = 2) and status = 'current'"));
        Assert.IsType<OrFilter>(and.Operands[0]);
        Assert.IsType<NotFilter>(Text("NOT (version = 1)"));
    }

    [Fact]
    public void LIKE_IN_BETWEEN_and_IS_NULL_become_their_expressions()
    {
        var like = Assert.IsType<LikeFilter>(Text("address LIKE '%Kingstown%'"));
        Assert.Equal("%Kingstown%", like.Pattern);
        Assert.False(like.CaseInsensitive);
        Assert.True(Assert.IsType<LikeFilter>(Text("CASEI(address) LIKE CASEI('%kingstown%')")).CaseInsensitive);
        Assert.IsType<LikeFilter>(Assert.IsType<NotFilter>(Text("address NOT LIKE 'A%'")).Operand);

        var inList = Assert.IsType<InFilter>(Text("land_use IN ('residential', 'commercial', 'agricultural')"));
        Assert.Equal(3, inList.Values.Count);
        Assert.IsType<InFilter>(Assert.IsType<NotFilter>(Text("land_use NOT IN ('residential')")).Operand);

        var between = Assert.IsType<BetweenFilter>(Text("official_area BETWEEN 100 AND 2.5e3"));
        Assert.Equal(100L, between.Lower.Value);
        Assert.Equal(2500d, between.Upper.Value);
        Assert.IsType<IsNullFilter>(Text("address IS NULL"));
        Assert.IsType<IsNullFilter>(Assert.IsType<NotFilter>(Text("address IS NOT NULL")).Operand);
    }

    [Fact]
    public void Negative_numbers_and_escaped_quotes_are_literals()
    {
        Assert.Equal(-5L, Assert.IsType<ComparisonFilter>(Text("version > -5")).Value.Value);
        Assert.Equal("O'Brien's Lane", Assert.IsType<ComparisonFilter>(Text("address = 'O''Brien''s Lane'")).Value.Value);
        Assert.Equal("valid_from", Assert.IsType<ComparisonFilter>(Text("\"valid_from\" > TIMESTAMP('2020-01-01T00:00:00Z')")).Property);
    }

    [Theory]
    [InlineData("address = '1'' OR ''1''=''1'", "1' OR '1'='1")]
    [InlineData("address = '''; DROP TABLE cadastre.parcel_versions; --'", "'; DROP TABLE cadastre.parcel_versions; --")]
    [InlineData("address = 'x\\'", "x\\")]
    [InlineData("address = '%'' UNION SELECT password FROM identity.users --'", "%' UNION SELECT password FROM identity.users --")]
    public void SQL_in_a_string_stays_one_plain_literal(string filter, string literal)
    {
        var comparison = Assert.IsType<ComparisonFilter>(Text(filter));
        Assert.Equal("address", comparison.Property);
        Assert.Equal(literal, comparison.Value.Value);
    }

    [Theory]
    [InlineData("address = 'x'; DROP TABLE cadastre.parcel_versions", "filter-syntax")]
    [InlineData("address = 'x' -- comment", "filter-syntax")]
    [InlineData("upi = 'a' OR 1=1", "filter-type")]
    [InlineData("land_use = ", "filter-syntax")]
    [InlineData("land_use = 'unclosed", "filter-syntax")]
    [InlineData("(land_use = 'a'", "filter-syntax")]
    [InlineData("land_use == 'a'", "filter-syntax")]
    [InlineData("land_use LIKE 5", "filter-type")]
    [InlineData("land_use = address", "filter-type")]
    [InlineData("pg_sleep(10) = 1", "filter-operator")]
    [InlineData("", "filter-syntax")]
    [InlineData("land_use = 'a' land_use", "filter-syntax")]
    [InlineData("valid_from > TIMESTAMP('2020-01-01')", "filter-type")]
    [InlineData("T_BEFORE(valid_from, TIMESTAMP('yesterday'))", "filter-type")]
    [InlineData("S_INTERSECTS(boundary_x, POINT(1 2))", "filter-property")]
    [InlineData("S_INTERSECTS(geometry, POINT(1 2)", "filter-syntax")]
    [InlineData("S_INTERSECTS(geometry, POLYGON((1 2, 3 4)))", "filter-geometry")]
    [InlineData("S_INTERSECTS(geometry, BBOX(3, 3, 1, 1))", "filter-geometry")]
    public void Malformed_filters_are_refused_with_a_rule_naming_filter(string filter, string rule)
    {
        var error = TextError(filter);
        Assert.Equal("filter", error.Parameter);
        Assert.Equal(rule, error.Rule);
    }

    [Fact]
    public void A_syntax_error_names_its_position()
    {
        var error = TextError("land_use = 'a' AND version ! 1");
        Assert.Contains("position 28", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Filters_too_deep_or_too_long_are_refused_as_filter_size()
    {
        Assert.Equal("filter-size", TextError(new string('(', 100) + "version = 1" + new string(')', 100)).Rule);
        Assert.Equal("filter-size", TextError(string.Join(" OR ", Enumerable.Range(0, 600).Select(i => $"version = {i}"))).Rule);
        Assert.Equal("filter-size", TextError("address = '" + new string('a', Cql2TextParser.MaxLength) + "'").Rule);
        Assert.Equal("filter-size", TextError("NOT " + string.Concat(Enumerable.Repeat("NOT ", 100)) + "version = 1").Rule);
    }

    [Fact]
    public void Spatial_functions_take_WKT_and_BBOX_literals()
    {
        var point = Assert.IsType<SpatialFilter>(Text("S_INTERSECTS(geometry, POINT(-61.22 13.16))"));
        Assert.Equal(SpatialOperator.Intersects, point.Operator);
        Assert.Equal(4326, point.Srid);
        Assert.StartsWith("POINT", point.Wkt, StringComparison.Ordinal);

        var box = Assert.IsType<BboxFilter>(Text("S_INTERSECTS(geometry, BBOX(-61.25, 13.14, -61.20, 13.18))"));
        Assert.Equal(-61.25, box.MinX);
        Assert.Equal(13.18, box.MaxY);

        Assert.Equal(SpatialOperator.Within, Assert.IsType<SpatialFilter>(Text("S_WITHIN(geometry, POLYGON((-62 13, -61 13, -61 14, -62 14, -62 13)))")).Operator);
        Assert.Equal(SpatialOperator.Contains, Assert.IsType<SpatialFilter>(Text("S_WITHIN(POINT(-61.2 13.1), geometry)")).Operator);
        Assert.Equal(SpatialOperator.Disjoint, Assert.IsType<SpatialFilter>(Text("S_DISJOINT(geometry, MULTIPOINT((-61.2 13.1), (-61.3 13.2)))")).Operator);
        Assert.Equal(SpatialOperator.Disjoint, Assert.IsType<SpatialFilter>(Text("s_disjoint(boundary, BBOX(-61.25, 13.14, -61.20, 13.18))")).Operator);
        Assert.IsType<SpatialFilter>(Text("S_CROSSES(geometry, LINESTRING(-61.2 13.1, -61.3 13.2))"));
        Assert.IsType<SpatialFilter>(Text("S_INTERSECTS(geometry, MULTIPOLYGON(((-62 13, -61 13, -61 14, -62 13))))"));
    }

    [Fact]
    public void With_filter_crs_EPSG_4326_geometry_literals_are_read_latitude_first()
    {
        var latLon = new FilterContext(FeatureCatalog.Find("parcels")!, CoordinateReferenceSystem.Wgs84);
        var point = Assert.IsType<SpatialFilter>(Cql2TextParser.Parse("S_INTERSECTS(geometry, POINT(13.16 -61.22))", latLon));
        Assert.Contains("-61.22 13.16", point.Wkt, StringComparison.Ordinal);
        var box = Assert.IsType<BboxFilter>(Cql2TextParser.Parse("S_INTERSECTS(geometry, BBOX(13.14, -61.25, 13.18, -61.20))", latLon));
        Assert.Equal(-61.25, box.MinX);
        Assert.Equal(13.14, box.MinY);
    }

    [Fact]
    public void Temporal_functions_take_timestamps_dates_and_intervals()
    {
        var before = Assert.IsType<TemporalFilter>(Text("T_BEFORE(valid_from, TIMESTAMP('2020-01-01T00:00:00Z'))"));
        Assert.Equal(TemporalOperator.Before, before.Operator);
        Assert.Equal(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), before.Start);
        Assert.Equal(TemporalOperator.After, Assert.IsType<TemporalFilter>(Text("T_AFTER(valid_from, DATE('2020-01-01'))")).Operator);
        Assert.Equal(TemporalOperator.Equals, Assert.IsType<TemporalFilter>(Text("T_EQUALS(valid_from, TIMESTAMP('2010-01-01T00:00:00+00:00'))")).Operator);
        var during = Assert.IsType<TemporalFilter>(Text("T_DURING(valid_from, INTERVAL('2009-01-01', '2011-12-31'))"));
        Assert.Equal(TemporalOperator.During, during.Operator);
        Assert.Equal(new DateOnly(2011, 12, 31), DateOnly.FromDateTime(during.End!.Value.UtcDateTime));
        var open = Assert.IsType<TemporalFilter>(Text("T_DURING(valid_from, INTERVAL('2009-01-01', '..'))"));
        Assert.Null(open.End);
        Assert.Equal(TemporalOperator.After, Assert.IsType<TemporalFilter>(Text("T_BEFORE(TIMESTAMP('2020-01-01T00:00:00Z'), valid_from)")).Operator);
    }

    [Fact]
    public void CQL2_JSON_reads_the_same_expressions()
    {
        var and = Assert.IsType<AndFilter>(Cql2JsonReader.Read("""
            {"op":"and","args":[
              {"op":"=","args":[{"property":"land_use"},"residential"]},
              {"op":"like","args":[{"property":"address"},"%Kingstown%"]},
              {"op":"in","args":[{"property":"version"},[1,2]]},
              {"op":"between","args":[{"property":"official_area"},100,2500.5]},
              {"op":"not","args":[{"op":"isNull","args":[{"property":"address"}]}]},
              {"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[-61.22,13.16]}]},
              {"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[-61.25,13.14,-61.20,13.18]}]},
              {"op":"s_within","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[-62,13],[-61,13],[-61,14],[-62,13]]]}]},
              {"op":"t_before","args":[{"property":"valid_from"},{"timestamp":"2020-01-01T00:00:00Z"}]},
              {"op":"t_during","args":[{"property":"valid_from"},{"interval":["2009-01-01",".."]}]},
              {"op":">","args":[{"property":"valid_from"},{"date":"2009-01-01"}]}
            ]}
            """, Parcels));
        Assert.Equal(11, and.Operands.Count);
        Assert.IsType<ComparisonFilter>(and.Operands[0]);
        Assert.IsType<LikeFilter>(and.Operands[1]);
        Assert.IsType<InFilter>(and.Operands[2]);
        Assert.IsType<BetweenFilter>(and.Operands[3]);
        Assert.IsType<NotFilter>(and.Operands[4]);
        Assert.Equal("POINT (-61.22 13.16)", Assert.IsType<SpatialFilter>(and.Operands[5]).Wkt);
        Assert.IsType<BboxFilter>(and.Operands[6]);
        Assert.Equal(SpatialOperator.Within, Assert.IsType<SpatialFilter>(and.Operands[7]).Operator);
        Assert.Equal(TemporalOperator.Before, Assert.IsType<TemporalFilter>(and.Operands[8]).Operator);
        Assert.Null(Assert.IsType<TemporalFilter>(and.Operands[9]).End);
        Assert.IsType<DateTimeOffset>(Assert.IsType<ComparisonFilter>(and.Operands[10]).Value.Value);
        Assert.True(Assert.IsType<LikeFilter>(Cql2JsonReader.Read(
            """{"op":"like","args":[{"op":"casei","args":[{"property":"address"}]},{"op":"casei","args":["%KINGS%"]}]}""", Parcels)).CaseInsensitive);
    }

    [Theory]
    [InlineData("{\"op\":\"=\",\"args\":[{\"property\":\"address\"}", "filter-syntax")]
    [InlineData("{\"args\":[]}", "filter-syntax")]
    [InlineData("{\"op\":\"sql\",\"args\":[\"DROP TABLE x\"]}", "filter-operator")]
    [InlineData("{\"op\":\"=\",\"args\":[{\"property\":\"address\"}]}", "filter-type")]
    [InlineData("{\"op\":\"=\",\"args\":[\"a\",\"b\"]}", "filter-type")]
    [InlineData("{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geometry\"},{\"type\":\"Blob\",\"coordinates\":[]}]}", "filter-geometry")]
    [InlineData("{\"op\":\"=\",\"args\":[{\"property\":\"version\"},1e999]}", "filter-type")]
    public void Malformed_CQL2_JSON_is_refused_naming_filter(string json, string rule)
    {
        var error = Assert.Throws<InvalidParameterException>(() => Cql2JsonReader.Read(json, Parcels));
        Assert.Equal("filter", error.Parameter);
        Assert.Equal(rule, error.Rule);
    }

    [Fact]
    public void A_string_of_SQL_in_CQL2_JSON_stays_a_literal()
    {
        var comparison = Assert.IsType<ComparisonFilter>(Cql2JsonReader.Read(
            """{"op":"=","args":[{"property":"address"},"x'); DELETE FROM cadastre.buildings; --"]}""", Parcels));
        Assert.Equal("x'); DELETE FROM cadastre.buildings; --", comparison.Value.Value);
    }

    [Fact]
    public void Deeply_nested_CQL2_JSON_is_refused()
    {
        static string Nested(int levels) => string.Concat(Enumerable.Repeat("{\"op\":\"not\",\"args\":[", levels))
            + "{\"op\":\"=\",\"args\":[{\"property\":\"version\"},1]}" + string.Concat(Enumerable.Repeat("]}", levels));
        Assert.IsType<NotFilter>(Cql2JsonReader.Read(Nested(10), Parcels));
        Assert.Equal("filter-size", Assert.Throws<InvalidParameterException>(() => Cql2JsonReader.Read(Nested(34), Parcels)).Rule);
        Assert.Equal("filter-syntax", Assert.Throws<InvalidParameterException>(() => Cql2JsonReader.Read(Nested(5000), Parcels)).Rule);
    }
}

/// <summary>CQL2 to the letter: CASEI and ACCENTI fold only their argument, boolean and signed literals, every temporal function.</summary>
public sealed class Cql2LetterTests
{
    private static readonly FilterContext Parcels = new(FeatureCatalog.Find("parcels")!, CoordinateReferenceSystem.Crs84);

    [Fact]
    public void CASEI_and_ACCENTI_fold_each_side_they_wrap_in_text_and_JSON()
    {
        var both = Assert.IsType<ComparisonFilter>(Cql2TextParser.Parse("CASEI(land_use) = CASEI('Forest')", Parcels));
        Assert.Equal(TextFold.Case, both.PropertyFold);
        Assert.Equal(TextFold.Case, both.Value.Fold);
        var one = Assert.IsType<ComparisonFilter>(Cql2TextParser.Parse("CASEI(land_use) <> 'Forest'", Parcels));
        Assert.Equal(TextFold.None, one.Value.Fold);
        var accents = Assert.IsType<InFilter>(Cql2TextParser.Parse("ACCENTI(CASEI(land_use)) IN (ACCENTI('Fôrest'), 'x')", Parcels));
        Assert.Equal(TextFold.Case | TextFold.Accent, accents.PropertyFold);
        Assert.Equal([TextFold.Accent, TextFold.None], accents.Values.Select(v => v.Fold));

        var json = Assert.IsType<ComparisonFilter>(Cql2JsonReader.Read(
            """{"op":"=","args":[{"op":"casei","args":[{"op":"accenti","args":[{"property":"land_use"}]}]},{"op":"casei","args":["Forest"]}]}""", Parcels));
        Assert.Equal(TextFold.Case | TextFold.Accent, json.PropertyFold);
        Assert.Equal(TextFold.Case, json.Value.Fold);
        var like = Assert.IsType<LikeFilter>(Cql2TextParser.Parse("CASEI(address) LIKE '%Kingstown%'", Parcels));
        Assert.False(like.CaseInsensitive);
        Assert.Equal(TextFold.Case, like.PropertyFold);
    }

    [Fact]
    public void TRUE_FALSE_and_signed_numbers_are_literals_of_the_grammar()
    {
        Assert.Equal(new ConstantFilter(true), Cql2TextParser.Parse("TRUE", Parcels));
        var or = Assert.IsType<OrFilter>(Cql2TextParser.Parse("FALSE OR (TRUE AND version = 1)", Parcels));
        Assert.Equal(new ConstantFilter(false), or.Operands[0]);
        Assert.Equal(new ConstantFilter(true), Assert.IsType<AndFilter>(or.Operands[1]).Operands[0]);
        Assert.Equal(new ConstantFilter(false), Cql2JsonReader.Read("false", Parcels));
        Assert.Equal(1000L, Assert.IsType<ComparisonFilter>(Cql2TextParser.Parse("official_area > +1000", Parcels)).Value.Value);
        Assert.Equal(-2.5, Assert.IsType<ComparisonFilter>(Cql2TextParser.Parse("official_area > -2.5", Parcels)).Value.Value);
    }

    [Theory]
    [InlineData("T_AFTER", TemporalOperator.After, TemporalOperator.Before)]
    [InlineData("T_DURING", TemporalOperator.During, TemporalOperator.Contains)]
    [InlineData("T_MEETS", TemporalOperator.Meets, TemporalOperator.MetBy)]
    [InlineData("T_STARTS", TemporalOperator.Starts, TemporalOperator.StartedBy)]
    [InlineData("T_FINISHES", TemporalOperator.Finishes, TemporalOperator.FinishedBy)]
    [InlineData("T_OVERLAPS", TemporalOperator.Overlaps, TemporalOperator.OverlappedBy)]
    [InlineData("T_DISJOINT", TemporalOperator.Disjoint, TemporalOperator.Disjoint)]
    [InlineData("T_EQUALS", TemporalOperator.Equals, TemporalOperator.Equals)]
    public void Every_temporal_function_reads_with_the_property_first_or_second(string function, TemporalOperator first, TemporalOperator second)
    {
        Assert.Equal(first, Assert.IsType<TemporalFilter>(Cql2TextParser.Parse($"{function}(valid_from, INTERVAL('2009-01-01', '..'))", Parcels)).Operator);
        Assert.Equal(second, Assert.IsType<TemporalFilter>(Cql2TextParser.Parse($"{function}(INTERVAL('2009-01-01', '..'), valid_from)", Parcels)).Operator);
        Assert.Equal(first, Assert.IsType<TemporalFilter>(Cql2JsonReader.Read(
            $$"""{"op":"{{function.ToLowerInvariant()}}","args":[{"property":"valid_from"},{"interval":["2009-01-01",".."]}]}""", Parcels)).Operator);
    }

    [Fact]
    public void An_interval_of_two_properties_is_a_temporal_operand_in_text_and_json()
    {
        var text = Assert.IsType<TemporalFilter>(Cql2TextParser.Parse("T_DURING(INTERVAL(valid_from, valid_to), INTERVAL('2009-01-01', '..'))", Parcels));
        Assert.Equal(("valid_from", "valid_to", TemporalOperator.During), (text.Property, text.EndProperty, text.Operator));
        var flipped = Assert.IsType<TemporalFilter>(Cql2TextParser.Parse("T_DURING(TIMESTAMP('2010-01-01T00:00:00Z'), INTERVAL(valid_from, valid_to))", Parcels));
        Assert.Equal(("valid_from", "valid_to", TemporalOperator.Contains), (flipped.Property, flipped.EndProperty, flipped.Operator));
        var json = Assert.IsType<TemporalFilter>(Cql2JsonReader.Read(
            """{"op":"t_intersects","args":[{"interval":[{"property":"valid_from"},{"property":"valid_to"}]},{"interval":["2009-01-01","2010-01-01"]}]}""", Parcels));
        Assert.Equal(("valid_from", "valid_to", TemporalOperator.Intersects), (json.Property, json.EndProperty, json.Operator));
        Assert.Throws<InvalidParameterException>(() => Cql2TextParser.Parse("T_DURING(INTERVAL(valid_from, '..'), INTERVAL('2009-01-01', '..'))", Parcels));
        Assert.Throws<InvalidParameterException>(() => Cql2JsonReader.Read(
            """{"op":"t_during","args":[{"interval":[{"property":"valid_from"},".."]},{"interval":["2009-01-01",".."]}]}""", Parcels));
    }
}
