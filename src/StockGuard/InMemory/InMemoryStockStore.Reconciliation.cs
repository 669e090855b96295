using StockGuard.Diagnostics;

namespace StockGuard.InMemory;

/// <summary>
/// Reconciliation of the in-memory store: each item keeps its ledger totals (received, sold, adjusted, reserved) beside
/// its counters, which stand for the movement rows a database store writes; a repair moves them as one change under the
/// item's lock.
/// </summary>
public sealed partial class InMemoryStockStore : IStockReconciler
{
    /// <inheritdoc/>
    public Task<ReconciliationReport> VerifyAsync(ReconciliationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        return Timed(StockOperation.Verify, () =>
        {
            var (items, next) = _items.Select(request);
            return new ReconciliationReport(items.Count, [.. Balances(items).SelectMany(b => b.Drifts)], [], next);
        });
    }

    /// <inheritdoc/>
    public Task<ReconciliationReport> RepairAsync(ReconciliationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        return Timed(StockOperation.Repair, () =>
        {
            var (items, next) = _items.Select(request);
            var found = Balances(items);
            var drifts = found.SelectMany(b => b.Drifts).ToList();
            var repairs = new List<StockRepair>();
            for (var i = 0; i < items.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (found[i].Drifts.Count == 0)
                {
                    continue;
                }

                var item = items[i];

                lock (item)
                {
                    // Checked again under the lock: what the first look saw may have been repaired since.
                    var balance = item.Balance();
                    if (balance.Drifts.Count == 0)
                    {
                        continue;
                    }

                    if (!request.DryRun)
                    {
                        item.Repair(balance);
                    }

                    repairs.Add(balance.Repair(request.DryRun ? null : item.Snapshot()));
                }
            }

            return new ReconciliationReport(items.Count, drifts, repairs, next) { IsDryRun = request.DryRun };
        });
    }

    /// <inheritdoc/>
    public Task<StockChangeResult> CountAsync(PhysicalCountRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Run(request, cancellationToken, static (store, r) => store._items.Count((PhysicalCountRequest)r), static r => r with { IsReplay = true });
    }

    /// <summary>For tests: moves a counter of <paramref name="key"/> (or, with <paramref name="holdId"/>, that hold's units on it) without a ledger entry.</summary>
    internal void Corrupt(StockKey key, StockCounter counter, long delta, Guid? holdId = null)
    {
        var item = _items.Find(key, create: false);
        lock (item)
        {
            item.Corrupt(counter, delta, holdId);
        }
    }

    private static List<StockBalance> Balances(List<InMemoryItem> items)
    {
        var balances = new List<StockBalance>(items.Count);
        foreach (var item in items)
        {
            lock (item)
            {
                balances.Add(item.Balance());
            }
        }

        return balances;
    }

    private static Task<ReconciliationReport> Timed(StockOperation operation, Func<ReconciliationReport> body)
    {
        var scope = StockGuardTelemetry.Start(StoreName, operation);
        try
        {
            var report = body();
            scope.Complete(report.IsClean ? "clean" : report.Repairs.Count > 0 && !report.IsDryRun ? "repaired" : "drift");
            return Task.FromResult(report);
        }
        catch (Exception ex)
        {
            scope.Fail(ex);
            throw;
        }
    }
}
