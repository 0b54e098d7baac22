using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Documents;
using Microsoft.EntityFrameworkCore;

namespace Landplatform.Integrations.Documents;

/// <summary>
/// The documents module's answer to <see cref="ISignedDeeds"/>: the deed lodged with this content, its
/// stored detached signature checked again now (intact, chained to our CA, our certificate, not revoked).
/// A scanned paper deed or any other stored content is not a signed deed.
/// </summary>
public sealed class DeedVerifier(DocumentsStore db, NotaryAuthority authority) : ISignedDeeds
{
    public async Task<DeedVerification> VerifyAsync(string sha256, string? transactionReference, CancellationToken ct)
    {
        var address = (sha256 ?? string.Empty).Trim().ToLowerInvariant();
        if (address.Length != 64 || !address.All(Uri.IsHexDigit))
        {
            return DeedVerification.Refused(address, "A deed is named by its SHA-256: 64 hexadecimal digits.");
        }

        var deeds = await db.Deeds.AsNoTracking().Where(d => d.ContentSha256 == address).OrderByDescending(d => d.LodgedAt).ToListAsync(ct);
        if (deeds.Count == 0)
        {
            return DeedVerification.Refused(address, $"No signed deed with SHA-256 {address} was lodged with the documents module (POST /api/documents/deeds); an unsigned or scanned document is not a deed.");
        }

        string? failure = null;
        foreach (var deed in deeds)
        {
            var content = await db.Contents.AsNoTracking().Where(c => c.Sha256 == deed.ContentSha256).Select(c => c.Content).SingleAsync(ct);
            var signature = await db.Contents.AsNoTracking().Where(c => c.Sha256 == deed.SignatureSha256).Select(c => c.Content).SingleAsync(ct);
            try
            {
                var signer = await authority.VerifyAsync(content, signature, deed.LodgedAt, ct);
                if (transactionReference is not null && !DeedBinding.Names(content, transactionReference))
                {
                    failure = $"Deed {deed.Id} does not name registry transaction {transactionReference}: a deed states the transaction it is for (its id, in the text or the document properties) before it is signed, so it cannot be used for another.";
                    continue;
                }

                return new DeedVerification(address, true, null, deed.Id, signer.Subject, signer.SerialNumber, signer.SignedAt)
                {
                    LodgedBy = deed.LodgedBy, ReceivedAt = deed.LodgedAt,
                };
            }
            catch (InvalidParameterException e)
            {
                failure = $"The signature of deed {deed.Id} does not verify: {e.Message}";
            }
        }

        return DeedVerification.Refused(address, failure!);
    }
}
