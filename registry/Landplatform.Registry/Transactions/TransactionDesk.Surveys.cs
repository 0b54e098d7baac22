using System.Runtime.ExceptionServices;
using System.Text.Json;
using Landplatform.Cadastre.Contracts.Register;
using Landplatform.Registry.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Landplatform.Registry.Transactions;

/// <summary>Surveys: the registrar's approval of a survey, registered on the titles of the parcels it retired.</summary>
public sealed partial class TransactionDesk
{
    /// <summary>
    /// Lodges, on each open title over the retired parents, a subdivision or merge in the name of the approving
    /// registrar (examined: the survey was examined and approved), and registers them by the one registration path,
    /// in the caller's database transaction, without committing. A subdivision's title is closed and a title opened for
    /// each child with every right carried forward; a merge's first parent does the same for the one child, each later
    /// parent's rights other than ownership join that title (R-MERGE: under the same owners). Every rule runs as for
    /// any registration (R-PRIORITY: a dealing lodged earlier on the title refuses it). The first failure is thrown.
    /// Parents with no title (unregistered land) give no transaction.
    /// </summary>
    internal async Task<IReadOnlyList<RegistrationResult>> RegisterApprovedSurveyAsync(ApprovedFabricChange change, IDbContextTransaction transaction, CancellationToken ct)
    {
        var kind = change.Kind switch
        {
            "subdivision" => TransactionKind.Subdivision,
            "merge" => TransactionKind.Merge,
            _ => throw new ArgumentException($"{change.Kind} is not a subdivision or a merge.", nameof(change)),
        };
        var parents = change.ParentUpis.ToArray();
        var titles = await db.TitleParcels.Where(tp => parents.Contains(tp.Upi))
            .Join(db.Titles.Where(t => t.ClosedAt == null), tp => tp.TitleNumber, t => t.TitleNumber, (tp, t) => t.TitleNumber)
            .Distinct().OrderBy(t => t).ToListAsync(ct);
        if (titles.Count == 0)
        {
            return [];
        }

        var now = clock.GetUtcNow();
        var note = $"Survey {change.SurveyReference} approved: fabric transaction {change.FabricTransactionId}.";
        var lodgements = new List<RegistryTransaction>(titles.Count);
        foreach (var title in titles)
        {
            var instrument = new Lodgement(KindName(kind), title, Today(), ConsentRules.ApprovedSurvey, null, null, null, null, null, null)
            {
                Survey = change.SurveyReference,
                FabricTransaction = change.FabricTransactionId,
            };
            var lodged = new RegistryTransaction
            {
                Id = Guid.CreateVersion7(now), Kind = kind, State = TransactionState.Examined, TitleNumber = title,
                Instrument = JsonSerializer.Serialize(instrument, Json), InstrumentDate = Today(), LodgedAt = now, LodgedBy = change.Registrar,
            };
            db.Transactions.Add(lodged);
            db.Steps.Add(new TransactionStep { TransactionId = lodged.Id, State = TransactionState.Lodged, At = now, By = change.Registrar, Note = note });
            db.Steps.Add(new TransactionStep { TransactionId = lodged.Id, State = TransactionState.Examined, At = now, By = change.Registrar, Note = note });
            lodgements.Add(lodged);
        }

        await db.SaveChangesAsync(ct);
        foreach (var lodged in lodgements)
        {
            await NoticeToOwnersAsync(lodged, ct);
        }

        var requests = lodgements.Select(l => new RegistrationRequest(l.Id, change.Registrar)).ToList();

        // A merge's later parents join the title its first parent opens, so each registers after the one before.
        IEnumerable<IReadOnlyList<RegistrationRequest>> rounds = kind == TransactionKind.Merge ? requests.Select(r => (IReadOnlyList<RegistrationRequest>)[r]) : [requests];
        var results = new List<RegistrationResult>(requests.Count);
        foreach (var round in rounds)
        {
            foreach (var outcome in await RegisterAllAsync(round, transaction, commit: false, ct))
            {
                if (outcome.Failure is { } failure)
                {
                    ExceptionDispatchInfo.Throw(failure);
                }

                results.Add(outcome.Result!);
            }
        }

        return results;
    }
}
