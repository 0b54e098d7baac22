using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Landplatform.Cadastre.Contracts;
using Landplatform.Integrations.Security;
using Microsoft.EntityFrameworkCore;

namespace Landplatform.Integrations.Documents;

/// <summary>A certificate issued to a notary.</summary>
public sealed record IssuedCertificate(string SerialNumber, string Subject, string CertificatePem, DateTimeOffset NotAfter);

/// <summary>A revoked notary certificate, as the published revocation list shows it.</summary>
public sealed record CertificateRevocation(string SerialNumber, string Subject, DateTimeOffset RevokedAt, string? Reason);

/// <summary>Who signed a deed, as its verified signature says.</summary>
public sealed record DeedSigner(string SerialNumber, string Subject, string NotaryUserId, DateTimeOffset? SignedAt);

/// <summary>
/// The platform's certification authority for notaries: it issues each notary a signing certificate for
/// a key the notary holds (from a PKCS#10 request), and checks deeds' detached CMS (PKCS#7) signatures
/// against it. The CA certificate is public, so anyone can verify a deed offline, e.g. with
/// <c>openssl cms -verify -binary -inform DER -in deed.p7s -content deed.pdf -CAfile authority.pem</c>.
/// </summary>
public sealed class NotaryAuthority(DocumentsStore db, TimeProvider clock, KeyMaterialProtector protector)
{
    /// <summary>What the CA's private key is protected for in <c>documents.authority.private_key_pem</c>.</summary>
    public const string KeyPurpose = "documents.authority.private_key_pem";

    private static readonly Oid EmailProtection = new("1.3.6.1.5.5.7.3.4");

    /// <summary>The CA certificate, created on first use and kept in <c>documents.authority</c>.</summary>
    public async Task<X509Certificate2> CertificateAsync(CancellationToken ct) => X509Certificate2.CreateFromPem((await AuthorityAsync(ct)).CertificatePem);

    public async Task<string> CertificatePemAsync(CancellationToken ct) => (await AuthorityAsync(ct)).CertificatePem;

    /// <summary>Issues a certificate for the key in a PKCS#10 request; the subject comes from the notary's account, never from the request.</summary>
    public async Task<IssuedCertificate> IssueAsync(string csrPem, string notaryUserId, string notaryName, CancellationToken ct)
    {
        CertificateRequest request;
        try
        {
            request = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new InvalidParameterException("csr", "csr-format", $"csr must be a PEM PKCS#10 certificate request signed by its own key: {e.Message}");
        }

        var algorithm = request.PublicKey.Oid.Value;
        if (algorithm is not ("1.2.840.113549.1.1.1" or "1.2.840.10045.2.1"))
        {
            throw new InvalidParameterException("csr", "csr-key", "The key must be RSA (2048 bits or more) or ECDSA.");
        }

        if (algorithm == "1.2.840.113549.1.1.1" && (request.PublicKey.GetRSAPublicKey()?.KeySize ?? 0) < 2048)
        {
            throw new InvalidParameterException("csr", "csr-key", "An RSA key must have at least 2048 bits.");
        }

        var authority = await AuthorityAsync(ct);
        using var caCertificate = X509Certificate2.CreateFromPem(authority.CertificatePem);
        using var caKey = RSA.Create();
        caKey.ImportFromPem(protector.Reveal(KeyPurpose, authority.PrivateKeyPem));

        var subject = new X500DistinguishedNameBuilder();
        subject.AddCountryOrRegion("VC");
        subject.AddOrganizationName("Landplatform notaries");
        subject.AddCommonName(notaryName);
        subject.Add("2.5.4.5", notaryUserId, UniversalTagNumber.PrintableString);
        var issued = new CertificateRequest(subject.Build(), request.PublicKey, HashAlgorithmName.SHA256);
        issued.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        issued.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, true));
        issued.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([EmailProtection], false));
        issued.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(issued.PublicKey, false));
        issued.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(caCertificate, true, false));
        var now = clock.GetUtcNow();
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var certificate = issued.Create(caCertificate.SubjectName, X509SignatureGenerator.CreateForRSA(caKey, RSASignaturePadding.Pkcs1),
            now.AddMinutes(-5), now.AddYears(2), serial);
        var record = new NotaryCertificate
        {
            SerialNumber = certificate.SerialNumber,
            NotaryUserId = notaryUserId,
            Subject = certificate.Subject,
            Thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256),
            Certificate = certificate.RawData,
            IssuedAt = now,
            NotAfter = certificate.NotAfter.ToUniversalTime(),
        };
        db.Certificates.Add(record);
        await db.SaveChangesAsync(ct);
        return new IssuedCertificate(record.SerialNumber, record.Subject, certificate.ExportCertificatePem(), record.NotAfter);
    }

    /// <summary>
    /// Checks a detached CMS signature over the content: the signature is intact, the signer's certificate
    /// chains to our CA, is one we issued, and was valid and not revoked when the platform received the deed.
    /// The signing time the signer wrote into the signature is the signer's claim, so it decides nothing:
    /// a deed signed after its certificate's revocation and backdated is still received after it.
    /// </summary>
    public async Task<DeedSigner> VerifyAsync(byte[] content, byte[] signature, DateTimeOffset receivedAt, CancellationToken ct)
    {
        var cms = new SignedCms(new ContentInfo(content), detached: true);
        try
        {
            cms.Decode(signature);
        }
        catch (CryptographicException e)
        {
            throw new InvalidParameterException("signature", "deed-signature-format", $"The signature is not a DER CMS (PKCS#7) SignedData: {e.Message}");
        }

        if (cms.SignerInfos.Count != 1)
        {
            throw new InvalidParameterException("signature", "deed-signature-signers", "A deed carries exactly one notary's signature.");
        }

        var signer = cms.SignerInfos[0];
        try
        {
            signer.CheckSignature(verifySignatureOnly: true);
        }
        catch (CryptographicException)
        {
            throw new InvalidParameterException("signature", "deed-signature", "The signature does not match this file: the deed was altered after signing, or signed by another key.");
        }

        var certificate = signer.Certificate
            ?? throw new InvalidParameterException("signature", "deed-signature-certificate", "The signature does not carry the signer's certificate.");
        DateTimeOffset? signedAt = null;
        foreach (var attribute in signer.SignedAttributes)
        {
            if (attribute.Oid.Value == "1.2.840.113549.1.9.5" && attribute.Values.Count > 0)
            {
                signedAt = new Pkcs9SigningTime(attribute.Values[0].RawData).SigningTime.ToUniversalTime();
            }
        }

        using var ca = await CertificateAsync(ct);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = receivedAt.UtcDateTime;
        if (!chain.Build(certificate))
        {
            var why = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0));
            throw new InvalidParameterException("signature", "deed-signer-untrusted", $"The signer's certificate was not issued by the platform's notary CA, or was not valid then ({why}).");
        }

        var serial = certificate.SerialNumber;
        var record = await db.Certificates.SingleOrDefaultAsync(c => c.SerialNumber == serial, ct)
            ?? throw new InvalidParameterException("signature", "deed-signer-untrusted", "The signer's certificate is not one the platform issued.");
        if (record.RevokedAt is { } revoked && revoked <= receivedAt)
        {
            throw new InvalidParameterException("signature", "deed-signer-revoked",
                $"The signer's certificate was revoked on {revoked:yyyy-MM-dd HH:mm:ss} UTC, before the platform received this deed ({receivedAt:yyyy-MM-dd HH:mm:ss} UTC), whatever signing time the signature claims.");
        }

        return new DeedSigner(record.SerialNumber, record.Subject, record.NotaryUserId, signedAt);
    }

    /// <summary>
    /// Revokes a notary's certificate from now on, with the reason: deeds the platform receives from this moment
    /// are refused; deeds received before stay as good as they were. Revoking twice keeps the first revocation.
    /// </summary>
    public async Task<CertificateRevocation> RevokeAsync(string serialNumber, string? reason, string revokedBy, CancellationToken ct)
    {
        var why = reason?.Trim();
        if (string.IsNullOrEmpty(why) || why.Length > 500)
        {
            throw new InvalidParameterException("reason", "revocation-reason", "Give the reason for the revocation (1 to 500 characters), e.g. key compromised or notary struck off.");
        }

        var serial = serialNumber.Trim().ToUpperInvariant();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var record = await db.Certificates.FromSqlInterpolated($"SELECT * FROM documents.notary_certificates WHERE serial_number = {serial} FOR UPDATE").SingleOrDefaultAsync(ct)
            ?? throw new ResourceNotFoundException("certificate-unknown", $"The platform issued no notary certificate with serial number {serial}.");
        if (record.RevokedAt is null)
        {
            var now = clock.GetUtcNow();
            record.RevokedAt = now;
            await db.SaveChangesAsync(ct);
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"INSERT INTO documents.certificate_revocations (serial_number, revoked_at, reason, revoked_by) VALUES ({serial}, {now}, {why}, {revokedBy})", ct);
        }

        await transaction.CommitAsync(ct);
        return (await RevocationsAsync(ct)).Single(r => r.SerialNumber == serial);
    }

    /// <summary>Every revoked notary certificate, oldest revocation first: the published revocation list.</summary>
    public async Task<IReadOnlyList<CertificateRevocation>> RevocationsAsync(CancellationToken ct)
    {
        var rows = await db.Database.SqlQuery<CertificateRevocation>($"""
            SELECT c.serial_number AS "SerialNumber", c.subject AS "Subject", c.revoked_at AS "RevokedAt", r.reason AS "Reason"
            FROM documents.notary_certificates c LEFT JOIN documents.certificate_revocations r ON r.serial_number = c.serial_number
            WHERE c.revoked_at IS NOT NULL
            """).ToListAsync(ct);
        return rows.OrderBy(r => r.RevokedAt).ThenBy(r => r.SerialNumber, StringComparer.Ordinal).ToList();
    }

    /// <summary>The revocation list as an X.509 CRL (DER) signed by the notary CA, for tools that check certificates offline.</summary>
    public async Task<byte[]> RevocationListAsync(CancellationToken ct)
    {
        var revocations = await RevocationsAsync(ct);
        var authority = await AuthorityAsync(ct);
        using var caCertificate = X509Certificate2.CreateFromPem(authority.CertificatePem);
        using var caKey = RSA.Create();
        caKey.ImportFromPem(protector.Reveal(KeyPurpose, authority.PrivateKeyPem));
        using var signing = caCertificate.CopyWithPrivateKey(caKey);
        var builder = new CertificateRevocationListBuilder();
        foreach (var revocation in revocations)
        {
            builder.AddEntry(Convert.FromHexString(revocation.SerialNumber), revocation.RevokedAt, X509RevocationReason.Unspecified);
        }

        var now = clock.GetUtcNow();
        // The CRL number only grows: the count of revocations never falls, and the time breaks ties.
        var number = new System.Numerics.BigInteger(now.ToUnixTimeSeconds()) * 100_000 + revocations.Count;
        return builder.Build(signing, number, now.AddDays(1), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, now);
    }

    private async Task<SigningAuthority> AuthorityAsync(CancellationToken ct)
    {
        if (await db.Authorities.AsNoTracking().SingleOrDefaultAsync(a => a.Id == 1, ct) is { } stored)
        {
            return stored;
        }

        using var key = RSA.Create(3072);
        var name = new X500DistinguishedNameBuilder();
        name.AddCountryOrRegion("VC");
        name.AddOrganizationName("Landplatform");
        name.AddCommonName("Landplatform Notary CA");
        var request = new CertificateRequest(name.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = clock.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(20));
        var created = new SigningAuthority { Id = 1, CertificatePem = certificate.ExportCertificatePem(), PrivateKeyPem = key.ExportPkcs8PrivateKeyPem(), CreatedAt = now };

        // Several instances may start at once: the first stored authority wins and every instance uses it.
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO documents.authority (id, certificate_pem, private_key_pem, created_at) VALUES (1, {created.CertificatePem}, {protector.Protect(KeyPurpose, created.PrivateKeyPem)}, {now}) ON CONFLICT (id) DO NOTHING", ct);
        return await db.Authorities.AsNoTracking().SingleAsync(a => a.Id == 1, ct);
    }
}
