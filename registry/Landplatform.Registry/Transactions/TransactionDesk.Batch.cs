using System.Text.Json;
using Landplatform.Cadastre.Contracts;
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

public sealed partial class TransactionDesk
{
    private const string Savepoint = "registration";

    /// <summary>
    /// Registers a batch inside the caller's database transaction, set-based. One round trip locks every
    /// transaction of the batch and then their titles (each in a fixed order, so two batches cannot deadlock)
    /// and reads all that the rules read; the rules run in memory, each registration on its own, so a rule that
    /// fails refuses that registration alone with the same error as ever, and nothing of it was written. The
    /// survivors' rights, state changes, steps and events are written by one statement per table, and in the same
    /// round trip the journal takes its tail lock and links their entries (digests computed by the database). Two registrations
    /// on one title never share a round: the later one is read again after the earlier's writes, so it sees the
    /// title as the earlier left it, exactly as one after the other. A subdivision or a party new to the register
    /// goes the long way (<see cref="RegisterWithinAsync"/>) under a savepoint of its own. The commit travels with
    /// the journal's link (one round trip: the tail lock is released by the commit, not a round trip later); the
    /// outcomes are returned only once it has succeeded. The caller disposes the transaction, never commits it.
    /// </summary>
    internal async Task<RegistrationOutcome[]> RegisterAllAsync(IReadOnlyList<RegistrationRequest> requests, IDbContextTransaction transaction, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var prepared = new PreparedRegistration?[requests.Count];
        var failures = new Exception?[requests.Count];
        var writes = new List<RegistrationPlan>();
        var waiting = Enumerable.Range(0, requests.Count).ToList();
        while (waiting.Count > 0)
        {
            // The writes of the round before are in the database before the titles they touched are read again.
            if (writes.Count > 0)
            {
                await using var flush = new NpgsqlBatch(connection);
                AddWrites(flush, writes);
                await flush.ExecuteNonQueryAsync(ct);
                writes.Clear();
            }

            var read = await ReadForRegistrationAsync([.. waiting.Select(i => requests[i].Id).Distinct()], ct);
            var taken = new HashSet<string>();
            var later = new List<int>();
            var longWay = new List<int>();
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
                    if (await PlanAsync(request, read, ct) is { } plan)
                    {
                        writes.Add(plan);
                        prepared[i] = plan.Prepared;
                    }
                    else
                    {
                        longWay.Add(i);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    failures[i] = e;
                }
            }

            foreach (var i in longWay)
            {
                // A batch of one needs no savepoint: its failure rolls the whole transaction back, as before.
                if (requests.Count == 1)
                {
                    prepared[i] = await RegisterWithinAsync(requests[i].Id, requests[i].Registrar, ct);
                    continue;
                }

                await transaction.CreateSavepointAsync(Savepoint, ct);
                try
                {
                    prepared[i] = await RegisterWithinAsync(requests[i].Id, requests[i].Registrar, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    await transaction.RollbackToSavepointAsync(Savepoint, ct);
                    failures[i] = e;
                }
                finally
                {
                    db.ChangeTracker.Clear();
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
            AddWrites(first, writes);
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
                done.Select(r => new JournalRequest(r.TransactionId, r.Kind, r.TitleNumber, r.Titles, r.At, null)).ToList(), first, commit: true, ct);
            foreach (var entry in appended)
            {
                entries[entry.Content.TransactionId] = entry;
            }
        }
        else
        {
            await transaction.CommitAsync(ct);
        }

        return [.. prepared.Select((p, i) => p is null
            ? new RegistrationOutcome(null, failures[i])
            : new RegistrationOutcome(new RegistrationResult(p.TransactionId, entries[p.TransactionId].Seq, p.Titles), null))];
    }

    /// <summary>A registration the rules passed, as the rows it writes.</summary>
    private sealed record RegistrationPlan(string Registrar, IReadOnlyList<long> Ended, IReadOnlyList<RegisteredRight> Added, PreparedRegistration Prepared)
    {
        public Guid TransactionId => Prepared.TransactionId;

        public DateTimeOffset At => Prepared.At;
    }

    /// <summary>
    /// Checks one registration's rules against what the batch read, and plans its rows; null when it must go
    /// the long way (a subdivision, or a party the register does not know yet).
    /// </summary>
    private async Task<RegistrationPlan?> PlanAsync(RegistrationRequest request, BatchRead read, CancellationToken ct)
    {
        var examined = read.Transactions.GetValueOrDefault(request.Id)
            ?? throw new ResourceNotFoundException("transaction-unknown", $"There is no registry transaction {request.Id}.");
        RequireState(examined, "register", TransactionState.Examined);
        if (examined.Kind == TransactionKind.Subdivision)
        {
            return null;
        }

        var instrument = JsonSerializer.Deserialize<Lodgement>(examined.Instrument, Json)!;
        var state = read.StateOf(examined)
            ?? throw new ResourceNotFoundException("title-unknown", $"There is no title {examined.TitleNumber} in the register.");
        await CheckRulesAsync(examined, instrument, state, ct);

        var now = clock.GetUtcNow();
        var title = state.Title.TitleNumber;
        var ended = new List<long>();
        var added = new List<RegisteredRight>();
        var previousOwners = state.Owners;
        IReadOnlyList<OwnerShare> newOwners = previousOwners;
        switch (examined.Kind)
        {
            case TransactionKind.Transfer or TransactionKind.Rectification:
                ended.AddRange(state.Current.Where(r => r.Kind == RightKind.Ownership).Select(r => r.Id));
                var owners = new List<OwnerShare>();
                foreach (var grantee in instrument.Grantees!)
                {
                    if (Known(grantee, state.Parties) is not { } party)
                    {
                        return null;
                    }

                    var share = Share.Parse(grantee.Share, "grantees");
                    added.Add(NewRight(title, RightKind.Ownership, party.PartyId, share, null, null, examined.Id, now));
                    owners.Add(party with { Share = share.ToString() });
                }

                newOwners = owners;
                break;
            case TransactionKind.Mortgage or TransactionKind.Caveat:
                if (Known(instrument.Beneficiary!, state.Parties) is not { } beneficiary)
                {
                    return null;
                }

                added.Add(examined.Kind == TransactionKind.Mortgage
                    ? NewRight(title, RightKind.Mortgage, beneficiary.PartyId, Share.Whole, instrument.Amount, instrument.Terms, examined.Id, now)
                    : NewRight(title, RightKind.Caveat, beneficiary.PartyId, Share.Whole, null, instrument.Terms, examined.Id, now));
                break;
            case TransactionKind.Discharge or TransactionKind.CaveatWithdrawal:
                // The rules made sure the right is a mortgage or caveat in force: ownership does not change.
                ended.AddRange(state.Current.Where(r => r.Id == instrument.RightId).Select(r => r.Id));
                break;
            default:
                throw new DomainRuleViolationException("transaction-kind", $"{examined.Kind} is not registered through the desk.");
        }

        examined.RegisteredAt = now;
        var titles = new List<string> { title };
        var prepared = new PreparedRegistration(examined.Id, KindName(examined.Kind), title, titles, now,
            EventPayload(examined, instrument, titles, state.Parcels, previousOwners, newOwners));
        return new RegistrationPlan(request.Registrar, ended, added, prepared);
    }

    /// <summary>The party as the batch read it, matched the way <see cref="PartyAsync"/> matches.</summary>
    private static OwnerShare? Known(PartyReference reference, IReadOnlyDictionary<long, OwnerShare> read) =>
        read.Values.FirstOrDefault(p =>
            reference.PartyId is { } id ? p.PartyId == id
            : reference.Uin is { } uin ? p.Uin == uin
            : p.RegistrationNumber == reference.RegistrationNumber);

    /// <summary>
    /// Adds the planned rows to a batch, one statement per table: rights ended, rights written (in plan order, so
    /// their ids follow it), the transactions moved to registered and their steps. A right that is no longer in force
    /// or a transaction no longer examined fails the statement, and so the whole batch before it commits.
    /// </summary>
    private static void AddWrites(NpgsqlBatch batch, IReadOnlyList<RegistrationPlan> plans)
    {
        if (plans.Count == 0)
        {
            return;
        }

        var endIds = new List<long>();
        var endTxs = new List<Guid>();
        var endAts = new List<DateTimeOffset>();
        foreach (var plan in plans)
        {
            foreach (var right in plan.Ended)
            {
                endIds.Add(right);
                endTxs.Add(plan.TransactionId);
                endAts.Add(plan.At);
            }
        }

        // Every right read in force under the title's lock must end here, and every transaction read examined must move;
        // if not, the statement fails (naming the counts), and with it the batch before its commit.
        var end = new NpgsqlBatchCommand("""
            WITH ended AS (
                UPDATE registry.rights r SET valid_to = e.at, ended_by_transaction_id = e.tx
                FROM unnest(@ids, @txs, @ats) AS e(id, tx, at) WHERE r.id = e.id AND r.valid_to IS NULL
                RETURNING r.id)
            SELECT CASE WHEN count(*) = cardinality(@ids) THEN count(*)
                        ELSE ('the register changed under its locks: ' || count(*) || ' of ' || cardinality(@ids) || ' rights could be ended')::bigint END
            FROM ended
            """);
        end.Parameters.AddWithValue("ids", endIds.ToArray());
        end.Parameters.AddWithValue("txs", endTxs.ToArray());
        end.Parameters.AddWithValue("ats", endAts.ToArray());
        batch.BatchCommands.Add(end);

        var added = plans.SelectMany(p => p.Added).ToList();
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO registry.rights (title_number, kind, party_id, share_numerator, share_denominator, amount, terms, valid_from, created_by_transaction_id)
            SELECT a.title, a.kind, a.party, a.numerator, a.denominator, a.amount, a.terms, a.valid_from, a.tx
            FROM unnest(@titles, @kinds, @parties, @numerators, @denominators, @amounts, @terms, @froms, @txs)
                 WITH ORDINALITY AS a(title, kind, party, numerator, denominator, amount, terms, valid_from, tx, n)
            ORDER BY a.n
            """);
        insert.Parameters.AddWithValue("titles", added.Select(r => r.TitleNumber).ToArray());
        insert.Parameters.AddWithValue("kinds", added.Select(r => RegistryDbContext.SnakeCase(r.Kind.ToString())).ToArray());
        insert.Parameters.AddWithValue("parties", added.Select(r => r.PartyId).ToArray());
        insert.Parameters.AddWithValue("numerators", added.Select(r => r.ShareNumerator).ToArray());
        insert.Parameters.AddWithValue("denominators", added.Select(r => r.ShareDenominator).ToArray());
        insert.Parameters.Add(new NpgsqlParameter<decimal?[]>("amounts", added.Select(r => r.Amount).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<string?[]>("terms", added.Select(r => r.Terms).ToArray()));
        insert.Parameters.AddWithValue("froms", added.Select(r => r.ValidFrom).ToArray());
        insert.Parameters.AddWithValue("txs", added.Select(r => r.CreatedByTransactionId).ToArray());
        batch.BatchCommands.Add(insert);

        var move = new NpgsqlBatchCommand("""
            WITH moved AS (
                UPDATE registry.transactions t SET state = @registered, registered_at = m.at
                FROM unnest(@txs, @ats) AS m(tx, at) WHERE t.id = m.tx AND t.state = @examined
                RETURNING t.id)
            SELECT CASE WHEN count(*) = cardinality(@txs) THEN count(*)
                        ELSE ('the register changed under its locks: ' || count(*) || ' of ' || cardinality(@txs) || ' transactions could be registered')::bigint END
            FROM moved
            """);
        move.Parameters.AddWithValue("registered", Stored(TransactionState.Registered));
        move.Parameters.AddWithValue("examined", Stored(TransactionState.Examined));
        move.Parameters.AddWithValue("txs", plans.Select(p => p.TransactionId).ToArray());
        move.Parameters.AddWithValue("ats", plans.Select(p => p.At).ToArray());
        batch.BatchCommands.Add(move);

        var steps = new NpgsqlBatchCommand("""
            INSERT INTO registry.transaction_steps (transaction_id, state, at, "by")
            SELECT s.tx, @registered, s.at, s.registrar FROM unnest(@txs, @ats, @registrars) WITH ORDINALITY AS s(tx, at, registrar, n) ORDER BY s.n
            """);
        steps.Parameters.AddWithValue("registered", Stored(TransactionState.Registered));
        steps.Parameters.AddWithValue("txs", plans.Select(p => p.TransactionId).ToArray());
        steps.Parameters.AddWithValue("ats", plans.Select(p => p.At).ToArray());
        steps.Parameters.AddWithValue("registrars", plans.Select(p => p.Registrar).ToArray());
        batch.BatchCommands.Add(steps);
    }

    /// <summary>What one round trip read for a batch of registrations, by transaction and by title.</summary>
    private sealed record BatchRead(
        Dictionary<Guid, RegistryTransaction> Transactions,
        Dictionary<string, Title> Titles,
        Dictionary<Guid, (Guid Id, DateTimeOffset LodgedAt, TransactionState State)> Earlier,
        Dictionary<string, List<(RegisteredRight Right, OwnerShare Holder)>> Current,
        Dictionary<Guid, List<(string Kind, string Sha256)>> Documents,
        Dictionary<string, List<string>> Parcels,
        Dictionary<long, OwnerShare> Parties)
    {
        /// <summary>The title state one registration's rules read, as <see cref="ReadTitleAsync"/> gives it; null when the title is unknown.</summary>
        public TitleState? StateOf(RegistryTransaction transaction)
        {
            if (transaction.TitleNumber is not { } number || !Titles.TryGetValue(number, out var title))
            {
                return null;
            }

            var current = Current.GetValueOrDefault(number) ?? [];
            return new TitleState(
                title,
                Earlier.TryGetValue(transaction.Id, out var earlier) ? earlier : null,
                [.. current.Select(c => c.Right)],
                [.. current.Where(c => c.Right.Kind == RightKind.Ownership).Select(c => c.Holder)],
                Documents.GetValueOrDefault(transaction.Id) ?? [],
                Parcels.GetValueOrDefault(number) ?? [],
                Parties);
        }
    }

    /// <summary>
    /// Reads, in one batch (one round trip): the transactions locked for update (by id), the titles of the examined
    /// ones locked for update (by title number), then for those the earliest pending transaction lodged before each,
    /// the rights in force with their holders, the documents, the parcels and the parties the instruments name.
    /// Each statement runs after the one before, so everything after the locks sees the titles as the lock holders left them.
    /// </summary>
    private async Task<BatchRead> ReadForRegistrationAsync(Guid[] ids, CancellationToken ct)
    {
        const string Examined = "SELECT x.title_number FROM registry.transactions x WHERE x.id = ANY(@ids) AND x.state = @examined";
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var batch = new NpgsqlBatch(connection);
        NpgsqlBatchCommand Add(string sql)
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.AddWithValue("ids", ids);
            command.Parameters.AddWithValue("examined", Stored(TransactionState.Examined));
            batch.BatchCommands.Add(command);
            return command;
        }

        Add("""
            SELECT id, kind, state, title_number, instrument::text, instrument_date, lodged_at, lodged_by
            FROM registry.transactions WHERE id = ANY(@ids) ORDER BY id FOR UPDATE
            """);
        Add($"""
            SELECT title_number, opened_at, opened_by_transaction_id, closed_at, closed_by_transaction_id
            FROM registry.titles WHERE title_number IN ({Examined}) ORDER BY title_number FOR UPDATE
            """);
        Add("""
            SELECT x.id, e.id, e.lodged_at, e.state FROM registry.transactions x
            CROSS JOIN LATERAL (
                SELECT t.id, t.lodged_at, t.state FROM registry.transactions t
                WHERE t.title_number = x.title_number AND t.id <> x.id AND t.state = ANY(@pending)
                  AND (t.lodged_at < x.lodged_at OR (t.lodged_at = x.lodged_at AND t.id < x.id))
                ORDER BY t.lodged_at LIMIT 1) e
            WHERE x.id = ANY(@ids) AND x.state = @examined
            """).Parameters.AddWithValue("pending", Pending.Select(Stored).ToArray());
        Add($"""
            SELECT r.id, r.title_number, r.kind, r.party_id, r.share_numerator, r.share_denominator, r.amount, r.terms, r.valid_from,
                   r.created_by_transaction_id, p.name, p.uin, p.registration_number
            FROM registry.rights r JOIN registry.parties p ON p.id = r.party_id
            WHERE r.title_number IN ({Examined}) AND r.valid_to IS NULL ORDER BY r.id
            """);
        Add("SELECT transaction_id, kind, sha256 FROM registry.transaction_documents WHERE transaction_id = ANY(@ids) ORDER BY id");
        Add($"SELECT title_number, upi FROM registry.title_parcels WHERE title_number IN ({Examined}) ORDER BY upi");
        Add("""
            WITH named AS MATERIALIZED (
                SELECT g.value AS party FROM registry.transactions t
                CROSS JOIN LATERAL jsonb_array_elements(
                    CASE WHEN jsonb_typeof(t.instrument -> 'grantees') = 'array' THEN t.instrument -> 'grantees' ELSE '[]'::jsonb END
                    || CASE WHEN jsonb_typeof(t.instrument -> 'beneficiary') = 'object' THEN jsonb_build_array(t.instrument -> 'beneficiary') ELSE '[]'::jsonb END) g
                WHERE t.id = ANY(@ids) AND t.state = @examined)
            SELECT p.id, p.name, p.uin, p.registration_number FROM registry.parties p
            WHERE p.id IN (SELECT (n.party ->> 'partyId')::bigint FROM named n WHERE jsonb_typeof(n.party -> 'partyId') = 'number')
            UNION
            SELECT p.id, p.name, p.uin, p.registration_number FROM registry.parties p
            WHERE p.uin IN (SELECT n.party ->> 'uin' FROM named n WHERE jsonb_typeof(n.party -> 'uin') = 'string')
            UNION
            SELECT p.id, p.name, p.uin, p.registration_number FROM registry.parties p
            WHERE p.registration_number IN (SELECT n.party ->> 'registrationNumber' FROM named n WHERE jsonb_typeof(n.party -> 'registrationNumber') = 'string')
            """);

        // Prepared: planning these statements costs the database more than running them. A connection prepares them
        // once (one round trip) and keeps them; later batches on it only execute.
        await batch.PrepareAsync(ct);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var transactions = new Dictionary<Guid, RegistryTransaction>();
        while (await reader.ReadAsync(ct))
        {
            transactions[reader.GetGuid(0)] = new RegistryTransaction
            {
                Id = reader.GetGuid(0), Kind = ParseEnum<TransactionKind>(reader.GetString(1)), State = ParseEnum<TransactionState>(reader.GetString(2)),
                TitleNumber = reader.IsDBNull(3) ? null : reader.GetString(3), Instrument = reader.GetString(4),
                InstrumentDate = reader.GetFieldValue<DateOnly>(5), LodgedAt = reader.GetFieldValue<DateTimeOffset>(6), LodgedBy = reader.GetString(7),
            };
        }

        var titles = new Dictionary<string, Title>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            titles[reader.GetString(0)] = new Title
            {
                TitleNumber = reader.GetString(0), OpenedAt = reader.GetFieldValue<DateTimeOffset>(1), OpenedByTransactionId = reader.GetGuid(2),
                ClosedAt = reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), ClosedByTransactionId = reader.IsDBNull(4) ? null : reader.GetGuid(4),
            };
        }

        var earlier = new Dictionary<Guid, (Guid, DateTimeOffset, TransactionState)>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            earlier[reader.GetGuid(0)] = (reader.GetGuid(1), reader.GetFieldValue<DateTimeOffset>(2), ParseEnum<TransactionState>(reader.GetString(3)));
        }

        var current = new Dictionary<string, List<(RegisteredRight, OwnerShare)>>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var right = new RegisteredRight
            {
                Id = reader.GetInt64(0), TitleNumber = reader.GetString(1), Kind = ParseEnum<RightKind>(reader.GetString(2)),
                PartyId = reader.GetInt64(3), ShareNumerator = reader.GetInt64(4), ShareDenominator = reader.GetInt64(5),
                Amount = reader.IsDBNull(6) ? null : reader.GetDecimal(6), Terms = reader.IsDBNull(7) ? null : reader.GetString(7),
                ValidFrom = reader.GetFieldValue<DateTimeOffset>(8), CreatedByTransactionId = reader.GetGuid(9),
            };
            var holder = new OwnerShare(right.PartyId, reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11),
                reader.IsDBNull(12) ? null : reader.GetString(12), $"{right.ShareNumerator}/{right.ShareDenominator}");
            (current.TryGetValue(right.TitleNumber, out var list) ? list : current[right.TitleNumber] = []).Add((right, holder));
        }

        var documents = new Dictionary<Guid, List<(string, string)>>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetGuid(0);
            (documents.TryGetValue(id, out var list) ? list : documents[id] = []).Add((reader.GetString(1), reader.GetString(2)));
        }

        var parcels = new Dictionary<string, List<string>>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var number = reader.GetString(0);
            (parcels.TryGetValue(number, out var list) ? list : parcels[number] = []).Add(reader.GetString(1));
        }

        var parties = new Dictionary<long, OwnerShare>();
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            parties[reader.GetInt64(0)] = new OwnerShare(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), string.Empty);
        }

        return new BatchRead(transactions, titles, earlier, current, documents, parcels, parties);
    }

    /// <summary>A state as the transactions table stores it (fees_due, not the fees-due the API shows).</summary>
    private static string Stored(TransactionState state) => RegistryDbContext.SnakeCase(state.ToString());

    private static TEnum ParseEnum<TEnum>(string text) where TEnum : struct, Enum =>
        Enum.Parse<TEnum>(text.Replace("_", string.Empty, StringComparison.Ordinal), true);
}
