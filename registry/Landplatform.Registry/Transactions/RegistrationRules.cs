using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Documents;
using Landplatform.Registry.Data;

namespace Landplatform.Registry.Transactions;

/// <summary>
/// Examination: every rule a transaction must pass before it registers, checked against the title as read
/// (<see cref="TitleReads"/>). The examiner runs them once; registration runs them again under the title's lock,
/// priority included, so a register that changed since examination is judged as it now stands.
/// </summary>
internal sealed class RegistrationRules(RegistryDbContext db, RegistryLinks links, TimeProvider clock)
{
    // A subdivision or merge carries every caveat to the title of each new parcel, so the caveator keeps the protection over all the land.
    internal static readonly TransactionKind[] BlockedByCaveat = [TransactionKind.Transfer, TransactionKind.Mortgage];

    /// <summary>
    /// Every rule a transaction must pass before it registers; the first that fails is thrown with its id.
    /// Registration reads the title under its lock, and only then is priority checked.
    /// </summary>
    public async Task CheckAsync(RegistryTransaction transaction, Lodgement instrument, TitleState state, bool registering, CancellationToken ct)
    {
        var titleNumber = transaction.TitleNumber!;
        var title = state.Title;
        if (title.ClosedAt is not null)
        {
            throw new DomainRuleViolationException("R-TITLE", $"Title {titleNumber} was closed on {title.ClosedAt:yyyy-MM-dd}; nothing more registers on it.");
        }

        if (transaction.InstrumentDate > Today())
        {
            throw new DomainRuleViolationException("R-DATE", $"The instrument is dated {transaction.InstrumentDate:yyyy-MM-dd}, a date still in the future.");
        }

        if (registering)
        {
            Priority.Check(titleNumber, state);
        }

        var current = state.Current;
        var caveat = current.FirstOrDefault(r => r.Kind == RightKind.Caveat);
        if (caveat is not null && BlockedByCaveat.Contains(transaction.Kind))
        {
            throw new DomainRuleViolationException("R-CAVEAT",
                $"Caveat {caveat.Id} on title {titleNumber} forbids any {TransactionDesk.KindName(transaction.Kind)} until it is withdrawn.");
        }

        switch (transaction.Kind)
        {
            case TransactionKind.Transfer or TransactionKind.Mortgage:
                CheckGrantors(titleNumber, instrument.Grantors ?? [], state.Owners);
                break;
            case TransactionKind.Discharge or TransactionKind.CaveatWithdrawal:
                var wanted = transaction.Kind == TransactionKind.Discharge ? RightKind.Mortgage : RightKind.Caveat;
                if (!current.Any(r => r.Id == instrument.RightId && r.Kind == wanted))
                {
                    throw new DomainRuleViolationException("R-RIGHT",
                        $"Right {instrument.RightId} is not a registered {RegistryDbContext.SnakeCase(wanted.ToString())} in force on title {titleNumber}.");
                }

                break;
            case TransactionKind.Subdivision or TransactionKind.Merge:
                if (state.Children.Count == 0 && state.MergedInto is null)
                {
                    throw new DomainRuleViolationException("R-SURVEY",
                        $"Parcel {string.Join(", ", state.Parcels)} of title {titleNumber} has not been {(transaction.Kind == TransactionKind.Merge ? "merged" : "subdivided")} by an approved survey: the fabric holds no current children of it.");
                }

                if (state.MergedInto is { } into && into.Owners != TitleState.OwnersKey(current))
                {
                    throw new DomainRuleViolationException("R-MERGE",
                        $"Title {titleNumber} and title {into.TitleNumber}, which the merge made, have different registered owners or shares: titles merge only under the same owners.");
                }

                break;
        }

        if (transaction.Kind is TransactionKind.Transfer or TransactionKind.Rectification &&
            !Share.SumToOne((instrument.Grantees ?? []).Select((g, i) => Share.Parse(g.Share, $"grantees[{i}].share"))))
        {
            throw new DomainRuleViolationException("R-SHARES", "The new owners' shares must add up to exactly one.");
        }

        // The Alien Land-Holding Licence: a grantee who is not a citizen holds one for the title's parcels, in force today.
        if (transaction.Kind == TransactionKind.Transfer)
        {
            await AlienLicences.CheckAsync(db, instrument, state.Parcels, Today(), ct);
        }

        var attached = state.Documents.Select(d => d.Kind).Distinct().ToList();
        if (transaction.Kind == TransactionKind.Rectification)
        {
            ConsentRules.CheckRectification(instrument, attached, caveat is not null, Today(), links.RectificationNoticeDays);
        }

        if (transaction.Kind == TransactionKind.Transfer && instrument.Reason == "inheritance" && (instrument.Grantors ?? []).Any(g => g.Deceased != true))
        {
            throw new DomainRuleViolationException("R-DEATH", "A transmission on death registers only when the civil registry recorded each grantor's death at lodgement.");
        }

        var missing = ConsentRules.RequiredDocuments(transaction.Kind, instrument.Reason, current.Any(r => r.Kind == RightKind.Mortgage))
            .Where(required => !attached.Any(a => ConsentRules.Satisfies(a, required))).ToList();
        if (missing.Count > 0)
        {
            throw new DomainRuleViolationException("R-DOCS",
                $"A {TransactionDesk.KindName(transaction.Kind)} needs {string.Join(" and ", missing)} attached before it can register.");
        }

        // The deed is checked again: content, signature (as of its receipt), binding to this transaction and its lodger.
        if (links.Deeds is { } deeds)
        {
            foreach (var deed in state.Documents.Where(d => d.Kind == "deed").Select(d => d.Sha256).Distinct())
            {
                await VerifyDeedAsync(deeds, deed, transaction, ct);
            }
        }
    }

    /// <summary>
    /// A deed counts for a transaction when its signature verifies (by a certificate not revoked when the platform
    /// received it), it names the transaction in what was signed, and the notary who lodged the transaction lodged it.
    /// </summary>
    internal static async Task<DeedVerification> VerifyDeedAsync(ISignedDeeds deeds, string sha256, RegistryTransaction transaction, CancellationToken ct)
    {
        var verified = await deeds.VerifyAsync(sha256, transaction.Id.ToString(), ct);
        if (!verified.Verified)
        {
            throw new DomainRuleViolationException("R-DOCS", verified.Failure ?? $"Deed {sha256} does not verify.");
        }

        if (verified.LodgedBy is { } deedLodger && !string.Equals(deedLodger, transaction.LodgedBy, StringComparison.Ordinal))
        {
            throw new DomainRuleViolationException("R-DOCS",
                $"Deed {verified.DeedId} was signed and lodged by {deedLodger}, not by {transaction.LodgedBy}, who lodged this transaction: a notary attaches only deeds they signed for it.");
        }

        return verified;
    }

    /// <summary>
    /// Every grantor must be a registered owner, and every registered owner a grantor. A grantor is matched the
    /// way the register finds a party: by party id, else by UIN (unique), else by registration number (unique).
    /// </summary>
    private static void CheckGrantors(string titleNumber, IReadOnlyList<PartyReference> grantors, IReadOnlyList<OwnerShare> owners)
    {
        if (GrantorsFailure(titleNumber, grantors, owners) is { } failure)
        {
            throw new DomainRuleViolationException("R-OWNER", failure);
        }
    }

    /// <summary>Why the grantors are not exactly the registered owners (R-OWNER), or null when they are.</summary>
    internal static string? GrantorsFailure(string titleNumber, IReadOnlyList<PartyReference> grantors, IReadOnlyList<OwnerShare> owners)
    {
        var signing = new HashSet<long>();
        foreach (var grantor in grantors)
        {
            var owner = owners.FirstOrDefault(o =>
                grantor.PartyId is { } id ? o.PartyId == id
                : grantor.Uin is { } uin ? o.Uin == uin
                : o.RegistrationNumber == grantor.RegistrationNumber);
            if (owner is null)
            {
                return $"{TransactionDesk.Describe(grantor)} is not a registered owner of title {titleNumber}: only its registered owners can transfer or mortgage it.";
            }

            signing.Add(owner.PartyId);
        }

        var absent = owners.Where(o => !signing.Contains(o.PartyId)).DistinctBy(o => o.PartyId).Select(o => o.Name).ToList();
        return absent.Count > 0
            ? $"Registered owner(s) {string.Join(", ", absent)} of title {titleNumber} did not sign: every registered owner must be a grantor."
            : null;
    }

    private DateOnly Today() => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
}
