using System.Text.Json;
using Landplatform.Cadastre.Contracts;
using Landplatform.Cadastre.Contracts.Events;
using Landplatform.Registry.Data;
using Landplatform.Registry.Journal;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Landplatform.Registry.Transactions;

/// <summary>A registration done inside a batch, waiting for its journal entry, its event and the commit.</summary>
internal sealed record PreparedRegistration(Guid TransactionId, string Kind, string TitleNumber, IReadOnlyList<string> Titles, DateTimeOffset At, string EventPayload);

/// <summary>What one registration of a batch came to: its journal entry and titles, or the failure its caller gets.</summary>
internal sealed record RegistrationOutcome(RegistrationResult? Result, Exception? Failure);

/// <summary>A registration asked for: the examined transaction and the registrar who registers it.</summary>
internal sealed record RegistrationRequest(Guid Id, string Registrar);

/// <summary>Registration: the one path every registration takes, alone or batched with others.</summary>
public sealed partial class TransactionDesk
{
    private const string Savepoint = "registration";

    /// <summary>
    /// The registrar registers an examined transaction: under an exclusive lock on the title every rule
    /// is checked again (priority included), the rights change, the journal gets its entry and the
    /// outbox its event, all in one database transaction. Registrations asked for at the same moment
    /// share that transaction and its commit (<see cref="RegistrationQueue"/>).
    /// </summary>
    public async Task<RegistrationResult> RegisterAsync(Guid id, string registrar, CancellationToken ct)
    {
        var registered = await queue.RegisterAsync(id, registrar, ct);

        // The competitors whose grantors lost the land are requisitioned now, so they stop holding up the new owner's dealings.
        await deadlines.RequisitionSupersededAsync(id, registered.Titles, ct);
        return registered;
    }

    /// <summary>
    /// Registers a batch (of one or more) inside the caller's database transaction, set-based. One round trip locks
    /// every transaction of the batch and then their titles (each in a fixed order, so two batches cannot deadlock)
    /// and reads all that the rules read (<see cref="TitleReads"/>); the rules run in memory, each registration on its
    /// own, so a rule that fails refuses that registration alone with the same error as ever, and nothing of it was
    /// written. Each survivor's effects are decided by <see cref="RegistrationEffects.Decide"/> and written by
    /// <see cref="RegistrationWrites"/>, one statement per table for the whole round; in the last round trip the
    /// journal takes its tail lock and links their entries (digests computed by the database). Two registrations on
    /// one title never share a round: the later one is read again after the earlier's writes, so it sees the title as
    /// the earlier left it, exactly as one after the other. A registration naming a party new to the register enters
    /// it first (under a savepoint of its own when others share the batch) and is read again in the next round. The
    /// commit travels with the journal's link; the outcomes are returned only once it has succeeded. The caller
    /// disposes the transaction, never commits it; with <paramref name="commit"/> false (a survey's approval, whose fabric
    /// change shares the transaction) nothing is committed here, and the journal's tail lock is held to the caller's commit.
    /// </summary>
    internal async Task<RegistrationOutcome[]> RegisterAllAsync(IReadOnlyList<RegistrationRequest> requests, IDbContextTransaction transaction, bool commit, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var prepared = new PreparedRegistration?[requests.Count];
        var failures = new Exception?[requests.Count];
        var entered = new bool[requests.Count];
        var writes = new List<RegistrationPlan>();
        var waiting = Enumerable.Range(0, requests.Count).ToList();
        while (waiting.Count > 0)
        {
            // The writes of the round before are in the database before the titles they touched are read again.
            if (writes.Count > 0)
            {
                await using var flush = new NpgsqlBatch(connection);
                RegistrationWrites.Add(flush, writes);
                await flush.ExecuteNonQueryAsync(ct);
                writes.Clear();
            }

            var read = await TitleReads.ReadAsync(connection, [.. waiting.Select(i => requests[i].Id).Distinct()], TransactionState.Examined, forRegistration: true, ct);
            var taken = new HashSet<string>();
            var later = new List<int>();
            var newcomers = new List<(int Index, IReadOnlyList<PartyReference> Parties)>();
            foreach (var i in waiting)
            {
                var request = requests[i];
                var key = read.Transactions.TryGetValue(request.Id, out var found) && found.TitleNumber is { } titleNumber ? titleNumber : request.Id.ToString();
                if (!taken.Add(key))
                {
                    later.Add(i);
                    continue;
                }

                try
                {
                    var (plan, unknown) = await PlanAsync(request, read, ct);
                    if (plan is not null)
                    {
                        writes.Add(plan);
                        prepared[i] = plan.Prepared;
                    }
                    else if (entered[i])
                    {
                        throw new DomainRuleViolationException("party-unknown", $"{Describe(unknown[0])} could not be entered in the register.");
                    }
                    else
                    {
                        newcomers.Add((i, unknown));
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    failures[i] = e;
                }
            }

            foreach (var (i, parties) in newcomers)
            {
                entered[i] = true;

                // A batch of one needs no savepoint: its failure rolls the whole transaction back, as before.
                if (requests.Count == 1)
                {
                    await EnterPartiesAsync(parties, ct);
                    later.Add(i);
                    continue;
                }

                await transaction.CreateSavepointAsync(Savepoint, ct);
                try
                {
                    await EnterPartiesAsync(parties, ct);
                    await transaction.ReleaseSavepointAsync(Savepoint, ct);
                    later.Add(i);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    await transaction.RollbackToSavepointAsync(Savepoint, ct);
                    failures[i] = e;
                }
            }

            waiting = later;
        }

        var done = prepared.Where(p => p is not null).Select(p => p!).ToList();
        var entries = new Dictionary<Guid, JournalAppend>();
        if (done.Count > 0)
        {
            // The last round's writes, the events, and (AppendBatchAsync) the tail lock, the linked entries and the commit: one round trip.
            var first = new NpgsqlBatch(connection);
            RegistrationWrites.Add(first, writes);
            var events = new NpgsqlBatchCommand("""
                INSERT INTO exchange.outbox (event_id, type, occurred_at, correlation_id, payload)
                SELECT e.event, @type, e.at, e.tx, e.payload::jsonb
                FROM unnest(@events, @ats, @txs, @payloads) WITH ORDINALITY AS e(event, at, tx, payload, n) ORDER BY e.n
                """);
            events.Parameters.AddWithValue("type", RegisteredEvent);
            events.Parameters.AddWithValue("events", done.Select(_ => Guid.CreateVersion7()).ToArray());
            events.Parameters.AddWithValue("ats", done.Select(r => r.At).ToArray());
            events.Parameters.AddWithValue("txs", done.Select(r => r.TransactionId).ToArray());
            events.Parameters.AddWithValue("payloads", done.Select(r => r.EventPayload).ToArray());
            first.BatchCommands.Add(events);
            var notify = new NpgsqlBatchCommand("SELECT pg_notify('lp_outbox', @type)");
            notify.Parameters.AddWithValue("type", RegisteredEvent);
            first.BatchCommands.Add(notify);
            var appended = await RegisterJournal.AppendBatchAsync(connection,
                done.Select(r => new JournalRequest(r.TransactionId, r.Kind, r.TitleNumber, r.Titles, r.At, null)).ToList(), first, commit, ct);
            foreach (var entry in appended)
            {
                entries[entry.Content.TransactionId] = entry;
            }
        }
        else if (commit)
        {
            await transaction.CommitAsync(ct);
        }

        return [.. prepared.Select((p, i) => p is null
            ? new RegistrationOutcome(null, failures[i])
            : new RegistrationOutcome(new RegistrationResult(p.TransactionId, entries[p.TransactionId].Seq, p.Titles), null))];
    }

    /// <summary>
    /// Checks one registration's rules against what was read, then decides its effects; when the instrument names
    /// parties the register does not know yet, no plan but those parties (to enter before the title is read again).
    /// </summary>
    private async Task<(RegistrationPlan? Plan, IReadOnlyList<PartyReference> Unknown)> PlanAsync(RegistrationRequest request, TitleReads read, CancellationToken ct)
    {
        var examined = read.Transactions.GetValueOrDefault(request.Id)
            ?? throw new ResourceNotFoundException("transaction-unknown", $"There is no registry transaction {request.Id}.");
        await RequireStateOrSupersededAsync(examined, "register", ct, TransactionState.Examined);
        var instrument = JsonSerializer.Deserialize<Lodgement>(examined.Instrument, Json)!;
        var state = read.StateOf(examined)
            ?? throw new ResourceNotFoundException("title-unknown", $"There is no title {examined.TitleNumber} in the register.");
        await rules.CheckAsync(examined, instrument, state, registering: true, ct);

        var unknown = RegistrationEffects.Takers(examined.Kind, instrument).Where(p => state.Known(p) is null).ToList();
        if (unknown.Count > 0)
        {
            return (null, unknown);
        }

        var now = clock.GetUtcNow();
        var effect = RegistrationEffects.Decide(examined, instrument, state, now);
        examined.RegisteredAt = now;
        var prepared = new PreparedRegistration(examined.Id, KindName(examined.Kind), state.Title.TitleNumber, effect.Titles, now,
            EventPayload(examined, instrument, effect));
        return (new RegistrationPlan(request.Registrar, effect, prepared), []);
    }

    /// <summary>Enters each party an instrument names that is new to the register, as the instrument (checked against the civil registry at lodgement) gives it.</summary>
    private async Task EnterPartiesAsync(IReadOnlyList<PartyReference> parties, CancellationToken ct)
    {
        foreach (var reference in parties)
        {
            if (await FindPartyAsync(reference, ct) is not null)
            {
                continue;
            }

            if (reference.PartyId is not null)
            {
                throw new DomainRuleViolationException("party-unknown", $"{Describe(reference)} is not in the register.");
            }

            if (string.IsNullOrWhiteSpace(reference.Name))
            {
                throw new DomainRuleViolationException("party-unknown", $"{Describe(reference)} is not in the register yet, and the instrument gives no name to enter.");
            }

            // Two registrations may bring in the same new person at once: the second waits for the first and takes its row.
            var person = reference.Uin is not null;
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO registry.parties (kind, uin, registration_number, name, recorded_at, date_of_birth, deceased, date_of_death, verified_at)
                VALUES ({(person ? "person" : "organisation")}, {reference.Uin}, {(person ? null : reference.RegistrationNumber)}, {reference.Name}, {clock.GetUtcNow()},
                        {reference.DateOfBirth}, {reference.Deceased == true}, {reference.DateOfDeath}, {reference.VerifiedAt})
                ON CONFLICT DO NOTHING
                """, ct);
            _ = await FindPartyAsync(reference, ct)
                ?? throw new DomainRuleViolationException("party-unknown", $"{Describe(reference)} could not be entered in the register.");
        }
    }

    private async Task<long?> FindPartyAsync(PartyReference party, CancellationToken ct)
    {
        if (party.PartyId is { } id)
        {
            return await db.Parties.AnyAsync(p => p.Id == id, ct) ? id : null;
        }

        return party.Uin is { } uin
            ? await db.Parties.Where(p => p.Uin == uin).Select(p => (long?)p.Id).SingleOrDefaultAsync(ct)
            : await db.Parties.Where(p => p.RegistrationNumber == party.RegistrationNumber).Select(p => (long?)p.Id).SingleOrDefaultAsync(ct);
    }

    // The event goes to the outbox in the same transaction as the registration (ARCHITECTURE.md, Events):
    // the tax roll and permits learn of the new owners once it commits, never before, never not.
    private static string EventPayload(RegistryTransaction transaction, Lodgement instrument, RegistrationEffect effect) =>
        EventPayloads.Serialize(new TransactionRegisteredPayload(
            transaction.Id, KindName(transaction.Kind), instrument.Reason, transaction.TitleNumber, effect.Titles, effect.Parcels,
            [.. effect.PreviousOwners.Select(EventOwnerOf)], [.. effect.NewOwners.Select(EventOwnerOf)], instrument.Amount,
            transaction.InstrumentDate, transaction.RegisteredAt));

    private static EventOwner EventOwnerOf(OwnerShare owner) => new(owner.PartyId, owner.Name, owner.Uin, owner.RegistrationNumber, owner.Share);
}
