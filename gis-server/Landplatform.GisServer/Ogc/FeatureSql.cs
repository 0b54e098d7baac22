using Landplatform.Cadastre.Contracts.Layers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using Npgsql;
using NpgsqlTypes;

namespace Landplatform.GisServer.Ogc;

/// <summary>How the geometry column comes back from PostGIS.</summary>
public enum GeometryEncoding
{
    None,

    /// <summary>GeoJSON (ST_AsGeoJSON) as UTF-8 bytes, x/y order as stored after transformation.</summary>
    GeoJson,

    /// <summary>GML 3.2 text (ST_AsGML version 3 with GML 3.2 namespace), axis order of the CRS's authority.</summary>
    Gml32,

    /// <summary>Well-known binary (ST_AsBinary), for renderers.</summary>
    Wkb,

    /// <summary>Well-known text (ST_AsText), for CSV; axis order as for GeoJSON.</summary>
    Wkt,
}

/// <summary>
/// Where a keyset page starts: after the feature with this id (and version, for versioned collections), which was row
/// <see cref="Position"/> of the whole ordered result. The position only tells the page its offset (for paging links and
/// numberMatched); the database seeks by the key, so a deep page costs what the first does.
/// </summary>
public sealed record FeatureCursor(long Position, string Id, long? Version);

/// <summary>One key of a requested order, by a property's public name (checked against the catalog by the caller).</summary>
public sealed record SortKey(string Property, bool Descending);

/// <summary>A period of time, either end open when null.</summary>
public sealed record TimePeriod(DateTimeOffset? Start, DateTimeOffset? End);

/// <summary>What one OGC request asks of one collection; every service builds one and lets <see cref="FeatureSql"/> write the SQL.</summary>
public sealed record FeatureQuery(FeatureCollectionDefinition Collection)
{
    public BboxFilter? Bbox { get; init; }

    /// <summary>For versioned collections: the instant whose fabric to return; null for the current fabric.</summary>
    public DateTimeOffset? AsOf { get; init; }

    /// <summary>For versioned collections: every version in force at any time within the period; takes precedence over <see cref="AsOf"/>.</summary>
    public TimePeriod? Period { get; init; }

    public FilterExpression? Filter { get; init; }

    /// <summary>The request parameter a filter error names, e.g. <c>filter</c> or <c>FILTER</c>.</summary>
    public string FilterParameter { get; init; } = "filter";

    /// <summary>Properties to return, by public name; null for all.</summary>
    public IReadOnlyList<string>? Properties { get; init; }

    /// <summary>One feature by id, when set.</summary>
    public string? FeatureId { get; init; }

    /// <summary>For versioned collections: this version of the feature, current or historic (with <see cref="FeatureId"/>).</summary>
    public long? FeatureVersion { get; init; }

    public int Limit { get; init; } = 10;

    /// <summary>For maps: simplify each geometry by this distance in metres of the national grid (never changing its type or validity); null for the stored geometry.</summary>
    public double? SimplifyMetres { get; init; }

    /// <summary>The order asked for (sortby, SORTBY), before the id that breaks ties; null for the id order.</summary>
    public IReadOnlyList<SortKey>? SortBy { get; init; }

    /// <summary>A keyset page: the rows after this key (instead of <see cref="Offset"/>); only in the id order.</summary>
    public FeatureCursor? After { get; init; }

    /// <summary>Also return the version column (last), so the caller can write the next page's cursor.</summary>
    public bool ReturnsVersion { get; init; }

    public long Offset { get; init; }

    public int OutputSrid { get; init; } = 4326;

    public int Decimals { get; init; } = 8;

    public GeometryEncoding Geometry { get; init; } = GeometryEncoding.GeoJson;

    /// <summary>For WKB: simplify to this tolerance in output units (renderers pass half a pixel); features that collapse come back null.</summary>
    public double? SimplifyTolerance { get; init; }

    /// <summary>For GML, GeoJSON and WKT: put latitude first (EPSG:4326 as the authority defines it).</summary>
    public bool LatitudeFirst { get; init; }
}

/// <summary>
/// Writes the parameterised SQL of a <see cref="FeatureQuery"/>. Identifiers come from the catalog only;
/// every value the caller sent is a parameter. The result columns are: id (text), then the selected
/// properties in catalog order, then the geometry (unless <see cref="GeometryEncoding.None"/>).
/// </summary>
public static class FeatureSql
{
    private const int NationalSrid = 2007;

    /// <summary>The properties a query returns, in column order after the id.</summary>
    public static IReadOnlyList<FeatureProperty> SelectedProperties(FeatureQuery query)
    {
        if (query.Properties is null)
        {
            return query.Collection.Properties;
        }

        foreach (var name in query.Properties)
        {
            if (query.Collection.FindProperty(name) is null)
            {
                throw new InvalidParameterException("properties", "property-known",
                    $"'{name}' is not a property of {query.Collection.Id}; it has {string.Join(", ", query.Collection.Properties.Select(p => p.Name))}.");
            }
        }

        return query.Collection.Properties.Where(p => query.Properties.Contains(p.Name)).ToList();
    }

    /// <summary>The page of features, ordered by id.</summary>
    public static NpgsqlCommand Select(NpgsqlDataSource db, FeatureQuery query)
    {
        var command = db.CreateCommand();
        var c = query.Collection;
        var columns = new StringBuilder($"t.{c.IdColumn}::text");
        foreach (var property in SelectedProperties(query))
        {
            columns.Append(CultureInfo.InvariantCulture, $", t.{property.Column}");
        }

        // GEOS may answer a one-part multipolygon as a polygon: ST_Multi keeps the collection's declared type.
        var simplified = $"ST_SimplifyPreserveTopology(t.{c.GeometryColumn}, @simplify)";
        var stored = query.SimplifyMetres is null ? $"t.{c.GeometryColumn}"
            : c.GeometryType.StartsWith("Multi", StringComparison.Ordinal) ? $"ST_Multi({simplified})" : simplified;
        if (query.SimplifyMetres is { } metres)
        {
            command.Parameters.AddWithValue("simplify", metres);
        }

        var geometry = $"ST_Transform({stored}, @outSrid)";
        switch (query.Geometry)
        {
            case GeometryEncoding.GeoJson:
                // As UTF-8 bytes (bytea), which the writers copy into the response untouched.
                columns.Append(CultureInfo.InvariantCulture, $", convert_to(ST_AsGeoJSON({(query.LatitudeFirst ? $"ST_FlipCoordinates({geometry})" : geometry)}, @decimals), 'UTF8')");
                break;
            case GeometryEncoding.Wkt:
                columns.Append(CultureInfo.InvariantCulture, $", ST_AsText({(query.LatitudeFirst ? $"ST_FlipCoordinates({geometry})" : geometry)}, @decimals)");
                break;
            case GeometryEncoding.Gml32:
                // ST_AsGML option bits: 1 = URN CRS names, 16 = latitude first for geographic CRSs.
                columns.Append(CultureInfo.InvariantCulture, $", ST_AsGML(3, {geometry}, @decimals, @gmlOptions, 'gml', @gmlId)");
                command.Parameters.AddWithValue("gmlOptions", query.LatitudeFirst ? 1 | 16 : 1);
                command.Parameters.AddWithValue("gmlId", NpgsqlDbType.Text, (object)DBNull.Value);
                break;
            case GeometryEncoding.Wkb:
                if (query.SimplifyTolerance is { } tolerance)
                {
                    columns.Append(CultureInfo.InvariantCulture, $", ST_AsBinary(ST_Simplify({geometry}, @simplify))");
                    command.Parameters.AddWithValue("simplify", tolerance);
                }
                else
                {
                    columns.Append(CultureInfo.InvariantCulture, $", ST_AsBinary({geometry})");
                }

                break;
            case GeometryEncoding.None:
                break;
        }

        if (query.ReturnsVersion && c.VersionColumn is { } version)
        {
            columns.Append(CultureInfo.InvariantCulture, $", t.{version}::bigint");
        }

        command.Parameters.AddWithValue("outSrid", query.OutputSrid);
        command.Parameters.AddWithValue("decimals", query.Decimals);
        command.Parameters.AddWithValue("limit", query.Limit);
        var where = Where(command, query);
        var keyOrder = c.VersionColumn is { } v ? $"t.{c.IdColumn}, t.{v}" : $"t.{c.IdColumn}";
        var order = query.SortBy is { Count: > 0 } sort
            ? string.Join(", ", sort.Select(k => $"t.{c.FindProperty(k.Property)!.Column} {(k.Descending ? "DESC" : "ASC")}")) + ", " + keyOrder
            : keyOrder;
        if (query.After is { } after)
        {
            if (!ReferenceEquals(order, keyOrder))
            {
                throw new InvalidParameterException("cursor", "cursor-offset", "A cursor pages in the id order; with sortby, page with offset.");
            }

            // A seek on the (id[, version]) index: no rows before the page are read.
            where += $" AND ({keyOrder}) > ({KeyParameters(command, c, after)})";
            command.CommandText = $"SELECT {columns} FROM {c.Table} t WHERE {where} ORDER BY {order} LIMIT @limit";
        }
        else
        {
            command.Parameters.AddWithValue("offset", query.Offset);
            command.CommandText = $"SELECT {columns} FROM {c.Table} t WHERE {where} ORDER BY {order} LIMIT @limit OFFSET @offset";
        }

        return command;
    }

    private static string KeyParameters(NpgsqlCommand command, FeatureCollectionDefinition c, FeatureCursor after)
    {
        if (c.IdIsNumeric)
        {
            if (!long.TryParse(after.Id, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                throw new InvalidParameterException("cursor", "cursor-format", "The cursor does not belong to this collection; follow the next link as given.");
            }

            command.Parameters.AddWithValue("afterId", number);
        }
        else
        {
            command.Parameters.AddWithValue("afterId", after.Id);
        }

        if (c.VersionColumn is null)
        {
            return "@afterId";
        }

        command.Parameters.AddWithValue("afterVersion", after.Version ?? long.MaxValue);
        return "@afterId, @afterVersion";
    }

    /// <summary>The exact number of features the query matches (no paging).</summary>
    public static NpgsqlCommand Count(NpgsqlDataSource db, FeatureQuery query)
    {
        var command = db.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {query.Collection.Table} t WHERE {Where(command, query)}";
        return command;
    }

    /// <summary>Below this planner estimate the exact count may be cheap enough to give as numberMatched.</summary>
    public const long ExactCountBelow = 50_000;

    /// <summary>
    /// And below this planner cost (PostgreSQL's units; a plain scan of some 20,000 parcels costs about 1,000).
    /// A spatial filter costs a lot per row, and its row estimate can be far off, so its count is left out
    /// unless the page itself shows the total.
    /// </summary>
    public const double ExactCountCostBelow = 10_000;

    /// <summary>
    /// Runs a <see cref="Count"/> command only when PostgreSQL plans it as cheap: fewer than
    /// <see cref="ExactCountBelow"/> rows at a cost below <see cref="ExactCountCostBelow"/>; null otherwise.
    /// </summary>
    public static async Task<long?> CountIfCheapAsync(NpgsqlCommand count, CancellationToken ct)
    {
        var text = count.CommandText;
        // A count without parameters (a whole collection, as most first pages ask) has the same plan every
        // time: its verdict is kept for a while instead of asking the planner on every request.
        var reusable = count.Parameters.Count == 0;
        if (!reusable || !ExpensiveCounts.TryGetValue(text, out var known) || Environment.TickCount64 - known.At > VerdictLifetimeMs)
        {
            count.CommandText = "EXPLAIN (FORMAT JSON) " + text;
            var plan = (string)(await count.ExecuteScalarAsync(ct))!;
            count.CommandText = text;
            using var document = JsonDocument.Parse(plan);
            var root = document.RootElement;
            known = (MaxPlanRows(root) >= ExactCountBelow || root[0].GetProperty("Plan").GetProperty("Total Cost").GetDouble() >= ExactCountCostBelow,
                Environment.TickCount64);
            if (reusable)
            {
                ExpensiveCounts[text] = known;
            }
        }

        return known.Expensive ? null : (long)(await count.ExecuteScalarAsync(ct))!;
    }

    private const long VerdictLifetimeMs = 60_000;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (bool Expensive, long At)> ExpensiveCounts = new(StringComparer.Ordinal);

    /// <summary>How many features match, counting no further than <paramref name="cap"/>: cheap whatever the table's size.</summary>
    public static NpgsqlCommand CountUpTo(NpgsqlDataSource db, FeatureQuery query, long cap)
    {
        var command = db.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM (SELECT 1 FROM {query.Collection.Table} t WHERE {Where(command, query)} LIMIT @cap) capped";
        command.Parameters.AddWithValue("cap", cap);
        return command;
    }

    private static double MaxPlanRows(JsonElement node)
    {
        var max = 0d;
        switch (node.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var item in node.EnumerateArray())
                {
                    max = Math.Max(max, MaxPlanRows(item));
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in node.EnumerateObject())
                {
                    max = property.NameEquals("Plan Rows") && property.Value.ValueKind == JsonValueKind.Number
                        ? Math.Max(max, property.Value.GetDouble())
                        : Math.Max(max, MaxPlanRows(property.Value));
                }

                break;
        }

        return max;
    }

    /// <summary>The WHERE clause of a query, its values added to <paramref name="command"/> as parameters.</summary>
    public static string Where(NpgsqlCommand command, FeatureQuery query)
    {
        var c = query.Collection;
        var clauses = new List<string>();
        if (c.VersionColumn is { } versionColumn && query.FeatureVersion is { } version)
        {
            clauses.Add($"t.status <> 'pending' AND t.{versionColumn} = @featureVersion");
            command.Parameters.AddWithValue("featureVersion", version);
        }
        else if (c.IsTemporal && query.Period is { } period)
        {
            clauses.Add("t.status <> 'pending'");
            if (period.End is { } end)
            {
                clauses.Add($"t.{c.ValidFrom} <= @periodEnd");
                command.Parameters.AddWithValue("periodEnd", NpgsqlDbType.TimestampTz, end.ToUniversalTime());
            }

            if (period.Start is { } start)
            {
                clauses.Add($"t.{c.ValidTo} IS NULL OR t.{c.ValidTo} > @periodStart");
                command.Parameters.AddWithValue("periodStart", NpgsqlDbType.TimestampTz, start.ToUniversalTime());
            }
        }
        else if (c.IsTemporal && query.AsOf is { } asOf)
        {
            clauses.Add($"t.status <> 'pending' AND t.{c.ValidFrom} <= @asOf AND (t.{c.ValidTo} IS NULL OR t.{c.ValidTo} > @asOf)");
            command.Parameters.AddWithValue("asOf", NpgsqlDbType.TimestampTz, asOf.ToUniversalTime());
        }
        else
        {
            clauses.Add(Qualify(c.CurrentFilter));
        }

        if (query.FeatureId is { } id)
        {
            if (c.IdIsNumeric)
            {
                if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                {
                    throw new ResourceNotFoundException("feature-unknown", $"{c.Id} has no feature '{id}'.");
                }

                command.Parameters.AddWithValue("featureId", number);
            }
            else
            {
                command.Parameters.AddWithValue("featureId", id);
            }

            clauses.Add($"t.{c.IdColumn} = @featureId");
        }

        var writer = new FilterWriter(command, query);
        if (query.Bbox is not null)
        {
            clauses.Add(writer.Write(query.Bbox, depth: 0));
        }

        if (query.Filter is not null)
        {
            clauses.Add(writer.Write(query.Filter, depth: 0));
        }

        return string.Join(" AND ", clauses.Select(s => $"({s})"));
    }

    // The catalog's filters are written without alias; the query aliases the table as t.
    private static string Qualify(string filter) => filter == "true" ? filter : "t." + filter;

    private sealed class FilterWriter(NpgsqlCommand command, FeatureQuery query)
    {
        private int nodes;

        public string Write(FilterExpression expression, int depth)
        {
            if (depth > FilterRules.MaxDepth || ++nodes > FilterRules.MaxNodes)
            {
                throw new InvalidParameterException(query.FilterParameter, "filter-size",
                    $"The filter is too deep or too large (at most {FilterRules.MaxDepth} levels and {FilterRules.MaxNodes} terms).");
            }

            var geometryColumn = "t." + query.Collection.GeometryColumn;
            return expression switch
            {
                AndFilter and => "(" + string.Join(" AND ", and.Operands.Select(o => Write(o, depth + 1))) + ")",
                OrFilter or => "(" + string.Join(" OR ", or.Operands.Select(o => Write(o, depth + 1))) + ")",
                NotFilter not => $"NOT ({Write(not.Operand, depth + 1)})",
                ComparisonFilter cmp => $"{Folded(cmp.Property, cmp.PropertyFold)} {Sql(cmp.Operator)} {Value(cmp.Property, cmp.Value)}",
                LikeFilter like => Like(like),
                InFilter inFilter => $"{Folded(inFilter.Property, inFilter.PropertyFold)} IN ({string.Join(", ", inFilter.Values.Select(v => Value(inFilter.Property, v)))})",
                BetweenFilter between => $"{Folded(between.Property, between.PropertyFold)} BETWEEN {Value(between.Property, between.Lower)} AND {Value(between.Property, between.Upper)}",
                IsNullFilter isNull => $"{Column(isNull.Property)} IS NULL",
                ConstantFilter constant => constant.Value ? "true" : "false",
                ResourceIdFilter ids => ResourceIds(ids),
                BboxFilter box => $"{geometryColumn} && {Envelope(box)} AND ST_Intersects({geometryColumn}, {Envelope(box)})",
                SpatialFilter spatial => $"{SpatialFunction(spatial.Operator)}({geometryColumn}, ST_Transform({Geometry(spatial)}, {NationalSrid}))",
                TemporalFilter temporal => Temporal(temporal),
                _ => throw new InvalidParameterException(query.FilterParameter, "filter-operator", "The filter uses an operator this service does not support."),
            };
        }

        private string Column(string property)
        {
            var found = query.Collection.FindProperty(property) ?? throw new InvalidParameterException(query.FilterParameter, "filter-property",
                $"'{property}' is not a queryable of {query.Collection.Id}; queryables are {string.Join(", ", query.Collection.Properties.Select(p => p.Name))}.");
            return "t." + found.Column;
        }

        /// <summary>CASEI folds the case (lower), ACCENTI strips the combining marks after canonical decomposition (NFD).</summary>
        private static string Fold(string sql, TextFold fold)
        {
            if (fold.HasFlag(TextFold.Accent))
            {
                sql = $"regexp_replace(normalize({sql}, NFD), '[\\u0300-\\u036f\\u1ab0-\\u1aff\\u1dc0-\\u1dff\\u20d0-\\u20ff\\ufe20-\\ufe2f]', '', 'g')";
            }

            return fold.HasFlag(TextFold.Case) ? $"lower({sql})" : sql;
        }

        private string Folded(string property, TextFold fold)
        {
            var column = Column(property);
            if (fold == TextFold.None)
            {
                return column;
            }

            if (query.Collection.FindProperty(property)!.Type != AttributeType.String)
            {
                throw new InvalidParameterException(query.FilterParameter, "filter-type",
                    $"CASEI and ACCENTI take text; {property} holds {query.Collection.FindProperty(property)!.Type.ToString().ToLowerInvariant()} values.");
            }

            return Fold(column, fold);
        }

        private string Like(LikeFilter like)
        {
            var type = query.Collection.FindProperty(like.Property)?.Type;
            var column = Column(like.Property) + (type == AttributeType.String ? string.Empty : "::text");
            return $"{Fold(column, like.PropertyFold)} {(like.CaseInsensitive ? "ILIKE" : "LIKE")} {Fold(Parameter(like.Pattern), like.PatternFold)} ESCAPE '\\'";
        }

        private string Value(string property, Literal literal)
        {
            var text = Fold(RawValue(property, literal), literal.Fold);
            if (literal.Fold != TextFold.None && literal.Value is not string)
            {
                throw new InvalidParameterException(query.FilterParameter, "filter-type", $"CASEI and ACCENTI take text, not {literal.Value}.");
            }

            return text;
        }

        private string RawValue(string property, Literal literal)
        {
            var type = query.Collection.FindProperty(property)!.Type;
            object value = (type, literal.Value) switch
            {
                (AttributeType.String, var v) => Convert.ToString(v, CultureInfo.InvariantCulture)!,
                (AttributeType.Integer, long v) => v,
                (AttributeType.Integer, double v) when v == Math.Floor(v) => (long)v,
                (AttributeType.Integer, string s) when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
                (AttributeType.Number, long v) => (double)v,
                (AttributeType.Number, double v) => v,
                (AttributeType.Number, string s) when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
                (AttributeType.DateTime, DateTimeOffset v) => v.ToUniversalTime(),
                (AttributeType.DateTime, string s) when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) => t.ToUniversalTime(),
                _ => throw new InvalidParameterException(query.FilterParameter, "filter-type",
                    $"'{literal.Value}' cannot be compared with {property}, which holds {type.ToString().ToLowerInvariant()} values."),
            };
            return Parameter(value);
        }

        private string Parameter(object value)
        {
            var name = "f" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
            if (value is DateTimeOffset instant)
            {
                command.Parameters.AddWithValue(name, NpgsqlDbType.TimestampTz, instant);
            }
            else
            {
                command.Parameters.AddWithValue(name, value);
            }

            return "@" + name;
        }

        private string ResourceIds(ResourceIdFilter filter)
        {
            var column = "t." + query.Collection.IdColumn;
            if (!query.Collection.IdIsNumeric)
            {
                return $"{column} = ANY({Parameter(filter.Ids.ToArray())})";
            }

            var numbers = filter.Ids
                .Select(id => long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : (long?)null)
                .OfType<long>()
                .ToArray();
            return $"{column} = ANY({Parameter(numbers)})";
        }

        private string Envelope(BboxFilter box)
        {
            if (!double.IsFinite(box.MinX) || !double.IsFinite(box.MinY) || !double.IsFinite(box.MaxX) || !double.IsFinite(box.MaxY) ||
                box.MinX > box.MaxX || box.MinY > box.MaxY)
            {
                throw new InvalidParameterException("bbox", "bbox-order", "A bounding box needs finite numbers with the lower corner first.");
            }

            return $"ST_Transform(ST_MakeEnvelope({Parameter(box.MinX)}, {Parameter(box.MinY)}, {Parameter(box.MaxX)}, {Parameter(box.MaxY)}, {Parameter(box.Srid)}), {NationalSrid})";
        }

        private string Geometry(SpatialFilter spatial)
        {
            if (spatial.Wkt.Length > FilterRules.MaxWktLength)
            {
                throw new InvalidParameterException(query.FilterParameter, "filter-size", "The filter's geometry is too large.");
            }

            Geometry geometry;
            try
            {
                geometry = new WKTReader().Read(spatial.Wkt);
            }
            catch (ParseException e)
            {
                throw new InvalidParameterException(query.FilterParameter, "filter-geometry", $"The filter's geometry is not valid WKT: {e.Message}");
            }

            if (geometry.IsEmpty)
            {
                throw new InvalidParameterException(query.FilterParameter, "filter-geometry", "The filter's geometry is empty.");
            }

            if (!geometry.IsValid)
            {
                // An invalid literal (overlapping parts, a ring touching itself, as clients' clipping makes) would make GEOS throw in the query.
                geometry = NetTopologySuite.Geometries.Utilities.GeometryFixer.Fix(geometry);
            }

            geometry.SRID = spatial.Srid;
            var name = "f" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
            command.Parameters.AddWithValue(name, geometry);
            return "@" + name;
        }

        // The standard's interval semantics (CQL2, temporal functions) between A = [as, ae] (the property's instant, or the
        // interval of two properties whose empty end is open) and B = [s, e]; an open end is infinite.
        private string Temporal(TemporalFilter temporal)
        {
            foreach (var property in new[] { temporal.Property, temporal.EndProperty })
            {
                if (property is not null && query.Collection.FindProperty(property)?.Type != AttributeType.DateTime)
                {
                    throw new InvalidParameterException(query.FilterParameter, "filter-type", $"Temporal functions take date-time properties; {property} is not one.");
                }
            }

            var aStart = Column(temporal.Property);
            var aEnd = temporal.EndProperty is { } endProperty ? $"coalesce({Column(endProperty)}, 'infinity'::timestamptz)" : aStart;
            var s = temporal.Start is { } start ? Parameter(start.ToUniversalTime()) : "'-infinity'::timestamptz";
            var e = temporal.End is { } end ? Parameter(end.ToUniversalTime()) : "'infinity'::timestamptz";
            return "(" + temporal.Operator switch
            {
                TemporalOperator.Equals => $"{aStart} = {s} AND {aEnd} = {e}",
                TemporalOperator.Before => $"{aEnd} < {s}",
                TemporalOperator.After => $"{aStart} > {e}",
                TemporalOperator.During => $"{aStart} > {s} AND {aEnd} < {e}",
                TemporalOperator.Intersects => $"{aStart} <= {e} AND {aEnd} >= {s}",
                TemporalOperator.Disjoint => $"{aEnd} < {s} OR {aStart} > {e}",
                TemporalOperator.Contains => $"{aStart} < {s} AND {aEnd} > {e}",
                TemporalOperator.Meets => $"{aEnd} = {s}",
                TemporalOperator.MetBy => $"{aStart} = {e}",
                TemporalOperator.Overlaps => $"{aStart} < {s} AND {aEnd} > {s} AND {aEnd} < {e}",
                TemporalOperator.OverlappedBy => $"{aStart} > {s} AND {aStart} < {e} AND {aEnd} > {e}",
                TemporalOperator.Starts => $"{aStart} = {s} AND {aEnd} < {e}",
                TemporalOperator.StartedBy => $"{aStart} = {s} AND {aEnd} > {e}",
                TemporalOperator.Finishes => $"{aStart} > {s} AND {aEnd} = {e}",
                TemporalOperator.FinishedBy => $"{aStart} < {s} AND {aEnd} = {e}",
                _ => throw new InvalidParameterException(query.FilterParameter, "filter-operator", "Unsupported temporal operator."),
            } + ")";
        }

        private static string Sql(ComparisonOperator op) => op switch
        {
            ComparisonOperator.Equal => "=",
            ComparisonOperator.NotEqual => "<>",
            ComparisonOperator.Less => "<",
            ComparisonOperator.LessOrEqual => "<=",
            ComparisonOperator.Greater => ">",
            _ => ">=",
        };

        private static string SpatialFunction(SpatialOperator op) => op switch
        {
            SpatialOperator.Intersects => "ST_Intersects",
            SpatialOperator.Within => "ST_Within",
            SpatialOperator.Contains => "ST_Contains",
            SpatialOperator.Disjoint => "ST_Disjoint",
            SpatialOperator.Equals => "ST_Equals",
            SpatialOperator.Touches => "ST_Touches",
            SpatialOperator.Overlaps => "ST_Overlaps",
            _ => "ST_Crosses",
        };
    }
}
