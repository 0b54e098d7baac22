using System.Threading.Channels;
using Landplatform.Registry.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Landplatform.Registry.Transactions;

/// <summary>
/// Group commit for registrations. Registrations asked for at the same moment wait here, and a writer
/// registers them together in one database transaction (<see cref="TransactionDesk"/>'s batch: the rules of
/// all read in one round trip and checked each on its own, so a rule that fails refuses that one alone and its
/// caller gets the failure as before; the survivors written set-based), the journal links them in order
/// under one hold of the tail lock, and one commit (one WAL flush) makes them all durable at once. Every
/// caller gets its own outcome only after that commit. The locks stay in the database (rows of the
/// transactions and titles, the journal's advisory tail lock), so several server instances, each with
/// its own writers, still register conflicting transactions one at a time.
/// </summary>
public sealed class RegistrationQueue(IServiceScopeFactory scopes, ILogger<RegistrationQueue> log) : IAsyncDisposable, IDisposable
{
    /// <summary>At most this many registrations share one transaction (the few that go the long way each take a savepoint: PostgreSQL keeps 64 subtransactions per backend cheap).</summary>
    public const int MaxBatch = 32;

    /// <summary>
    /// Writers registering batches side by side: while one holds the journal's tail lock through its commit, the
    /// other does the rules and rights of its own batch. They meet only in the database's locks, as two server
    /// instances would.
    /// </summary>
    public const int Writers = 2;

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
        db.Database.AutoSavepointsEnabled = false;   // the desk's own savepoint per long-way registration is the only one needed
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var desk = services.GetRequiredService<TransactionDesk>();   // on the scope's DbContext, the one in this transaction
        var outcomes = await desk.RegisterAllAsync([.. batch.Select(r => new RegistrationRequest(r.Id, r.Registrar))], transaction, commit: true, ct);
        for (var i = 0; i < batch.Count; i++)
        {
            if (outcomes[i].Result is { } result)
            {
                batch[i].Outcome.TrySetResult(result);
            }
            else
            {
                batch[i].Outcome.TrySetException(outcomes[i].Failure!);
            }
        }
    }

    private sealed record Request(Guid Id, string Registrar, TaskCompletionSource<RegistrationResult> Outcome, CancellationToken Ct);
}

