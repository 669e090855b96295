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
    /// <summary>
    /// The items in flight (a request alone holds <see cref="CoalescingQueue.Alone"/>; a flight that others wait for,
    /// its queue) and the idle queues of hot items. An item neither in flight nor hot has no entry.
    /// </summary>
    private readonly ConcurrentDictionary<StockKey, CoalescingQueue> _items = new();

    /// <summary>When the map was last swept of the idle queues of items that cooled (a <see cref="TimeProvider"/> timestamp).</summary>
    private long _lastSweep = executor.Time.GetTimestamp();

    /// <summary>
    /// A single-item deduct: alone when its item is neither in flight nor hot, else in the item's next batch. The deduct
    /// alone costs what the atomic strategy's does, plus the item's entry in the map while it is out: no request object,
    /// queue or state machine of its own.
    /// </summary>
    public Task<StockChangeResult> DeductAsync(DeductRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var key = request.Lines[0].Key;
        return _items.TryAdd(key, CoalescingQueue.Alone)
            ? AloneAsync(key, null, request, cancellationToken)
            : CoalesceAsync(key, request, cancellationToken);
    }

    /// <summary>The item is in flight or hot: queues the deduct for the item's next batch, or runs it alone when the item turns out idle.</summary>
    private Task<StockChangeResult> CoalesceAsync(StockKey key, DeductRequest request, CancellationToken cancellationToken)
    {
        PendingDeduct? pending = null;
        while (true)
        {
            if (!_items.TryGetValue(key, out var queue))
            {
                // The flight landed meanwhile.
                if (_items.TryAdd(key, CoalescingQueue.Alone))
                {
                    return AloneAsync(key, null, request, cancellationToken);
                }

                continue;
            }

            if (ReferenceEquals(queue, CoalescingQueue.Alone))
            {
                // The first buyer to find a request alone in flight gives the item its queue: that flight serves it when it lands.
                var made = new CoalescingQueue(key, _items, executor.Time, busy: true);
                if (!_items.TryUpdate(key, made, CoalescingQueue.Alone))
                {
                    continue;
                }

                queue = made;
            }

            pending ??= new PendingDeduct(request);
            CoalescingQueue.Admission admission;
            try
            {
                admission = queue.Enter(pending, executor.Options.Coalescing.MaxQueueLength);
            }
            catch (StockStoreBusyException ex)
            {
                // Turned away: traced and counted as a failed deduct, as every other.
                StockGuardTelemetry.Start(executor.Dialect.StoreName, StockOperation.Deduct).Fail(ex);
                return Task.FromException<StockChangeResult>(ex);
            }

            switch (admission)
            {
                case CoalescingQueue.Admission.Queued:
                    return WaitAsync(queue, pending, cancellationToken);
                case CoalescingQueue.Admission.RunAlone when queue.IsHot:
                    // A hot item's buyers come back together (one batch answered them all): this one waits in the queue
                    // for the others the same answer sent, and the next flight takes them as one batch, instead of
                    // selling alone ahead of them and making them wait a flight longer.
                    queue.Wait(pending);
                    ServeWaitingLater(queue);
                    return WaitAsync(queue, pending, cancellationToken);
                case CoalescingQueue.Admission.RunAlone:
                    // The idle queue of an item that has cooled: the deduct runs alone, and the queue retires when it lands.
                    return AloneAsync(key, queue, request, cancellationToken);
                default:
                    // The queue retired: look the item up again.
                    continue;
            }
        }
    }

    /// <summary>
    /// The deduct of an idle item, alone, timed and traced (as <see cref="SqlExecutor.RunTimedAsync{T}"/>, without a
    /// delegate and its closure per request); then the requests that queued meanwhile are served.
    /// </summary>
    /// <param name="key">The item.</param>
    /// <param name="queue">The item's queue when the deduct holds one (a hot item's that cooled); <see langword="null"/> when it holds <see cref="CoalescingQueue.Alone"/>.</param>
    /// <param name="request">The deduct.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    private async Task<StockChangeResult> AloneAsync(StockKey key, CoalescingQueue? queue, DeductRequest request, CancellationToken cancellationToken)
    {
        // The scope starts inside the try: the item is already marked in flight, and whatever happens here must land it.
        StockGuardTelemetry.OperationScope scope = default;
        try
        {
            scope = StockGuardTelemetry.Start(executor.Dialect.StoreName, StockOperation.Deduct);
            var result = await DeductAloneAsync(request, cancellationToken).ConfigureAwait(false);
            scope.Complete(SqlExecutor.ChangeOutcome(result));
            return result;
        }
        catch (Exception ex)
        {
            scope.Fail(ex);
            throw;
        }
        finally
        {
            ServeWaiting(queue ?? Land(key));
        }
    }

    /// <summary>
    /// Ends a flight that held <see cref="CoalescingQueue.Alone"/>: the item's entry goes, unless a buyer gave the item a
    /// queue meanwhile; that queue is returned, for this flight to serve.
    /// </summary>
    private CoalescingQueue? Land(StockKey key)
    {
        if (_items.TryRemove(new KeyValuePair<StockKey, CoalescingQueue>(key, CoalescingQueue.Alone)))
        {
            return null;
        }

        // Only the flight out retires the queue that replaced its marker: it is still there.
        return _items.TryGetValue(key, out var queue) && !ReferenceEquals(queue, CoalescingQueue.Alone) ? queue : null;
    }

    /// <summary>
    /// Waits for the batch's answer, timed and traced; cancelled while waiting, the request leaves the queue, nothing
    /// changed. Once a batch took it, it completes truthfully.
    /// </summary>
    private async Task<StockChangeResult> WaitAsync(CoalescingQueue queue, PendingDeduct pending, CancellationToken cancellationToken)
    {
        var scope = StockGuardTelemetry.Start(executor.Dialect.StoreName, StockOperation.Deduct);
        try
        {
            StockChangeResult result;
            if (cancellationToken.CanBeCanceled)
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
                    result = await pending.Result.ConfigureAwait(false);
                }
                finally
                {
                    await pending.Cancellation.DisposeAsync().ConfigureAwait(false);
                }
            }
            else
            {
                result = await pending.Result.ConfigureAwait(false);
            }

            scope.Complete(SqlExecutor.ChangeOutcome(result));
            return result;
        }
        catch (Exception ex)
        {
            scope.Fail(ex);
            throw;
        }
    }

    /// <summary>The ordinary atomic deduct (one command when it can be), without its own telemetry scope (the caller has one).</summary>
    private Task<StockChangeResult> DeductAloneAsync(DeductRequest request, CancellationToken cancellationToken) =>
        changes.DeductUntimedAsync(request, cancellationToken);

    /// <summary>When requests wait for the item whose flight just landed, serves them on the thread pool, batch after batch.</summary>
    private void ServeWaiting(CoalescingQueue? queue)
    {
        if (queue is null)
        {
            return;
        }

        if (!queue.ContinueOrRetire())
        {
            SweepColdQueues();
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

    /// <summary>
    /// At most once per hot window, retires the idle queues of items that cooled and that no buyer came back to: the map
    /// holds the items in flight and those hot within about the last two windows.
    /// </summary>
    private void SweepColdQueues()
    {
        var last = Volatile.Read(ref _lastSweep);
        if (executor.Time.GetElapsedTime(last) < CoalescingQueue.HotWindow
            || Interlocked.CompareExchange(ref _lastSweep, executor.Time.GetTimestamp(), last) != last)
        {
            return;
        }

        foreach (var entry in _items)
        {
            if (!ReferenceEquals(entry.Value, CoalescingQueue.Alone))
            {
                entry.Value.RetireIfCold();
            }
        }
    }

    private async Task DrainAsync(CoalescingQueue queue)
    {
        var limits = executor.Options.Coalescing;
        var answered = 0;
        do
        {
            if (limits.MaxWait > TimeSpan.Zero && queue.Count < limits.MaxBatchSize)
            {
                await Task.Delay(limits.MaxWait, executor.Time).ConfigureAwait(false);
            }
            else if (answered > 1)
            {
                await RejoinAsync(queue, answered, limits.MaxBatchSize).ConfigureAwait(false);
            }

            var batch = queue.Take(limits.MaxBatchSize);
            answered = batch.Count;
            if (batch.Count == 1 && !queue.IsHot)
            {
                // One buyer waited for a flight of an item that is not hot (buyers spread over many items meet so by
                // chance): there is nothing to coalesce, and the atomic path (one command where the dialect has it) is
                // cheaper than the batch's statement.
                await ServeAloneAsync(batch[0]).ConfigureAwait(false);
            }
            else if (batch.Count > 0)
            {
                StockGuardTelemetry.RecordBatch(executor.Dialect.StoreName, batch.Count);
                await ApplyBatchAsync(queue, batch).ConfigureAwait(false);
            }
        }
        while (queue.ContinueOrRetire());
        SweepColdQueues();
    }

    /// <summary>
    /// Before the next batch of a hot item goes, lets the callers the last batch just answered come back: their
    /// continuations were queued on the thread pool when they were answered, and a caller who buys again joins this
    /// flight instead of the one after it. Without the wait a process's buyers split into two halves that take turns,
    /// each flight carrying one; with it, one flight carries them all, so the item's row and the round trip are shared
    /// by twice as many sales. Yields while each turn brings buyers back, at most a few turns: no timer, and nothing
    /// waits when the buyers do not come back.
    /// </summary>
    private static async Task RejoinAsync(CoalescingQueue queue, int answered, int maxBatchSize)
    {
        var target = Math.Min(maxBatchSize, queue.Count + answered);
        for (var turn = 0; turn < MaxRejoinTurns; turn++)
        {
            var before = queue.Count;
            if (before >= target)
            {
                return;
            }

            await Task.Yield();
            if (queue.Count == before)
            {
                return;
            }
        }
    }

    /// <summary>How many thread-pool turns a hot item's next batch waits, at most, for the buyers the last one answered.</summary>
    private const int MaxRejoinTurns = 4;

    /// <summary>A queued request served on the atomic path; never throws.</summary>
    private async Task ServeAloneAsync(PendingDeduct pending)
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

    /// <summary>
    /// Applies one batch and completes every request in it; never throws. Returns once the item's row is free for the
    /// next batch: when the batch committed without waiting for its flush, its callers are answered in the background
    /// after the flush barrier (<see cref="AnswerWhenDurableAsync"/>), while this process's next batch already runs.
    /// </summary>
    private async Task ApplyBatchAsync(CoalescingQueue queue, List<PendingDeduct> batch)
    {
        var key = queue.Key;
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
            // One statement sells the batch, even a hot item's batch of one (its row lock is then not held through a log
            // flush); the transaction path decides when it cannot. While the item reserves nothing the statement need
            // not look for expired holds; one that found units reserved (or could not tell) makes the next batch look.
            var unreserved = !queue.Reserving && executor.Dialect.SellBatchUnreserved is not null && CoalescedBatch.IsKeyless(joined);
            if (await CoalescedBatch.TrySellAsync(executor, key, joined, unreserved).ConfigureAwait(false) is { } sold)
            {
                results = sold.Results;
                durable = sold.Durable;
                queue.Reserving = sold.Reserving;
            }
            else
            {
                queue.Reserving |= unreserved;
                if (joined.Count > 1)
                {
                    results = await executor.RunAsync(s => CoalescedBatch.ApplyAsync(s, key, joined, executor.Now()), CancellationToken.None).ConfigureAwait(false);
                }
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
            await ServeAloneAsync(pending).ConfigureAwait(false);
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
