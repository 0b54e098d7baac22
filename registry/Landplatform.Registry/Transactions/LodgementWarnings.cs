using Landplatform.Registry.Data;
using Microsoft.EntityFrameworkCore;

namespace Landplatform.Registry.Transactions;

/// <summary>Something that stands in an application's way, told to the notary at lodgement, before anyone pays: the rule, and what stands.</summary>
public sealed record LodgementWarning(string Rule, string Detail);

/// <summary>
/// The blockers an application meets on its title as the register stands now: a caveat that forbids its kind, grantors who
/// are not the registered owners, applications earlier in the day book. Shown with the lodgement (and with the application
/// while it waits to be paid); the same rules refuse it again at examination and registration (<see cref="RegistrationRules"/>).
/// </summary>
internal static class LodgementWarnings
{
    private static readonly TransactionState[] Shown = [TransactionState.Lodged, TransactionState.FeesDue, TransactionState.Requisitioned];

    public static async Task<IReadOnlyList<LodgementWarning>> ForAsync(RegistryDbContext db, RegistryTransaction application, Lodgement instrument, CancellationToken ct)
    {
        if (!Shown.Contains(application.State) || application.TitleNumber is not { } title)
        {
            return [];
        }

        var warnings = new List<LodgementWarning>();
        var current = await db.Rights.AsNoTracking().Where(r => r.TitleNumber == title && r.ValidTo == null).OrderBy(r => r.Id).ToListAsync(ct);
        if (RegistrationRules.BlockedByCaveat.Contains(application.Kind) && current.FirstOrDefault(r => r.Kind == RightKind.Caveat) is { } caveat)
        {
            warnings.Add(new LodgementWarning("R-CAVEAT",
                $"Caveat {caveat.Id} on title {title} forbids any {TransactionDesk.KindName(application.Kind)} until it is withdrawn: this application will not register while it stands."));
        }

        if (application.Kind is TransactionKind.Transfer or TransactionKind.Mortgage)
        {
            var owners = await (from r in db.Rights
                                join p in db.Parties on r.PartyId equals p.Id
                                where r.TitleNumber == title && r.ValidTo == null && r.Kind == RightKind.Ownership
                                select new OwnerShare(p.Id, p.Name, p.Uin, p.RegistrationNumber, r.ShareNumerator + "/" + r.ShareDenominator)).ToListAsync(ct);
            if (RegistrationRules.GrantorsFailure(title, instrument.Grantors ?? [], owners) is { } failure)
            {
                warnings.Add(new LodgementWarning("R-OWNER", failure));
            }
        }

        var earlier = await db.Database.SqlQueryRaw<long>(
            "SELECT count(*) AS \"Value\" FROM registry.transactions x JOIN registry.transactions t ON " + Priority.EarlierSql +
            " WHERE x.id = {0} AND t.state IN ('lodged', 'fees_due', 'paid', 'examined', 'requisitioned')", application.Id).SingleAsync(ct);
        if (earlier > 0)
        {
            warnings.Add(new LodgementWarning("R-PRIORITY",
                $"{earlier} application(s) earlier in the day book on title {title} are pending: they are decided first, and this one registers only after them."));
        }

        return warnings;
    }
}
