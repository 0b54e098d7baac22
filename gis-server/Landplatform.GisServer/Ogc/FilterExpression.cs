namespace Landplatform.GisServer.Ogc;

/// <summary>
/// A filter on features, as both CQL2 (OGC API Features Part 3) and FES 2.0 (WFS) express it. Parsers
/// build it; <see cref="FeatureSql"/> turns it into parameterised SQL. Property names are checked
/// against the collection's allow-list when the SQL is built.
/// </summary>
public abstract record FilterExpression;

public sealed record AndFilter(IReadOnlyList<FilterExpression> Operands) : FilterExpression;

public sealed record OrFilter(IReadOnlyList<FilterExpression> Operands) : FilterExpression;

public sealed record NotFilter(FilterExpression Operand) : FilterExpression;

public enum ComparisonOperator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// <summary>
/// What CQL2's CASEI and ACCENTI do to one side of a comparison: fold the case, strip the accents, or both. Each side
/// carries its own, as the functions apply to their argument only (<c>CASEI(a) = 'Forest'</c> never matches).
/// </summary>
[Flags]
public enum TextFold
{
    None = 0,
    Case = 1,
    Accent = 2,
}

/// <summary>A literal: string, long, double, bool or DateTimeOffset, with the CASEI/ACCENTI folds applied to it.</summary>
public sealed record Literal(object Value)
{
    public TextFold Fold { get; init; }
}

/// <summary>A property compared with a literal; <see cref="PropertyFold"/> is what CASEI/ACCENTI do to the property.</summary>
public sealed record ComparisonFilter(string Property, ComparisonOperator Operator, Literal Value) : FilterExpression
{
    public TextFold PropertyFold { get; init; }
}

/// <summary>
/// SQL LIKE semantics: <c>%</c> any run, <c>_</c> one character (parsers translate their own wildcards). Case-insensitive
/// (FES matchCase="false", or CASEI on both sides) compares as ILIKE; the folds add what CASEI/ACCENTI do to one side.
/// </summary>
public sealed record LikeFilter(string Property, string Pattern, bool CaseInsensitive) : FilterExpression
{
    public TextFold PropertyFold { get; init; }

    public TextFold PatternFold { get; init; }
}

public sealed record InFilter(string Property, IReadOnlyList<Literal> Values) : FilterExpression
{
    public TextFold PropertyFold { get; init; }
}

public sealed record BetweenFilter(string Property, Literal Lower, Literal Upper) : FilterExpression
{
    public TextFold PropertyFold { get; init; }
}

/// <summary>CQL2's TRUE and FALSE as whole predicates.</summary>
public sealed record ConstantFilter(bool Value) : FilterExpression;

public sealed record IsNullFilter(string Property) : FilterExpression;

/// <summary>Features whose id is one of these (FES ResourceId); ids that cannot exist in the collection match nothing.</summary>
public sealed record ResourceIdFilter(IReadOnlyList<string> Ids) : FilterExpression;

public enum SpatialOperator
{
    Intersects,
    Within,
    Contains,
    Disjoint,
    Equals,
    Touches,
    Overlaps,
    Crosses,
}

/// <summary>A spatial predicate between the feature's geometry and a literal geometry (WKT) in a CRS (an SRID).</summary>
public sealed record SpatialFilter(SpatialOperator Operator, string Wkt, int Srid) : FilterExpression;

/// <summary>A bounding box in a CRS, e.g. a WFS BBOX or an FES BBOX operator.</summary>
public sealed record BboxFilter(double MinX, double MinY, double MaxX, double MaxY, int Srid) : FilterExpression;

/// <summary>
/// CQL2's temporal functions, with the standard's semantics between the property's instant a (start = end = a) and the
/// literal [start, end] (an instant: start = end; '..' an open end).
/// </summary>
public enum TemporalOperator
{
    /// <summary>T_EQUALS: a = start and a = end.</summary>
    Equals,

    /// <summary>T_BEFORE: a &lt; start.</summary>
    Before,

    /// <summary>T_AFTER: a &gt; end.</summary>
    After,

    /// <summary>T_DURING: start &lt; a &lt; end (both end points excluded).</summary>
    During,

    /// <summary>T_INTERSECTS: start &lt;= a &lt;= end.</summary>
    Intersects,

    /// <summary>T_DISJOINT: not T_INTERSECTS.</summary>
    Disjoint,

    /// <summary>T_CONTAINS: a &lt; start and a &gt; end (an instant contains nothing).</summary>
    Contains,

    /// <summary>T_MEETS: a = start.</summary>
    Meets,

    /// <summary>T_METBY: a = end.</summary>
    MetBy,

    /// <summary>T_OVERLAPS: a &lt; start and a &gt; start and a &lt; end (never for an instant).</summary>
    Overlaps,

    /// <summary>T_OVERLAPPEDBY: a &gt; start and a &lt; end and a &gt; end (never for an instant).</summary>
    OverlappedBy,

    /// <summary>T_STARTS: a = start and a &lt; end.</summary>
    Starts,

    /// <summary>T_STARTEDBY: a = start and a &gt; end.</summary>
    StartedBy,

    /// <summary>T_FINISHES: a &gt; start and a = end.</summary>
    Finishes,

    /// <summary>T_FINISHEDBY: a &lt; start and a = end.</summary>
    FinishedBy,
}

/// <summary>
/// A temporal function between a property's instant (or, with <paramref name="EndProperty"/>, the interval of two
/// properties, an empty end being open) and a literal instant or interval; a null literal end is open ('..').
/// </summary>
public sealed record TemporalFilter(string Property, TemporalOperator Operator, DateTimeOffset? Start, DateTimeOffset? End, string? EndProperty = null) : FilterExpression;

/// <summary>A filter a request sent that cannot be applied: the parsers throw <c>InvalidParameterException</c> instead.</summary>
public static class FilterRules
{
    public const int MaxDepth = 32;
    public const int MaxNodes = 500;
    public const int MaxWktLength = 200_000;
}
