using NetTopologySuite.Geometries;

namespace Landplatform.Cadastre.Surveys;

/// <summary>A parcel a survey proposes, as read from the file and brought into the national grid.</summary>
/// <param name="Label">The lot's name on the plan, e.g. <c>Lot 1</c>.</param>
/// <param name="Boundary">The boundary in EPSG:2007, rings as drawn (not repaired).</param>
/// <param name="StatedArea">The area the surveyor wrote on the plan, in square metres, when stated.</param>
public sealed record SurveyedParcel(string Label, Polygon Boundary, decimal? StatedArea)
{
    /// <summary>The area its boundary encloses with its arcs as true arcs (in the plan's CRS units squared), where it has curves.</summary>
    public double? ExactArea { get; init; }
}

/// <summary>One bearing/distance observation of a traverse.</summary>
/// <param name="Bearing">Whole-circle bearing from grid north, in decimal degrees.</param>
/// <param name="Distance">Horizontal distance in metres.</param>
public sealed record TraverseLeg(string From, string To, double Bearing, double Distance)
{
    /// <summary>Where the plan's coordinates put the setup point (in the plan's CRS).</summary>
    public Coordinate? FromAt { get; init; }

    /// <summary>Where the plan's coordinates put the target point (in the plan's CRS).</summary>
    public Coordinate? ToAt { get; init; }
}

/// <summary>What a plan's SurveyHeader says of who surveyed it and when, and the datum its CoordinateSystem names.</summary>
public sealed record SurveyHeaderInfo(string? Surveyor, string? Licence, DateOnly? SurveyDate, string? Datum, bool Present);

/// <summary>A traverse: legs from a known start point that should arrive at a known end point.</summary>
public sealed record Traverse(string Name, Coordinate Start, Coordinate End, IReadOnlyList<TraverseLeg> Legs);

/// <summary>What a surveyor lodged, read from any of the supported formats.</summary>
public sealed record SurveyPlan(
    string Format,
    int Srid,
    IReadOnlyList<SurveyedParcel> Parcels,
    IReadOnlyList<Traverse> Traverses,
    IReadOnlyList<string> ParentUpis)
{
    /// <summary>What reading found wrong with the geometry as drawn (S-GEOM), before any other check.</summary>
    public IReadOnlyList<SurveyFinding> ReadFindings { get; init; } = [];

    /// <summary>The plan's CRS as PostGIS knows it (set by the reader).</summary>
    public SurveyCrsInfo? Crs { get; init; }

    /// <summary>Grid distance over ground distance (LandXML <c>combinedFactor</c>): stated areas are ground areas.</summary>
    public double CombinedFactor { get; init; } = 1;

    /// <summary>Every reduced observation, each checked against the coordinates of its two points (S-OBS).</summary>
    public IReadOnlyList<TraverseLeg> Observations { get; init; } = [];

    /// <summary>Easements and restrictions the plan creates: recorded and reported, not lots.</summary>
    public IReadOnlyList<SurveyedParcel> Easements { get; init; } = [];

    public SurveyHeaderInfo? Header { get; init; }
}

[System.Text.Json.Serialization.JsonConverter(typeof(SeverityAsText))]
public enum FindingSeverity
{
    Error,
    Warning,
    Info,
}

/// <summary>One result of a check: the rule, how bad, what is wrong, and where (national grid).</summary>
public sealed record SurveyFinding(string Rule, FindingSeverity Severity, string Message, string? Parcel = null, double? X = null, double? Y = null);

/// <summary>The rule ids of the automated checks (DOMAIN.md).</summary>
public static class SurveyRules
{
    public const string Schema = "S-SCHEMA";
    public const string Geometry = "S-GEOM";
    public const string Closure = "S-CLOSE";
    public const string Area = "S-AREA";
    public const string Overlap = "S-OVERLAP";
    public const string Parent = "S-PARENT";
    public const string Fabric = "S-FABRIC";
    public const string Pending = "S-PENDING";
    public const string Observation = "S-OBS";
    public const string Header = "S-HEADER";
    public const string Location = "S-LOCATION";
    public const string Easement = "S-EASEMENT";
    public const string Building = "S-BUILDING";
    public const string Risk = "S-RISK";

    /// <summary>A right on a parent's title (mortgage, caveat, lease, easement, covenant) that approval carries to every new lot's title.</summary>
    public const string Title = "S-TITLE";

    /// <summary>A dealing lodged on a parent's title and not yet registered or rejected.</summary>
    public const string Dealing = "S-DEALING";

    /// <summary>Parents of a merge whose titles cannot become one: different owners, or titled and untitled land.</summary>
    public const string Merge = "S-MERGE";
}

/// <summary>A file that cannot be read as a survey; carries S-SCHEMA findings.</summary>
public sealed class SurveyUnreadableException(IReadOnlyList<SurveyFinding> findings)
    : Exception(string.Join(" ", findings.Select(f => f.Message)))
{
    public IReadOnlyList<SurveyFinding> Findings { get; } = findings;

    public static SurveyUnreadableException Because(string message) => new([new SurveyFinding(SurveyRules.Schema, FindingSeverity.Error, message)]);
}

/// <summary>Tolerances of the checks; a deployment may change them.</summary>
public sealed class SurveyTolerances
{
    /// <summary>Traverse misclose allowed: this constant plus <see cref="ClosurePerMetre"/> times the traverse length (ePlan style).</summary>
    public double ClosureConstant { get; set; } = 0.015;

    public double ClosurePerMetre { get; set; } = 1.0 / 10_000;

    /// <summary>Overlaps and gaps smaller than this (m²) are rounding, not overlaps.</summary>
    public double OverlapArea { get; set; } = 0.01;

    /// <summary>
    /// The fabric's accuracy class (m): lot corners within this distance of a fabric corner or line, or of another lot's
    /// corner, are snapped to it before the cover and overlap checks, and a gap or overlap no wider than this is rounding.
    /// </summary>
    public double SnapDistance { get; set; } = 0.005;

    /// <summary>Children and parents may differ in total area by this fraction.</summary>
    public double ParentAreaFraction { get; set; } = 0.001;

    /// <summary>Distance under which two vertices are the same point (m).</summary>
    public double DuplicateVertex { get; set; } = 0.001;

    /// <summary>A gap piece narrower than this (m, the diameter of the widest circle it holds) is a sliver.</summary>
    public double SliverWidth { get; set; } = 1.0;

    /// <summary>The largest survey the checks accept, in vertices.</summary>
    public int MaxVertices { get; set; } = 200_000;
}

/// <summary>A lot as checked, in the national grid.</summary>
public sealed record CheckedLot(string Label, decimal? StatedArea, Polygon Boundary);

/// <summary>The outcome of the automated checks.</summary>
public sealed record SurveyReport(IReadOnlyList<SurveyFinding> Findings, IReadOnlyList<CheckedLot> Lots)
{
    public int Errors => Findings.Count(f => f.Severity == FindingSeverity.Error);

    public int Warnings => Findings.Count(f => f.Severity == FindingSeverity.Warning);

    /// <summary>True when no check found an error; warnings and information do not stop a survey.</summary>
    public bool Passed => Errors == 0;
}

/// <summary>Severities travel as words (<c>error</c>, <c>warning</c>, <c>info</c>) in every report.</summary>
public sealed class SeverityAsText() : System.Text.Json.Serialization.JsonStringEnumConverter<FindingSeverity>(System.Text.Json.JsonNamingPolicy.CamelCase);
