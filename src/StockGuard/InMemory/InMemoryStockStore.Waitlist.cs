namespace StockGuard.InMemory;

public sealed partial class InMemoryStockStore : IStockWaitlist
{
    /// <inheritdoc/>
    public Task<WaitlistJoinResult> JoinWaitlistAsync(JoinWaitlistRequest request, CancellationToken cancellationToken = default) =>
        _waitlists.JoinAsync(request, cancellationToken);

    /// <inheritdoc/>
    public Task<WaitlistPlace?> LeaveWaitlistAsync(StockKey key, string customerReference, CancellationToken cancellationToken = default) =>
        _waitlists.LeaveAsync(key, customerReference, cancellationToken);

    /// <inheritdoc/>
    public Task<WaitlistPlace?> GetWaitlistPlaceAsync(StockKey key, string customerReference, CancellationToken cancellationToken = default) =>
        _waitlists.GetAsync(key, customerReference, cancellationToken);
}
