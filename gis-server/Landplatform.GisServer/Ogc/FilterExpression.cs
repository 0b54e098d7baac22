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

/// <summary>A literal: string, long, double, bool or DateTimeOffset.</summary>
public sealed record Literal(object Value);

public sealed record ComparisonFilter(string Property, ComparisonOperator Operator, Literal Value) : FilterExpression;

/// <summary>SQL LIKE semantics: <c>%</c> any run, <c>_</c> one character (parsers translate their own wildcards).</summary>
public sealed record LikeFilter(string Property, string Pattern, bool CaseInsensitive) : FilterExpression;

public sealed record InFilter(string Property, IReadOnlyList<Literal> Values) : FilterExpression;

public sealed record BetweenFilter(string Property, Literal Lower, Literal Upper) : FilterExpression;

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

public enum TemporalOperator
{
    /// <summary>The property equals the instant (T_EQUALS / TEquals on an instant).</summary>
    Equals,
    Before,
    After,

    /// <summary>The property lies within [start, end] (T_DURING / During).</summary>
    During,
}

public sealed record TemporalFilter(string Property, TemporalOperator Operator, DateTimeOffset Start, DateTimeOffset? End) : FilterExpression;

/// <summary>A filter a request sent that cannot be applied: the parsers throw <c>InvalidParameterException</c> instead.</summary>
public static class FilterRules
{
    public const int MaxDepth = 32;
    public const int MaxNodes = 500;
    public const int MaxWktLength = 200_000;
}
