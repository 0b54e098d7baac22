using Landplatform.Cadastre.Contracts;
using Landplatform.Registry.Data;

namespace Landplatform.Registry.Transactions;

/// <summary>Who lodges an instrument: a notary for a client, or the registrar correcting the register.</summary>
public enum Lodger
{
    Notary,
    Registrar,
}

/// <summary>
/// Whose consent, which document and which civil-registry facts each kind of instrument needs: the one place
/// these are decided. Each refusal names its rule (R-*) and is thrown before anything changes.
/// </summary>
public static class ConsentRules
{
    /// <summary>Days a registrar waits after serving notice on the registered proprietor before rectifying without a court order.</summary>
    public const int DefaultRectificationNoticeDays = 30;

    /// <summary>The reason of a subdivision or merge the registry lodges itself when a registrar approves a survey; never a notary's.</summary>
    public const string ApprovedSurvey = "approved-survey";

    /// <summary>Documents that prove a person's estate passed to someone entitled to deal with it.</summary>
    public static readonly IReadOnlyList<string> GrantsOfRepresentation = ["probate", "letters-of-administration"];

    /// <summary>A rectification changes the register without its owners' signature, so only the registrar lodges one; a notary lodges everything else.</summary>
    public static void CheckLodger(TransactionKind kind, Lodger lodger)
    {
        if (kind == TransactionKind.Rectification && lodger != Lodger.Registrar)
        {
            throw new ActionNotPermittedException("R-RECTIFY",
                "A rectification corrects the register without its owners' consent: only the registrar lodges one (POST /api/registry/rectifications), on a court order or after notice to the registered proprietor.");
        }

        if (kind != TransactionKind.Rectification && lodger == Lodger.Registrar)
        {
            throw new ActionNotPermittedException("R-RECTIFY",
                $"The registrar lodges rectifications only; a {TransactionDesk.KindName(kind)} is lodged by the notary acting for the parties.");
        }
    }

    /// <summary>The documents a registration needs: a deed for every dealing; a grant of representation for a transmission on death; the mortgagee's consent to transfer mortgaged land.</summary>
    public static IReadOnlyList<string> RequiredDocuments(TransactionKind kind, string? reason, bool mortgaged)
    {
        // The survey the registrar approved, recorded in the fabric and named in the instrument, stands in for a deed.
        if (kind is TransactionKind.Subdivision or TransactionKind.Merge && reason == ApprovedSurvey)
        {
            return [];
        }

        if (kind == TransactionKind.Rectification)
        {
            // The order or the registrar's decision after notice stands in for the owners' deed (CheckRectification).
            return [];
        }

        var required = new List<string> { "deed" };
        if (kind == TransactionKind.Transfer && reason == "inheritance")
        {
            required.Add("probate");
        }

        if (kind == TransactionKind.Transfer && mortgaged)
        {
            required.Add("consent");
        }

        return required;
    }

    /// <summary>A document kind satisfies a requirement: letters of administration prove an intestate estate as probate proves a will.</summary>
    public static bool Satisfies(string attached, string required) =>
        attached == required || (required == "probate" && GrantsOfRepresentation.Contains(attached));

    /// <summary>
    /// A rectification registers on a court order, or on the registrar's decision once the notice served on the
    /// registered proprietor has run its period; never over a registered caveat without an order.
    /// </summary>
    public static void CheckRectification(Lodgement instrument, IReadOnlyCollection<string> attachedKinds, bool caveated, DateOnly today, int noticeDays)
    {
        if (attachedKinds.Contains("court-order"))
        {
            return;
        }

        if (caveated)
        {
            throw new DomainRuleViolationException("R-CAVEAT",
                "A registered caveat protects an interest in this title: it is rectified over the caveat only on a court order (attach it as court-order).");
        }

        if (instrument.NoticeServedAt is not { } served)
        {
            throw new DomainRuleViolationException("R-NOTICE",
                "Without a court order the registrar rectifies only after notice to the registered proprietor: give noticeServedAt, the day notice was served.");
        }

        if (served.AddDays(noticeDays) > today)
        {
            throw new DomainRuleViolationException("R-NOTICE",
                $"Notice was served on {served:yyyy-MM-dd}; the proprietor has {noticeDays} days to answer, so the rectification can register from {served.AddDays(noticeDays):yyyy-MM-dd}, or at once on a court order.");
        }
    }

    /// <summary>A person the civil registry records as dead takes nothing: land passes to the estate's personal representatives.</summary>
    public static void CheckTaker(PartyReference checkedParty, string parameter)
    {
        if (checkedParty.Deceased == true)
        {
            throw new InvalidParameterException(parameter, "R-DECEASED",
                $"{checkedParty.Name ?? "This person"} is recorded in the civil registry as dead{(checkedParty.DateOfDeath is { } d ? $" since {d:yyyy-MM-dd}" : string.Empty)}: a deceased person cannot take land; name the estate's personal representatives.");
        }
    }

    /// <summary>
    /// A transmission on death needs each grantor's death recorded in the civil registry; any other dealing needs living grantors.
    /// <paramref name="checkedParty"/> carries the civil registry's answer, or none for an organisation.
    /// </summary>
    public static void CheckGrantor(string? reason, PartyReference checkedParty, bool isPerson, string parameter)
    {
        if (reason == "inheritance")
        {
            if (!isPerson || checkedParty.Deceased != true)
            {
                throw new InvalidParameterException(parameter, "R-DEATH",
                    $"{checkedParty.Name ?? "The grantor"} is not recorded in the civil registry as dead: an inheritance transmits a deceased owner's land, so the death must be registered first.");
            }

            return;
        }

        if (checkedParty.Deceased == true)
        {
            throw new InvalidParameterException(parameter, "R-DECEASED",
                $"{checkedParty.Name ?? "The grantor"} is recorded in the civil registry as dead: the land passes by transmission on death (reason inheritance), not by a {reason ?? "dealing"} signed in their name.");
        }
    }
}
