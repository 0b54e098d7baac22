using System.Security.Claims;
using Landplatform.Cadastre.Contracts;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace Landplatform.Integrations.Identity;

/// <summary>
/// The single rule for showing persons: every endpoint that returns a person asks it, so the public
/// sees the same thing through the API, OGC services and tiles.
/// </summary>
public sealed class PersonalDataDisclosure(IOptions<DisclosureOptions> options) : IPersonalDataDisclosure
{
    private static readonly string[] RegistryStaff =
        [PlatformRoles.Registrar, PlatformRoles.Examiner, PlatformRoles.Notary, PlatformRoles.Administrator, PlatformRoles.TaxOfficer];

    /// <param name="caller">The caller; unauthenticated for the public.</param>
    /// <param name="subjectUin">The UIN of the person shown, when there is one.</param>
    public PersonView For(ClaimsPrincipal caller, string? subjectUin)
    {
        if (caller.Identity?.IsAuthenticated != true)
        {
            var o = options.Value;
            return new PersonView(o.AnonymousSeeOwnerNames, o.AnonymousSeeIdentifiers, o.AnonymousSeeContactDetails);
        }

        if (RegistryStaff.Any(caller.IsInRole) || caller.HasScope(PlatformScopes.RegistryRead))
        {
            return PersonView.Everything;
        }

        var own = subjectUin is not null && caller.FindFirst(PlatformClaims.Uin)?.Value == subjectUin;
        return own ? PersonView.Everything : new PersonView(true, false, false);
    }
}

/// <summary>Claims the platform adds to tokens beyond the OpenID Connect standard ones.</summary>
public static class PlatformClaims
{
    public const string Uin = Landplatform.Cadastre.Contracts.AccessPolicyNames.UinClaim;
    public const string LicenceNumber = "licence_number";
}
