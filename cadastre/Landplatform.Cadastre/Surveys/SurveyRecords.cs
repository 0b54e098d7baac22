using NetTopologySuite.Geometries;

namespace Landplatform.Cadastre.Surveys;

/// <summary>Where a lodged survey stands.</summary>
public enum SurveyStatus
{
    Submitted,
    Checked,
    Examined,
    Approved,
    Rejected,
}

/// <summary>A lodged survey plan and its place in the workflow.</summary>
public sealed class Survey
{
    public Guid Id { get; init; }

    /// <summary>The plan number, e.g. <c>SP-2026-0001</c>.</summary>
    public required string Reference { get; init; }

    /// <summary>The surveyor's user name and licence number.</summary>
    public required string Surveyor { get; init; }

    public string? LicenceNumber { get; init; }

    public SurveyStatus Status { get; set; }

    public string[] ParentUpis { get; set; } = [];

    public int CurrentRevision { get; set; }

    public DateTimeOffset SubmittedAt { get; init; }

    public string? DecidedBy { get; set; }

    public DateTimeOffset? DecidedAt { get; set; }

    public string? DecisionReason { get; set; }

    /// <summary>The fabric transaction that approval made.</summary>
    public Guid? FabricTransactionId { get; set; }
}

/// <summary>One upload of a survey and the check report on it; every revision is kept.</summary>
public sealed class SurveyRevision
{
    public Guid SurveyId { get; init; }

    public int Revision { get; init; }

    public required string FileName { get; init; }

    public required string FileSha256 { get; init; }

    public required string Format { get; init; }

    public int Srid { get; init; }

    /// <summary>The findings as JSON (rule, severity, message, parcel, x, y).</summary>
    public required string Findings { get; init; }

    public int Errors { get; init; }

    public int Warnings { get; init; }

    public DateTimeOffset CheckedAt { get; init; }
}

/// <summary>A lot of a survey revision, in the national grid, as approval will create it.</summary>
public sealed class SurveyLot
{
    public Guid SurveyId { get; init; }

    public int Revision { get; init; }

    public required string Label { get; init; }

    public decimal? StatedArea { get; init; }

    public required Polygon Boundary { get; init; }
}
