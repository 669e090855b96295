using Microsoft.Extensions.Logging;
using StockGuard.Diagnostics;
using StockGuard.Sql.Execution;
using StockGuard.Sql.Strategies;

namespace StockGuard.Sql.Operations;

/// <summary>
/// The background half of hold expiry: gives back expired holds that no buyer has given back yet, in small batches
/// that skip holds other transactions have locked, then purges finished holds and idempotency keys past their retention.
/// </summary>
internal sealed partial class HoldSweeper(SqlExecutor executor, HoldOperations holds)
{
    private SqlDialect Dialect => executor.Dialect;

    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        int expired = 0, purgedHolds = 0, purgedKeys = 0;
        (int Expired, bool Full) batch;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch = await executor.RunOperationAsync(StockOperation.Expire, ExpireBatchAsync, static _ => "applied", cancellationToken).ConfigureAwait(false);
            expired += batch.Expired;
        }
        while (batch.Full);

        StockGuardTelemetry.RecordExpired(Dialect.StoreName, expired);
        purgedHolds = await PurgeAsync(Dialect.PurgeFinishedHolds, executor.Options.FinishedHoldRetention, cancellationToken).ConfigureAwait(false);
        purgedKeys = await PurgeAsync(Dialect.PurgeIdempotencyKeys, executor.Options.IdempotencyKeyRetention, cancellationToken).ConfigureAwait(false);
        if (expired + purgedHolds + purgedKeys > 0)
        {
            LogSwept(executor.Logger, expired, purgedHolds, purgedKeys);
        }

        return new SweepResult(expired, purgedHolds, purgedKeys);
    }

    /// <summary>
    /// One sweep batch, in the lock order: reads expired holds and their unreleased lines without locks, locks those lines'
    /// items in key order, then locks the holds still active and expired, gives back every expired line of the locked
    /// items and marks those holds expired. Every unreleased line of a locked hold lies on a locked item (lines are only
    /// ever released, and only under their item's lock), so each hold is marked expired with all its lines released.
    /// </summary>
    private async Task<(int Expired, bool Full)> ExpireBatchAsync(SqlSession s, DateTimeOffset now)
    {
        var found = await s.QueryRowsAsync<ExpiredHoldLineRow>(Dialect.SelectExpiredHolds, new { now = Dialect.TimeParameter(now), limit = executor.Options.SweepBatchSize }).ConfigureAwait(false);
        var candidates = found.Select(c => c.HoldId).Distinct().ToArray();
        if (candidates.Length == 0)
        {
            return (0, false);
        }

        var keys = found.Where(c => c.Sku is not null).Select(c => new StockKey(c.Sku!, c.Location)).Distinct().Order().ToArray();
        await ItemCalls.LockAndReleaseExpiredAsync(s, keys, now, readBack: false).ConfigureAwait(false);

        var parameters = new Dictionary<string, object?> { ["now"] = Dialect.TimeParameter(now) };
        for (var i = 0; i < candidates.Length; i++)
        {
            parameters[$"h{i}"] = Dialect.HoldIdParameter(candidates[i]);
        }

        var locked = await s.QueryRowsAsync<ExpiredHoldLineRow>(Dialect.LockExpiredHolds(candidates.Length), parameters).ConfigureAwait(false);
        await s.ExecuteAllAsync([.. locked.Select(h => holds.FinishHold(h.HoldId, "expired", now))]).ConfigureAwait(false);

        // A full batch means more may wait, even when another sweep or a buyer finished some of it first.
        return (locked.Count, candidates.Length == executor.Options.SweepBatchSize);
    }

    private async Task<int> PurgeAsync(string sql, TimeSpan retention, CancellationToken cancellationToken)
    {
        int total = 0, batch;
        do
        {
            batch = await executor.RunAsync(
                s => s.ExecuteAsync(sql, new { before = Dialect.TimeParameter(executor.Now() - retention), limit = executor.Options.SweepBatchSize }),
                cancellationToken,
                ensureReady: true).ConfigureAwait(false);
            total += batch;
        }
        while (batch == executor.Options.SweepBatchSize);

        return total;
    }

    [LoggerMessage(2, LogLevel.Debug, "Sweep released {ExpiredHolds} expired holds and purged {PurgedHolds} finished holds and {PurgedKeys} idempotency keys.")]
    private static partial void LogSwept(ILogger logger, int expiredHolds, int purgedHolds, int purgedKeys);
}
