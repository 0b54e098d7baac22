namespace Landplatform.Cadastre.Contracts.Documents;

/// <summary>What the documents module says of a deed the registry names by its SHA-256.</summary>
/// <param name="Sha256">The deed's content address (lower-case hex SHA-256), as asked.</param>
/// <param name="Verified">True when a signed deed with this content is stored and its CMS signature, by a notary certificate the platform's CA issued and had not revoked, holds now.</param>
/// <param name="Failure">Why not, in words a notary can act on (unknown content, not a deed, signature broken, certificate revoked); null when verified.</param>
public sealed record DeedVerification(
    string Sha256,
    bool Verified,
    string? Failure,
    Guid? DeedId,
    string? SignerSubject,
    string? SignerSerialNumber,
    DateTimeOffset? SignedAt)
{
    public static DeedVerification Refused(string sha256, string failure) => new(sha256, false, failure, null, null, null, null);
}

/// <summary>
/// Implemented by the documents module: checks, for another module (the registry at R-DOCS), that a deed
/// is one a notary lodged signed, and that its signature verifies against the platform's notary CA.
/// </summary>
public interface ISignedDeeds
{
    Task<DeedVerification> VerifyAsync(string sha256, CancellationToken ct);
}
