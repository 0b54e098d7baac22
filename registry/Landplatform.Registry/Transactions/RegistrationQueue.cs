using System.Threading.Channels;
using Landplatform.Registry.Data;
using Landplatform.Registry.Journal;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Landplatform.Registry.Transactions;

/// <summary>A registration done inside a batch, waiting for its journal entry, its event and the commit.</summary>
internal sealed record PreparedRegistration(Guid TransactionId, string Kind, string TitleNumber, IReadOnlyList<string> Titles, DateTimeOffset At, string EventPayload);

/// <summary>
/// Group commit for registrations. Registrations asked for at the same moment wait here, and a writer
/// registers them together in one database transaction: each under its own savepoint (a rule that fails
/// rolls back that one alone and its caller gets the failure as before), the journal links them in order
/// under one hold of the tail lock, and one commit (one WAL flush) makes them all durable at once. Every
/// caller gets its own outcome only after that commit. The locks stay in the database (rows of the
/// transactions and titles, the journal's advisory tail lock), so several server instances, each with
/// its own writers, still register conflicting transactions one at a time.
/// </summary>
public sealed class RegistrationQueue(IServiceScopeFactory scopes, ILogger<RegistrationQueue> log) : IAsyncDisposable, IDisposable
{
    /// <summary>At most this many registrations share one transaction (PostgreSQL keeps 64 subtransactions per backend cheap).</summary>
    public const int MaxBatch = 32;

    /// <summary>
    /// Writers registering batches side by side: while one holds the journal's tail lock through its commit, the
    /// other does the rules and rights of its own batch. They meet only in the database's locks, as two server
    /// instances would.
    /// </summary>
    public const int Writers = 2;

    private const string Savepoint = "registration";

    private readonly Channel<Request> requests = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = false });
    private readonly CancellationTokenSource stopping = new();
    private readonly Lock gate = new();
    private Task? writers;

    /// <summary>Registers one examined transaction together with whatever else is being registered now.</summary>
    public Task<RegistrationResult> RegisterAsync(Guid id, string registrar, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var request = new Request(id, registrar, new TaskCompletionSource<RegistrationResult>(TaskCreationOptions.RunContinuationsAsynchronously), ct);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(stopping.IsCancellationRequested, this);
            writers ??= Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(WriteAsync)));
        }

        if (!requests.Writer.TryWrite(request))
        {
            throw new ObjectDisposedException(nameof(RegistrationQueue));
        }

        return request.Outcome.Task;
    }

    public async ValueTask DisposeAsync()
    {
        Task? running;
        lock (gate)
        {
            if (stopping.IsCancellationRequested)
            {
                return;
            }

            stopping.Cancel();
            running = writers;
        }

        requests.Writer.TryComplete();
        if (running is not null)
        {
            await running.ConfigureAwait(false);
        }

        while (requests.Reader.TryRead(out var left))
        {
            left.Outcome.TrySetException(new ObjectDisposedException(nameof(RegistrationQueue)));
        }

        stopping.Dispose();
    }

    /// <summary>For containers disposed synchronously: stops the writer after the batch in hand.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task WriteAsync()
    {
        var batch = new List<Request>(MaxBatch);
        try
        {
            while (await requests.Reader.WaitToReadAsync(stopping.Token))
            {
                // The callers of the last batch resume on the thread pool; one yield lets those coming straight
                // back join this batch instead of each starting a batch of its own.
                await Task.Yield();
                batch.Clear();
                while (batch.Count < MaxBatch && requests.Reader.TryRead(out var next))
                {
                    if (next.Ct.IsCancellationRequested)
                    {
                        next.Outcome.TrySetCanceled(next.Ct);
                    }
                    else
                    {
                        batch.Add(next);
                    }
                }

                if (batch.Count > 0)
                {
                    await RunAsync(batch);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            foreach (var request in batch)
            {
                request.Outcome.TrySetException(new ObjectDisposedException(nameof(RegistrationQueue)));
            }
        }
    }

    private async Task RunAsync(List<Request> batch)
    {
        try
        {
            await RegisterBatchAsync(batch);
        }
        catch (Exception e) when (batch.Count > 1 && !stopping.IsCancellationRequested)
        {
            // The batch failed as a whole (a deadlock with another instance, a lost connection): nothing of it
            // committed, so each registers again alone and gets its own outcome.
            log.LogWarning(e, "A batch of {Count} registrations failed as a whole; registering each alone", batch.Count);
            foreach (var request in batch)
            {
                try
                {
                    await RegisterBatchAsync([request]);
                }
                catch (Exception single)
                {
                    request.Outcome.TrySetException(single);
                }
            }
        }
        catch (Exception e)
        {
            foreach (var request in batch)
            {
                request.Outcome.TrySetException(e);
            }
        }
    }

    private async Task RegisterBatchAsync(IReadOnlyList<Request> batch)
    {
        var ct = stopping.Token;
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<RegistryDbContext>();
        db.Database.AutoSavepointsEnabled = false;   // our own savepoint per registration is the only one needed
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var desk = services.GetRequiredService<TransactionDesk>();   // on the scope's DbContext, the one in this transaction

        var prepared = new PreparedRegistration?[batch.Count];
        var failures = new Exception?[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            // A batch of one needs no savepoint: its failure rolls the whole transaction back, as before.
            if (batch.Count == 1)
            {
                prepared[i] = await desk.RegisterWithinAsync(batch[i].Id, batch[i].Registrar, ct);
                continue;
            }

            await transaction.CreateSavepointAsync(Savepoint, ct);
            try
            {
                prepared[i] = await desk.RegisterWithinAsync(batch[i].Id, batch[i].Registrar, ct);
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

        var done = prepared.Where(p => p is not null).Select(p => p!).ToList();
        var entries = new Dictionary<Guid, JournalAppend>();
        if (done.Count > 0)
        {
            var events = new NpgsqlBatch(connection);
            foreach (var registration in done)
            {
                var insert = new NpgsqlBatchCommand(
                    "INSERT INTO exchange.outbox (event_id, type, occurred_at, correlation_id, payload) VALUES (@event, @type, @at, @tx, @payload::jsonb)");
                insert.Parameters.AddWithValue("event", Guid.CreateVersion7());
                insert.Parameters.AddWithValue("type", TransactionDesk.RegisteredEvent);
                insert.Parameters.AddWithValue("at", registration.At);
                insert.Parameters.AddWithValue("tx", registration.TransactionId);
                insert.Parameters.AddWithValue("payload", registration.EventPayload);
                events.BatchCommands.Add(insert);
            }

            var notify = new NpgsqlBatchCommand("SELECT pg_notify('lp_outbox', @type)");
            notify.Parameters.AddWithValue("type", TransactionDesk.RegisteredEvent);
            events.BatchCommands.Add(notify);
            var appended = await RegisterJournal.AppendBatchAsync(connection,
                done.Select(r => new JournalRequest(r.TransactionId, r.Kind, r.TitleNumber, r.Titles, r.At, null)).ToList(), events, ct);
            foreach (var entry in appended)
            {
                entries[entry.Content.TransactionId] = entry;
            }
        }

        await transaction.CommitAsync(ct);
        for (var i = 0; i < batch.Count; i++)
        {
            if (prepared[i] is { } registration)
            {
                batch[i].Outcome.TrySetResult(new RegistrationResult(registration.TransactionId, entries[registration.TransactionId].Seq, registration.Titles));
            }
            else
            {
                batch[i].Outcome.TrySetException(failures[i]!);
            }
        }
    }

    private sealed record Request(Guid Id, string Registrar, TaskCompletionSource<RegistrationResult> Outcome, CancellationToken Ct);
}
