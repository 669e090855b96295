using StockGuard.Diagnostics;
using StockGuard.Sql.Execution;
using StockGuard.Sql.Strategies;

namespace StockGuard.Sql.Operations;

/// <summary>
/// Verify, repair and physical counts. A verify reads one page of items with their ledger sums and live hold lines in
/// one statement, without locks. A repair then takes each drifted item in a transaction of its own: it locks the item
/// row, reads the sums again by a statement of its own (so a sale that committed meanwhile is counted, never taken back),
/// and writes one adjustment movement with the counters' change. Lock order: the one item row, nothing else.
/// </summary>
internal sealed class Reconciliation(SqlExecutor executor)
{
    private SqlDialect Dialect => executor.Dialect;

    public Task<ReconciliationReport> VerifyAsync(ReconciliationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return executor.RunTimedAsync(
            StockOperation.Verify,
            async ct =>
            {
                var (balances, next) = await ReadAsync(request, ct).ConfigureAwait(false);
                return new ReconciliationReport(balances.Count, [.. balances.SelectMany(b => b.Drifts)], [], next);
            },
            Outcome,
            cancellationToken);
    }

    public Task<ReconciliationReport> RepairAsync(ReconciliationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return executor.RunTimedAsync(
            StockOperation.Repair,
            async ct =>
            {
                var (balances, next) = await ReadAsync(request, ct).ConfigureAwait(false);
                var repairs = new List<StockRepair>();
                foreach (var found in balances.Where(b => b.Drifts.Count > 0))
                {
                    if (request.DryRun)
                    {
                        repairs.Add(found.Repair(null));
                        continue;
                    }

                    ct.ThrowIfCancellationRequested();
                    var repair = await executor.RunAsync(s => RepairOneAsync(s, found.Key, request.Reference, executor.Now()), ct).ConfigureAwait(false);
                    if (repair is not null)
                    {
                        repairs.Add(repair);
                    }
                }

                return new ReconciliationReport(balances.Count, [.. balances.SelectMany(b => b.Drifts)], repairs, next) { IsDryRun = request.DryRun };
            },
            Outcome,
            cancellationToken);
    }

    public Task<StockChangeResult> CountAsync(PhysicalCountRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = request.Key;
        return executor.RunChangeAsync(
            request,
            async (s, now) =>
            {
                // Locked and its expired holds given back first, as a buyer does: the version compared is the one a reader saw.
                var row = (await ItemCalls.LockAndReleaseExpiredAsync(s, [key], now).ConfigureAwait(false))[0]
                    ?? throw new StockItemNotFoundException(key);
                if (request.ExpectedVersion is { } expected && row.ReportedVersion != expected)
                {
                    throw new StockVersionConflictException(key, expected, row.ReportedVersion);
                }

                var delta = request.CountedOnHand - row.OnHand;
                if (delta == 0)
                {
                    return StockChangeResult.Applied([row.ToLevel()]);
                }

                if (delta < 0 && row.Sellable < -delta)
                {
                    await s.UndoAsync().ConfigureAwait(false);
                    StockGuardTelemetry.RecordRefused(Dialect.StoreName, StockOperation.Count);
                    return StockChangeResult.Refused([row.ToLevel()], [new ShortLine(key, (int)Math.Min(-delta, int.MaxValue), row.Sellable)]);
                }

                var rows = await s.QueryEachAsync<LevelRow>(
                    [ItemCalls.Change(Dialect, key, delta, 0, now)],
                    [Adjustment(key, delta, 0, request.Reference, request.Reason, now)]).ConfigureAwait(false);
                return StockChangeResult.Applied([rows[0]!.ToLevel()]);
            },
            cancellationToken);
    }

    /// <summary>Repairs one item under its lock, or returns <see langword="null"/> when it has no drift any more.</summary>
    private async Task<StockRepair?> RepairOneAsync(SqlSession s, StockKey key, string? reference, DateTimeOffset now)
    {
        await s.ExecuteAsync(Dialect.LockItem, new { sku = key.Sku, location = key.Location }).ConfigureAwait(false);
        var row = await s.QueryRowAsync<BalanceRow>(Dialect.SelectBalance, new { sku = key.Sku, location = key.Location }).ConfigureAwait(false);
        if (row?.ToBalance() is not { Drifts.Count: > 0 } balance)
        {
            return null;
        }

        var planned = balance.Repair(null);
        var rows = await s.QueryEachAsync<LevelRow>(
            [ItemCalls.Change(Dialect, key, planned.OnHandDelta, planned.ReservedDelta, now)],
            [Adjustment(key, 0, planned.LedgerReservedDelta, reference, balance.RepairNote, now)]).ConfigureAwait(false);
        return balance.Repair(rows[0]!.ToLevel());
    }

    /// <summary>
    /// The page or the items the request names, with their balances, in one read; for a page, where the next one starts.
    /// </summary>
    private Task<(List<StockBalance> Balances, StockKey? NextAfter)> ReadAsync(ReconciliationRequest request, CancellationToken cancellationToken) =>
        executor.ReadAsync<(List<StockBalance>, StockKey?)>(
            async (s, _) =>
            {
                if (request.Keys is { } keys)
                {
                    var rows = await s.QueryEachAsync<BalanceRow>([.. keys.Select(k => ItemCalls.Key(Dialect.SelectBalance, k))]).ConfigureAwait(false);
                    var balances = new List<StockBalance>(rows.Length);
                    for (var i = 0; i < rows.Length; i++)
                    {
                        balances.Add(rows[i]?.ToBalance() ?? throw new StockItemNotFoundException(keys[i]));
                    }

                    return (balances, null);
                }

                var after = request.After;
                var page = await s.QueryRowsAsync<BalanceRow>(
                    Dialect.SelectBalancesPage,
                    new { afterSku = after?.Sku ?? "", afterLocation = after?.Location ?? "", limit = request.PageSize + 1 }).ConfigureAwait(false);
                var more = page.Count > request.PageSize;
                var taken = page.Take(request.PageSize).Select(r => r.ToBalance()).ToList();
                return (taken, more ? taken[^1].Key : (StockKey?)null);
            },
            cancellationToken);

    /// <summary>
    /// One adjustment movement of the item. Written through <see cref="Movements.For"/>, as every movement is, so that
    /// each column it binds is bound here too; the line's quantity is not used, the deltas are given.
    /// </summary>
    private SqlCall Adjustment(StockKey key, long onHandDelta, long reservedDelta, string? reference, string note, DateTimeOffset now) =>
        Movements.For(Dialect, [new StockLine(key, 1)], MovementKind.Adjustment, _ => (onHandDelta, reservedDelta), reference, null, note, now)[0];

    private static string Outcome(ReconciliationReport report) =>
        report.IsClean ? "clean" : report.Repairs.Count > 0 && !report.IsDryRun ? "repaired" : "drift";
}
