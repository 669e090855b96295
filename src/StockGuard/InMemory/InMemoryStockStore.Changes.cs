using StockGuard.Changes;

namespace StockGuard.InMemory;

/// <summary>The in-memory store's change feed: its movement ledger, bounded by <see cref="InMemoryStockStoreOptions.ChangeRetention"/>.</summary>
public sealed partial class InMemoryStockStore : IStockChangeFeed
{
    /// <inheritdoc/>
    /// <remarks>Positions are the ledger's sequence numbers (<see cref="StockChangePosition.Transaction"/> is 0).</remarks>
    public Task<StockChangePage> ReadChangesAsync(StockChangePosition after, int maxCount = 1000, CancellationToken cancellationToken = default)
    {
        CheckCount(maxCount);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_items.Ledger.Read(after, maxCount));
    }

    /// <inheritdoc/>
    public Task<StockChangePosition> GetLastPositionAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_items.Ledger.LastPosition);
    }

    /// <inheritdoc/>
    /// <remarks>Only the movements the store still keeps: a history reaches back <see cref="InMemoryStockStoreOptions.ChangeRetention"/> movements of all items.</remarks>
    public Task<StockChangePage> ReadHistoryAsync(
        StockKey key,
        StockHistoryOrder order = StockHistoryOrder.NewestFirst,
        StockChangePosition? after = null,
        int maxCount = 100,
        CancellationToken cancellationToken = default)
    {
        InMemoryItems.CheckKey(key);
        if (order is not (StockHistoryOrder.NewestFirst or StockHistoryOrder.OldestFirst))
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, "Unknown history order.");
        }

        CheckCount(maxCount);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_items.Ledger.History(key, order == StockHistoryOrder.NewestFirst, after, maxCount));
    }

    private static void CheckCount(int maxCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxCount, IStockChangeFeed.MaxPageSize);
    }
}
