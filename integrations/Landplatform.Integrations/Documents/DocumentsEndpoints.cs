using System.Globalization;
using System.Security.Claims;
using Landplatform.Cadastre.Contracts;
using Landplatform.Integrations.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Landplatform.Integrations.Documents;

public sealed record CertificateRequestBody(string? Csr);

public sealed record RevocationBody(string? Reason);

public sealed record DeedView(Guid Id, string ContentSha256, string ContentUrl, string SignatureUrl, string SignerSerialNumber, string SignerSubject,
    DateTimeOffset? SignedAt, DateTimeOffset LodgedAt, string? Reference, string? ParcelUpi, string FileName);

public sealed record ScanView(Guid Id, int Book, int Page, DateOnly RecordedOn, string Parties, string? ParcelUpi, string FileName, string ContentSha256, string ContentUrl);

/// <summary>The documents API: the notary CA, notary certificates, signed deeds, stored content, the index of scanned deeds.</summary>
public static class DocumentsEndpoints
{
    public const long MaxDeedBytes = 20L * 1024 * 1024;
    private const long MaxSignatureBytes = 256 * 1024;

    public static void MapDocumentsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/documents").WithTags("Documents");
        group.MapGet("/authority.pem", async (NotaryAuthority authority, CancellationToken ct) =>
                Results.Text(await authority.CertificatePemAsync(ct), "application/x-pem-file"))
            .AllowAnonymous().RequireRateLimiting(RateLimits.Public)
            .WithSummary("The platform's notary CA certificate (PEM), for verifying deeds offline.");
        group.MapPost("/notary-certificates", IssueCertificateAsync).RequireAuthorization(AccessPolicies.Notaries)
            .WithSummary("Issues the calling notary a signing certificate for the key in a PKCS#10 request (PEM).");
        group.MapPost("/notary-certificates/{serialNumber}/revocation", async (string serialNumber, RevocationBody body, NotaryAuthority authority, ClaimsPrincipal caller, CancellationToken ct) =>
                TypedResults.Ok(await authority.RevokeAsync(serialNumber, body.Reason, caller.Identity?.Name ?? NotaryId(caller), ct)))
            .RequireAuthorization(AccessPolicies.CertificateRevokers)
            .WithSummary("Revokes a notary's signing certificate from now on, with the reason (registrars, administrators): deeds received from then on are refused, whatever signing time they claim.");
        group.MapGet("/notary-certificates/revoked", async (NotaryAuthority authority, CancellationToken ct) => TypedResults.Ok(await authority.RevocationsAsync(ct)))
            .AllowAnonymous().RequireRateLimiting(RateLimits.Public)
            .WithSummary("The published revocation list: every revoked notary certificate with its revocation time and reason.");
        group.MapGet("/authority.crl", async (NotaryAuthority authority, CancellationToken ct) =>
                Results.Bytes(await authority.RevocationListAsync(ct), "application/pkix-crl", "authority.crl"))
            .AllowAnonymous().RequireRateLimiting(RateLimits.Public)
            .WithSummary("The revocation list as an X.509 CRL (DER) signed by the notary CA, e.g. for openssl verify -crl_check.");
        group.MapPost("/deeds", LodgeDeedAsync).RequireAuthorization(AccessPolicies.Notaries).DisableAntiforgery()
            .WithSummary("Lodges a signed deed: multipart file (PDF) and signature (detached CMS/PKCS#7, DER), reference, parcelUpi. The signature is checked first.");
        group.MapGet("/deeds/{id:guid}", GetDeedAsync).RequireAuthorization(AccessPolicies.RegistryReaders)
            .WithSummary("A lodged deed: who signed it and when, and where its content and signature are.");
        group.MapGet("/deeds/{id:guid}/signature", GetSignatureAsync).RequireAuthorization(AccessPolicies.RegistryReaders)
            .WithSummary("The deed's detached CMS signature (DER).");
        group.MapGet("/contents/{sha256}", GetContentAsync).RequireAuthorization(AccessPolicies.RegistryReaders)
            .WithSummary("Stored content by its SHA-256.");
        group.MapGet("/scans", SearchScansAsync).RequireAuthorization(AccessPolicies.RegistryReaders)
            .WithSummary("Searches the index of scanned paper deeds: book, page, party (part of a name), upi, from, to (dates), limit.");
    }

    private static async Task<Created<IssuedCertificate>> IssueCertificateAsync(CertificateRequestBody body, NotaryAuthority authority, ClaimsPrincipal caller, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.Csr) || body.Csr.Length > 64 * 1024)
        {
            throw new InvalidParameterException("csr", "csr-format", "csr is a PEM PKCS#10 certificate request (-----BEGIN CERTIFICATE REQUEST-----).");
        }

        var issued = await authority.IssueAsync(body.Csr, NotaryId(caller), caller.Identity?.Name ?? NotaryId(caller), ct);
        return TypedResults.Created($"/api/documents/notary-certificates/{issued.SerialNumber}", issued);
    }

    private static async Task<Created<DeedView>> LodgeDeedAsync(HttpRequest request, NotaryAuthority authority, DocumentsStore db, TimeProvider clock, ClaimsPrincipal caller, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            throw new InvalidParameterException("file", "deed-missing", "Send multipart/form-data with the deed in file and its signature in signature.");
        }

        var form = await request.ReadFormAsync(ct);
        var file = form.Files.GetFile("file") ?? throw new InvalidParameterException("file", "deed-missing", "The deed goes in the field file.");
        var signatureFile = form.Files.GetFile("signature") ?? throw new InvalidParameterException("signature", "deed-signature-missing", "The detached CMS signature goes in the field signature.");
        if (file.Length is 0 or > MaxDeedBytes)
        {
            throw new InvalidParameterException("file", "deed-size", "A deed has 1 byte to 20 MiB.");
        }

        if (signatureFile.Length is 0 or > MaxSignatureBytes)
        {
            throw new InvalidParameterException("signature", "deed-signature-size", "A signature has 1 byte to 256 KiB.");
        }

        var content = await ReadAsync(file, ct);
        if (ContentAddress.Sniff(content) != "application/pdf")
        {
            throw new InvalidParameterException("file", "deed-file-type", "A deed is lodged as a PDF.");
        }

        string? upi = form["parcelUpi"].ToString() is { Length: > 0 } u ? ParcelIdentifier.Parse(u, "parcelUpi") : null;
        var reference = form["reference"].ToString() is { Length: > 0 } r ? r : null;
        if (reference is { Length: > 100 })
        {
            throw new InvalidParameterException("reference", "reference-length", "reference has at most 100 characters.");
        }

        var signature = await ReadAsync(signatureFile, ct);
        var now = clock.GetUtcNow();
        var signer = await authority.VerifyAsync(content, signature, now, ct);
        if (signer.NotaryUserId != NotaryId(caller))
        {
            throw new InvalidParameterException("signature", "deed-signer-not-caller", "The deed is signed with another notary's certificate; a notary lodges what they signed.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var contentSha = await ContentAddress.PutAsync(db, content, "application/pdf", now, ct);
        var signatureSha = await ContentAddress.PutAsync(db, signature, "application/pkcs7-signature", now, ct);
        var deed = new SignedDeed
        {
            Id = Guid.CreateVersion7(),
            ContentSha256 = contentSha,
            SignatureSha256 = signatureSha,
            SignerSerialNumber = signer.SerialNumber,
            SignerSubject = signer.Subject,
            LodgedBy = caller.Identity?.Name ?? signer.NotaryUserId,
            LodgedAt = now,
            SignedAt = signer.SignedAt,
            Reference = reference,
            ParcelUpi = upi,
            FileName = Path.GetFileName(file.FileName),
        };
        db.Deeds.Add(deed);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.Created($"/api/documents/deeds/{deed.Id}", View(deed));
    }

    private static async Task<Ok<DeedView>> GetDeedAsync(Guid id, DocumentsStore db, CancellationToken ct) =>
        TypedResults.Ok(View(await db.Deeds.SingleOrDefaultAsync(d => d.Id == id, ct) ?? throw new ResourceNotFoundException("deed-unknown", $"No deed {id}.")));

    private static async Task<IResult> GetSignatureAsync(Guid id, DocumentsStore db, CancellationToken ct)
    {
        var deed = await db.Deeds.SingleOrDefaultAsync(d => d.Id == id, ct) ?? throw new ResourceNotFoundException("deed-unknown", $"No deed {id}.");
        var signature = await db.Contents.SingleAsync(c => c.Sha256 == deed.SignatureSha256, ct);
        return Results.File(signature.Content, "application/pkcs7-signature", Path.GetFileNameWithoutExtension(deed.FileName) + ".p7s");
    }

    private static async Task<IResult> GetContentAsync(string sha256, DocumentsStore db, CancellationToken ct)
    {
        if (sha256.Length != 64 || !sha256.All(Uri.IsHexDigit))
        {
            throw new InvalidParameterException("sha256", "sha256-format", "A content address is 64 hexadecimal digits.");
        }

        var content = await db.Contents.AsNoTracking().SingleOrDefaultAsync(c => c.Sha256 == sha256.ToLowerInvariant(), ct)
            ?? throw new ResourceNotFoundException("content-unknown", $"No content {sha256}.");
        return Results.File(content.Content, content.MediaType, entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{content.Sha256}\""));
    }

    private static async Task<Ok<List<ScanView>>> SearchScansAsync(int? book, int? page, string? party, string? upi, string? from, string? to, int? limit, DocumentsStore db, CancellationToken ct)
    {
        var query = db.Scans.AsNoTracking();
        if (book is not null)
        {
            query = query.Where(s => s.Book == book);
        }

        if (page is not null)
        {
            query = query.Where(s => s.Page == page);
        }

        if (!string.IsNullOrWhiteSpace(party))
        {
            if (party.Trim().Length < 3)
            {
                throw new InvalidParameterException("party", "party-length", "party needs at least 3 characters of a name.");
            }

            var pattern = "%" + party.Trim().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
            query = query.Where(s => EF.Functions.ILike(s.Parties, pattern));
        }

        if (!string.IsNullOrWhiteSpace(upi))
        {
            var parsed = ParcelIdentifier.Parse(upi, "upi");
            query = query.Where(s => s.ParcelUpi == parsed);
        }

        if (ParseDate(from, "from") is { } since)
        {
            query = query.Where(s => s.RecordedOn >= since);
        }

        if (ParseDate(to, "to") is { } until)
        {
            query = query.Where(s => s.RecordedOn <= until);
        }

        if (limit is < 1 or > 1000)
        {
            throw new InvalidParameterException("limit", "limit-range", "limit is 1 to 1000.");
        }

        var scans = await query.OrderBy(s => s.Book).ThenBy(s => s.Page).Take(limit ?? 100).ToListAsync(ct);
        return TypedResults.Ok(scans.Select(s => new ScanView(s.Id, s.Book, s.Page, s.RecordedOn, s.Parties, s.ParcelUpi, s.FileName, s.ContentSha256,
            $"/api/documents/contents/{s.ContentSha256}")).ToList());
    }

    private static DateOnly? ParseDate(string? text, string parameter) =>
        string.IsNullOrWhiteSpace(text) ? null
        : DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date
        : throw new InvalidParameterException(parameter, "date-format", $"{parameter} is a date written yyyy-MM-dd.");

    private static DeedView View(SignedDeed d) => new(d.Id, d.ContentSha256, $"/api/documents/contents/{d.ContentSha256}", $"/api/documents/deeds/{d.Id}/signature",
        d.SignerSerialNumber, d.SignerSubject, d.SignedAt, d.LodgedAt, d.Reference, d.ParcelUpi, d.FileName);

    private static string NotaryId(ClaimsPrincipal caller) =>
        caller.FindFirstValue(Claims.Subject) ?? throw new InvalidOperationException("A signed-in notary has a subject claim.");

    private static async Task<byte[]> ReadAsync(IFormFile file, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, ct);
        return buffer.ToArray();
    }
}
