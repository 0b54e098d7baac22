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

    public int Limit { get; init; } = 10;

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

        var geometry = $"ST_Transform(t.{c.GeometryColumn}, @outSrid)";
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

        command.Parameters.AddWithValue("outSrid", query.OutputSrid);
        command.Parameters.AddWithValue("decimals", query.Decimals);
        command.Parameters.AddWithValue("limit", query.Limit);
        command.Parameters.AddWithValue("offset", query.Offset);
        command.CommandText = $"SELECT {columns} FROM {c.Table} t WHERE {Where(command, query)} ORDER BY t.{c.IdColumn} LIMIT @limit OFFSET @offset";
        return command;
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
        if (c.IsTemporal && query.Period is { } period)
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
                ComparisonFilter cmp => $"{Column(cmp.Property)} {Sql(cmp.Operator)} {Value(cmp.Property, cmp.Value)}",
                LikeFilter like => $"{Column(like.Property)}::text {(like.CaseInsensitive ? "ILIKE" : "LIKE")} {Parameter(like.Pattern)} ESCAPE '\\'",
                InFilter inFilter => "(" + string.Join(" OR ", inFilter.Values.Select(v => $"{Column(inFilter.Property)} = {Value(inFilter.Property, v)}")) + ")",
                BetweenFilter between => $"{Column(between.Property)} BETWEEN {Value(between.Property, between.Lower)} AND {Value(between.Property, between.Upper)}",
                IsNullFilter isNull => $"{Column(isNull.Property)} IS NULL",
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

        private string Value(string property, Literal literal)
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

            geometry.SRID = spatial.Srid;
            var name = "f" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
            command.Parameters.AddWithValue(name, geometry);
            return "@" + name;
        }

        private string Temporal(TemporalFilter temporal)
        {
            var column = Column(temporal.Property);
            return temporal.Operator switch
            {
                TemporalOperator.Equals => $"{column} = {Parameter(temporal.Start.ToUniversalTime())}",
                TemporalOperator.Before => $"{column} < {Parameter(temporal.Start.ToUniversalTime())}",
                TemporalOperator.After => $"{column} > {Parameter(temporal.Start.ToUniversalTime())}",
                TemporalOperator.During => $"{column} BETWEEN {Parameter(temporal.Start.ToUniversalTime())} AND {Parameter((temporal.End ?? DateTimeOffset.MaxValue).ToUniversalTime())}",
                _ => throw new InvalidParameterException(query.FilterParameter, "filter-operator", "Unsupported temporal operator."),
            };
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
