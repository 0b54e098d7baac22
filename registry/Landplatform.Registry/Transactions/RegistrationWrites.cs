using Landplatform.Registry.Data;
using Npgsql;

namespace Landplatform.Registry.Transactions;

/// <summary>A registration the rules passed: its decided effect, who registers it, and what its journal entry and event carry.</summary>
internal sealed record RegistrationPlan(string Registrar, RegistrationEffect Effect, PreparedRegistration Prepared)
{
    public Guid TransactionId => Prepared.TransactionId;

    public DateTimeOffset At => Prepared.At;
}

/// <summary>The one writer of registrations: what <see cref="RegistrationEffects.Decide"/> decided, as set-based statements.</summary>
internal static class RegistrationWrites
{
    /// <summary>
    /// Adds the planned rows to a batch, one statement per table: titles opened and their parcels, rights ended,
    /// rights written (in plan order, so their ids follow it), titles closed, the transactions moved to registered and
    /// their steps. A right no longer in force, a title already closed or a transaction no longer examined fails its
    /// statement, and so the whole batch before it commits.
    /// </summary>
    public static void Add(NpgsqlBatch batch, IReadOnlyList<RegistrationPlan> plans)
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
            foreach (var right in plan.Effect.Ended)
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

        var opened = plans.SelectMany(p => p.Effect.Opened.Select(o => (Title: o, Plan: p))).ToList();
        if (opened.Count > 0)
        {
            var titles = new NpgsqlBatchCommand("""
                INSERT INTO registry.titles (title_number, opened_at, opened_by_transaction_id)
                SELECT o.title, o.at, o.tx FROM unnest(@titles, @ats, @txs) WITH ORDINALITY AS o(title, at, tx, n) ORDER BY o.n
                """);
            titles.Parameters.AddWithValue("titles", opened.Select(o => o.Title.TitleNumber).ToArray());
            titles.Parameters.AddWithValue("ats", opened.Select(o => o.Plan.At).ToArray());
            titles.Parameters.AddWithValue("txs", opened.Select(o => o.Plan.TransactionId).ToArray());
            batch.BatchCommands.Add(titles);
            var parcels = new NpgsqlBatchCommand("""
                INSERT INTO registry.title_parcels (title_number, upi, created_by_transaction_id)
                SELECT o.title, o.upi, o.tx FROM unnest(@titles, @upis, @txs) WITH ORDINALITY AS o(title, upi, tx, n) ORDER BY o.n
                """);
            parcels.Parameters.AddWithValue("titles", opened.Select(o => o.Title.TitleNumber).ToArray());
            parcels.Parameters.AddWithValue("upis", opened.Select(o => o.Title.Upi).ToArray());
            parcels.Parameters.AddWithValue("txs", opened.Select(o => o.Plan.TransactionId).ToArray());
            batch.BatchCommands.Add(parcels);
        }

        var added = plans.SelectMany(p => p.Effect.Added).ToList();
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

        var closing = plans.Where(p => p.Effect.Closed is not null).ToList();
        if (closing.Count > 0)
        {
            var close = new NpgsqlBatchCommand("""
                WITH closed AS (
                    UPDATE registry.titles t SET closed_at = c.at, closed_by_transaction_id = c.tx
                    FROM unnest(@titles, @txs, @ats) AS c(title, tx, at) WHERE t.title_number = c.title AND t.closed_at IS NULL
                    RETURNING t.title_number)
                SELECT CASE WHEN count(*) = cardinality(@titles) THEN count(*)
                            ELSE ('the register changed under its locks: ' || count(*) || ' of ' || cardinality(@titles) || ' titles could be closed')::bigint END
                FROM closed
                """);
            close.Parameters.AddWithValue("titles", closing.Select(p => p.Effect.Closed!).ToArray());
            close.Parameters.AddWithValue("txs", closing.Select(p => p.TransactionId).ToArray());
            close.Parameters.AddWithValue("ats", closing.Select(p => p.At).ToArray());
            batch.BatchCommands.Add(close);
        }

        var move = new NpgsqlBatchCommand("""
            WITH moved AS (
                UPDATE registry.transactions t SET state = @registered, registered_at = m.at
                FROM unnest(@txs, @ats) AS m(tx, at) WHERE t.id = m.tx AND t.state = @examined
                RETURNING t.id)
            SELECT CASE WHEN count(*) = cardinality(@txs) THEN count(*)
                        ELSE ('the register changed under its locks: ' || count(*) || ' of ' || cardinality(@txs) || ' transactions could be registered')::bigint END
            FROM moved
            """);
        move.Parameters.AddWithValue("registered", TitleReads.Stored(TransactionState.Registered));
        move.Parameters.AddWithValue("examined", TitleReads.Stored(TransactionState.Examined));
        move.Parameters.AddWithValue("txs", plans.Select(p => p.TransactionId).ToArray());
        move.Parameters.AddWithValue("ats", plans.Select(p => p.At).ToArray());
        batch.BatchCommands.Add(move);

        var steps = new NpgsqlBatchCommand("""
            INSERT INTO registry.transaction_steps (transaction_id, state, at, "by")
            SELECT s.tx, @registered, s.at, s.registrar FROM unnest(@txs, @ats, @registrars) WITH ORDINALITY AS s(tx, at, registrar, n) ORDER BY s.n
            """);
        steps.Parameters.AddWithValue("registered", TitleReads.Stored(TransactionState.Registered));
        steps.Parameters.AddWithValue("txs", plans.Select(p => p.TransactionId).ToArray());
        steps.Parameters.AddWithValue("ats", plans.Select(p => p.At).ToArray());
        steps.Parameters.AddWithValue("registrars", plans.Select(p => p.Registrar).ToArray());
        batch.BatchCommands.Add(steps);
    }
}
