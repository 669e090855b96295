using Dapper;
using StockGuard.Sql.Execution;
using StockGuard.Sql.Idempotency;
using StockGuard.Sql.Operations;

namespace StockGuard.Sql.Strategies.Coalescing;

/// <summary>One coalesced batch's transaction: the waiting single-item deducts of one item, granted in arrival order.</summary>
internal static class CoalescedBatch
{
    /// <summary>
    /// The batch's transaction. Returns each request's result in batch order, or <see langword="null"/> for a request
    /// whose idempotency key was already stored (it is not applied here). While the item can serve the whole batch
    /// (the flash sale's usual case) one conditional update serves it; otherwise the row is locked, its expired holds
    /// are given back, and the requests are granted one by one in arrival order while stock lasts.
    /// </summary>
    public static async Task<StockChangeResult?[]> ApplyAsync(SqlSession s, StockKey key, List<PendingDeduct> batch, DateTimeOffset now)
    {
        var dialect = s.Dialect;
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
        var sales = new List<SaleMovement>(batch.Count);
        LevelRow? locked = null;
        var writes = new List<SqlCall>(3);
        var backorders = new List<SqlCall>();
        var whole = count == 0 ? null : await s.QueryRowAsync<LevelRow>(
            dialect.ChangeBatchIfSellable,
            new { sku = key.Sku, location = key.Location, onHandDelta = -total, versions = count, quantity = total, now = dialect.TimeParameter(now) }).ConfigureAwait(false);
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
                    sales.Add(new SaleMovement(-batch[i].Line.Quantity, batch[i].Request.Reference, onHand, version));
                }
            }
        }
        else if (count > 0)
        {
            var row = (await ItemCalls.LockAndReleaseExpiredAsync(s, [key], now).ConfigureAwait(false))[0] ?? throw new StockItemNotFoundException(key);
            var onHand = row.OnHand;
            var version = row.Version;
            for (var i = 0; i < batch.Count; i++)
            {
                if (!owned[i])
                {
                    continue;
                }

                var quantity = batch[i].Line.Quantity;
                var available = onHand - row.Reserved + row.ExpiredReserved - row.SafetyStock;
                var sellable = available + row.BelowZeroLimit;
                if (sellable >= quantity)
                {
                    onHand -= quantity;
                    version++;
                    results[i] = StockChangeResult.Applied([Level(row, onHand, version)]);
                    sales.Add(new SaleMovement(-quantity, batch[i].Request.Reference, onHand, version));
                    if (available - quantity < 0)
                    {
                        // Sold below zero: the request's backorder, recorded in the batch's transaction like its sale.
                        var request = batch[i].Request;
                        var line = new BackorderedLine(key, (int)Math.Min(quantity, quantity - available), row.IsPreOrder ? BackorderKind.PreOrder : BackorderKind.Backorder);
                        backorders.Add(BackorderOperations.Insert(dialect, line, new BackorderSource(request.Reference ?? request.IdempotencyKey, null), now));
                        results[i] = new StockChangeResult(true, results[i]!.Levels, []) { Backordered = [line] };
                    }
                }
                else
                {
                    results[i] = StockChangeResult.Refused([Level(row, onHand, version)], [new ShortLine(key, quantity, sellable)]);
                }
            }

            if (sales.Count > 0)
            {
                writes.Add(new SqlCall(dialect.ChangeLockedBatch, new { sku = key.Sku, location = key.Location, onHandDelta = sales.Sum(m => m.OnHandDelta), versions = (long)sales.Count }));
            }

            locked = row;
        }

        if (sales.Count > 0)
        {
            // The stored row's counts and version after each sale (a sale changes on-hand units only).
            writes.Add(dialect.InsertSaleMovements(now, key, sales, locked ?? whole!));
        }

        writes.AddRange(backorders);

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
            writes.Add(dialect.SetIdempotencyResults(keys, stored));
        }

        if (writes.Count > 0 && IsKeyless(batch) && dialect.BatchCommitWithoutFlush is { } withoutFlush)
        {
            // The row lock goes at the commit, not after its flush; the store's flush barrier answers the callers. A
            // batch with idempotency keys commits durably: a replay of its key is then never told of a sale a crash could take back.
            writes.Add(new SqlCall(withoutFlush, new { }));
        }

        await s.ExecuteAllAsync(writes).ConfigureAwait(false);
        return results;

        StockLevel Level(LevelRow row, long onHand, long version) =>
            row.WithPreOrder(new(key, onHand, row.Reserved - row.ExpiredReserved, row.SafetyStock, row.BackorderLimit, row.LowStockThreshold, version + row.ExpiredLines));
    }

    /// <summary>Whether no request of <paramref name="batch"/> carries an idempotency key: then it may commit without waiting for its flush.</summary>
    public static bool IsKeyless(List<PendingDeduct> batch) => batch.TrueForAll(p => p.Request.IdempotencyKey is null);

    /// <summary>
    /// A batch without idempotency keys as one autocommitted statement (<see cref="SqlDialect.SellBatch"/>), when the
    /// dialect has one: the row lock is then held for the statement alone, never across a round trip to this process,
    /// so the batches of several processes on one item follow each other at the server's pace. Returns each request's
    /// result in batch order, or <see langword="null"/> when the item could not serve the whole batch (or is unknown):
    /// nothing was changed and the transaction path (<see cref="ApplyAsync"/>) decides request by request.
    /// </summary>
    /// <exception cref="StockStoreException">
    /// The statement failed: nothing was changed when the failure came before it was sent or the server reported it;
    /// otherwise the outcome is unknown.
    /// </exception>
    public static async Task<StockChangeResult[]?> TrySellAsync(SqlExecutor executor, StockKey key, List<PendingDeduct> batch)
    {
        var dialect = executor.Dialect;
        if (dialect.SellBatch is not { } sell || executor.InCallerTransaction || !IsKeyless(batch))
        {
            return null;
        }

        await executor.EnsureReadyAsync(CancellationToken.None).ConfigureAwait(false);
        var now = executor.Now();
        var quantities = new long[batch.Count];
        var references = new string?[batch.Count];
        long total = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            quantities[i] = batch[i].Line.Quantity;
            references[i] = batch[i].Request.Reference;
            total += quantities[i];
        }

        var sent = false;
        LevelRow? whole;
        try
        {
            var connection = await SqlSession.OpenOwnAsync(executor.DataSource, CancellationToken.None).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                sent = true;
                whole = await connection.QuerySingleOrDefaultAsync<LevelRow>(new CommandDefinition(
                    sell,
                    new { sku = key.Sku, location = key.Location, onHandDelta = -total, versions = (long)batch.Count, quantity = total, now = dialect.TimeParameter(now), quantities, references },
                    commandTimeout: executor.Options.CommandTimeout)).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (SqlFailures.IsDriverFailure(ex))
        {
            // One statement carries its own commit: an error the server reported for it means it was rolled back.
            throw SqlFailures.Translate(dialect, ex, dialect.Classify(ex), commitStarted: sent && !dialect.IsReportedByServer(ex));
        }

        if (whole is null)
        {
            return null;
        }

        var results = new StockChangeResult[batch.Count];
        var onHand = whole.OnHand + total;
        var version = whole.Version - batch.Count;
        for (var i = 0; i < batch.Count; i++)
        {
            onHand -= quantities[i];
            version++;
            results[i] = StockChangeResult.Applied([
                new StockLevel(key, onHand, whole.Reserved - whole.ExpiredReserved, whole.SafetyStock, whole.BackorderLimit, whole.LowStockThreshold, version + whole.ExpiredLines)]);
        }

        return results;
    }

    /// <summary>
    /// Inserts the batch's idempotency keys in key order and tells, per request, whether the batch owns it: it has no
    /// key, or its key was stored just now (a key stored before is replayed after the batch).
    /// </summary>
    private static async Task<bool[]> ClaimKeysAsync(SqlSession s, List<PendingDeduct> batch, DateTimeOffset now)
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
        var claim = s.Dialect.ClaimIdempotencyKeys(now, [.. keyed.Select(p => p.Request.IdempotencyKey!)], [.. keyed.Select(p => p.Fingerprint!)]);
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
