using System.Collections.Concurrent;
using StockGuard.Diagnostics;
using StockGuard.Sql.Coalescing;

namespace StockGuard.Sql;

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
public abstract partial class SqlStockStore
{
    private readonly ConcurrentDictionary<StockKey, CoalescingQueue> _queues = new();

    private Task<StockChangeResult> DeductCoalescedAsync(DeductRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return RunTimedAsync(StockOperation.Deduct, ct => CoalesceAsync(new PendingDeduct(request), ct), ChangeOutcome, cancellationToken);
    }

    private async Task<StockChangeResult> CoalesceAsync(PendingDeduct pending, CancellationToken cancellationToken)
    {
        CoalescingQueue queue;
        while (true)
        {
            queue = _queues.GetOrAdd(pending.Line.Key, static (key, owner) => new CoalescingQueue(key, owner), _queues);
            var admission = queue.Enter(pending, _options.Coalescing.MaxQueueLength);
            if (admission == CoalescingQueue.Admission.RunAlone)
            {
                try
                {
                    return await DeductAloneAsync(pending.Request, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    ServeWaiting(queue);
                }
            }

            if (admission == CoalescingQueue.Admission.Queued)
            {
                break;
            }
        }

        // Cancelled while waiting: leave the queue, nothing changed. Once a batch took the request, it completes truthfully.
        pending.Cancellation = cancellationToken.Register(
            static state =>
            {
                var (queue, pending, token) = ((CoalescingQueue, PendingDeduct, CancellationToken))state!;
                if (queue.TryRemove(pending))
                {
                    pending.Fail(new OperationCanceledException("The deduct was cancelled while it waited for its batch; nothing was changed.", token));
                }
            },
            (queue, pending, cancellationToken));
        try
        {
            var result = await pending.Result.ConfigureAwait(false);
            if (!result.Succeeded && !result.IsReplay)
            {
                StockGuardTelemetry.RecordRefused(Dialect.StoreName, StockOperation.Deduct);
            }

            return result;
        }
        finally
        {
            await pending.Cancellation.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The ordinary atomic deduct (one command when it can be), without its own telemetry scope (the caller has one).</summary>
    private Task<StockChangeResult> DeductAloneAsync(DeductRequest request, CancellationToken cancellationToken) =>
        RunChangeUntimedAsync(request, Deduction(request), cancellationToken, DeductOne(request));

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

    private async Task DrainAsync(CoalescingQueue queue)
    {
        var limits = _options.Coalescing;
        do
        {
            if (limits.MaxWait > TimeSpan.Zero && queue.Count < limits.MaxBatchSize)
            {
                await Task.Delay(limits.MaxWait, _time).ConfigureAwait(false);
            }

            var batch = queue.Take(limits.MaxBatchSize);
            if (batch.Count > 0)
            {
                StockGuardTelemetry.RecordBatch(Dialect.StoreName, batch.Count);
                await ApplyBatchAsync(queue.Key, batch).ConfigureAwait(false);
            }
        }
        while (queue.ContinueOrRetire());
    }

    /// <summary>Applies one batch and completes every request in it; never throws.</summary>
    private async Task ApplyBatchAsync(StockKey key, List<PendingDeduct> batch)
    {
        // The first request of each idempotency key joins the batch. A repeat of a key, and a key stored before,
        // go through the ordinary path after the batch has committed, where they replay the first result or conflict.
        var joined = new List<PendingDeduct>(batch.Count);
        var later = new List<PendingDeduct>();
        HashSet<string>? keys = null;
        foreach (var pending in batch)
        {
            if (pending.Request.IdempotencyKey is { } idempotencyKey && !(keys ??= new(StringComparer.Ordinal)).Add(idempotencyKey))
            {
                later.Add(pending);
            }
            else
            {
                joined.Add(pending);
            }
        }

        if (joined.Count == 1)
        {
            later.Insert(0, joined[0]);
        }
        else
        {
            try
            {
                var results = await RunCoreAsync(s => ApplyBatchAsync(s, key, joined), CancellationToken.None, ensureSchema: true).ConfigureAwait(false);
                for (var i = 0; i < joined.Count; i++)
                {
                    if (results[i] is { } result)
                    {
                        joined[i].Complete(result);
                    }
                    else
                    {
                        later.Add(joined[i]);
                    }
                }
            }
            catch (Exception ex)
            {
                foreach (var pending in joined)
                {
                    pending.Fail(ex);
                }
            }
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
    /// The batch's transaction. Returns each request's result in batch order, or <see langword="null"/> for a request
    /// whose idempotency key was already stored (it is not applied here). While the item can serve the whole batch
    /// (the flash sale's usual case) one conditional update serves it; otherwise the row is locked, its expired holds
    /// are given back, and the requests are granted one by one in arrival order while stock lasts.
    /// </summary>
    private async Task<StockChangeResult?[]> ApplyBatchAsync(SqlSession s, StockKey key, List<PendingDeduct> batch)
    {
        var now = Now();
        var owned = await ClaimKeysAsync(s, batch, now).ConfigureAwait(false);
        long total = 0, count = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            if (owned[i])
            {
                total += batch[i].Line.Quantity;
                count++;
            }
        }

        var results = new StockChangeResult?[batch.Count];
        var deltas = new List<long>(batch.Count);
        var references = new List<string?>(batch.Count);
        var writes = new List<SqlCall>(3);
        var whole = count == 0 ? null : await s.QueryRowAsync<LevelRow>(
            Dialect.ChangeBatchIfSellable,
            new { sku = key.Sku, location = key.Location, onHandDelta = -total, versions = count, quantity = total, now = Dialect.TimeParameter(now) }).ConfigureAwait(false);
        if (whole is not null)
        {
            // Walk the batch forward from the row as it was before the update.
            var onHand = whole.OnHand + total;
            var version = whole.Version - count;
            for (var i = 0; i < batch.Count; i++)
            {
                if (owned[i])
                {
                    onHand -= batch[i].Line.Quantity;
                    version++;
                    results[i] = StockChangeResult.Applied([Level(whole, onHand, version)]);
                    deltas.Add(-batch[i].Line.Quantity);
                    references.Add(batch[i].Request.Reference);
                }
            }
        }
        else if (count > 0)
        {
            var row = (await LockAndReleaseExpiredAsync(s, [key], now).ConfigureAwait(false))[0] ?? throw new StockItemNotFoundException(key);
            var onHand = row.OnHand;
            var version = row.Version;
            for (var i = 0; i < batch.Count; i++)
            {
                if (!owned[i])
                {
                    continue;
                }

                var quantity = batch[i].Line.Quantity;
                var sellable = onHand - row.Reserved + row.ExpiredReserved - row.SafetyStock + row.BackorderLimit;
                if (sellable >= quantity)
                {
                    onHand -= quantity;
                    version++;
                    results[i] = StockChangeResult.Applied([Level(row, onHand, version)]);
                    deltas.Add(-quantity);
                    references.Add(batch[i].Request.Reference);
                }
                else
                {
                    results[i] = StockChangeResult.Refused([Level(row, onHand, version)], [new ShortLine(key, quantity, sellable)]);
                }
            }

            if (deltas.Count > 0)
            {
                writes.Add(new SqlCall(Dialect.ChangeLockedBatch, new { sku = key.Sku, location = key.Location, onHandDelta = deltas.Sum(), versions = (long)deltas.Count }));
            }
        }

        if (deltas.Count > 0)
        {
            writes.Add(Dialect.InsertSaleMovements(now, key, deltas, references));
        }

        var keys = new List<string>();
        var stored = new List<string>();
        for (var i = 0; i < batch.Count; i++)
        {
            if (results[i] is { } result && batch[i].Request.IdempotencyKey is { } idempotencyKey)
            {
                keys.Add(idempotencyKey);
                stored.Add(ResultJson.Write(result));
            }
        }

        if (keys.Count > 0)
        {
            writes.Add(Dialect.SetIdempotencyResults(keys, stored));
        }

        await s.ExecuteAllAsync(writes).ConfigureAwait(false);
        return results;

        StockLevel Level(LevelRow row, long onHand, long version) =>
            new(key, onHand, row.Reserved - row.ExpiredReserved, row.SafetyStock, row.BackorderLimit, row.LowStockThreshold, version + row.ExpiredLines);
    }

    /// <summary>
    /// Inserts the batch's idempotency keys in key order and tells, per request, whether the batch owns it: it has no
    /// key, or its key was stored just now (a key stored before is replayed after the batch).
    /// </summary>
    private async Task<bool[]> ClaimKeysAsync(SqlSession s, List<PendingDeduct> batch, DateTimeOffset now)
    {
        var owned = new bool[batch.Count];
        var keyed = new List<PendingDeduct>();
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i].Request.IdempotencyKey is null)
            {
                owned[i] = true;
            }
            else
            {
                keyed.Add(batch[i]);
            }
        }

        if (keyed.Count == 0)
        {
            return owned;
        }

        keyed.Sort((a, b) => string.CompareOrdinal(a.Request.IdempotencyKey, b.Request.IdempotencyKey));
        var claim = Dialect.ClaimIdempotencyKeys(now, [.. keyed.Select(p => p.Request.IdempotencyKey!)], [.. keyed.Select(p => p.Fingerprint!)]);
        var fresh = (await s.QueryRowsAsync<string>(claim.Sql, claim.Parameters).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i].Request.IdempotencyKey is { } key && fresh.Contains(key))
            {
                owned[i] = true;
            }
        }

        return owned;
    }
}
