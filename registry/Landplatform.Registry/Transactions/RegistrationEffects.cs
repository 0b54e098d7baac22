using Landplatform.Cadastre.Contracts;
using Landplatform.Registry.Data;

namespace Landplatform.Registry.Transactions;

/// <summary>A title a registration opens over one parcel (a subdivision's child lot).</summary>
internal sealed record OpenedTitle(string TitleNumber, string Upi);

/// <summary>
/// What a registration does to the register: the rights it ends and creates, the titles it opens and closes, the
/// titles and parcels it touches, and the owners before and after. Decided once (<see cref="RegistrationEffects.Decide"/>),
/// written once (<see cref="RegistrationWrites"/>).
/// </summary>
internal sealed record RegistrationEffect(
    IReadOnlyList<long> Ended,
    IReadOnlyList<RegisteredRight> Added,
    IReadOnlyList<OpenedTitle> Opened,
    string? Closed,
    IReadOnlyList<string> Titles,
    IReadOnlyList<string> Parcels,
    IReadOnlyList<OwnerShare> PreviousOwners,
    IReadOnlyList<OwnerShare> NewOwners);

/// <summary>The one place that decides a registration's effects on the register, for every kind of transaction.</summary>
internal static class RegistrationEffects
{
    /// <summary>
    /// The parties an instrument brings onto the title (grantees of a transfer or rectification, the beneficiary of a
    /// mortgage or caveat); each must be in the register before <see cref="Decide"/> runs.
    /// </summary>
    public static IReadOnlyList<PartyReference> Takers(TransactionKind kind, Lodgement instrument) => kind switch
    {
        TransactionKind.Transfer or TransactionKind.Rectification => instrument.Grantees ?? [],
        TransactionKind.Mortgage or TransactionKind.Caveat => [instrument.Beneficiary!],
        _ => [],
    };

    /// <summary>
    /// Decides the effects of registering <paramref name="transaction"/> at <paramref name="at"/>, given the title as
    /// read under its lock (rules already passed, every taker in <see cref="TitleState.Parties"/>):
    /// a transfer or rectification ends the ownership in force and gives the grantees their shares; a mortgage or caveat
    /// adds the beneficiary's right; a discharge or caveat withdrawal ends the named right; a subdivision opens a title
    /// for each child parcel carrying every right in force forward, ends those rights on the parent and closes its title;
    /// a merge does the same for its first parent, and each later parent's rights other than ownership join that title.
    /// </summary>
    public static RegistrationEffect Decide(RegistryTransaction transaction, Lodgement instrument, TitleState state, DateTimeOffset at)
    {
        var title = state.Title.TitleNumber;
        RegisteredRight New(string on, RightKind kind, long party, Share share, decimal? amount, string? terms) => new()
        {
            TitleNumber = on, Kind = kind, PartyId = party, ShareNumerator = share.Numerator, ShareDenominator = share.Denominator,
            Amount = amount, Terms = terms, ValidFrom = at, CreatedByTransactionId = transaction.Id,
        };

        OwnerShare Taker(PartyReference reference) => state.Known(reference)
            ?? throw new InvalidOperationException($"{TransactionDesk.Describe(reference)} must be entered in the register before its rights are decided.");

        List<long> Ending(Func<RegisteredRight, bool> which) => [.. state.Current.Where(which).Select(r => r.Id)];

        switch (transaction.Kind)
        {
            case TransactionKind.Transfer or TransactionKind.Rectification:
            {
                var added = new List<RegisteredRight>();
                var owners = new List<OwnerShare>();
                for (var i = 0; i < instrument.Grantees!.Count; i++)
                {
                    var party = Taker(instrument.Grantees[i]);
                    var share = Share.Parse(instrument.Grantees[i].Share, $"grantees[{i}].share");
                    added.Add(New(title, RightKind.Ownership, party.PartyId, share, null, null));
                    owners.Add(party with { Share = share.ToString() });
                }

                return new RegistrationEffect(Ending(r => r.Kind == RightKind.Ownership), added, [], null, [title], state.Parcels, state.Owners, owners);
            }

            case TransactionKind.Mortgage or TransactionKind.Caveat:
            {
                var beneficiary = Taker(instrument.Beneficiary!);
                var right = transaction.Kind == TransactionKind.Mortgage
                    ? New(title, RightKind.Mortgage, beneficiary.PartyId, Share.Whole, instrument.Amount, instrument.Terms)
                    : New(title, RightKind.Caveat, beneficiary.PartyId, Share.Whole, null, instrument.Terms);
                return new RegistrationEffect([], [right], [], null, [title], state.Parcels, state.Owners, state.Owners);
            }

            case TransactionKind.Discharge or TransactionKind.CaveatWithdrawal:
                // The rules made sure the right is a mortgage or caveat in force: ownership does not change.
                return new RegistrationEffect(Ending(r => r.Id == instrument.RightId), [], [], null, [title], state.Parcels, state.Owners, state.Owners);

            case TransactionKind.Merge when state.MergedInto is { } into:
            {
                // An earlier parent of the merge opened the child's title with its owners (the same as these, R-MERGE):
                // this title's other rights join it, and this title closes.
                var joined = state.Current.Where(r => r.Kind != RightKind.Ownership).Select(r =>
                    New(into.TitleNumber, r.Kind, r.PartyId, new Share(r.ShareNumerator, r.ShareDenominator), r.Amount, r.Terms)).ToList();
                return new RegistrationEffect(Ending(_ => true), joined, [], title, [title, into.TitleNumber], state.Parcels, state.Owners, state.Owners);
            }

            case TransactionKind.Subdivision or TransactionKind.Merge:
            {
                var opened = state.Children.Select(child => new OpenedTitle("T-" + child, child)).ToList();
                var carried = opened.SelectMany(child => state.Current.Select(r =>
                    New(child.TitleNumber, r.Kind, r.PartyId, new Share(r.ShareNumerator, r.ShareDenominator), r.Amount, r.Terms))).ToList();
                return new RegistrationEffect(Ending(_ => true), carried, opened, title,
                    [title, .. opened.Select(o => o.TitleNumber)], [.. state.Parcels, .. state.Children], state.Owners, state.Owners);
            }

            default:
                throw new DomainRuleViolationException("transaction-kind", $"{transaction.Kind} is not registered through the desk.");
        }
    }
}
