namespace Landplatform.Cadastre.Contracts;

/// <summary>
/// Names of the authorization policies that module endpoints require. The identity module defines
/// what each means; modules name them without depending on identity.
/// </summary>
public static class AccessPolicyNames
{
    /// <summary>Licensed surveyors, who lodge surveys.</summary>
    public const string Surveyors = "surveyors";

    /// <summary>Any signed-in person or machine client (the identity module's policy of that name).</summary>
    public const string SignedIn = "signed-in";

    /// <summary>The claim carrying a signed-in person's UIN, as the identity module issues it.</summary>
    public const string UinClaim = "uin";

    /// <summary>Examiners, who examine lodged surveys and transactions.</summary>
    public const string Examiners = "examiners";

    /// <summary>Registrars, who approve and register.</summary>
    public const string Registrars = "registrars";

    /// <summary>Who may read lodged surveys: surveyors (their own), examiners, registrars, administrators.</summary>
    public const string SurveyReaders = "survey-readers";

    /// <summary>Who may reject a survey: examiners and registrars.</summary>
    public const string SurveyDeciders = "survey-deciders";

    /// <summary>Notaries, who lodge registry transactions for their clients.</summary>
    public const string Notaries = "notaries";

    /// <summary>Who may send a registry transaction back or reject it: examiners and registrars.</summary>
    public const string RegistryDeciders = "registry-deciders";

    /// <summary>Who may read the register with personal identifiers: registry staff and clients with registry.read.</summary>
    public const string RegistryReaders = "registry-readers";
}
