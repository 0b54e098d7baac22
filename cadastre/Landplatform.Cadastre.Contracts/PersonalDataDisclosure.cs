using System.Security.Claims;

namespace Landplatform.Cadastre.Contracts;

/// <summary>What one caller may see of one person.</summary>
public sealed record PersonView(bool Name, bool Identifiers, bool ContactDetails)
{
    public static PersonView Everything { get; } = new(true, true, true);
}

/// <summary>
/// The platform's one rule for showing persons (identity implements it), so modules that return
/// persons — the registry — ask the same rule without depending on identity.
/// </summary>
public interface IPersonalDataDisclosure
{
    /// <param name="caller">The caller; unauthenticated for the public.</param>
    /// <param name="subjectUin">The UIN of the person shown, when there is one.</param>
    PersonView For(ClaimsPrincipal caller, string? subjectUin);
}
