using System.Globalization;
using System.Text;
using Landplatform.Cadastre.Contracts;

namespace Landplatform.GisServer.Ogc.Features;

/// <summary>
/// Reads a CQL2 text filter (OGC 21-065) into a <see cref="FilterExpression"/>: a tokenizer and a
/// recursive-descent parser. Every literal stays a value (never SQL); every error names <c>filter</c>,
/// the rule and the 1-based position.
/// </summary>
public sealed class Cql2TextParser
{
    public const int MaxLength = 256 * 1024;

    private static readonly Dictionary<string, SpatialOperator> SpatialFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["S_INTERSECTS"] = SpatialOperator.Intersects,
        ["S_WITHIN"] = SpatialOperator.Within,
        ["S_CONTAINS"] = SpatialOperator.Contains,
        ["S_DISJOINT"] = SpatialOperator.Disjoint,
        ["S_EQUALS"] = SpatialOperator.Equals,
        ["S_TOUCHES"] = SpatialOperator.Touches,
        ["S_OVERLAPS"] = SpatialOperator.Overlaps,
        ["S_CROSSES"] = SpatialOperator.Crosses,
    };

    /// <summary>The temporal functions of CQL2, and what each is with the property first.</summary>
    public static readonly IReadOnlyDictionary<string, TemporalOperator> TemporalFunctions = new Dictionary<string, TemporalOperator>(StringComparer.OrdinalIgnoreCase)
    {
        ["T_AFTER"] = TemporalOperator.After,
        ["T_BEFORE"] = TemporalOperator.Before,
        ["T_CONTAINS"] = TemporalOperator.Contains,
        ["T_DISJOINT"] = TemporalOperator.Disjoint,
        ["T_DURING"] = TemporalOperator.During,
        ["T_EQUALS"] = TemporalOperator.Equals,
        ["T_FINISHEDBY"] = TemporalOperator.FinishedBy,
        ["T_FINISHES"] = TemporalOperator.Finishes,
        ["T_INTERSECTS"] = TemporalOperator.Intersects,
        ["T_MEETS"] = TemporalOperator.Meets,
        ["T_METBY"] = TemporalOperator.MetBy,
        ["T_OVERLAPPEDBY"] = TemporalOperator.OverlappedBy,
        ["T_OVERLAPS"] = TemporalOperator.Overlaps,
        ["T_STARTEDBY"] = TemporalOperator.StartedBy,
        ["T_STARTS"] = TemporalOperator.Starts,
    };

    /// <summary>The same relation with the arguments swapped (T_BEFORE(literal, property) is T_AFTER(property, literal)).</summary>
    public static TemporalOperator Converse(TemporalOperator op) => op switch
    {
        TemporalOperator.Before => TemporalOperator.After,
        TemporalOperator.After => TemporalOperator.Before,
        TemporalOperator.During => TemporalOperator.Contains,
        TemporalOperator.Contains => TemporalOperator.During,
        TemporalOperator.Meets => TemporalOperator.MetBy,
        TemporalOperator.MetBy => TemporalOperator.Meets,
        TemporalOperator.Overlaps => TemporalOperator.OverlappedBy,
        TemporalOperator.OverlappedBy => TemporalOperator.Overlaps,
        TemporalOperator.Starts => TemporalOperator.StartedBy,
        TemporalOperator.StartedBy => TemporalOperator.Starts,
        TemporalOperator.Finishes => TemporalOperator.FinishedBy,
        TemporalOperator.FinishedBy => TemporalOperator.Finishes,
        _ => op,
    };

    private static readonly HashSet<string> GeometryTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION",
    };

    private readonly string text;
    private readonly FilterContext context;
    private readonly List<Token> tokens;
    private int index;
    private int depth;
    private int nodes;

    private Cql2TextParser(string text, FilterContext context)
    {
        this.text = text;
        this.context = context;
        tokens = Tokenize(text, context.Parameter);
    }

    /// <summary>Parses a whole filter; anything left over is a syntax error.</summary>
    public static FilterExpression Parse(string text, FilterContext context)
    {
        if (text.Length > MaxLength)
        {
            throw new InvalidParameterException(context.Parameter, "filter-size", $"The filter is longer than {MaxLength} characters.");
        }

        var parser = new Cql2TextParser(text, context);
        if (parser.Peek.Kind == TokenKind.End)
        {
            throw parser.Syntax(parser.Peek, "the filter is empty");
        }

        var expression = parser.OrExpression();
        if (parser.Peek.Kind != TokenKind.End)
        {
            throw parser.Syntax(parser.Peek, $"unexpected '{parser.Peek.Text}'");
        }

        return expression;
    }

    private Token Peek => tokens[index];

    private FilterExpression OrExpression()
    {
        Enter();
        var operands = new List<FilterExpression> { AndExpression() };
        while (IsKeyword(Peek, "OR"))
        {
            index++;
            operands.Add(AndExpression());
        }

        depth--;
        return operands.Count == 1 ? operands[0] : new OrFilter(operands);
    }

    private FilterExpression AndExpression()
    {
        var operands = new List<FilterExpression> { NotExpression() };
        while (IsKeyword(Peek, "AND"))
        {
            index++;
            operands.Add(NotExpression());
        }

        return operands.Count == 1 ? operands[0] : new AndFilter(operands);
    }

    private FilterExpression NotExpression()
    {
        if (IsKeyword(Peek, "NOT"))
        {
            index++;
            Enter();
            var operand = NotExpression();
            depth--;
            return new NotFilter(operand);
        }

        return Primary();
    }

    private FilterExpression Primary()
    {
        Count();
        var token = Peek;
        if (token.Is("("))
        {
            index++;
            var inner = OrExpression();
            Expect(")");
            return inner;
        }

        if (token.Kind == TokenKind.Identifier && tokens[index + 1].Is("("))
        {
            if (SpatialFunctions.TryGetValue(token.Text, out var spatial))
            {
                index += 2;
                return SpatialPredicate(spatial, token);
            }

            if (TemporalFunctions.ContainsKey(token.Text))
            {
                index += 2;
                return TemporalPredicate(token);
            }
        }

        // TRUE and FALSE stand alone as predicates (a boolean literal is a booleanExpression).
        if ((IsKeyword(token, "TRUE") || IsKeyword(token, "FALSE")) && EndsPredicate(tokens[index + 1]))
        {
            index++;
            return new ConstantFilter(IsKeyword(token, "TRUE"));
        }

        return Predicate();
    }

    private static bool EndsPredicate(Token next) =>
        next.Kind == TokenKind.End || next.Is(")") || IsKeyword(next, "AND") || IsKeyword(next, "OR");

    private FilterExpression Predicate()
    {
        var left = Operand();
        var token = Peek;
        if (token.Kind == TokenKind.Symbol && ComparisonOf(token.Text) is { } op)
        {
            index++;
            var right = Operand();
            return Comparison(left, op, right, token);
        }

        var negated = false;
        if (IsKeyword(token, "NOT"))
        {
            negated = true;
            index++;
            token = Peek;
        }

        FilterExpression result;
        if (IsKeyword(token, "LIKE"))
        {
            index++;
            var pattern = Operand();
            if (left.Property is null || pattern.Literal?.Value is not string text)
            {
                throw Type(token, "LIKE compares a property with a quoted pattern, e.g. address LIKE '%Kingstown%'");
            }

            // CASEI on both sides is ILIKE; a fold on one side only applies to that side, as the function does.
            var both = left.Fold & pattern.Fold & TextFold.Case;
            result = new LikeFilter(left.Property, text, both != TextFold.None)
            {
                PropertyFold = left.Fold & ~both,
                PatternFold = pattern.Fold & ~both,
            };
        }
        else if (IsKeyword(token, "BETWEEN"))
        {
            index++;
            var lower = Operand();
            if (!IsKeyword(Peek, "AND"))
            {
                throw Syntax(Peek, "BETWEEN needs AND between its bounds");
            }

            index++;
            var upper = Operand();
            result = new BetweenFilter(RequireProperty(left, token), RequireLiteral(lower, token), RequireLiteral(upper, token)) { PropertyFold = left.Fold };
        }
        else if (IsKeyword(token, "IN"))
        {
            index++;
            Expect("(");
            var values = new List<Literal> { RequireLiteral(Operand(), token) };
            while (Peek.Is(","))
            {
                index++;
                Count();
                values.Add(RequireLiteral(Operand(), token));
            }

            Expect(")");
            result = new InFilter(RequireProperty(left, token), values) { PropertyFold = left.Fold };
        }
        else if (!negated && IsKeyword(token, "IS"))
        {
            index++;
            if (IsKeyword(Peek, "NOT"))
            {
                negated = true;
                index++;
            }

            if (!IsKeyword(Peek, "NULL"))
            {
                throw Syntax(Peek, "IS must be followed by NULL or NOT NULL");
            }

            index++;
            result = new IsNullFilter(RequireProperty(left, token));
        }
        else
        {
            throw Syntax(token, token.Kind == TokenKind.End
                ? "the filter ends where a comparison operator was expected"
                : $"expected a comparison operator (=, <>, <, <=, >, >=, LIKE, BETWEEN, IN, IS NULL) but found '{token.Text}'");
        }

        return negated ? new NotFilter(result) : result;
    }

    private ComparisonFilter Comparison(Term left, ComparisonOperator op, Term right, Token at)
    {
        if (left.Property is not null && right.Literal is not null)
        {
            return new ComparisonFilter(left.Property, op, right.Literal with { Fold = right.Fold }) { PropertyFold = left.Fold };
        }

        if (right.Property is not null && left.Literal is not null)
        {
            return new ComparisonFilter(right.Property, Mirror(op), left.Literal with { Fold = left.Fold }) { PropertyFold = right.Fold };
        }

        throw Type(at, left.Property is not null
            ? "comparing two properties is not supported; compare a property with a literal"
            : "a comparison needs a property on one side");
    }

    private FilterExpression SpatialPredicate(SpatialOperator op, Token function)
    {
        var first = SpatialArgument();
        Expect(",");
        var second = SpatialArgument();
        Expect(")");
        var literal = (first, second) switch
        {
            (null, { } g) => g,
            ({ } g, null) => g,
            _ => throw Type(function, $"{function.Text.ToUpperInvariant()} compares the geometry property with a geometry literal"),
        };

        // S_CONTAINS(geometry, literal) and S_WITHIN(literal, geometry) mean the same; keep the feature's geometry first.
        if (first is not null)
        {
            op = op switch
            {
                SpatialOperator.Within => SpatialOperator.Contains,
                SpatialOperator.Contains => SpatialOperator.Within,
                _ => op,
            };
        }

        return literal switch
        {
            BboxFilter box when op == SpatialOperator.Intersects => box,
            BboxFilter box => new SpatialFilter(op, FilterGeometry.BoxAsWkt(box), box.Srid),
            SpatialFilter geometry => geometry with { Operator = op },
            _ => throw Type(function, "unexpected geometry"),
        };
    }

    // Null for the feature's geometry property; otherwise the literal (a SpatialFilter or BboxFilter carrying it).
    private FilterExpression? SpatialArgument()
    {
        var token = Peek;
        if (token.Kind == TokenKind.QuotedIdentifier || (token.Kind == TokenKind.Identifier && !tokens[index + 1].Is("(")))
        {
            index++;
            if (!context.IsGeometryProperty(token.Text))
            {
                throw new InvalidParameterException(context.Parameter, "filter-property",
                    $"'{token.Text}' at position {token.Position} is not the geometry of {context.Collection.Id}; use '{FilterContext.GeometryProperty}'.");
            }

            return null;
        }

        if (IsKeyword(token, "BBOX"))
        {
            index += 2;
            var numbers = new List<double> { Number() };
            while (Peek.Is(","))
            {
                index++;
                numbers.Add(Number());
            }

            Expect(")");
            return FilterGeometry.Box(numbers, context, token.Position);
        }

        if (token.Kind == TokenKind.Identifier && GeometryTypes.Contains(token.Text))
        {
            var start = token.Start;
            index += 2;
            var open = 1;
            while (open > 0)
            {
                var t = Peek;
                if (t.Kind == TokenKind.End)
                {
                    throw Syntax(t, "the geometry is not closed with ')'");
                }

                open += t.Is("(") ? 1 : t.Is(")") ? -1 : 0;
                index++;
            }

            var wkt = text[start..tokens[index - 1].End];
            return FilterGeometry.FromWkt(wkt, context, token.Position);
        }

        throw Syntax(token, $"expected the geometry property or a geometry (POINT, POLYGON, BBOX, ...) but found '{token.Text}'");
    }

    private FilterExpression TemporalPredicate(Token function)
    {
        var first = TemporalArgument();
        Expect(",");
        var second = TemporalArgument();
        Expect(")");
        var (property, period, swapped) = (first, second) switch
        {
            ({ Property: { } p }, { Property: null } l) => (p, l, false),
            ({ Property: null } l, { Property: { } p }) => (p, l, true),
            _ => throw Type(function, $"{function.Text.ToUpperInvariant()} compares a temporal property with a TIMESTAMP, DATE or INTERVAL literal"),
        };

        var op = TemporalFunctions[function.Text];
        var side = swapped ? second : first;
        return new TemporalFilter(property, swapped ? Converse(op) : op, period.Start, period.End, side.EndProperty);
    }

    private TemporalOperand TemporalArgument()
    {
        var token = Peek;
        if (token.Kind == TokenKind.Identifier && tokens[index + 1].Is("(") &&
            (IsKeyword(token, "TIMESTAMP") || IsKeyword(token, "DATE") || IsKeyword(token, "INTERVAL")))
        {
            if (IsKeyword(token, "INTERVAL"))
            {
                index += 2;
                if (Peek.Kind is TokenKind.Identifier or TokenKind.QuotedIdentifier && !tokens[index + 1].Is("("))
                {
                    return PropertyInterval(token);
                }

                var start = IntervalEnd(isEnd: false);
                Expect(",");
                var end = IntervalEnd(isEnd: true);
                Expect(")");
                if (start is not null && end is not null && start > end)
                {
                    throw Type(token, "the interval ends before it starts");
                }

                return new TemporalOperand(null, start, end, true);
            }

            var instant = (DateTimeOffset)Operand().Literal!.Value;
            return new TemporalOperand(null, instant, instant, false);
        }

        if (token.Kind is TokenKind.Identifier or TokenKind.QuotedIdentifier)
        {
            index++;
            return new TemporalOperand(token.Text, null, null, false);
        }

        throw Syntax(token, $"expected a property, TIMESTAMP, DATE or INTERVAL but found '{token.Text}'");
    }

    // INTERVAL(start_property, end_property): the interval each feature's two properties span.
    private TemporalOperand PropertyInterval(Token interval)
    {
        var start = Peek;
        index++;
        Expect(",");
        var end = Peek;
        if (end.Kind is not (TokenKind.Identifier or TokenKind.QuotedIdentifier) || tokens[index + 1].Is("("))
        {
            throw Type(interval, "an INTERVAL of properties names two properties, its start and its end");
        }

        index++;
        Expect(")");
        return new TemporalOperand(start.Text, null, null, true, end.Text);
    }

    private DateTimeOffset? IntervalEnd(bool isEnd)
    {
        var token = Peek;
        if (token.Kind == TokenKind.String)
        {
            index++;
            return token.Text == ".." ? null : Instant(token, token.Text, isEnd);
        }

        if (IsKeyword(token, "TIMESTAMP") || IsKeyword(token, "DATE"))
        {
            return (DateTimeOffset)Operand().Literal!.Value;
        }

        throw Syntax(token, "an INTERVAL bound is a quoted date, date-time or '..'");
    }

    private Term Operand()
    {
        Count();
        var token = Peek;
        switch (token.Kind)
        {
            case TokenKind.String:
                index++;
                return new Term(null, new Literal(token.Text), TextFold.None);
            case TokenKind.Number:
                index++;
                return new Term(null, new Literal(NumberValue(token, negative: false)), TextFold.None);
            case TokenKind.Symbol when (token.Is("-") || token.Is("+")) && tokens[index + 1].Kind == TokenKind.Number:
                index += 2;
                return new Term(null, new Literal(NumberValue(tokens[index - 1], negative: token.Is("-"))), TextFold.None);
            case TokenKind.QuotedIdentifier:
                index++;
                return new Term(token.Text, null, TextFold.None);
            case TokenKind.Identifier:
                break;
            default:
                throw Syntax(token, token.Kind == TokenKind.End ? "the filter ends where a value was expected" : $"expected a property or a value but found '{token.Text}'");
        }

        var call = tokens[index + 1].Is("(");
        if (IsKeyword(token, "TRUE") || IsKeyword(token, "FALSE"))
        {
            index++;
            return new Term(null, new Literal(IsKeyword(token, "TRUE")), TextFold.None);
        }

        if (call && (IsKeyword(token, "TIMESTAMP") || IsKeyword(token, "DATE")))
        {
            index += 2;
            var value = Peek;
            if (value.Kind != TokenKind.String)
            {
                throw Syntax(value, $"{token.Text.ToUpperInvariant()} takes a quoted value");
            }

            index++;
            Expect(")");
            var isDate = IsKeyword(token, "DATE");
            if (isDate != (value.Text.Length == 10))
            {
                throw Type(value, isDate ? "DATE takes a date such as '2024-05-31'" : "TIMESTAMP takes an RFC 3339 date-time such as '2024-05-31T12:00:00Z'");
            }

            return new Term(null, new Literal(Instant(value, value.Text, isEnd: false)), TextFold.None);
        }

        if (call && (IsKeyword(token, "CASEI") || IsKeyword(token, "ACCENTI")))
        {
            index += 2;
            var inner = Operand();
            Expect(")");
            return inner with { Fold = inner.Fold | (IsKeyword(token, "CASEI") ? TextFold.Case : TextFold.Accent) };
        }

        if (call)
        {
            throw new InvalidParameterException(context.Parameter, "filter-operator",
                $"The function '{token.Text}' at position {token.Position} is not supported.");
        }

        index++;
        return new Term(token.Text, null, TextFold.None);
    }

    private double Number()
    {
        var negative = false;
        if (Peek.Is("-") || Peek.Is("+"))
        {
            negative = Peek.Is("-");
            index++;
        }

        var token = Peek;
        if (token.Kind != TokenKind.Number)
        {
            throw Syntax(token, $"expected a number but found '{token.Text}'");
        }

        index++;
        return Convert.ToDouble(NumberValue(token, negative), CultureInfo.InvariantCulture);
    }

    private object NumberValue(Token token, bool negative)
    {
        var digits = negative ? "-" + token.Text : token.Text;
        if (long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
        {
            return whole;
        }

        if (double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
        {
            return real;
        }

        throw Type(token, $"'{token.Text}' is not a number this service can compare");
    }

    private DateTimeOffset Instant(Token at, string value, bool isEnd)
    {
        if (value.Length == 10 && DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return new DateTimeOffset(date.ToDateTime(isEnd ? TimeOnly.MaxValue : TimeOnly.MinValue), TimeSpan.Zero);
        }

        if (value.Length > 10 && (value[10] is 'T' or 't') && (value.EndsWith('Z') || value.EndsWith('z') || value[^6] is '+' or '-') &&
            DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var instant))
        {
            return instant;
        }

        throw Type(at, $"'{value}' is not a date (2024-05-31) or an RFC 3339 date-time with an offset (2024-05-31T12:00:00Z)");
    }

    private string RequireProperty(Term operand, Token at) =>
        operand.Property ?? throw Type(at, $"'{at.Text.ToUpperInvariant()}' needs a property on its left");

    private Literal RequireLiteral(Term operand, Token at) =>
        (operand.Literal ?? throw Type(at, $"'{at.Text.ToUpperInvariant()}' compares with literal values only")) with { Fold = operand.Fold };

    private void Expect(string symbol)
    {
        if (!Peek.Is(symbol))
        {
            throw Syntax(Peek, Peek.Kind == TokenKind.End ? $"the filter ends where '{symbol}' was expected" : $"expected '{symbol}' but found '{Peek.Text}'");
        }

        index++;
    }

    private void Enter()
    {
        if (++depth > FilterRules.MaxDepth)
        {
            throw new InvalidParameterException(context.Parameter, "filter-size", $"The filter nests deeper than {FilterRules.MaxDepth} levels.");
        }
    }

    private void Count()
    {
        if (++nodes > FilterRules.MaxNodes)
        {
            throw new InvalidParameterException(context.Parameter, "filter-size", $"The filter has more than {FilterRules.MaxNodes} terms.");
        }
    }

    private InvalidParameterException Syntax(Token at, string message) =>
        new(context.Parameter, "filter-syntax", $"CQL2 syntax error at position {at.Position}: {message}.");

    private InvalidParameterException Type(Token at, string message) =>
        new(context.Parameter, "filter-type", $"At position {at.Position}: {message}.");

    private static bool IsKeyword(Token token, string keyword) =>
        token.Kind == TokenKind.Identifier && token.Text.Equals(keyword, StringComparison.OrdinalIgnoreCase);

    private static ComparisonOperator? ComparisonOf(string symbol) => symbol switch
    {
        "=" => ComparisonOperator.Equal,
        "<>" => ComparisonOperator.NotEqual,
        "<" => ComparisonOperator.Less,
        "<=" => ComparisonOperator.LessOrEqual,
        ">" => ComparisonOperator.Greater,
        ">=" => ComparisonOperator.GreaterOrEqual,
        _ => null,
    };

    private static ComparisonOperator Mirror(ComparisonOperator op) => op switch
    {
        ComparisonOperator.Less => ComparisonOperator.Greater,
        ComparisonOperator.LessOrEqual => ComparisonOperator.GreaterOrEqual,
        ComparisonOperator.Greater => ComparisonOperator.Less,
        ComparisonOperator.GreaterOrEqual => ComparisonOperator.LessOrEqual,
        _ => op,
    };

    private static List<Token> Tokenize(string text, string parameter)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            var start = i;
            if (c == '\'')
            {
                var value = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw new InvalidParameterException(parameter, "filter-syntax",
                            $"CQL2 syntax error at position {start + 1}: the string is not closed with a quote.");
                    }

                    if (text[i] == '\'')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '\'')
                        {
                            value.Append('\'');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    value.Append(text[i++]);
                }

                tokens.Add(new Token(TokenKind.String, value.ToString(), start, i));
            }
            else if (c == '"')
            {
                var end = text.IndexOf('"', i + 1);
                if (end < 0)
                {
                    throw new InvalidParameterException(parameter, "filter-syntax",
                        $"CQL2 syntax error at position {start + 1}: the quoted property name is not closed.");
                }

                tokens.Add(new Token(TokenKind.QuotedIdentifier, text[(i + 1)..end], start, end + 1));
                i = end + 1;
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
                {
                    i++;
                }

                if (i < text.Length && text[i] is 'e' or 'E')
                {
                    i++;
                    if (i < text.Length && text[i] is '+' or '-')
                    {
                        i++;
                    }

                    while (i < text.Length && char.IsAsciiDigit(text[i]))
                    {
                        i++;
                    }
                }

                tokens.Add(new Token(TokenKind.Number, text[start..i], start, i));
            }
            else if (char.IsLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '.' or ':'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Identifier, text[start..i], start, i));
            }
            else if (c is '<' or '>')
            {
                i++;
                if (i < text.Length && (text[i] == '=' || (c == '<' && text[i] == '>')))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Symbol, text[start..i], start, i));
            }
            else if (c is '=' or '(' or ')' or ',' or '-' or '+')
            {
                i++;
                tokens.Add(new Token(TokenKind.Symbol, c.ToString(), start, i));
            }
            else
            {
                throw new InvalidParameterException(parameter, "filter-syntax",
                    $"CQL2 syntax error at position {start + 1}: unexpected character '{c}'.");
            }
        }

        tokens.Add(new Token(TokenKind.End, "end of filter", text.Length, text.Length));
        tokens.Add(new Token(TokenKind.End, "end of filter", text.Length, text.Length));
        return tokens;
    }

    private enum TokenKind
    {
        Identifier,
        QuotedIdentifier,
        String,
        Number,
        Symbol,
        End,
    }

    private sealed record Token(TokenKind Kind, string Text, int Start, int End)
    {
        public int Position => Start + 1;

        public bool Is(string symbol) => Kind == TokenKind.Symbol && Text == symbol;
    }

    private sealed record Term(string? Property, Literal? Literal, TextFold Fold);

    private sealed record TemporalOperand(string? Property, DateTimeOffset? Start, DateTimeOffset? End, bool IsInterval, string? EndProperty = null);
}
