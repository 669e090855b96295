using System.Data;
using System.Data.Common;
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
    /// A batch without idempotency keys as one autocommitted statement, or one command that carries its own transaction
    /// (<see cref="SqlDialect.SellBatch"/>), when the dialect has one: the row lock is then held for the server's work
    /// on it alone, never across a round trip to this process,
    /// so the batches of several processes on one item follow each other at the server's pace. Where the driver sends
    /// separately committed commands in one round trip (<see cref="SqlDialect.CreateSeparateCommitsBatch"/>), the
    /// dialect's <see cref="SqlDialect.CommitFlushBarrier"/> follows the statement in the same round trip: the answer
    /// is then durable (<see cref="SoldBatch.Durable"/>) and the batch cost this process one round trip, not two.
    /// Returns each request's result in batch order, or <see langword="null"/> when the item could not serve the whole
    /// batch (or is unknown): nothing was changed and the transaction path (<see cref="ApplyAsync"/>) decides request
    /// by request. With <paramref name="unreserved"/>, where the dialect has it, the statement sells only while the item
    /// reserves nothing (<see cref="SqlDialect.SellBatchUnreserved"/>), and returns <see langword="null"/> too when it does.
    /// </summary>
    /// <param name="executor">The store's executor.</param>
    /// <param name="key">The item.</param>
    /// <param name="batch">The requests, in arrival order, none with an idempotency key.</param>
    /// <param name="unreserved">Whether the item reserved nothing when it was last seen: the cheaper statement is tried.</param>
    /// <exception cref="StockStoreException">
    /// The statement failed: nothing was changed when the failure came before it was sent or the server reported it;
    /// otherwise (the barrier failed after the statement sold) the outcome is unknown.
    /// </exception>
    public static async Task<SoldBatch?> TrySellAsync(SqlExecutor executor, StockKey key, List<PendingDeduct> batch, bool unreserved)
    {
        var dialect = executor.Dialect;
        if ((unreserved ? dialect.SellBatchUnreserved ?? dialect.SellBatch : dialect.SellBatch) is not { } sell
            || executor.InCallerTransaction
            || !IsKeyless(batch))
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
        var saleRead = false;
        var durable = false;
        LevelRow? whole = null;
        DbConnection? connection = null;
        try
        {
            connection = await SqlSession.OpenOwnAsync(executor.DataSource, CancellationToken.None).ConfigureAwait(false);
            var both = dialect.CommitFlushBarrier is { } barrier ? dialect.CreateSeparateCommitsBatch(connection) : null;
            if (both is not null)
            {
                await using (both.ConfigureAwait(false))
                {
                    both.Timeout = executor.Options.CommandTimeout;
                    var sale = both.CreateBatchCommand();
                    sale.CommandText = sell;
                    AddSaleParameters(dialect, sale.Parameters, sale.CreateParameter, key, batch.Count, total, dialect.TimeParameter(now), quantities, references);
                    both.BatchCommands.Add(sale);
                    var flush = both.CreateBatchCommand();
                    flush.CommandText = dialect.CommitFlushBarrier!;
                    both.BatchCommands.Add(flush);
                    if (dialect.PrepareDeductOne)
                    {
                        await both.PrepareAsync(CancellationToken.None).ConfigureAwait(false);
                    }

                    sent = true;
                    var reader = await both.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        if (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
                        {
                            whole = ReadSoldRow(reader);
                        }

                        // The statement committed (or changed nothing); from here a failure is the barrier's.
                        saleRead = true;
                        while (await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false))
                        {
                            while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
                            {
                            }
                        }
                    }

                    durable = true;
                }
            }
            else
            {
                var command = connection.CreateCommand();
                await using (command.ConfigureAwait(false))
                {
                    command.CommandText = sell;
                    command.CommandTimeout = executor.Options.CommandTimeout;
                    AddSaleParameters(dialect, command.Parameters, command.CreateParameter, key, batch.Count, total, dialect.TimeParameter(now), quantities, references);
                    sent = true;
                    var reader = await command.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        // A command of several statements (MySQL's) answers the ones before its row with empty results.
                        while (reader.FieldCount == 0 && await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false))
                        {
                        }

                        if (reader.FieldCount > 0 && await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
                        {
                            whole = ReadSoldRow(reader);
                        }

                        // The row set ended; from here a failure is the commit's.
                        saleRead = true;
                        while (await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false))
                        {
                        }
                    }

                    // The command's own commit answered: without a flush barrier to follow, the sale is as durable as any commit.
                    durable = dialect.CommitFlushBarrier is null;
                }
            }
        }
        catch (Exception ex) when (sent && !saleRead && dialect.IsReplyOfAnotherShape(ex))
        {
            // Rows that do not fit the description the statement was prepared with answer another command: a server session
            // shared with other clients ran something else, which may have sold or not.
            await RollBackQuietlyAsync(executor, connection).ConfigureAwait(false);
            throw SqlFailures.ForeignReply(
                dialect, $"coalesced batch of {key.Sku}/{key.Location}", "rows of another shape than the statement's", ex,
                "Each of the batch's deducts may or may not have been applied: read the item's level or its movements to learn which.");
        }
        catch (Exception ex) when (SqlFailures.IsDriverFailure(ex))
        {
            await RollBackQuietlyAsync(executor, connection).ConfigureAwait(false);
            if (saleRead && whole is null)
            {
                // The statement changed nothing; only the barrier (or the empty commit) after it failed: the transaction path decides.
                return null;
            }

            // The command carries its own commit, after its row: an error the server reported before the row means it was rolled back.
            var failure = dialect.Classify(ex);
            var commitStarted = sent && (saleRead || !dialect.IsReportedByServer(ex));
            if (!commitStarted && failure == SqlFailure.Retryable)
            {
                // A deadlock changed nothing: the transaction path decides, with its retries.
                return null;
            }

            throw SqlFailures.Translate(dialect, ex, failure, commitStarted);
        }
        finally
        {
            if (connection is not null)
            {
                await SqlFailures.DisposeQuietlyAsync(connection).ConfigureAwait(false);
            }
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
                whole.WithPreOrder(new StockLevel(key, onHand, whole.Reserved - whole.ExpiredReserved, whole.SafetyStock, whole.BackorderLimit, whole.LowStockThreshold, version + whole.ExpiredLines))]);
        }

        return new SoldBatch(results, durable, whole.Reserved > 0);
    }

    /// <summary>Ends the transaction a failed <see cref="SqlDialect.SellBatch"/> command may have left open on a connection that still works (<see cref="SqlDialect.SellBatchRollback"/>).</summary>
    private static async Task RollBackQuietlyAsync(SqlExecutor executor, DbConnection? connection)
    {
        if (connection is not { State: ConnectionState.Open } || executor.Dialect.SellBatchRollback is not { } rollback)
        {
            return;
        }

        try
        {
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = rollback;
                command.CommandTimeout = executor.Options.CommandTimeout;
                await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (SqlFailures.IsDriverFailure(ex) || ex is InvalidOperationException)
        {
            // A connection that cannot roll back is broken: the server rolls the transaction back when the session dies.
        }
    }

    /// <summary>The parameters of <see cref="SqlDialect.SellBatch"/>, bound by hand: this runs once per batch, where a mapper's per-call reflection over an anonymous object would cost more than the binding.</summary>
    private static void AddSaleParameters(SqlDialect dialect, DbParameterCollection parameters, Func<DbParameter> create, StockKey key, int count, long total, object now, long[] quantities, string?[] references)
    {
        parameters.Add(SqlSession.Bind(create(), "sku", key.Sku, DbType.String));
        parameters.Add(SqlSession.Bind(create(), "location", key.Location, DbType.String));
        parameters.Add(SqlSession.Bind(create(), "onHandDelta", -total, DbType.Int64));
        parameters.Add(SqlSession.Bind(create(), "versions", (long)count, DbType.Int64));
        parameters.Add(SqlSession.Bind(create(), "quantity", total, DbType.Int64));
        parameters.Add(SqlSession.Bind(create(), "now", now));
        dialect.BindSellBatchSales(parameters, create, quantities, references, count);
    }

    /// <summary>
    /// The row <see cref="SqlDialect.SellBatch"/> returns, its counts, pre-order settings and release flag, read by name
    /// (sums may come back as decimals). The names
    /// are matched here, ignoring case, by ordinal comparison: PostgreSQL folds the unquoted aliases to lower case, and
    /// a provider's own lookup by a name that differs in case falls back to a culture-aware comparison (an ICU sort key
    /// per column on Linux), which cost more than the rest of reading the row.
    /// </summary>
    private static LevelRow ReadSoldRow(DbDataReader reader)
    {
        return new LevelRow
        {
            Sku = reader.GetString(Ordinal(nameof(LevelRow.Sku))),
            Location = reader.GetString(Ordinal(nameof(LevelRow.Location))),
            OnHand = Int(nameof(LevelRow.OnHand)),
            Reserved = Int(nameof(LevelRow.Reserved)),
            SafetyStock = Int(nameof(LevelRow.SafetyStock)),
            BackorderLimit = Int(nameof(LevelRow.BackorderLimit)),
            LowStockThreshold = Int(nameof(LevelRow.LowStockThreshold)),
            Version = Int(nameof(LevelRow.Version)),
            ExpiredReserved = Int(nameof(LevelRow.ExpiredReserved)),
            ExpiredLines = Int(nameof(LevelRow.ExpiredLines)),
            PreOrderLimit = Int(nameof(LevelRow.PreOrderLimit)),
            ExpectedRestock = Date(nameof(LevelRow.ExpectedRestock)),
            Released = Int(nameof(LevelRow.Released)),
        };

        DateTime? Date(string column)
        {
            var ordinal = Ordinal(column);
            return reader.IsDBNull(ordinal) ? null : reader.GetDateTime(ordinal);
        }

        // A bigint column is read without boxing; a sum may be a decimal.
        long Int(string column)
        {
            var ordinal = Ordinal(column);
            return reader.GetFieldType(ordinal) == typeof(long)
                ? reader.GetInt64(ordinal)
                : Convert.ToInt64(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);
        }

        int Ordinal(string column)
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                if (string.Equals(reader.GetName(i), column, StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }

            throw new IndexOutOfRangeException($"The batch's row has no column '{column}'.");
        }
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
