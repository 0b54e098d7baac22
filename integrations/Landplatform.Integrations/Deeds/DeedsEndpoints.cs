using System.Security.Claims;
using Landplatform.Cadastre.Contracts;
using Landplatform.Integrations.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Landplatform.Integrations.Deeds;

public sealed record DeedLinkBody(string? Upi);

/// <summary>A TIFF or PDF as stored: its checksum and type, and the pages made from it.</summary>
public sealed record StoredScanFile(string Sha256, string MediaType, IReadOnlyList<DeedPageView> Pages);

/// <summary>The register of deeds' API: recording and linking (deeds clerks), pages, search, root of title, OCR progress, verification.</summary>
public static class DeedsEndpoints
{
    public static void MapDeedsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/deeds").WithTags("Deeds");
        group.MapPost("/", RecordAsync).RequireAuthorization(AccessPolicies.DeedsClerks)
            .WithSummary("Records a deed from the Index of Deeds: registrationNumber, registeredOn, instrumentDate, instrumentType, grantors, grantees (as written), landDescription, upis, consideration, attorney, releases (a release: the mortgage it discharges).");
        group.MapGet("/", SearchAsync).RequireAuthorization(AccessPolicies.RegistryReaders)
            .WithSummary("Searches the register of deeds: party (fuzzy and by sound), upi, number, text (words of the scanned pages), type, from, to, review (pending, signed, disputed), limit.");
        group.MapGet("/{id:guid}", async (Guid id, DeedBook book, CancellationToken ct) => TypedResults.Ok(await book.FindAsync(id, ct)))
            .RequireAuthorization(AccessPolicies.RegistryReaders).WithSummary("A recorded deed.");
        group.MapPost("/{id:guid}/parcels", async (Guid id, DeedLinkBody body, DeedBook book, ClaimsPrincipal caller, CancellationToken ct) =>
                TypedResults.Ok(await book.LinkAsync(id, body.Upi, Clerk(caller), ct)))
            .RequireAuthorization(AccessPolicies.DeedsClerks).WithSummary("Links a recorded deed to a parcel of the fabric (once the land it describes is identified).");
        group.MapPost("/{id:guid}/pages", StorePageAsync).RequireAuthorization(AccessPolicies.DeedsClerks).DisableAntiforgery()
            .WithSummary("Stores the next scanned page(s) of a deed (multipart file: PNG or JPEG, one page; TIFF or PDF, a page each; optional page): checksum, quality check, queued for OCR. A PNG or JPEG answers its page; a TIFF or PDF its file's checksum and pages.");
        group.MapGet("/{id:guid}/pages", async (Guid id, DeedPages pages, DeedBook book, CancellationToken ct) =>
            {
                await book.FindAsync(id, ct);
                return TypedResults.Ok(await pages.ListAsync(id, ct));
            })
            .RequireAuthorization(AccessPolicies.RegistryReaders).WithSummary("A deed's pages: checksum, resolution, quality flags, OCR state and confidence.");
        group.MapGet("/{id:guid}/pages/{page:int}", async (Guid id, int page, DeedPages pages, CancellationToken ct) =>
            {
                var (content, media) = await pages.ContentAsync(id, page, ct);
                return Results.Bytes(content, media);
            })
            .RequireAuthorization(AccessPolicies.RegistryReaders).WithSummary("A page's scan as stored.");
        group.MapGet("/{id:guid}/pages/{page:int}/text", async (Guid id, int page, DeedPages pages, CancellationToken ct) =>
                Results.Text(await pages.TextAsync(id, page, ct), "text/plain", System.Text.Encoding.UTF8))
            .RequireAuthorization(AccessPolicies.RegistryReaders).WithSummary("A page's OCR text, line by line (409 ocr-pending until read).");
        group.MapGet("/{id:guid}/pages/{page:int}/searchable.pdf", async (Guid id, int page, DeedPages pages, CancellationToken ct) =>
                Results.File(await pages.SearchablePdfAsync(id, page, ct), "application/pdf", $"deed-{id}-page-{page}.pdf"))
            .RequireAuthorization(AccessPolicies.RegistryReaders).WithSummary("A page as a searchable PDF: its image with the OCR's words as text (409 ocr-pending until read).");
        group.MapGet("/{id:guid}/searchable.pdf", async (Guid id, DeedPages pages, CancellationToken ct) =>
                Results.File(await pages.DeedSearchablePdfAsync(id, ct), "application/pdf", $"deed-{id}.pdf"))
            .RequireAuthorization(AccessPolicies.RegistryReaders).WithSummary("The whole deed as one searchable PDF, its pages in order (409 ocr-pending until every page is read).");
        group.MapPost("/{id:guid}/review", async (Guid id, DeedReviewBody body, DeedReviews reviews, ClaimsPrincipal caller, CancellationToken ct) =>
                TypedResults.Ok(await reviews.ReviewAsync(id, body, Clerk(caller), ct)))
            .RequireAuthorization(AccessPolicies.DeedsClerks)
            .WithSummary("Reviews a deed's index (a clerk other than its keyer): confirm: true signs it off; disagreements: [{field, reading, note}] disputes fields. Journaled.");
        group.MapGet("/reviews", async (string? status, int? limit, DeedReviews reviews, CancellationToken ct) => TypedResults.Ok(await reviews.ListAsync(status, limit, ct)))
            .RequireAuthorization(AccessPolicies.DeedsClerks)
            .WithSummary("Deeds by review status (status=pending|signed|disputed; limit 1–500): for a disputed deed, each field with what was keyed and what the reviewer read.");
        group.MapGet("/root-of-title/{upi}", async (string upi, int? years, string? f, RootOfTitle roots, CancellationToken ct) =>
            {
                var format = f?.Trim().ToLowerInvariant();
                if (format is not (null or "" or "json" or "html"))
                {
                    throw new InvalidParameterException("f", "format", "f is json (the default) or html (a printable page).");
                }

                var report = await roots.BuildAsync(upi, years, ct);
                return format == "html" ? Results.Content(RootOfTitlePage.Render(report), "text/html; charset=utf-8") : Results.Ok(report);
            })
            .RequireAuthorization(AccessPolicies.RegistryReaders)
            .WithSummary("The root of title of a parcel from its linked deeds: the good root (years, default 30), the chain, mortgages, and each break, gap, name variant or unreleased mortgage; f=html a printable page.");
        group.MapGet("/public", async (string? upi, DeedsWorklist worklist, ClaimsPrincipal caller, CancellationToken ct) =>
                TypedResults.Ok(await worklist.PublicIndexAsync(upi ?? throw new InvalidParameterException("upi", "upi-required", "Name the parcel: upi=…"), caller, ct)))
            .AllowAnonymous().RequireRateLimiting(RateLimits.Public)
            .WithSummary("The public index for a parcel (anyone): each linked deed's number, dates, instrument and parties (as the disclosure rule lets the caller see names); no consideration, attorney or scans.");
        group.MapGet("/unlinked", async (int? limit, DeedsWorklist worklist, CancellationToken ct) => TypedResults.Ok(await worklist.UnlinkedAsync(limit, ct)))
            .RequireAuthorization(AccessPolicies.DeedsClerks).WithSummary("Deeds recorded with no parcel linked yet, oldest first (limit 1–500, default 100).");
        group.MapGet("/flagged-pages", async (int? limit, DeedsWorklist worklist, CancellationToken ct) => TypedResults.Ok(await worklist.FlaggedPagesAsync(limit, ct)))
            .RequireAuthorization(AccessPolicies.DeedsClerks).WithSummary("Pages to rescan: flagged blank, skewed, low resolution or unreadable, or whose OCR failed, oldest first.");
        group.MapGet("/ocr", async (NpgsqlDataSource dataSource, CancellationToken ct) => TypedResults.Ok(await OcrQueue.ProgressAsync(dataSource, ct)))
            .RequireAuthorization(AccessPolicies.DeedsClerks).WithSummary("OCR progress: pages queued, running, done, failed; unreadable and blank pages; pages per minute over the last hour.");
        group.MapGet("/journal/verification", async (NpgsqlDataSource dataSource, CancellationToken ct) => TypedResults.Ok(await DeedsJournal.VerifyAsync(dataSource, ct)))
            .RequireAuthorization(AccessPolicies.Registrars).WithSummary("Checks the deeds journal: the chain, and every deed, link and page against its entry.");
    }

    private static async Task<Created<RecordedDeed>> RecordAsync(DeedEntry entry, DeedBook book, ClaimsPrincipal caller, CancellationToken ct)
    {
        var deed = await book.RecordAsync(entry, Clerk(caller), ct);
        return TypedResults.Created($"/api/deeds/{deed.Id}", deed);
    }

    private static async Task<Ok<List<RecordedDeed>>> SearchAsync(string? party, string? upi, string? number, string? text, string? type, string? from, string? to, string? review, int? limit,
        DeedSearch search, CancellationToken ct) =>
        TypedResults.Ok(await search.SearchAsync(new DeedQuery(party, upi, number, text, type, DeedBook.ParseDay(from, "from", "date-format"), DeedBook.ParseDay(to, "to", "date-format"), limit)
        {
            Review = DeedReviews.Status(review, "review"),
        }, ct));

    private static async Task<IResult> StorePageAsync(Guid id, HttpRequest request, DeedPages pages, ClaimsPrincipal caller, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            throw new InvalidParameterException("file", "page-format", "Send the page as multipart/form-data with the scan in the field file.");
        }

        var form = await request.ReadFormAsync(ct);
        var file = form.Files.GetFile("file") ?? throw new InvalidParameterException("file", "page-format", "The form has no field file with the page's scan.");
        int? page = null;
        if (form.TryGetValue("page", out var given) && given.Count > 0)
        {
            page = int.TryParse(given[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
                ? n : throw new InvalidParameterException("page", "page-number", "page is a whole number from 1.");
        }

        await using var stream = file.OpenReadStream();
        var stored = await pages.StoreAsync(id, page, stream, Clerk(caller), ct);
        return stored is [{ SourceSha256: null } single]
            ? TypedResults.Created($"/api/deeds/{id}/pages/{single.PageNumber}", single)
            : TypedResults.Created($"/api/deeds/{id}/pages/{stored[0].PageNumber}", new StoredScanFile(stored[0].SourceSha256!, stored[0].SourceMediaType!, stored));
    }

    private static string Clerk(ClaimsPrincipal caller) => caller.Identity?.Name ?? caller.FindFirst("sub")?.Value ?? "unknown";
}
