namespace StockGuard.Sql;

public abstract partial class SqlStockStore : IStockWaitlist
{
    /// <inheritdoc/>
    /// <remarks>The join locks the item's row, whatever the store's strategy, and gives back its expired holds first (which may serve the queue).</remarks>
    public Task<WaitlistJoinResult> JoinWaitlistAsync(JoinWaitlistRequest request, CancellationToken cancellationToken = default) =>
        Write(nameof(JoinWaitlistAsync), () => _waitlists.JoinAsync(request, cancellationToken));

    /// <inheritdoc/>
    public Task<WaitlistPlace?> LeaveWaitlistAsync(StockKey key, string customerReference, CancellationToken cancellationToken = default) =>
        _waitlists.LeaveAsync(key, customerReference, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>A read without locks: a claim past its expiry reads as lapsed at once; its unit passes on when a write first gives the hold back (a buyer, the sweep).</remarks>
    public Task<WaitlistPlace?> GetWaitlistPlaceAsync(StockKey key, string customerReference, CancellationToken cancellationToken = default) =>
        _waitlists.GetAsync(key, customerReference, cancellationToken);
}
