using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Data;
using Landplatform.Cadastre.Surveys;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using NetTopologySuite.Geometries;

namespace Landplatform.Cadastre.Api;

/// <summary>A decision's reasons, as an examiner or registrar writes them.</summary>
public sealed record SurveyDecision(string? Reason);

/// <summary>Survey lodgement: upload, reports, and the examination and approval workflow.</summary>
public static class SurveyEndpoints
{
    private static readonly string[] StaffRoles = ["examiner", "registrar", "administrator"];

    public static void MapSurveyEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/surveys").WithTags("Surveys");
        group.MapPost("/", LodgeAsync).RequireAuthorization(AccessPolicyNames.Surveyors).DisableAntiforgery()
            .WithSummary("Lodge a survey (multipart: file; crs EPSG:2007 or EPSG:4326 where the file names none; parents, comma-separated UPIs; reference). The check report comes back at once.");
        group.MapPost("/{id:guid}/revisions", ResubmitAsync).RequireAuthorization(AccessPolicyNames.Surveyors).DisableAntiforgery()
            .WithSummary("Resubmit a corrected survey; earlier reports are kept.");
        group.MapGet("/", ListAsync).RequireAuthorization(AccessPolicyNames.SurveyReaders)
            .WithSummary("Surveys by status, oldest first (the examiners' queue), a page of limit (1-500, default 100) from offset, with a Link rel=next while more follow; a surveyor sees their own.");
        group.MapGet("/{id:guid}", GetAsync).RequireAuthorization(AccessPolicyNames.SurveyReaders)
            .WithSummary("A survey, its state and every revision's summary.");
        group.MapGet("/{id:guid}/lots", LotsAsync).RequireAuthorization(AccessPolicyNames.SurveyReaders)
            .WithSummary("The proposed lots of a revision (the current one unless revision is given) as GeoJSON in EPSG:3857 for a web map: label, stated and computed area.")
            .Produces(StatusCodes.Status200OK, contentType: "application/geo+json");
        group.MapGet("/{id:guid}/report", ReportAsync).RequireAuthorization(AccessPolicyNames.SurveyReaders)
            .WithSummary("A revision's check report as JSON, or with f=html as a printable page with a map of the lots and the errors marked.");
        group.MapPost("/{id:guid}/examination", async (Guid id, ClaimsPrincipal user, SurveyLodgement lodgement, CancellationToken ct) =>
                TypedResults.Ok(Summary(await lodgement.ExamineAsync(id, Who(user), ct))))
            .RequireAuthorization(AccessPolicyNames.Examiners).WithSummary("An examiner passes a checked survey with no errors to the registrar.");
        group.MapPost("/{id:guid}/approval", async (Guid id, ClaimsPrincipal user, SurveyLodgement lodgement, CancellationToken ct) =>
            {
                var (survey, change, titles) = await lodgement.ApproveAsync(id, Who(user), ct);
                return TypedResults.Ok(new
                {
                    survey = Summary(survey), fabricTransaction = change.TransactionId, newParcels = change.ChildUpis,
                    register = new { transactions = titles.Transactions, journalEntries = titles.JournalEntries, titles = titles.Titles },
                });
            })
            .RequireAuthorization(AccessPolicyNames.Registrars)
            .WithSummary("A registrar approves an examined survey: the new parcels enter the fabric, the parents retire, and in the same commit the parents' titles close and each new parcel gets a title carrying their rights (journaled).");
        group.MapPost("/{id:guid}/rejection", async (Guid id, SurveyDecision decision, ClaimsPrincipal user, SurveyLodgement lodgement, CancellationToken ct) =>
                TypedResults.Ok(Summary(await lodgement.RejectAsync(id, Who(user), decision.Reason, ct))))
            .RequireAuthorization(AccessPolicyNames.SurveyDeciders).WithSummary("An examiner or registrar rejects a survey, with reasons.");
    }

    private static async Task<IResult> LodgeAsync(HttpRequest request, ClaimsPrincipal user, SurveyLodgement lodgement, CancellationToken ct)
    {
        var (upload, reference) = await ReadUploadAsync(request, ct);
        var lodged = await lodgement.LodgeAsync(reference, Who(user), user.FindFirst("licence_number")?.Value, upload, ct);
        return TypedResults.Created($"/api/surveys/{lodged.Survey.Id}", Lodged(lodged));
    }

    private static async Task<IResult> ResubmitAsync(Guid id, HttpRequest request, ClaimsPrincipal user, SurveyLodgement lodgement, CancellationToken ct)
    {
        var (upload, _) = await ReadUploadAsync(request, ct);
        return TypedResults.Ok(Lodged(await lodgement.ResubmitAsync(id, Who(user), upload, ct)));
    }

    private static async Task<IResult> ListAsync(string? status, int? limit, int? offset, HttpResponse response, ClaimsPrincipal user, CadastreDbContext db, CancellationToken ct)
    {
        var size = limit ?? 100;
        if (size is < 1 or > 500)
        {
            throw new InvalidParameterException("limit", "survey-page-size", "limit is a page size from 1 to 500 (default 100).");
        }

        var skip = offset ?? 0;
        if (skip < 0)
        {
            throw new InvalidParameterException("offset", "survey-page-offset", "offset is 0 or more.");
        }

        var query = db.Surveys.AsNoTracking();
        if (!StaffRoles.Any(user.IsInRole))
        {
            var me = Who(user);
            query = query.Where(s => s.Surveyor == me);
        }

        if (status is not null)
        {
            if (!Enum.TryParse<SurveyStatus>(status, ignoreCase: true, out var wanted))
            {
                throw new InvalidParameterException("status", "survey-status", "status is one of submitted, checked, examined, approved, rejected.");
            }

            query = query.Where(s => s.Status == wanted);
        }

        // One row more than the page tells whether there is a next page; id breaks ties of the same instant.
        var surveys = await query.OrderBy(s => s.SubmittedAt).ThenBy(s => s.Id).Skip(skip).Take(size + 1).ToListAsync(ct);
        if (surveys.Count > size)
        {
            surveys.RemoveAt(size);
            var next = $"/api/surveys?{(status is null ? string.Empty : $"status={Uri.EscapeDataString(status)}&")}limit={size}&offset={skip + size}";
            response.Headers.Append("Link", $"<{next}>; rel=\"next\"");
        }

        return TypedResults.Ok(surveys.Select(Summary));
    }

    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, SurveyLodgement lodgement, CadastreDbContext db, CancellationToken ct)
    {
        var survey = await ReadableAsync(id, user, lodgement, ct);
        var revisions = await db.SurveyRevisions.AsNoTracking().Where(r => r.SurveyId == id).OrderBy(r => r.Revision)
            .Select(r => new { r.Revision, r.FileName, r.Format, r.FileSha256, r.Errors, r.Warnings, r.CheckedAt }).ToListAsync(ct);
        return TypedResults.Ok(new { survey = Summary(survey), revisions });
    }

    private static async Task<IResult> LotsAsync(Guid id, int? revision, ClaimsPrincipal user, SurveyLodgement lodgement, CadastreDbContext db, CancellationToken ct)
    {
        var survey = await ReadableAsync(id, user, lodgement, ct);
        var number = revision ?? survey.CurrentRevision;
        if (!await db.SurveyRevisions.AsNoTracking().AnyAsync(r => r.SurveyId == id && r.Revision == number, ct))
        {
            throw new ResourceNotFoundException("survey-revision-unknown", $"Survey {survey.Reference} has no revision {number}.");
        }

        var features = new System.Text.Json.Nodes.JsonArray();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = """
                SELECT label, stated_area, round(ST_Area(boundary)::numeric, 2), ST_AsGeoJSON(ST_Transform(boundary, 3857), 2)
                FROM cadastre.survey_lots WHERE survey_id = @id AND revision = @revision ORDER BY label
                """;
            command.Parameters.Add(new Npgsql.NpgsqlParameter("id", id));
            command.Parameters.Add(new Npgsql.NpgsqlParameter("revision", number));
            await using var row = await command.ExecuteReaderAsync(ct);
            while (await row.ReadAsync(ct))
            {
                features.Add(new System.Text.Json.Nodes.JsonObject
                {
                    ["type"] = "Feature",
                    ["id"] = row.GetString(0),
                    ["properties"] = new System.Text.Json.Nodes.JsonObject
                    {
                        ["label"] = row.GetString(0),
                        ["statedArea"] = row.IsDBNull(1) ? null : row.GetDecimal(1),
                        ["area"] = row.GetDecimal(2),
                    },
                    ["geometry"] = System.Text.Json.Nodes.JsonNode.Parse(row.GetString(3)),
                });
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        var collection = new System.Text.Json.Nodes.JsonObject { ["type"] = "FeatureCollection", ["revision"] = number, ["features"] = features };
        return Results.Text(collection.ToJsonString(), "application/geo+json");
    }

    private static async Task<IResult> ReportAsync(Guid id, int? revision, string? f, ClaimsPrincipal user, SurveyLodgement lodgement, CadastreDbContext db, CancellationToken ct)
    {
        var survey = await ReadableAsync(id, user, lodgement, ct);
        var number = revision ?? survey.CurrentRevision;
        var stored = await db.SurveyRevisions.AsNoTracking().SingleOrDefaultAsync(r => r.SurveyId == id && r.Revision == number, ct)
            ?? throw new ResourceNotFoundException("survey-revision-unknown", $"Survey {survey.Reference} has no revision {number}.");
        var findings = JsonSerializer.Deserialize<List<SurveyFinding>>(stored.Findings, SurveyLodgement.ReportJson) ?? [];
        if (f is null or "json")
        {
            return TypedResults.Ok(new
            {
                survey = survey.Reference, revision = number, stored.FileName, stored.Format, crs = $"EPSG:{stored.Srid}", stored.CheckedAt,
                passed = stored.Errors == 0, stored.Errors, stored.Warnings, findings,
            });
        }

        if (f != "html")
        {
            throw new InvalidParameterException("f", "report-format", "f is json or html.");
        }

        var lots = await db.SurveyLots.AsNoTracking().Where(l => l.SurveyId == id && l.Revision == number).ToListAsync(ct);
        var parents = await db.ParcelVersions.AsNoTracking().Where(p => survey.ParentUpis.Contains(p.Upi)).OrderByDescending(p => p.Version)
            .Select(p => new { p.Upi, p.Boundary }).ToListAsync(ct);
        return Results.Content(PrintableReport(survey, stored, findings, lots, parents.Select(p => (p.Upi, (Geometry)p.Boundary)).ToList()), "text/html; charset=utf-8");
    }

    private static async Task<Survey> ReadableAsync(Guid id, ClaimsPrincipal user, SurveyLodgement lodgement, CancellationToken ct)
    {
        var survey = await lodgement.FindAsync(id, ct);
        if (!StaffRoles.Any(user.IsInRole) && survey.Surveyor != Who(user))
        {
            throw new ResourceNotFoundException("survey-unknown", $"No survey of yours has the id {id}.");
        }

        return survey;
    }

    private static async Task<(SurveyUpload Upload, string? Reference)> ReadUploadAsync(HttpRequest request, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            throw new InvalidParameterException("file", "multipart", "Lodge a survey as multipart/form-data with the file in a part named file.");
        }

        var form = await request.ReadFormAsync(ct);
        var file = form.Files.GetFile("file") ?? throw new InvalidParameterException("file", "required", "The form has no part named file.");
        if (file.Length > SurveyReader.MaxBytes)
        {
            throw new InvalidParameterException("file", "file-size", $"The file is larger than {SurveyReader.MaxBytes / (1024 * 1024)} MiB.");
        }

        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, ct);
        int? srid = form.TryGetValue("crs", out var crs) && !string.IsNullOrWhiteSpace(crs) ? SurveyReader.ParseDeclaredCrs(crs!) : null;
        var parents = form.TryGetValue("parents", out var p)
            ? p.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => ParcelIdentifier.Parse(u, "parents")).ToList()
            : [];
        return (new SurveyUpload(buffer.ToArray(), file.FileName, srid, parents), form.TryGetValue("reference", out var r) ? r.ToString() : null);
    }

    private static object Lodged(LodgedSurvey lodged) => new
    {
        survey = Summary(lodged.Survey),
        report = new { revision = lodged.Revision.Revision, passed = lodged.Report.Passed, errors = lodged.Report.Errors, warnings = lodged.Report.Warnings, findings = lodged.Report.Findings },
        invoice = lodged.Invoice is { } i ? new { number = i.Number, total = i.Total, currency = i.Currency } : null,
    };

    private static object Summary(Survey s) => new
    {
        s.Id, s.Reference, s.Surveyor, s.LicenceNumber, status = s.Status.ToString().ToLowerInvariant(), parents = s.ParentUpis, revision = s.CurrentRevision,
        s.SubmittedAt, s.DecidedBy, s.DecidedAt, reason = s.DecisionReason, s.FabricTransactionId,
    };

    private static string Who(ClaimsPrincipal user) => user.Identity?.Name ?? user.FindFirst("sub")?.Value ?? "unknown";

    private static string PrintableReport(Survey survey, SurveyRevision revision, IReadOnlyList<SurveyFinding> findings, IReadOnlyList<SurveyLot> lots, IReadOnlyList<(string Upi, Geometry Shape)> parents)
    {
        var html = HtmlEncoder.Default;
        var page = new StringBuilder();
        page.Append(CultureInfo.InvariantCulture, $"""
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Survey {html.Encode(survey.Reference)} · check report</title>
            <style>body{"{"}font-family:system-ui,sans-serif;margin:2rem;color:#1d2a1d{"}"} table{"{"}border-collapse:collapse;width:100%{"}"}
            td,th{"{"}border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top{"}"} .error{"{"}color:#a4000f{"}"} .warning{"{"}color:#8a5a00{"}"}
            svg{"{"}border:1px solid #999;background:#f7f7f2;max-width:100%{"}"} @media print{"{"}body{"{"}margin:0{"}"}{"}"}</style></head><body>
            <h1>Survey {html.Encode(survey.Reference)} — check report, revision {revision.Revision}</h1>
            <p>Surveyor {html.Encode(survey.Surveyor)}{(survey.LicenceNumber is null ? "" : $" (licence {html.Encode(survey.LicenceNumber)})")} ·
            file {html.Encode(revision.FileName)} ({html.Encode(revision.Format)}, EPSG:{revision.Srid}) · checked {revision.CheckedAt:yyyy-MM-dd HH:mm} UTC ·
            status {survey.Status.ToString().ToLowerInvariant()} · parents {html.Encode(string.Join(", ", survey.ParentUpis))}</p>
            <p><strong>{(revision.Errors == 0 ? "Passed" : "Failed")}:</strong> {revision.Errors} error(s), {revision.Warnings} warning(s).</p>
            """);
        page.Append(Map(lots, parents, findings));
        page.Append("<table><thead><tr><th>Rule</th><th>Severity</th><th>Finding</th><th>Where (EPSG:2007)</th></tr></thead><tbody>");
        foreach (var finding in findings)
        {
            var severity = finding.Severity.ToString().ToLowerInvariant();
            var where = finding.X is { } x && finding.Y is { } y ? string.Create(CultureInfo.InvariantCulture, $"{x:0.###}, {y:0.###}") : "";
            page.Append(CultureInfo.InvariantCulture,
                $"<tr class=\"{severity}\"><td>{html.Encode(finding.Rule)}</td><td>{severity}</td><td>{html.Encode(finding.Message)}</td><td>{where}</td></tr>");
        }

        page.Append("</tbody></table></body></html>");
        return page.ToString();
    }

    // An SVG map: parents dashed, lots filled, error locations as red rings; y flipped, since the grid's north is up.
    private static string Map(IReadOnlyList<SurveyLot> lots, IReadOnlyList<(string Upi, Geometry Shape)> parents, IReadOnlyList<SurveyFinding> findings)
    {
        var extent = new Envelope();
        foreach (var lot in lots)
        {
            extent.ExpandToInclude(lot.Boundary.EnvelopeInternal);
        }

        foreach (var (_, shape) in parents)
        {
            extent.ExpandToInclude(shape.EnvelopeInternal);
        }

        if (extent.IsNull)
        {
            return "<p>No lot could be drawn.</p>";
        }

        extent.ExpandBy(Math.Max(extent.Width, extent.Height) * 0.08 + 1);
        const double size = 640;
        var scale = size / Math.Max(extent.Width, extent.Height);
        string Points(Geometry g) => string.Join(" ", g.Coordinates.Select(c =>
            string.Create(CultureInfo.InvariantCulture, $"{(c.X - extent.MinX) * scale:0.#},{(extent.MaxY - c.Y) * scale:0.#}")));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Map of the surveyed lots\" width=\"{extent.Width * scale:0}\" height=\"{extent.Height * scale:0}\">");
        foreach (var (upi, shape) in parents)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<polygon points=\"{Points(shape)}\" fill=\"none\" stroke=\"#555\" stroke-dasharray=\"6 4\"><title>{HtmlEncoder.Default.Encode(upi)}</title></polygon>");
        }

        foreach (var lot in lots)
        {
            var label = lot.Boundary.InteriorPoint.Coordinate;
            svg.Append(CultureInfo.InvariantCulture, $"<polygon points=\"{Points(lot.Boundary.Shell)}\" fill=\"#cfe8d4\" fill-opacity=\"0.7\" stroke=\"#1f6f43\" stroke-width=\"1.5\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(label.X - extent.MinX) * scale:0.#}\" y=\"{(extent.MaxY - label.Y) * scale:0.#}\" font-size=\"12\" text-anchor=\"middle\">{HtmlEncoder.Default.Encode(lot.Label)}</text>");
        }

        foreach (var finding in findings.Where(f => f.Severity == FindingSeverity.Error && f.X is not null && f.Y is not null))
        {
            svg.Append(CultureInfo.InvariantCulture, $"<circle class=\"error-marker\" cx=\"{(finding.X!.Value - extent.MinX) * scale:0.#}\" cy=\"{(extent.MaxY - finding.Y!.Value) * scale:0.#}\" r=\"9\" fill=\"none\" stroke=\"#d0021b\" stroke-width=\"3\"><title>{HtmlEncoder.Default.Encode(finding.Rule + ": " + finding.Message)}</title></circle>");
        }

        svg.Append("</svg>");
        return svg.ToString();
    }
}
