using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Landplatform.Testing;
using Xunit.Abstractions;

namespace Landplatform.GisServer.Tests;

/// <summary>
/// A random corpus of filters, each written four ways — CQL2 text, CQL2 JSON, FES 2.0 (where FES can say it) and the same
/// predicate in SQL, written here from the standards' definitions — run against the real server and PostGIS: every
/// filter must match exactly the parcels the SQL matches.
/// </summary>
public sealed class FilterAgreementTests(PlatformServer server, ITestOutputHelper output) : IClassFixture<PlatformServer>
{
    private const int Cases = 300;

    [Fact]
    public async Task Random_CQL2_text_CQL2_JSON_and_FES_filters_match_exactly_what_PostGIS_matches()
    {
        var samples = await Samples.LoadAsync(server.Database);
        var random = new Random(26);
        var disagreements = new List<string>();
        var (text, json, fes) = (0, 0, 0);
        var (none, some, all) = (0, 0, 0);
        var total = await server.Database.ScalarAsync<long>("SELECT count(*) FROM cadastre.parcel_versions WHERE status = 'current'");
        for (var i = 0; i < Cases; i++)
        {
            var filter = Generator.Expression(random, samples, depth: 0);
            var expected = await server.Database.ScalarAsync<long>(
                $"SELECT count(*) FROM cadastre.parcel_versions t WHERE t.status = 'current' AND ({filter.Sql})");
            var small = expected <= 40 ? await ExpectedIdsAsync(filter.Sql) : null;
            _ = expected == 0 ? none++ : expected == total ? all++ : some++;

            text++;
            await CompareAsync(disagreements, filter, "cql2-text", filter.Text, expected, small);
            json++;
            await CompareAsync(disagreements, filter, "cql2-json", filter.Json, expected, small);
            if (filter.Fes is not null)
            {
                fes++;
                var hits = await FesHitsAsync(filter.Fes);
                if (hits != expected)
                {
                    disagreements.Add($"FES {filter.Fes}: {hits} features, PostGIS {expected} (SQL {filter.Sql})");
                }
            }
        }

        output.WriteLine($"{text} CQL2-text, {json} CQL2-JSON and {fes} FES filters compared with PostGIS; {disagreements.Count} disagreements");
        output.WriteLine($"of the {Cases} filters, {none} matched no parcel, {all} every parcel and {some} some of the {total}");
        // A corpus that matched nothing (or everything) would agree by accident.
        Assert.True(some > Cases / 3, $"only {some} of {Cases} filters matched some but not all parcels");
        Assert.True(disagreements.Count == 0, $"{disagreements.Count} disagreements:\n{string.Join("\n", disagreements.Take(15))}");
    }

    private async Task CompareAsync(List<string> disagreements, Filter filter, string lang, string encoded, long expected, IReadOnlyList<string>? small)
    {
        var path = $"/ogc/collections/parcels/items?filter-lang={lang}&filter={Uri.EscapeDataString(encoded)}&properties=upi&limit={(small is null ? 1 : 50)}";
        using var response = await server.Client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            disagreements.Add($"{lang} {encoded}: answered {(int)response.StatusCode} {body}");
            return;
        }

        var page = JsonDocument.Parse(body).RootElement;
        if (small is not null)
        {
            var ids = page.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()!).ToList();
            if (!ids.SequenceEqual(small))
            {
                disagreements.Add($"{lang} {encoded}: [{string.Join(",", ids.Take(5))}…] ({ids.Count}), PostGIS [{string.Join(",", small.Take(5))}…] ({small.Count}) (SQL {filter.Sql})");
            }

            return;
        }

        var matched = page.TryGetProperty("numberMatched", out var m) ? m.GetInt64() : await CountByPagingAsync(path);
        if (matched != expected)
        {
            disagreements.Add($"{lang} {encoded}: {matched} features, PostGIS {expected} (SQL {filter.Sql})");
        }
    }

    // When numberMatched is left out (a costly count), the pages themselves are counted.
    private async Task<long> CountByPagingAsync(string path)
    {
        long count = 0;
        string? next = path.Replace("&limit=1", "&limit=10000", StringComparison.Ordinal);
        while (next is not null)
        {
            var page = await server.GetJsonAsync(next);
            count += page.GetProperty("numberReturned").GetInt64();
            next = page.GetProperty("links").EnumerateArray().Where(l => l.GetProperty("rel").GetString() == "next")
                .Select(l => new Uri(l.GetProperty("href").GetString()!).PathAndQuery).FirstOrDefault();
        }

        return count;
    }

    private async Task<long> FesHitsAsync(string fes)
    {
        var filter = "<fes:Filter xmlns:fes=\"http://www.opengis.net/fes/2.0\" xmlns:gml=\"http://www.opengis.net/gml/3.2\">" + fes + "</fes:Filter>";
        using var response = await server.Client.GetAsync(
            $"/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=lp:parcels&RESULTTYPE=hits&FILTER={Uri.EscapeDataString(filter)}");
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return -(int)response.StatusCode;
        }

        return long.Parse(XDocument.Parse(body).Root!.Attribute("numberMatched")!.Value, CultureInfo.InvariantCulture);
    }

    private async Task<IReadOnlyList<string>> ExpectedIdsAsync(string sql)
    {
        var ids = new List<string>();
        await using var command = server.Database.DataSource.CreateCommand(
            $"SELECT t.upi FROM cadastre.parcel_versions t WHERE t.status = 'current' AND ({sql}) ORDER BY t.upi");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>One filter in every encoding; <see cref="Fes"/> is null where FES 2.0 has no way to say it.</summary>
    private sealed record Filter(string Text, string Json, string? Fes, string Sql);

    /// <summary>Values the fabric really holds, so that equalities, ranges and interval end points meet real rows.</summary>
    private sealed record Samples(string[] LandUses, string[] Districts, string[] Addresses, double[] Areas, DateTimeOffset[] Starts)
    {
        public static async Task<Samples> LoadAsync(SampleIslandDatabase db)
        {
            async Task<List<T>> ListAsync<T>(string sql)
            {
                var list = new List<T>();
                await using var command = db.DataSource.CreateCommand(sql);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    list.Add(reader.GetFieldValue<T>(0));
                }

                return list;
            }

            const string current = "FROM cadastre.parcel_versions WHERE status = 'current'";
            return new Samples(
                [.. await ListAsync<string>($"SELECT DISTINCT land_use {current} ORDER BY 1")],
                [.. await ListAsync<string>($"SELECT DISTINCT district_code {current} ORDER BY 1")],
                [.. await ListAsync<string>($"SELECT address {current} AND address IS NOT NULL ORDER BY upi LIMIT 40")],
                [.. await ListAsync<double>($"SELECT unnest(percentile_disc(ARRAY[0.05,0.2,0.4,0.5,0.6,0.8,0.95]) WITHIN GROUP (ORDER BY official_area))::float8 {current}")],
                [.. (await ListAsync<DateTime>($"SELECT DISTINCT valid_from {current} ORDER BY 1 LIMIT 200"))
                    .Select(d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)))]);
        }
    }

    private static class Generator
    {
        private static readonly (string Name, string Column)[] Texts = [("land_use", "land_use"), ("district", "district_code"), ("address", "address")];

        private static readonly string[] TemporalFunctions =
        [
            "T_AFTER", "T_BEFORE", "T_CONTAINS", "T_DISJOINT", "T_DURING", "T_EQUALS", "T_FINISHEDBY", "T_FINISHES",
            "T_INTERSECTS", "T_MEETS", "T_METBY", "T_OVERLAPPEDBY", "T_OVERLAPS", "T_STARTEDBY", "T_STARTS",
        ];

        public static Filter Expression(Random random, Samples samples, int depth)
        {
            var roll = depth >= 2 ? 10 : random.Next(14);
            switch (roll)
            {
                case 0 or 1:
                {
                    var count = random.Next(2, 4);
                    var parts = Enumerable.Range(0, count).Select(_ => Expression(random, samples, depth + 1)).ToList();
                    var and = roll == 0;
                    var word = and ? " AND " : " OR ";
                    return new Filter(
                        "(" + string.Join(word, parts.Select(p => p.Text)) + ")",
                        $"{{\"op\":\"{(and ? "and" : "or")}\",\"args\":[{string.Join(",", parts.Select(p => p.Json))}]}}",
                        parts.All(p => p.Fes is not null) ? $"<fes:{(and ? "And" : "Or")}>{string.Concat(parts.Select(p => p.Fes))}</fes:{(and ? "And" : "Or")}>" : null,
                        "(" + string.Join(word, parts.Select(p => $"({p.Sql})")) + ")");
                }

                case 2:
                {
                    var inner = Expression(random, samples, depth + 1);
                    // SQL's NOT of an unknown (a NULL compared) is unknown, as CQL2's is.
                    return new Filter($"NOT ({inner.Text})", $"{{\"op\":\"not\",\"args\":[{inner.Json}]}}",
                        inner.Fes is null ? null : $"<fes:Not>{inner.Fes}</fes:Not>", $"NOT ({inner.Sql})");
                }

                default:
                    return Atom(random, samples);
            }
        }

        private static Filter Atom(Random random, Samples samples) => random.Next(9) switch
        {
            0 or 1 => TextComparison(random, samples),
            2 => NumberComparison(random, samples),
            3 => Like(random, samples),
            4 => In(random, samples),
            5 => Between(random, samples),
            6 => Temporal(random, samples),
            7 => random.Next(3) == 0 ? Constant(random) : IsNull(random),
            _ => Box(random),
        };

        private static Filter TextComparison(Random random, Samples samples)
        {
            var (name, column) = Texts[random.Next(2)];
            var value = Pick(random, name == "land_use" ? samples.LandUses : samples.Districts);
            var ops = new[] { "=", "<>", "<", "<=", ">", ">=" };
            var op = ops[random.Next(ops.Length)];
            var (propertyFold, literalFold) = (RandomFold(random), RandomFold(random));
            var literal = Vary(random, value, literalFold);
            var fesCaseless = propertyFold == Fold.Case && literalFold == Fold.Case && op is "=" or "<>";
            string? fes = (propertyFold, literalFold) == (Fold.None, Fold.None) || fesCaseless
                ? $"<fes:{FesComparison(op)}{(fesCaseless ? " matchCase=\"false\"" : string.Empty)}><fes:ValueReference>{name}</fes:ValueReference><fes:Literal>{Xml(literal)}</fes:Literal></fes:{FesComparison(op)}>"
                : null;
            return new Filter(
                $"{Wrap(name, propertyFold)} {op} {Wrap(Quote(literal), literalFold)}",
                $"{{\"op\":\"{op}\",\"args\":[{WrapJson($"{{\"property\":\"{name}\"}}", propertyFold)},{WrapJson(JsonSerializer.Serialize(literal), literalFold)}]}}",
                fes,
                $"{SqlFold($"t.{column}", propertyFold)} {op} {SqlFold(SqlString(literal), literalFold)}");
        }

        private static Filter NumberComparison(Random random, Samples samples)
        {
            var ops = new[] { "=", "<>", "<", "<=", ">", ">=" };
            var op = ops[random.Next(ops.Length)];
            var (name, value) = random.Next(3) == 0 ? ("version", (double)random.Next(0, 4)) : ("official_area", samples.Areas.Length > 0 ? Pick(random, samples.Areas) : 500);
            var number = value.ToString("R", CultureInfo.InvariantCulture);
            // Signed literals, as the grammar allows them: +1000, -0, 1.5e2.
            var written = random.Next(4) switch
            {
                0 => "+" + number,
                1 when value == Math.Floor(value) && value < 1e6 => value.ToString("0.0####e+0", CultureInfo.InvariantCulture),
                _ => number,
            };
            var flipped = random.Next(4) == 0;
            var mirrored = op switch { "<" => ">", "<=" => ">=", ">" => "<", ">=" => "<=", _ => op };
            return new Filter(
                flipped ? $"{written} {mirrored} {name}" : $"{name} {op} {written}",
                flipped ? $"{{\"op\":\"{mirrored}\",\"args\":[{number},{{\"property\":\"{name}\"}}]}}" : $"{{\"op\":\"{op}\",\"args\":[{{\"property\":\"{name}\"}},{number}]}}",
                $"<fes:{FesComparison(op)}><fes:ValueReference>{name}</fes:ValueReference><fes:Literal>{number}</fes:Literal></fes:{FesComparison(op)}>",
                $"t.{name} {op} {number}");
        }

        private static Filter Like(Random random, Samples samples)
        {
            var (name, column, value) = random.Next(2) == 0 ? ("address", "address", Pick(random, samples.Addresses)) : ("land_use", "land_use", Pick(random, samples.LandUses));
            var cut = random.Next(1, Math.Max(2, value.Length - 1));
            var pattern = random.Next(3) switch
            {
                0 => value[..cut] + "%",
                1 => "%" + value[Math.Min(cut, value.Length - 1)..],
                _ => "%" + value[(cut / 2)..cut] + "_%",
            };
            var (propertyFold, patternFold) = (RandomFold(random), RandomFold(random));
            pattern = Vary(random, pattern, patternFold);
            var negated = random.Next(4) == 0;
            string? fes = (propertyFold, patternFold) is (Fold.None, Fold.None) or (Fold.Case, Fold.Case)
                ? $"<fes:PropertyIsLike wildCard=\"%\" singleChar=\"_\" escapeChar=\"\\\"{(propertyFold == Fold.Case ? " matchCase=\"false\"" : string.Empty)}><fes:ValueReference>{name}</fes:ValueReference><fes:Literal>{Xml(pattern)}</fes:Literal></fes:PropertyIsLike>"
                : null;
            var like = new Filter(
                $"{Wrap(name, propertyFold)} {(negated ? "NOT LIKE" : "LIKE")} {Wrap(Quote(pattern), patternFold)}",
                $"{{\"op\":\"like\",\"args\":[{WrapJson($"{{\"property\":\"{name}\"}}", propertyFold)},{WrapJson(JsonSerializer.Serialize(pattern), patternFold)}]}}",
                fes,
                $"{SqlFold($"t.{column}", propertyFold)} LIKE {SqlFold(SqlString(pattern), patternFold)}");
            return negated
                ? like with { Json = $"{{\"op\":\"not\",\"args\":[{like.Json}]}}", Fes = fes is null ? null : $"<fes:Not>{fes}</fes:Not>", Sql = $"NOT ({like.Sql})" }
                : like;
        }

        private static Filter In(Random random, Samples samples)
        {
            var values = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Pick(random, samples.LandUses)).ToList();
            var propertyFold = RandomFold(random);
            var folds = values.Select(_ => RandomFold(random)).ToList();
            var literals = values.Select((v, i) => Vary(random, v, folds[i])).ToList();
            var negated = random.Next(4) == 0;
            var sql = $"{SqlFold("t.land_use", propertyFold)} IN ({string.Join(", ", literals.Select((l, i) => SqlFold(SqlString(l), folds[i])))})";
            var json = $"{{\"op\":\"in\",\"args\":[{WrapJson("{\"property\":\"land_use\"}", propertyFold)},[{string.Join(",", literals.Select((l, i) => WrapJson(JsonSerializer.Serialize(l), folds[i])))}]]}}";
            var fes = propertyFold == Fold.None && folds.All(f => f == Fold.None)
                ? (literals.Count == 1 ? Equal(literals[0]) : $"<fes:Or>{string.Concat(literals.Select(Equal))}</fes:Or>")
                : null;
            return new Filter(
                $"{Wrap("land_use", propertyFold)} {(negated ? "NOT IN" : "IN")} ({string.Join(", ", literals.Select((l, i) => Wrap(Quote(l), folds[i])))})",
                negated ? $"{{\"op\":\"not\",\"args\":[{json}]}}" : json,
                negated && fes is not null ? $"<fes:Not>{fes}</fes:Not>" : fes,
                negated ? $"NOT ({sql})" : sql);

            static string Equal(string literal) =>
                $"<fes:PropertyIsEqualTo><fes:ValueReference>land_use</fes:ValueReference><fes:Literal>{Xml(literal)}</fes:Literal></fes:PropertyIsEqualTo>";
        }

        private static Filter Between(Random random, Samples samples)
        {
            var a = samples.Areas.Length > 0 ? Pick(random, samples.Areas) : 100;
            var b = samples.Areas.Length > 0 ? Pick(random, samples.Areas) : 900;
            var (low, high) = (Math.Min(a, b).ToString("R", CultureInfo.InvariantCulture), Math.Max(a, b).ToString("R", CultureInfo.InvariantCulture));
            return new Filter(
                $"official_area BETWEEN {low} AND {high}",
                $"{{\"op\":\"between\",\"args\":[{{\"property\":\"official_area\"}},{low},{high}]}}",
                $"<fes:PropertyIsBetween><fes:ValueReference>official_area</fes:ValueReference><fes:LowerBoundary><fes:Literal>{low}</fes:Literal></fes:LowerBoundary><fes:UpperBoundary><fes:Literal>{high}</fes:Literal></fes:UpperBoundary></fes:PropertyIsBetween>",
                $"t.official_area BETWEEN {low} AND {high}");
        }

        // CQL2's temporal functions as the standard defines them between A = [as, ae] and B = [bs, be]: the property's
        // instant is [a, a], the INTERVAL of valid_from and valid_to is [valid_from, valid_to] with an empty end open,
        // and open literal ends are infinite.
        private static Filter Temporal(Random random, Samples samples)
        {
            var function = TemporalFunctions[random.Next(TemporalFunctions.Length)];
            var first = Pick(random, samples.Starts);
            var second = Pick(random, samples.Starts);
            var (s, e) = first <= second ? (first, second) : (second, first);
            var kind = random.Next(5);
            var (textLiteral, jsonLiteral, start, end) = kind switch
            {
                0 => ($"TIMESTAMP('{Stamp(s)}')", $"{{\"timestamp\":\"{Stamp(s)}\"}}", Sql(s), Sql(s)),
                1 => ($"INTERVAL('{Stamp(s)}', '..')", $"{{\"interval\":[\"{Stamp(s)}\",\"..\"]}}", Sql(s), "'infinity'::timestamptz"),
                2 => ($"INTERVAL('..', '{Stamp(e)}')", $"{{\"interval\":[\"..\",\"{Stamp(e)}\"]}}", "'-infinity'::timestamptz", Sql(e)),
                _ => ($"INTERVAL('{Stamp(s)}', '{Stamp(e)}')", $"{{\"interval\":[\"{Stamp(s)}\",\"{Stamp(e)}\"]}}", Sql(s), Sql(e)),
            };
            var span = random.Next(3) == 0;
            var (textProperty, jsonProperty, aStart, aEnd) = span
                ? ("INTERVAL(valid_from, valid_to)", "{\"interval\":[{\"property\":\"valid_from\"},{\"property\":\"valid_to\"}]}",
                    "t.valid_from", "coalesce(t.valid_to, 'infinity'::timestamptz)")
                : ("valid_from", "{\"property\":\"valid_from\"}", "t.valid_from", "t.valid_from");
            var flipped = random.Next(3) == 0;
            var op = function.ToLowerInvariant();
            return new Filter(
                flipped ? $"{function}({textLiteral}, {textProperty})" : $"{function}({textProperty}, {textLiteral})",
                flipped ? $"{{\"op\":\"{op}\",\"args\":[{jsonLiteral},{jsonProperty}]}}" : $"{{\"op\":\"{op}\",\"args\":[{jsonProperty},{jsonLiteral}]}}",
                null,
                flipped ? Allen(function, start, end, aStart, aEnd) : Allen(function, aStart, aEnd, start, end));
        }

        private static string Allen(string function, string @as, string ae, string bs, string be) => function switch
        {
            "T_AFTER" => $"{@as} > {be}",
            "T_BEFORE" => $"{ae} < {bs}",
            "T_CONTAINS" => $"{@as} < {bs} AND {ae} > {be}",
            "T_DISJOINT" => $"NOT ({@as} <= {be} AND {ae} >= {bs})",
            "T_DURING" => $"{@as} > {bs} AND {ae} < {be}",
            "T_EQUALS" => $"{@as} = {bs} AND {ae} = {be}",
            "T_FINISHEDBY" => $"{@as} < {bs} AND {ae} = {be}",
            "T_FINISHES" => $"{@as} > {bs} AND {ae} = {be}",
            "T_INTERSECTS" => $"{@as} <= {be} AND {ae} >= {bs}",
            "T_MEETS" => $"{ae} = {bs}",
            "T_METBY" => $"{@as} = {be}",
            "T_OVERLAPPEDBY" => $"{@as} > {bs} AND {@as} < {be} AND {ae} > {be}",
            "T_OVERLAPS" => $"{@as} < {bs} AND {ae} > {bs} AND {ae} < {be}",
            "T_STARTEDBY" => $"{@as} = {bs} AND {ae} > {be}",
            _ => $"{@as} = {bs} AND {ae} < {be}",
        };

        private static Filter IsNull(Random random)
        {
            var (name, column) = random.Next(2) == 0 ? ("address", "address") : ("valid_to", "valid_to");
            var negated = random.Next(2) == 0;
            var fes = $"<fes:PropertyIsNull><fes:ValueReference>{name}</fes:ValueReference></fes:PropertyIsNull>";
            var json = $"{{\"op\":\"isNull\",\"args\":[{{\"property\":\"{name}\"}}]}}";
            return new Filter(
                $"{name} IS {(negated ? "NOT " : string.Empty)}NULL",
                negated ? $"{{\"op\":\"not\",\"args\":[{json}]}}" : json,
                negated ? $"<fes:Not>{fes}</fes:Not>" : fes,
                $"t.{column} IS {(negated ? "NOT " : string.Empty)}NULL");
        }

        private static Filter Constant(Random random)
        {
            var value = random.Next(2) == 0;
            return new Filter(value ? "TRUE" : "FALSE", value ? "true" : "false", null, value ? "true" : "false");
        }

        private static Filter Box(Random random)
        {
            var x = -61.28 + (random.NextDouble() * 0.12);
            var y = 13.13 + (random.NextDouble() * 0.2);
            var size = 0.002 + (random.NextDouble() * 0.02);
            var (minx, miny, maxx, maxy) = (F(x), F(y), F(x + size), F(y + size));
            return new Filter(
                $"S_INTERSECTS(geometry, BBOX({minx}, {miny}, {maxx}, {maxy}))",
                $"{{\"op\":\"s_intersects\",\"args\":[{{\"property\":\"geometry\"}},{{\"bbox\":[{minx},{miny},{maxx},{maxy}]}}]}}",
                $"<fes:BBOX><fes:ValueReference>geometry</fes:ValueReference><gml:Envelope srsName=\"http://www.opengis.net/def/crs/OGC/1.3/CRS84\"><gml:lowerCorner>{minx} {miny}</gml:lowerCorner><gml:upperCorner>{maxx} {maxy}</gml:upperCorner></gml:Envelope></fes:BBOX>",
                $"ST_Intersects(t.boundary, ST_Transform(ST_MakeEnvelope({minx}, {miny}, {maxx}, {maxy}, 4326), 2007))");

            static string F(double v) => Math.Round(v, 5).ToString("R", CultureInfo.InvariantCulture);
        }

        [Flags]
        private enum Fold
        {
            None = 0,
            Case = 1,
            Accent = 2,
        }

        private static Fold RandomFold(Random random) => random.Next(6) switch
        {
            0 or 1 => Fold.Case,
            2 => Fold.Accent,
            3 => Fold.Case | Fold.Accent,
            _ => Fold.None,
        };

        // A literal varied as CASEI and ACCENTI make no difference to: other case, accents on its vowels.
        private static string Vary(Random random, string value, Fold fold)
        {
            var chars = value.ToCharArray();
            for (var i = 0; i < chars.Length; i++)
            {
                if (fold.HasFlag(Fold.Case) && random.Next(3) == 0)
                {
                    chars[i] = char.IsUpper(chars[i]) ? char.ToLowerInvariant(chars[i]) : char.ToUpperInvariant(chars[i]);
                }

                if (fold.HasFlag(Fold.Accent) && random.Next(3) == 0 && Accents.TryGetValue(chars[i], out var accented))
                {
                    chars[i] = accented[random.Next(accented.Length)];
                }
            }

            return new string(chars);
        }

        private static readonly Dictionary<char, string> Accents = new()
        {
            ['a'] = "áàâäã", ['e'] = "éèêë", ['i'] = "íìîï", ['o'] = "óòôöõ", ['u'] = "úùûü", ['n'] = "ñ", ['c'] = "ç",
            ['A'] = "ÁÀÂÄ", ['E'] = "ÉÈÊË", ['I'] = "ÍÎ", ['O'] = "ÓÔÖ", ['U'] = "ÚÜ",
        };

        // The test's own accent stripping: every accented letter the generator writes, mapped back (not the server's way).
        private static readonly string AccentedLetters = string.Concat(Accents.Values);
        private static readonly string PlainLetters = string.Concat(Accents.SelectMany(p => p.Value.Select(_ => p.Key)));

        private static string SqlFold(string sql, Fold fold)
        {
            if (fold.HasFlag(Fold.Accent))
            {
                sql = $"translate({sql}, '{AccentedLetters}', '{PlainLetters}')";
            }

            return fold.HasFlag(Fold.Case) ? $"lower({sql})" : sql;
        }

        private static string Wrap(string text, Fold fold)
        {
            if (fold.HasFlag(Fold.Accent))
            {
                text = $"ACCENTI({text})";
            }

            return fold.HasFlag(Fold.Case) ? $"CASEI({text})" : text;
        }

        private static string WrapJson(string json, Fold fold)
        {
            if (fold.HasFlag(Fold.Accent))
            {
                json = $"{{\"op\":\"accenti\",\"args\":[{json}]}}";
            }

            return fold.HasFlag(Fold.Case) ? $"{{\"op\":\"casei\",\"args\":[{json}]}}" : json;
        }

        private static string FesComparison(string op) => op switch
        {
            "=" => "PropertyIsEqualTo",
            "<>" => "PropertyIsNotEqualTo",
            "<" => "PropertyIsLessThan",
            "<=" => "PropertyIsLessThanOrEqualTo",
            ">" => "PropertyIsGreaterThan",
            _ => "PropertyIsGreaterThanOrEqualTo",
        };

        private static T Pick<T>(Random random, IReadOnlyList<T> values) => values[random.Next(values.Count)];

        private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

        private static string SqlString(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

        private static string Xml(string value) => new XText(value).ToString();

        private static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

        private static string Sql(DateTimeOffset t) => $"'{Stamp(t)}'::timestamptz";
    }
}
