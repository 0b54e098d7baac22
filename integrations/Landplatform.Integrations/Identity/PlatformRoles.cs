namespace Landplatform.Integrations.Identity;

/// <summary>The roles people hold on the platform. Anonymous visitors (the public) hold none.</summary>
public static class PlatformRoles
{
    public const string Citizen = "citizen";
    public const string Surveyor = "surveyor";
    public const string Notary = "notary";
    public const string Examiner = "examiner";
    public const string Registrar = "registrar";
    public const string Planner = "planner";
    public const string TaxOfficer = "tax-officer";
    public const string PermitOfficer = "permit-officer";
    public const string Administrator = "administrator";

    public static IReadOnlyList<string> All { get; } =
        [Citizen, Surveyor, Notary, Examiner, Registrar, Planner, TaxOfficer, PermitOfficer, Administrator];
}

/// <summary>Scopes that machine clients (other agencies' systems, the payment gateway, customs) are granted.</summary>
public static class PlatformScopes
{
    public const string ParcelsRead = "parcels.read";
    public const string RegistryRead = "registry.read";
    public const string PaymentsNotify = "payments.notify";
    public const string CustomsRead = "customs.read";

    public static IReadOnlyList<string> All { get; } = [ParcelsRead, RegistryRead, PaymentsNotify, CustomsRead];
}

/// <summary>
/// The named authorization policies. Every endpoint names one of these, or is explicitly anonymous;
/// a test fails the build of any endpoint that does neither.
/// </summary>
public static class AccessPolicies
{
    /// <summary>Any signed-in person or machine client.</summary>
    public const string SignedIn = Landplatform.Cadastre.Contracts.AccessPolicyNames.SignedIn;

    public const string Administrators = "administrators";

    /// <summary>Who may register or reject what was lodged: registrars.</summary>
    public const string Registrars = Landplatform.Cadastre.Contracts.AccessPolicyNames.Registrars;

    /// <summary>Who may edit fabric features outside surveys (building footprints): registrars and administrators.</summary>
    public const string FabricEditors = "fabric-editors";

    /// <summary>Who may read the register with personal identifiers: registry staff and clients with registry.read.</summary>
    public const string RegistryReaders = Landplatform.Cadastre.Contracts.AccessPolicyNames.RegistryReaders;

    /// <summary>Who may issue and read invoices for fees: registry staff, notaries, tax and permit officers, administrators.</summary>
    public const string InvoiceIssuers = "invoice-issuers";

    /// <summary>Who may reconcile the ledger against the bank: tax officers and administrators.</summary>
    public const string FinanceOfficers = "finance-officers";

    /// <summary>Notaries, who hold signing certificates and lodge signed deeds.</summary>
    public const string Notaries = Landplatform.Cadastre.Contracts.AccessPolicyNames.Notaries;

    /// <summary>Who may make the year's property tax bills and read every bill: tax officers.</summary>
    public const string TaxOfficers = "tax-officers";

    /// <summary>Who may decide building permit applications and read them all: permit officers.</summary>
    public const string PermitOfficers = "permit-officers";

    /// <summary>The customs system (a machine client with scope customs.read).</summary>
    public const string CustomsReaders = "customs-readers";

    /// <summary>Who may revoke a notary's signing certificate: registrars and administrators.</summary>
    public const string CertificateRevokers = "certificate-revokers";

    /// <summary>Who keeps the register of deeds (records deeds, links them to parcels, stores their scans): registrars and examiners.</summary>
    public const string DeedsClerks = "deeds-clerks";

    /// <summary>Who may read the customs query audit: administrators.</summary>
    public const string CustomsAuditors = "customs-auditors";
}
