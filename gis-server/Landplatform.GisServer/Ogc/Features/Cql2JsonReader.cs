using System.Globalization;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;

namespace Landplatform.GisServer.Ogc.Features;

/// <summary>Reads a CQL2 JSON filter (<c>{"op": ..., "args": [...]}</c>) into a <see cref="FilterExpression"/>.</summary>
public sealed class Cql2JsonReader
{
    private readonly FilterContext context;
    private int nodes;

    private Cql2JsonReader(FilterContext context) => this.context = context;

    public static FilterExpression Read(string json, FilterContext context)
    {
        if (json.Length > Cql2TextParser.MaxLength)
        {
            throw new InvalidParameterException(context.Parameter, "filter-size", $"The filter is longer than {Cql2TextParser.MaxLength} characters.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = FilterRules.MaxDepth * 2 + 8 });
        }
        catch (JsonException e)
        {
            throw new InvalidParameterException(context.Parameter, "filter-syntax",
                $"CQL2 JSON syntax error at position {e.BytePositionInLine + 1} of line {e.LineNumber + 1}: {e.Message}");
        }

        using (document)
        {
            try
            {
                return new Cql2JsonReader(context).Expression(document.RootElement, 0);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or KeyNotFoundException or IndexOutOfRangeException)
            {
                throw new InvalidParameterException(context.Parameter, "filter-syntax", $"The CQL2 JSON filter is not well formed: {e.Message}");
            }
        }
    }

    private FilterExpression Expression(JsonElement node, int depth)
    {
        if (depth > FilterRules.MaxDepth)
        {
            throw new InvalidParameterException(context.Parameter, "filter-size", $"The filter nests deeper than {FilterRules.MaxDepth} levels.");
        }

        if (++nodes > FilterRules.MaxNodes)
        {
            throw new InvalidParameterException(context.Parameter, "filter-size", $"The filter has more than {FilterRules.MaxNodes} terms.");
        }

        // A boolean literal is a whole predicate (booleanExpression).
        if (node.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return new ConstantFilter(node.GetBoolean());
        }

        if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty("op", out var opElement) || opElement.ValueKind != JsonValueKind.String)
        {
            throw Syntax("every expression is an object with \"op\" and \"args\"");
        }

        var op = opElement.GetString()!.ToLowerInvariant();
        var args = node.TryGetProperty("args", out var a) && a.ValueKind == JsonValueKind.Array ? a.EnumerateArray().ToList() : throw Syntax($"'{op}' needs an \"args\" array");
        switch (op)
        {
            case "and" or "or":
                Arity(op, args, 2, int.MaxValue);
                var operands = args.Select(x => Expression(x, depth + 1)).ToList();
                return op == "and" ? new AndFilter(operands) : new OrFilter(operands);
            case "not":
                Arity(op, args, 1, 1);
                return new NotFilter(Expression(args[0], depth + 1));
            case "=" or "<>" or "<" or "<=" or ">" or ">=":
                Arity(op, args, 2, 2);
                return Comparison(op, args[0], args[1]);
            case "like":
                Arity(op, args, 2, 2);
                var (property, propertyFold) = Property(args[0], op);
                var (pattern, patternFold) = Folds(args[1]);
                if (pattern.ValueKind != JsonValueKind.String)
                {
                    throw Type("like compares a property with a string pattern");
                }

                var both = propertyFold & patternFold & TextFold.Case;
                return new LikeFilter(property, pattern.GetString()!, both != TextFold.None)
                {
                    PropertyFold = propertyFold & ~both,
                    PatternFold = patternFold & ~both,
                };
            case "between":
                Arity(op, args, 3, 3);
                var (ranged, rangedFold) = Property(args[0], op);
                return new BetweenFilter(ranged, Literal(args[1]), Literal(args[2])) { PropertyFold = rangedFold };
            case "in":
                Arity(op, args, 2, 2);
                if (args[1].ValueKind != JsonValueKind.Array || args[1].GetArrayLength() == 0)
                {
                    throw Type("in takes a property and a non-empty array of values");
                }

                nodes += args[1].GetArrayLength();
                var (listed, listedFold) = Property(args[0], op);
                return new InFilter(listed, args[1].EnumerateArray().Select(Literal).ToList()) { PropertyFold = listedFold };
            case "isnull":
                Arity(op, args, 1, 1);
                return new IsNullFilter(Property(args[0], op).Name);
            case "s_intersects" or "s_within" or "s_contains" or "s_disjoint" or "s_equals" or "s_touches" or "s_overlaps" or "s_crosses":
                Arity(op, args, 2, 2);
                return Spatial(op, args[0], args[1]);
            case var temporal when Cql2TextParser.TemporalFunctions.ContainsKey(temporal):
                Arity(op, args, 2, 2);
                return Temporal(op, args[0], args[1]);
            default:
                throw new InvalidParameterException(context.Parameter, "filter-operator", $"The operator '{op}' is not supported.");
        }
    }

    private ComparisonFilter Comparison(string op, JsonElement left, JsonElement right)
    {
        var comparison = op switch
        {
            "=" => ComparisonOperator.Equal,
            "<>" => ComparisonOperator.NotEqual,
            "<" => ComparisonOperator.Less,
            "<=" => ComparisonOperator.LessOrEqual,
            ">" => ComparisonOperator.Greater,
            _ => ComparisonOperator.GreaterOrEqual,
        };
        if (IsProperty(left) && !IsProperty(right))
        {
            var (name, fold) = Property(left, op);
            return new ComparisonFilter(name, comparison, Literal(right)) { PropertyFold = fold };
        }

        if (IsProperty(right) && !IsProperty(left))
        {
            var (name, fold) = Property(right, op);
            var mirrored = comparison switch
            {
                ComparisonOperator.Less => ComparisonOperator.Greater,
                ComparisonOperator.LessOrEqual => ComparisonOperator.GreaterOrEqual,
                ComparisonOperator.Greater => ComparisonOperator.Less,
                ComparisonOperator.GreaterOrEqual => ComparisonOperator.LessOrEqual,
                _ => comparison,
            };
            return new ComparisonFilter(name, mirrored, Literal(left)) { PropertyFold = fold };
        }

        throw Type($"'{op}' compares one property with one literal");
    }

    private FilterExpression Spatial(string op, JsonElement first, JsonElement second)
    {
        var literalFirst = !IsProperty(first);
        var (property, literal) = literalFirst ? (second, first) : (first, second);
        if (!IsProperty(property) || IsProperty(literal))
        {
            throw Type($"'{op}' compares the geometry property with a geometry literal");
        }

        var name = property.GetProperty("property").GetString()!;
        if (!context.IsGeometryProperty(name))
        {
            throw new InvalidParameterException(context.Parameter, "filter-property",
                $"'{name}' is not the geometry of {context.Collection.Id}; use '{FilterContext.GeometryProperty}'.");
        }

        var spatial = op switch
        {
            "s_within" => literalFirst ? SpatialOperator.Contains : SpatialOperator.Within,
            "s_contains" => literalFirst ? SpatialOperator.Within : SpatialOperator.Contains,
            "s_disjoint" => SpatialOperator.Disjoint,
            "s_equals" => SpatialOperator.Equals,
            "s_touches" => SpatialOperator.Touches,
            "s_overlaps" => SpatialOperator.Overlaps,
            "s_crosses" => SpatialOperator.Crosses,
            _ => SpatialOperator.Intersects,
        };

        if (literal.ValueKind == JsonValueKind.Object && literal.TryGetProperty("bbox", out var bbox))
        {
            var box = FilterGeometry.Box(bbox.EnumerateArray().Select(n => n.GetDouble()).ToList(), context, 1);
            return spatial == SpatialOperator.Intersects ? box : new SpatialFilter(spatial, FilterGeometry.BoxAsWkt(box), box.Srid);
        }

        if (literal.ValueKind != JsonValueKind.Object)
        {
            throw Type($"'{op}' needs a GeoJSON geometry or a {{\"bbox\": [...]}}");
        }

        return FilterGeometry.FromWkt(FilterGeometry.GeoJsonAsWkt(literal, context.Parameter), context, 1) with { Operator = spatial };
    }

    private TemporalFilter Temporal(string op, JsonElement first, JsonElement second)
    {
        var swapped = !IsProperty(first) && PropertyInterval(first) is null;
        var (property, literal) = swapped ? (second, first) : (first, second);
        var span = PropertyInterval(property);
        var name = span?.Start ?? Property(property, op).Name;

        DateTimeOffset? start;
        DateTimeOffset? end;
        var isInterval = literal.ValueKind == JsonValueKind.Object && literal.TryGetProperty("interval", out _);
        if (isInterval)
        {
            var bounds = literal.GetProperty("interval");
            if (bounds.ValueKind != JsonValueKind.Array || bounds.GetArrayLength() != 2)
            {
                throw Type("an interval has two bounds");
            }

            start = IntervalBound(bounds[0], isEnd: false);
            end = IntervalBound(bounds[1], isEnd: true);
            if (start > end)
            {
                throw Type("the interval ends before it starts");
            }
        }
        else
        {
            start = end = Literal(literal).Value as DateTimeOffset? ?? throw Type($"'{op}' needs a timestamp, date or interval");
        }

        var relation = Cql2TextParser.TemporalFunctions[op];
        return new TemporalFilter(name, swapped ? Cql2TextParser.Converse(relation) : relation, start, end, span?.End);
    }

    // {"interval": [{"property": start}, {"property": end}]}: the interval each feature's two properties span.
    private (string Start, string End)? PropertyInterval(JsonElement node)
    {
        if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty("interval", out var bounds) ||
            bounds.ValueKind != JsonValueKind.Array || bounds.GetArrayLength() != 2 ||
            (!IsPlainProperty(bounds[0]) && !IsPlainProperty(bounds[1])))
        {
            return null;
        }

        if (!IsPlainProperty(bounds[0]) || !IsPlainProperty(bounds[1]))
        {
            throw Type("an interval of properties names two properties, its start and its end");
        }

        return (bounds[0].GetProperty("property").GetString()!, bounds[1].GetProperty("property").GetString()!);
    }

    private DateTimeOffset? IntervalBound(JsonElement bound, bool isEnd)
    {
        if (bound.ValueKind == JsonValueKind.String)
        {
            var text = bound.GetString()!;
            return text == ".." ? null : Instant(text, isEnd);
        }

        return Literal(bound).Value as DateTimeOffset? ?? throw Type("an interval bound is a date, a timestamp or '..'");
    }

    private Literal Literal(JsonElement node)
    {
        var (value, fold) = Folds(node);
        var literal = PlainLiteral(value);
        return fold == TextFold.None ? literal : literal with { Fold = fold };
    }

    private Literal PlainLiteral(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return new Literal(value.GetString()!);
            case JsonValueKind.Number:
                if (value.TryGetInt64(out var whole))
                {
                    return new Literal(whole);
                }

                return value.TryGetDouble(out var real) && double.IsFinite(real) ? new Literal(real) : throw Type($"{value.GetRawText()} is not a number this service can compare");
            case JsonValueKind.True or JsonValueKind.False:
                return new Literal(value.GetBoolean());
            case JsonValueKind.Object when value.TryGetProperty("timestamp", out var timestamp) && timestamp.ValueKind == JsonValueKind.String:
                return new Literal(Instant(timestamp.GetString()!, isEnd: false));
            case JsonValueKind.Object when value.TryGetProperty("date", out var date) && date.ValueKind == JsonValueKind.String && date.GetString()!.Length == 10:
                return new Literal(Instant(date.GetString()!, isEnd: false));
            default:
                throw Type($"{Truncate(value.GetRawText())} is not a literal value");
        }
    }

    private DateTimeOffset Instant(string value, bool isEnd)
    {
        if (value.Length == 10 && DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return new DateTimeOffset(date.ToDateTime(isEnd ? TimeOnly.MaxValue : TimeOnly.MinValue), TimeSpan.Zero);
        }

        if (value.Length > 16 && (value[10] is 'T' or 't') && (value.EndsWith('Z') || value.EndsWith('z') || value[^6] is '+' or '-') &&
            DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var instant))
        {
            return instant;
        }

        throw Type($"'{Truncate(value)}' is not a date (2024-05-31) or an RFC 3339 date-time with an offset");
    }

    private (string Name, TextFold Fold) Property(JsonElement node, string op)
    {
        var (inner, fold) = Folds(node);
        if (!IsProperty(inner))
        {
            throw Type($"'{op}' needs {{\"property\": name}} as its first argument");
        }

        return (inner.GetProperty("property").GetString()!, fold);
    }

    /// <summary>Unwraps casei and accenti (nested in any order), saying which were applied.</summary>
    private static (JsonElement Value, TextFold Fold) Folds(JsonElement node)
    {
        var fold = TextFold.None;
        for (var i = 0; i < 4 && FoldOf(node) is { } next; i++)
        {
            fold |= next;
            node = node.GetProperty("args")[0];
        }

        return (node, fold);
    }

    private static TextFold? FoldOf(JsonElement node) =>
        node.ValueKind == JsonValueKind.Object && node.TryGetProperty("op", out var op) && op.ValueKind == JsonValueKind.String &&
        node.TryGetProperty("args", out var args) && args.ValueKind == JsonValueKind.Array && args.GetArrayLength() == 1
            ? op.GetString()!.ToLowerInvariant() switch { "casei" => TextFold.Case, "accenti" => TextFold.Accent, _ => null }
            : null;

    private static bool IsProperty(JsonElement node) =>
        IsPlainProperty(Folds(node).Value);

    private static bool IsPlainProperty(JsonElement node) =>
        node.ValueKind == JsonValueKind.Object && node.TryGetProperty("property", out var p) && p.ValueKind == JsonValueKind.String;

    private void Arity(string op, List<JsonElement> args, int min, int max)
    {
        if (args.Count < min || args.Count > max)
        {
            throw Type(min == max ? $"'{op}' takes {min} argument(s), not {args.Count}" : $"'{op}' takes at least {min} arguments");
        }
    }

    private static string Truncate(string text) => text.Length > 80 ? text[..80] + "…" : text;

    private InvalidParameterException Syntax(string message) => new(context.Parameter, "filter-syntax", $"CQL2 JSON: {message}.");

    private InvalidParameterException Type(string message) => new(context.Parameter, "filter-type", $"CQL2 JSON: {message}.");
}
