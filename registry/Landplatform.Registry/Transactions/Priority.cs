using Landplatform.Cadastre.Contracts;
using Landplatform.Registry.Data;

namespace Landplatform.Registry.Transactions;

/// <summary>
/// Priority on a title, the one place it is decided: applications are decided in day-book order (the place each took in
/// <c>registry.day_book_seq</c> at lodgement, under the title's lock, so the day book orders them as the register saw
/// them). Registration decides priority under the title's exclusive lock (<see cref="TitleReads.ReadAsync"/> reads the
/// earliest pending application there). An application superseded by an earlier one that took the land (its grantors no
/// longer own it) keeps no place: it cannot register, so it blocks no one.
/// </summary>
internal static class Priority
{
    /// <summary>The states of a transaction still on its way: it holds its place in the title's queue.</summary>
    public static readonly TransactionState[] Pending =
        [TransactionState.Lodged, TransactionState.FeesDue, TransactionState.Paid, TransactionState.Examined, TransactionState.Requisitioned];

    /// <summary>
    /// SQL true when application <c>t</c> comes before application <c>x</c> on x's title and holds its place against it: lodged
    /// earlier in the day book and not superseded. A caveat withdrawal waits for nothing its caveat blocks (a transfer or mortgage
    /// the caveat holds up can only register after the withdrawal, so waiting for it would be a deadlock).
    /// </summary>
    public const string EarlierSql = """
        t.title_number = x.title_number AND t.id <> x.id AND t.superseded_by IS NULL AND t.day_book_seq < x.day_book_seq
        AND NOT (x.kind = 'caveat_withdrawal' AND t.kind IN ('transfer', 'mortgage'))
        """;

    /// <summary>R-PRIORITY: a transaction lodged earlier on the title and still pending registers (or is rejected) first.</summary>
    public static void Check(string titleNumber, TitleState state)
    {
        if (state.Earlier is { } earlier)
        {
            throw new DomainRuleViolationException("R-PRIORITY",
                $"Transaction {earlier.Id}, earlier in the day book (lodged {earlier.LodgedAt:O}) on title {titleNumber}, is still {TransactionDesk.StateName(earlier.State)}: it has priority, so this one waits until it is registered, rejected, withdrawn or lapsed.");
        }
    }
}
