using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace Landplatform.Portal.Tests;

/// <summary>
/// What a notary's own signing software holds: an RSA key that never leaves it, the certificate request
/// the notary hands to the portal, and detached CMS signatures (SHA-256, signing time) made with the key and
/// the certificate the platform's notary CA issued for it — as <c>openssl cms -sign -binary -outform DER</c> makes them.
/// </summary>
public sealed class NotaryKey : IDisposable
{
    private readonly RSA key = RSA.Create(3072);

    public string CertificateRequestPem() =>
        new CertificateRequest("CN=notary", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();

    /// <summary>True when the certificate certifies this key.</summary>
    public bool Certifies(X509Certificate2 certificate) =>
        certificate.GetRSAPublicKey()!.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo());

    public byte[] Sign(byte[] content, X509Certificate2 certificate)
    {
        using var withKey = certificate.CopyWithPrivateKey(key);
        var cms = new SignedCms(new ContentInfo(content), detached: true);
        var signer = new CmsSigner(withKey) { IncludeOption = X509IncludeOption.EndCertOnly, DigestAlgorithm = new Oid("2.16.840.1.101.3.4.2.1") };
        signer.SignedAttributes.Add(new Pkcs9SigningTime(DateTime.UtcNow));
        cms.ComputeSignature(signer);
        return cms.Encode();
    }

    public void Dispose() => key.Dispose();
}
