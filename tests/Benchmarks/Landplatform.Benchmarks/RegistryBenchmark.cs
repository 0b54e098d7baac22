using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics;
using System.Globalization;
using System.Security.Claims;
using Landplatform.Registry;
using Landplatform.Registry.Search;
using Landplatform.Registry.Transactions;
using Npgsql;

namespace Landplatform.Benchmarks;

/// <summary>
/// The registry's benchmark on whatever register the database holds (./lp bench runs it on the
/// 1,000,000-parcel register): transfers registered per second with the journal on, next to the same
/// writes as raw SQL; and search latency, next to the raw SQL of the same search.
/// </summary>
public static class RegistryBenchmark
{
    private const int Transfers = 400;

    /// <summary>Transfers registered (ours and raw) before anything is timed, so the JIT has tiered the code up, as wrk's warm-up does for the HTTP parts.</summary>
    private const int WarmUp = 250;
    private const int Workers = 4;

    /// <summary>Registrars at once in the second measure: the office's whole counter, a morning's queue.</summary>
    private const int ManyWorkers = 32;
    private const int SearchRuns = 40;

    public static async Task<int> RunAsync(IServiceProvider host, CancellationToken ct)
    {
        // The registry composed alone, as the drill composes it: the registry's own fee schedule and a
        // registrar-recorded payment stand in for the gateway (whose round trips are not what is measured here).
        var data = host.GetRequiredService<NpgsqlDataSource>();
        await using var services = new ServiceCollection()
            .AddSingleton(data)
            .AddSingleton(host.GetRequiredService<Landplatform.Cadastre.Contracts.IUinScheme>())
            .AddSingleton(host.GetRequiredService<Landplatform.Cadastre.Contracts.IPersonalDataDisclosure>())
            .AddSingleton(host.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>())
            .AddLogging()
            .AddRegistry()
            .BuildServiceProvider();
        var titles = await ScalarAsync<long>(data, "SELECT count(*) FROM registry.titles WHERE closed_at IS NULL", ct);
        var candidates = await CandidatesAsync(data, (4 * Transfers) + (2 * WarmUp), ct);
        if (candidates.Count < (4 * Transfers) + (2 * WarmUp))
        {
            Console.Error.WriteLine($"registry bench: the register holds too few single-owner titles ({candidates.Count}); load the sample first.");
            return 1;
        }

        var ours = candidates.Take(Transfers).ToList();
        var raw = candidates.Skip(Transfers).Take(Transfers).ToList();
        var oursMany = candidates.Skip(2 * Transfers).Take(Transfers).ToList();
        var rawMany = candidates.Skip(3 * Transfers).Take(Transfers).ToList();
        var warmUp = candidates.Skip(4 * Transfers).Take(WarmUp).ToList();
        var rawWarmUp = candidates.Skip((4 * Transfers) + WarmUp).ToList();

        async Task<long> Register(TransactionDesk desk, Guid id) => (await desk.RegisterAsync(id, "bench-registrar", ct)).JournalSeq;

        // Lodge, attach the deed, submit, pay and examine every transfer first; then time the registrations alone.
        var prepare = Stopwatch.StartNew();
        var examined = await PrepareAsync(ours, services, ct);
        prepare.Stop();
        var examinedMany = await PrepareAsync(oursMany, services, ct);
        await InParallelAsync(await PrepareAsync(warmUp, services, ct), services, Register, ct);
        await RawTransfersAsync(data, rawWarmUp, Workers, ct);

        using var trips = new RoundTrips();
        var cpu = new ProcessCpu();
        var oursRate = Transfers / await TimedAsync(() => InParallelAsync(examined, services, Register, ct), ct);
        var oursTrips = trips.Take() / (double)Transfers;
        var oursCpu = cpu.Take() / Transfers;
        var sqlRate = Transfers / await TimedAsync(() => RawTransfersAsync(data, raw, Workers, ct), ct);
        var sqlTrips = (trips.Take() + Transfers) / (double)Transfers;   // and each transfer's COMMIT, which Npgsql does not trace
        var sqlCpu = cpu.Take() / Transfers;
        var oursManyRate = Transfers / await TimedAsync(() => InParallelAsync(examinedMany, services, Register, ct, ManyWorkers), ct);
        var oursManyTrips = trips.Take() / (double)Transfers;
        var oursManyCpu = cpu.Take() / Transfers;
        var sqlManyRate = Transfers / await TimedAsync(() => RawTransfersAsync(data, rawMany, ManyWorkers, ct), ct);
        var sqlManyTrips = (trips.Take() + Transfers) / (double)Transfers;
        var sqlManyCpu = cpu.Take() / Transfers;

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""

            registry on {titles:N0} open titles, journal on
            {"work",-44} {"ours",12} {"raw SQL",12} {"ratio",8}
            {$"transfers registered per second, {Workers} clients",-44} {oursRate,12:0.0} {sqlRate,12:0.0} {oursRate / sqlRate,7:0.00}x   (goal: at least 200/s)
            {$"transfers registered per second, {ManyWorkers} clients",-44} {oursManyRate,12:0.0} {sqlManyRate,12:0.0} {oursManyRate / sqlManyRate,7:0.00}x   (goal: at least 200/s)
            {"  round trips per registration, 4 / 32 clients",-44} {$"{oursTrips:0.00} / {oursManyTrips:0.00}",12} {$"{sqlTrips:0.00} / {sqlManyTrips:0.00}",12} {"",8}   (commands and batches sent, COMMIT included: ours commits inside its last batch)
            {"  client CPU ms per registration, 4 / 32",-44} {$"{oursCpu:0.00} / {oursManyCpu:0.00}",12} {$"{sqlCpu:0.00} / {sqlManyCpu:0.00}",12} {"",8}   (this process's user+system time, steadier than rates under load)
            {"  full workflow (lodge..examine) per second",-44} {Transfers / prepare.Elapsed.TotalSeconds,12:0.0} {"",12} {"",8}   (5 steps, each its own transaction, {Workers} clients)
            """));

        await using var searchScope = services.CreateAsyncScope();
        var search = searchScope.ServiceProvider.GetRequiredService<RegisterSearch>();
        var anonymous = new ClaimsPrincipal(new ClaimsIdentity());
        var name = await ScalarAsync<string>(data, "SELECT name FROM registry.parties WHERE kind = 'person' ORDER BY id OFFSET (SELECT count(*) / 4 FROM registry.parties WHERE kind = 'person') LIMIT 1", ct);
        var upi = await ScalarAsync<string>(data, "SELECT upi FROM registry.title_parcels ORDER BY upi OFFSET (SELECT count(*) / 20 FROM registry.title_parcels) LIMIT 1", ct);
        var street = await ScalarAsync<string>(data, "SELECT split_part(address, ',', 1) FROM cadastre.parcel_versions WHERE status = 'current' AND address IS NOT NULL ORDER BY upi OFFSET (SELECT count(*) * 7 / 100 FROM cadastre.parcel_versions WHERE status = 'current' AND address IS NOT NULL) LIMIT 1", ct);
        foreach (var (label, by, text, rawSql) in new[]
                 {
                     ("search by owner name (pg_trgm), 20 titles", SearchBy.Name, name, "SELECT r.title_number FROM (SELECT p.id, similarity(p.name, @q) AS score FROM registry.parties p WHERE p.name % @q ORDER BY score DESC, p.id LIMIT 500) p JOIN registry.rights r ON r.party_id = p.id AND r.kind = 'ownership' AND r.valid_to IS NULL GROUP BY r.title_number ORDER BY max(p.score) DESC, r.title_number LIMIT 20"),
                     ("search by UPI prefix, 20 titles", SearchBy.Upi, upi[..11], "SELECT tp.title_number FROM registry.title_parcels tp WHERE tp.upi LIKE @q || '%' ORDER BY tp.upi LIMIT 20"),
                     ("search by address (pg_trgm), 20 titles", SearchBy.Address, street, "SELECT tp.title_number FROM cadastre.parcel_versions v JOIN registry.title_parcels tp ON tp.upi = v.upi WHERE v.status = 'current' AND v.address ILIKE '%' || @q || '%' ORDER BY v.upi LIMIT 20"),
                 })
        {
            var oursTimes = await TimeAsync(async () => await search.FindAsync(by, text, false, 20, anonymous, ct), ct);
            var rawTimes = await TimeAsync(async () =>
            {
                await using var command = data.CreateCommand(rawSql);
                command.Parameters.AddWithValue("q", text);
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                }
            }, ct);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label,-44} {Median(oursTimes),9:0.00} ms {Median(rawTimes),9:0.00} ms {Median(oursTimes) / Median(rawTimes),7:0.00}x   (median of {SearchRuns}; ours p95 {P95(oursTimes):0.00} ms; '{text}')"));
        }

        Console.WriteLine("(ours: the registry's TransactionDesk / RegisterSearch in process; raw SQL: the same rows written or found by hand-written SQL on the same connections; ratio = ours over raw, for search time above 1 is slower: ours also fetches owners and parcels)");
        var verifying = Stopwatch.StartNew();
        var verification = await services.GetRequiredService<Landplatform.Registry.Journal.RegisterJournal>()
            .VerifyAsync(null, new Progress<string>(line => Console.Error.WriteLine($"  verify: {line}")), ct);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"registry verify (whole register against the journal): {verifying.Elapsed.TotalSeconds:0.0} s"));
        Console.WriteLine(verification.Message.Split(Environment.NewLine).Take(20).Aggregate((a, b) => a + Environment.NewLine + b));
        return verification.Intact ? 0 : 1;
    }

    /// <summary>Counts what Npgsql sends to the database (a command or a batch of them: one round trip each), from its tracing.</summary>
    private sealed class RoundTrips : IDisposable
    {
        private readonly ActivityListener listener;
        private long count;

        public RoundTrips()
        {
            listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "Npgsql",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
                // Opening a physical connection is traced too; it is not a statement of the work measured.
                ActivityStarted = a =>
                {
                    if (!a.OperationName.StartsWith("CONNECT", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref count);
                    }
                },
            };
            ActivitySource.AddActivityListener(listener);
        }

        /// <summary>The round trips since the last call.</summary>
        public long Take()
        {
            return Interlocked.Exchange(ref count, 0);
        }

        public void Dispose() => listener.Dispose();
    }

    /// <summary>This process's CPU time (user and system), in milliseconds since the last call.</summary>
    private sealed class ProcessCpu
    {
        private TimeSpan last = Process.GetCurrentProcess().TotalProcessorTime;

        public double Take()
        {
            var now = Process.GetCurrentProcess().TotalProcessorTime;
            var spent = now - last;
            last = now;
            return spent.TotalMilliseconds;
        }
    }

    private sealed record Candidate(string Title, long Owner, long Buyer);

    private static Task<List<Guid>> PrepareAsync(IReadOnlyList<Candidate> candidates, IServiceProvider services, CancellationToken ct) =>
        InParallelAsync(candidates, services, async (desk, c) =>
        {
            var lodged = await desk.LodgeAsync(new Lodgement("transfer", c.Title, DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-1)), "sale",
                [new PartyReference(c.Owner, null, null, null, null)], [new PartyReference(c.Buyer, null, null, null, "1/1")], null, 1000m, null, null), "bench-notary", ct);
            await desk.AttachAsync(lodged.Id, new DocumentUpload("deed", "deed.pdf", new MemoryStream(System.Text.Encoding.UTF8.GetBytes($"deed {c.Title}"))), "bench-notary", ct);
            var submitted = await desk.SubmitAsync(lodged.Id, "bench-notary", ct);
            await desk.RecordPaymentAsync(lodged.Id, submitted.Fee!.Value, "BENCH", "bench-registrar", ct);
            await desk.ExamineAsync(lodged.Id, "bench-examiner", ct);
            return lodged.Id;
        }, ct);

    private static async Task<double> TimedAsync(Func<Task> work, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await work();
        ct.ThrowIfCancellationRequested();
        return clock.Elapsed.TotalSeconds;
    }

    private static async Task<List<Candidate>> CandidatesAsync(NpgsqlDataSource data, int count, CancellationToken ct)
    {
        // Single-owner titles with nothing pending and no caveat or mortgage, spread over the island.
        await using var command = data.CreateCommand("""
            SELECT r.title_number, min(r.party_id), min(r.party_id) + 1
            FROM registry.rights r
            WHERE r.valid_to IS NULL AND r.kind = 'ownership'
              AND NOT EXISTS (SELECT 1 FROM registry.rights o WHERE o.title_number = r.title_number AND o.valid_to IS NULL AND o.kind <> 'ownership')
              AND NOT EXISTS (SELECT 1 FROM registry.transactions t WHERE t.title_number = r.title_number AND t.state NOT IN ('registered', 'rejected'))
            GROUP BY r.title_number HAVING count(*) = 1
            ORDER BY md5(r.title_number || (SELECT count(*) FROM registry.journal)::text) LIMIT @n
            """);
        command.Parameters.AddWithValue("n", count);
        command.CommandTimeout = 0;
        var list = new List<Candidate>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new Candidate(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        return list;
    }

    private static async Task<List<TResult>> InParallelAsync<TItem, TResult>(IReadOnlyList<TItem> items, IServiceProvider services,
        Func<TransactionDesk, TItem, Task<TResult>> work, CancellationToken ct, int workers = Workers)
    {
        var results = new TResult[items.Count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < items.Count)
            {
                await using var scope = services.CreateAsyncScope();
                results[i] = await work(scope.ServiceProvider.GetRequiredService<TransactionDesk>(), items[i]);
            }
        }));
        ct.ThrowIfCancellationRequested();
        return [.. results];
    }

    // The same writes a registration makes, by hand: lock the title, end the owner's right, write the new
    // one, mark the transaction, append the chained journal entry; one transaction each, same concurrency.
    private static async Task RawTransfersAsync(NpgsqlDataSource data, IReadOnlyList<Candidate> items, int workers, CancellationToken ct)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < items.Count)
            {
                var c = items[i];
                await using var connection = await data.OpenConnectionAsync(ct);
                await using var tx = await connection.BeginTransactionAsync(ct);
                await using var batch = new NpgsqlBatch(connection, tx);
                var id = Guid.CreateVersion7();
                batch.BatchCommands.Add(Command("SELECT 1 FROM registry.titles WHERE title_number = @t FOR UPDATE", c, id));
                batch.BatchCommands.Add(Command("INSERT INTO registry.transactions (id, kind, state, title_number, instrument, instrument_date, lodged_at, lodged_by, registered_at) VALUES (@id, 'transfer', 'registered', @t, '{}', current_date, now(), 'raw', now())", c, id));
                batch.BatchCommands.Add(Command("UPDATE registry.rights SET valid_to = now(), ended_by_transaction_id = @id WHERE title_number = @t AND valid_to IS NULL AND kind = 'ownership'", c, id));
                batch.BatchCommands.Add(Command("INSERT INTO registry.rights (title_number, kind, party_id, share_numerator, share_denominator, valid_from, created_by_transaction_id) VALUES (@t, 'ownership', @buyer, 1, 1, now(), @id)", c, id));
                batch.BatchCommands.Add(Command("INSERT INTO exchange.outbox (event_id, type, occurred_at, correlation_id, payload) VALUES (gen_random_uuid(), 'bench.raw', now(), @id, '{}')", c, id));
                batch.BatchCommands.Add(Command("SELECT set_config('lp.digest', registry.transaction_digest_v2(@id), true)", c, id));
                batch.BatchCommands.Add(Command("SELECT pg_advisory_xact_lock(83907727807826)", c, id));
                batch.BatchCommands.Add(Command("""
                    INSERT INTO registry.journal (seq, recorded_at, transaction_id, content, previous_hash, hash)
                    SELECT j.seq + 1, now(), @id, c.content, j.hash, sha256(j.hash || convert_to(c.content, 'UTF8'))
                    FROM (SELECT seq, hash FROM registry.journal ORDER BY seq DESC LIMIT 1) j,
                         LATERAL (SELECT json_build_object('seq', j.seq + 1, 'transactionId', @id, 'kind', 'transfer', 'titleNumber', @t,
                                   'recordedAt', now(), 'titles', json_build_array(@t), 'digest', current_setting('lp.digest'), 'note', NULL, 'digestVersion', 2)::text AS content) c
                    """, c, id));
                await batch.ExecuteNonQueryAsync(ct);
                await tx.CommitAsync(ct);
            }
        }));
    }

    private static NpgsqlBatchCommand Command(string sql, Candidate c, Guid id)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddWithValue("t", c.Title);
        command.Parameters.AddWithValue("buyer", c.Buyer);
        command.Parameters.AddWithValue("id", id);
        return command;
    }

    private static async Task<List<double>> TimeAsync(Func<Task> work, CancellationToken ct)
    {
        await work();
        var times = new List<double>(SearchRuns);
        for (var run = 0; run < SearchRuns; run++)
        {
            ct.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            await work();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return times;
    }

    private static double Median(List<double> sorted) => sorted[sorted.Count / 2];

    private static double P95(List<double> sorted) => sorted[(int)Math.Ceiling(sorted.Count * 0.95) - 1];

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource data, string sql, CancellationToken ct)
    {
        await using var command = data.CreateCommand(sql);
        command.CommandTimeout = 0;
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }
}
