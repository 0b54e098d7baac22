using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Landplatform.Registry.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Landplatform.Registry.Transactions;

/// <summary>How long applications wait (configuration <c>Registry:Applications</c>).</summary>
public sealed class ApplicationOptions
{
    public const string Section = "Registry:Applications";

    /// <summary>An application lodged but never submitted (or submitted and never paid) lapses this many days after lodgement.</summary>
    public int LodgementLapseDays { get; set; } = 30;

    /// <summary>A requisition is answered within this many days, or the application lapses.</summary>
    public int RequisitionDays { get; set; } = 30;

    /// <summary>How often the serving host looks for applications that lapsed and refunds that are due.</summary>
    public int SweepSeconds { get; set; } = 300;
}

/// <summary>
/// The register office's deadlines: an application whose grantors no longer own the land (an earlier application took it)
/// is requisitioned with a deadline and keeps no place in the title's queue; an unsubmitted or unpaid lodgement lapses
/// after <see cref="ApplicationOptions.LodgementLapseDays"/>, an unanswered requisition at its deadline; a lapsed, rejected
/// or withdrawn application's paid fee is refunded through the payments module (the gateway, reconciled like a payment).
/// Time is the <see cref="ClockKey"/> clock, the platform's unless a host (a test) moves it. None of this changes a right, so
/// none of it is a journal entry; every state change is a step of the application, as every other decision is.
/// </summary>
public sealed class ApplicationLapses(RegistryDbContext db, RegistryLinks links, [FromKeyedServices(ApplicationLapses.ClockKey)] TimeProvider clock,
    ApplicationOptions options, ILogger<ApplicationLapses> log)
{
    /// <summary>The key of the clock the deadlines run on.</summary>
    public const string ClockKey = "registry.applications";

    public const string By = "registry";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>What one sweep did.</summary>
    public sealed record SweepResult(int Lapsed, int Refunded);

    /// <summary>When a requisition made now must be answered.</summary>
    public DateTimeOffset RequisitionDeadline() => clock.GetUtcNow().AddDays(options.RequisitionDays);

    /// <summary>
    /// After <paramref name="registered"/> registered on <paramref name="titles"/>: every pending transfer or mortgage there whose
    /// grantors are no longer exactly the registered owners is requisitioned automatically, with a deadline, and marked superseded.
    /// </summary>
    public async Task<int> RequisitionSupersededAsync(Guid registered, IReadOnlyList<string> titles, CancellationToken ct)
    {
        var candidates = await db.Database.SqlQuery<Guid>($"""
            SELECT id AS "Value" FROM registry.transactions
            WHERE title_number = ANY({titles.ToArray()}) AND state IN ('lodged', 'fees_due', 'paid', 'examined')
              AND kind IN ('transfer', 'mortgage') AND superseded_by IS NULL AND id <> {registered}
            ORDER BY day_book_seq
            """).ToListAsync(ct);
        var requisitioned = 0;
        foreach (var id in candidates)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var pending = await LockAsync(id, ct);
            if (pending is null || !Priority.Pending.Contains(pending.State) || pending.State == TransactionState.Requisitioned)
            {
                continue;
            }

            var instrument = JsonSerializer.Deserialize<Lodgement>(pending.Instrument, Json)!;
            var owners = await (from r in db.Rights
                                join p in db.Parties on r.PartyId equals p.Id
                                where r.TitleNumber == pending.TitleNumber && r.ValidTo == null && r.Kind == RightKind.Ownership
                                select new OwnerShare(p.Id, p.Name, p.Uin, p.RegistrationNumber, r.ShareNumerator + "/" + r.ShareDenominator)).ToListAsync(ct);
            if (RegistrationRules.GrantorsFailure(pending.TitleNumber!, instrument.Grantors ?? [], owners) is not { } failure)
            {
                continue;
            }

            var due = RequisitionDeadline();
            pending.Note = $"R-OWNER: transaction {registered} registered first on title {pending.TitleNumber}. {failure} Answer by {due:yyyy-MM-dd} (new grantors' consent) or the application lapses and its fee is refunded.";
            await MoveAsync(pending, TransactionState.Requisitioned, pending.Note, ct);
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"UPDATE registry.transactions SET requisition_due_at = {due}, superseded_by = {registered} WHERE id = {id}", ct);
            await transaction.CommitAsync(ct);
            requisitioned++;
        }

        return requisitioned;
    }

    /// <summary>Lapses what is past its time, then refunds what is due; each application in its own database transaction.</summary>
    public async Task<SweepResult> SweepAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var lodgedBefore = now.AddDays(-options.LodgementLapseDays);
        var expired = await db.Database.SqlQuery<Guid>($"""
            SELECT id AS "Value" FROM registry.transactions
            WHERE (state IN ('lodged', 'fees_due') AND lodged_at < {lodgedBefore}) OR (state = 'requisitioned' AND requisition_due_at < {now})
            ORDER BY day_book_seq LIMIT 10000
            """).ToListAsync(ct);
        var lapsed = 0;
        foreach (var id in expired)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var pending = await LockAsync(id, ct);
            if (pending is null)
            {
                continue;
            }

            // Read again under the lock: a submission or an answer that came meanwhile keeps the application alive.
            var due = await db.Database.SqlQuery<DateTimeOffset?>($"SELECT requisition_due_at AS \"Value\" FROM registry.transactions WHERE id = {id}").SingleAsync(ct);
            var note = pending.State switch
            {
                TransactionState.Lodged when pending.LodgedAt < lodgedBefore => $"lapsed: not submitted within {options.LodgementLapseDays} days of lodgement",
                TransactionState.FeesDue when pending.LodgedAt < lodgedBefore => $"lapsed: fees not paid within {options.LodgementLapseDays} days of lodgement",
                TransactionState.Requisitioned when due < now => $"lapsed: the requisition was not answered by {due:yyyy-MM-dd}",
                _ => null,
            };
            if (note is null)
            {
                continue;
            }

            await MoveAsync(pending, TransactionState.Lapsed, note, ct);
            await transaction.CommitAsync(ct);
            lapsed++;
        }

        return new SweepResult(lapsed, await RefundDueAsync(ct));
    }

    /// <summary>
    /// Refunds the paid fee of every lapsed, rejected or withdrawn application not refunded yet. A gateway that does not answer
    /// leaves the refund due for the next sweep (the payments module asks again under the same idempotency key, so never twice).
    /// </summary>
    public async Task<int> RefundDueAsync(CancellationToken ct, Guid? only = null)
    {
        if (links.Invoicing is not { } invoicing)
        {
            return 0;
        }

        var query = db.Database.SqlQuery<RefundDue>($"""
            SELECT id AS "Id", invoice_id AS "InvoiceId", state AS "State", day_book_seq AS "Place" FROM registry.transactions
            WHERE state IN ('lapsed', 'rejected', 'withdrawn') AND invoice_id IS NOT NULL AND invoice_paid_at IS NOT NULL AND refunded_at IS NULL
            """);
        var due = await (only is { } one ? query.Where(r => r.Id == one) : query).OrderBy(r => r.Place).Take(1000).ToListAsync(ct);
        var refunded = 0;
        foreach (var application in due)
        {
            try
            {
                var refund = await invoicing.RefundAsync(application.InvoiceId, $"registry application {application.Id} {application.State.Replace('_', '-')}", ct);
                await db.Database.ExecuteSqlInterpolatedAsync($"""
                    UPDATE registry.transactions SET refunded_at = {refund.RefundedAt}, refund_reference = {refund.GatewayRefundId}
                    WHERE id = {application.Id} AND refunded_at IS NULL
                    """, ct);
                refunded++;
            }
            catch (UpstreamUnavailableException e)
            {
                log.LogWarning("Refund of application {Application} stays due: {Reason}", application.Id, e.Message);
            }
        }

        return refunded;
    }

    private sealed record RefundDue(Guid Id, Guid InvoiceId, string State, long? Place);

    private async Task<RegistryTransaction?> LockAsync(Guid id, CancellationToken ct) =>
        await db.Transactions.FromSqlInterpolated($"SELECT * FROM registry.transactions WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct);

    private async Task MoveAsync(RegistryTransaction transaction, TransactionState to, string note, CancellationToken ct)
    {
        transaction.State = to;
        db.Steps.Add(new TransactionStep { TransactionId = transaction.Id, State = to, At = clock.GetUtcNow(), By = By, Note = note });
        await db.SaveChangesAsync(ct);
    }
}

/// <summary>Runs <see cref="ApplicationLapses.SweepAsync"/> every <see cref="ApplicationOptions.SweepSeconds"/> on a serving host.</summary>
internal sealed class ApplicationSweepService(IServiceScopeFactory scopes, ApplicationOptions options, ILogger<ApplicationSweepService> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.SweepSeconds)));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var result = await scope.ServiceProvider.GetRequiredService<ApplicationLapses>().SweepAsync(stoppingToken);
                if (result.Lapsed + result.Refunded > 0)
                {
                    log.LogInformation("Applications: {Lapsed} lapsed, {Refunded} refunded", result.Lapsed, result.Refunded);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "The applications' sweep failed; it runs again in {Seconds} s", options.SweepSeconds);
            }
        }
    }
}
