namespace Landplatform.Cadastre.Contracts.Deeds;

/// <summary>Something the chain of deeds shows: a break, a gap, a name variant or an unreleased mortgage.</summary>
/// <param name="Rule">no-good-root, missing-link, grantor-not-grantee, name-variant or unreleased-mortgage.</param>
/// <param name="Severity">error (the title is not proved by the deeds) or warning (to be explained).</param>
public sealed record ChainFinding(string Rule, string Severity, string? RegistrationNumber, string Message);

/// <summary>A mortgage recorded against the parcel that no recorded release discharges: the lenders as written and the sum.</summary>
public sealed record ChainMortgage(string RegistrationNumber, DateOnly RegisteredOn, IReadOnlyList<string> Mortgagees, decimal? Amount);

/// <summary>
/// The root of title of a parcel as the register of deeds proves it, for another module (the registry's first
/// registration): the root deed and the last deed of the chain, who holds the land now (the last grantees, as written),
/// the mortgages still unreleased, and every finding.
/// </summary>
public sealed record ChainOfDeeds(
    string Upi, string? RootDeed, string? LastDeed, IReadOnlyList<string> Holders, IReadOnlyList<ChainMortgage> UnreleasedMortgages,
    IReadOnlyList<ChainFinding> Findings, DateOnly AsOf);

/// <summary>Implemented by the register of deeds: builds a parcel's root of title from its linked deeds.</summary>
public interface IDeedsChains
{
    /// <summary>Throws <see cref="ResourceNotFoundException"/> (deeds-none) when no deed is linked to the parcel.</summary>
    Task<ChainOfDeeds> ChainAsync(string upi, CancellationToken ct);
}
