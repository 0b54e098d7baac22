namespace Landplatform.Cadastre.Contracts.Persons;

/// <summary>Who a party says they are: the UIN and, to match against the civil registry, name and date of birth.</summary>
public sealed record PersonClaim(string Uin, string Name, DateOnly? DateOfBirth);

/// <summary>A person as the civil registry confirmed them, in a signed answer checked on arrival.</summary>
/// <param name="Deceased">True when the registry records a death: the caller flags the party (a deceased owner's land passes by succession, not by transfer).</param>
public sealed record VerifiedPerson(string Uin, string Name, DateOnly? DateOfBirth, bool Deceased, DateOnly? DateOfDeath, DateTimeOffset CheckedAt)
{
    /// <summary>
    /// The registry's <c>citizen</c> claim: true for a citizen, false for a resident who is not one, null when the answer
    /// carries no such claim (then citizenship is not established: a buyer needs an Alien Land-Holding Licence).
    /// </summary>
    public bool? Citizen { get; init; }

    /// <summary>The <c>nationality</c> claim (ISO 3166-1 alpha-2) of a person who is not a citizen, when recorded.</summary>
    public string? Nationality { get; init; }
}

/// <summary>
/// Verifies a person against the national civil registry, e.g. when the registry creates a party.
/// Throws <see cref="InvalidParameterException"/> for a malformed or unregistered UIN (parameter <c>uin</c>)
/// or a name / date of birth that does not match (parameter <c>name</c> or <c>dateOfBirth</c>, rule
/// <c>civil-registry-mismatch</c>), and <see cref="UpstreamUnavailableException"/> when the registry
/// cannot be reached or its answer's signature does not hold; so a caller never creates a party
/// from an unverified answer.
/// </summary>
public interface IPersonRegistry
{
    Task<VerifiedPerson> VerifyAsync(PersonClaim claim, CancellationToken ct);
}
