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

        await s.ExecuteAllAsync(writes).ConfigureAwait(false);
        return results;

        StockLevel Level(LevelRow row, long onHand, long version) =>
            row.WithPreOrder(new(key, onHand, row.Reserved - row.ExpiredReserved, row.SafetyStock, row.BackorderLimit, row.LowStockThreshold, version + row.ExpiredLines));
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
