using Landplatform.Cadastre.Contracts;
using Landplatform.Registry.Data;

namespace Landplatform.Registry.Transactions;

/// <summary>
/// Priority on a title: the transaction lodged first registers first. Lodgement takes a shared lock on the title
/// (so its time orders priority exactly as the register saw it); registration decides priority under the title's
/// exclusive lock (<see cref="TitleReads.ReadAsync"/> reads the earliest pending transaction there).
/// </summary>
internal static class Priority
{
    /// <summary>The states of a transaction still on its way: it holds its place in the title's queue.</summary>
    public static readonly TransactionState[] Pending =
        [TransactionState.Lodged, TransactionState.FeesDue, TransactionState.Paid, TransactionState.Examined, TransactionState.Requisitioned];

    /// <summary>R-PRIORITY: a transaction lodged earlier on the title and still pending registers (or is rejected) first.</summary>
    public static void Check(string titleNumber, TitleState state)
    {
        if (state.Earlier is { } earlier)
        {
            throw new DomainRuleViolationException("R-PRIORITY",
                $"Transaction {earlier.Id}, lodged earlier ({earlier.LodgedAt:O}) on title {titleNumber}, is still {TransactionDesk.StateName(earlier.State)}: it has priority, so this one waits until it is registered or rejected.");
        }
    }
}
