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

    /// <summary>The platform user who lodged the deed with the documents module (the notary whose certificate signed it).</summary>
    public string? LodgedBy { get; init; }

    /// <summary>When the platform received the deed: revocation is judged against this time, not the signer's claimed signing time.</summary>
    public DateTimeOffset? ReceivedAt { get; init; }
}

/// <summary>
/// Implemented by the documents module: checks, for another module (the registry at R-DOCS), that a deed
/// is one a notary lodged signed, and that its signature verifies against the platform's notary CA.
/// </summary>
public interface ISignedDeeds
{
    /// <param name="transactionReference">When given, the deed must name this registry transaction (its id) in what was signed.</param>
    Task<DeedVerification> VerifyAsync(string sha256, string? transactionReference, CancellationToken ct);
}
