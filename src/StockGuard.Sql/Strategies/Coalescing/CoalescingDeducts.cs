using System.Collections.Concurrent;
using StockGuard.Diagnostics;
using StockGuard.Sql.Execution;
using StockGuard.Sql.Operations;

namespace StockGuard.Sql.Strategies.Coalescing;

/// <summary>
/// The coalescing strategy. A single-item deduct of an idle item runs alone on the atomic path. While it (or a batch)
/// is in flight, further deducts of that item wait in its queue; when the flight lands, the waiting requests form the
/// next batch, applied in one transaction: their idempotency keys are inserted (in key order), the item row is locked
/// and its expired holds given back, the requests are granted in arrival order while stock lasts, then one update
/// of the row, one movement row per sale and one stored result per key are written and committed. Only then does
/// each caller get its own result, with the level just after its own sale. If the batch fails, every caller in it
/// gets the same error and nothing of the batch was applied (or, when the commit itself failed, the error says
/// the outcome is unknown).
/// </summary>
internal sealed class CoalescingDeducts(SqlExecutor executor, StockChanges changes)
{
    /// <summary>How long an item that formed a batch counts as hot: its lone deducts take the batch's statement meanwhile.</summary>
    private static readonly TimeSpan HotWindow = TimeSpan.FromSeconds(1);

    /// <summary>Most items remembered as hot; past it the memory starts again (an item forgotten takes the atomic path once).</summary>
    private const int MaxHotItems = 10_000;

    private readonly ConcurrentDictionary<StockKey, CoalescingQueue> _queues = new();

    /// <summary>When each item last formed a batch (a <see cref="TimeProvider"/> timestamp).</summary>
    private readonly ConcurrentDictionary<StockKey, long> _lastBatch = new();

    /// <summary>A single-item deduct: alone when its item is idle, else in the item's next batch.</summary>
    public Task<StockChangeResult> DeductAsync(DeductRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return TimedAsync(new PendingDeduct(request), cancellationToken);
    }

    /// <summary>The deduct, timed and traced (as <see cref="SqlExecutor.RunTimedAsync{T}"/>, without a delegate and its closure per request).</summary>
    private async Task<StockChangeResult> TimedAsync(PendingDeduct pending, CancellationToken cancellationToken)
    {
        var scope = StockGuardTelemetry.Start(executor.Dialect.StoreName, StockOperation.Deduct);
        try
        {
            var result = await CoalesceAsync(pending, cancellationToken).ConfigureAwait(false);
            scope.Complete(SqlExecutor.ChangeOutcome(result));
            return result;
        }
        catch (Exception ex)
        {
            scope.Fail(ex);
            throw;
        }
    }

    /// <summary>
    /// Runs the deduct alone, or queues it and returns the task of its batch's answer (a request that waits without a
    /// cancellable token costs no state machine of its own here).
    /// </summary>
    private Task<StockChangeResult> CoalesceAsync(PendingDeduct pending, CancellationToken cancellationToken)
    {
        CoalescingQueue queue;
        while (true)
        {
            queue = _queues.GetOrAdd(pending.Line.Key, static (key, owner) => new CoalescingQueue(key, owner), _queues);
            var admission = queue.Enter(pending, executor.Options.Coalescing.MaxQueueLength);
            if (admission == CoalescingQueue.Admission.RunAlone)
            {
                if (IsHot(pending.Line.Key))
                {
                    // A hot item's buyers come back together (one batch answered them all): this one waits in the queue
                    // for the others the same answer sent, and the next flight takes them as one batch, instead of
                    // selling alone ahead of them and making them wait a flight longer.
                    queue.Wait(pending);
                    ServeWaitingLater(queue);
                    break;
                }

                return AloneAsync(queue, pending.Request, cancellationToken);
            }

            if (admission == CoalescingQueue.Admission.Queued)
            {
                break;
            }
        }

        return cancellationToken.CanBeCanceled ? WaitCancellableAsync(queue, pending, cancellationToken) : pending.Result;
    }

    /// <summary>The deduct of an idle item, alone; then the requests that queued meanwhile are served.</summary>
    private async Task<StockChangeResult> AloneAsync(CoalescingQueue queue, DeductRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await DeductAloneAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ServeWaiting(queue);
        }
    }

    /// <summary>Waits for the batch's answer; cancelled while waiting, the request leaves the queue, nothing changed. Once a batch took it, it completes truthfully.</summary>
    private static async Task<StockChangeResult> WaitCancellableAsync(CoalescingQueue queue, PendingDeduct pending, CancellationToken cancellationToken)
    {
        pending.Queue = queue;
        pending.CancellationToken = cancellationToken;
        pending.Cancellation = cancellationToken.Register(
            static state =>
            {
                var pending = (PendingDeduct)state!;
                if (pending.Queue!.TryRemove(pending))
                {
                    pending.Fail(new OperationCanceledException("The deduct was cancelled while it waited for its batch; nothing was changed.", pending.CancellationToken));
                }
            },
            pending);
        try
        {
            return await pending.Result.ConfigureAwait(false);
        }
        finally
        {
            await pending.Cancellation.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The ordinary atomic deduct (one command when it can be), without its own telemetry scope (the caller has one).</summary>
    private Task<StockChangeResult> DeductAloneAsync(DeductRequest request, CancellationToken cancellationToken) =>
        changes.DeductUntimedAsync(request, cancellationToken);

    /// <summary>When requests wait for the item whose flight just landed, serves them on the thread pool, batch after batch.</summary>
    private void ServeWaiting(CoalescingQueue queue)
    {
        if (!queue.ContinueOrRetire())
        {
            return;
        }

        // The batches belong to no caller: they must not run in the finishing caller's context (its activity, its locals).
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(() => DrainAsync(queue));
        }
    }

    /// <summary>
    /// Serves the queue of an item whose flight this caller holds, after the work already queued on the thread pool
    /// (the other buyers a batch's answer just woke) had its turn to join it.
    /// </summary>
    private void ServeWaitingLater(CoalescingQueue queue)
    {
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(async () =>
            {
                await Task.Yield();
                await DrainAsync(queue).ConfigureAwait(false);
            });
        }
    }

    private async Task DrainAsync(CoalescingQueue queue)
    {
        var limits = executor.Options.Coalescing;
        do
        {
            if (limits.MaxWait > TimeSpan.Zero && queue.Count < limits.MaxBatchSize)
            {
                await Task.Delay(limits.MaxWait, executor.Time).ConfigureAwait(false);
            }

            var batch = queue.Take(limits.MaxBatchSize);
            if (batch.Count > 0)
            {
                StockGuardTelemetry.RecordBatch(executor.Dialect.StoreName, batch.Count);
                if (batch.Count > 1)
                {
                    MarkHot(queue.Key);
                }

                await ApplyBatchAsync(queue.Key, batch).ConfigureAwait(false);
            }
        }
        while (queue.ContinueOrRetire());
    }

    /// <summary>Whether <paramref name="key"/> formed a batch within the last <see cref="HotWindow"/>.</summary>
    private bool IsHot(StockKey key) =>
        _lastBatch.TryGetValue(key, out var at) && executor.Time.GetElapsedTime(at) < HotWindow;

    private void MarkHot(StockKey key)
    {
        if (_lastBatch.Count >= MaxHotItems && !_lastBatch.ContainsKey(key))
        {
            _lastBatch.Clear();
        }

        _lastBatch[key] = executor.Time.GetTimestamp();
    }

    /// <summary>
    /// Applies one batch and completes every request in it; never throws. Returns once the item's row is free for the
    /// next batch: when the batch committed without waiting for its flush, its callers are answered in the background
    /// after the flush barrier (<see cref="AnswerWhenDurableAsync"/>), while this process's next batch already runs.
    /// </summary>
    private async Task ApplyBatchAsync(StockKey key, List<PendingDeduct> batch)
    {
        // The first request of each idempotency key joins the batch. A repeat of a key, and a key stored before,
        // go through the ordinary path after the batch has committed, where they replay the first result or conflict.
        // A batch without keys (the flash sale's) joins whole, without copies.
        var joined = batch;
        List<PendingDeduct>? later = null;
        if (!CoalescedBatch.IsKeyless(batch))
        {
            joined = new List<PendingDeduct>(batch.Count);
            HashSet<string>? keys = null;
            foreach (var pending in batch)
            {
                if (pending.Request.IdempotencyKey is { } idempotencyKey && !(keys ??= new(StringComparer.Ordinal)).Add(idempotencyKey))
                {
                    (later ??= []).Add(pending);
                }
                else
                {
                    joined.Add(pending);
                }
            }
        }

        StockChangeResult?[]? results = null;
        var durable = false;
        try
        {
            // One statement sells the batch, even a batch of one (the item is contended: its row lock is then not held
            // through a log flush); the transaction path decides when it cannot.
            if (await CoalescedBatch.TrySellAsync(executor, key, joined).ConfigureAwait(false) is { } sold)
            {
                results = sold.Results;
                durable = sold.Durable;
            }
            else if (joined.Count > 1)
            {
                results = await executor.RunAsync(s => CoalescedBatch.ApplyAsync(s, key, joined, executor.Now()), CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            foreach (var pending in joined)
            {
                pending.Fail(ex);
            }

            results = [];
        }

        if (results is null)
        {
            // A lone request the statement could not sell whole: the ordinary path gives its exact answer.
            (later ??= []).InsertRange(0, joined);
        }
        else if (results.Length > 0)
        {
            if (later is null && Array.TrueForAll(results, r => r is not null))
            {
                // Nothing else waits for this batch: the next one may take the row while this one's flush is awaited.
                _ = AnswerWhenDurableAsync(joined, results, durable);
                return;
            }

            await AnswerWhenDurableAsync(joined, results, durable).ConfigureAwait(false);
            for (var i = 0; i < joined.Count; i++)
            {
                if (results[i] is null)
                {
                    (later ??= []).Add(joined[i]);
                }
            }
        }

        if (later is null)
        {
            return;
        }

        foreach (var pending in later)
        {
            try
            {
                pending.Complete(await DeductAloneAsync(pending.Request, CancellationToken.None).ConfigureAwait(false));
            }
            catch (Exception ex)
            {
                pending.Fail(ex);
            }
        }
    }

    /// <summary>
    /// Answers the requests of a committed batch once it is durable: after the dialect's flush barrier when the batch
    /// (without idempotency keys) committed without waiting for its flush (<see cref="SqlExecutor.FlushCommitsAsync"/>); if the barrier fails,
    /// every caller learns that the outcome is unknown. A request without a result (its key was stored before) is left
    /// to the caller. Nothing is awaited when <paramref name="durable"/>: the barrier already ran in the batch's round trip.
    /// Never throws.
    /// </summary>
    private async Task AnswerWhenDurableAsync(List<PendingDeduct> joined, StockChangeResult?[] results, bool durable)
    {
        try
        {
            if (!durable && CoalescedBatch.IsKeyless(joined))
            {
                await executor.FlushCommitsAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            for (var i = 0; i < joined.Count; i++)
            {
                if (results[i] is not null)
                {
                    joined[i].Fail(ex);
                }
            }

            return;
        }

        for (var i = 0; i < joined.Count; i++)
        {
            if (results[i] is { } result)
            {
                // A batch's refusals are counted here; every other path counts its own in StockChanges.TakeAsync.
                if (!result.Succeeded)
                {
                    StockGuardTelemetry.RecordRefused(executor.Dialect.StoreName, StockOperation.Deduct);
                }

                joined[i].Complete(result);
            }
        }
    }
}
