namespace StockGuard.Changes;

/// <summary>
/// Receives a store's committed changes, one at a time, for one consumer (an ERP, a search index, a cache): register
/// it with <c>.AddChangeHandler&lt;T&gt;("name")</c>, or run a <see cref="StockChangeDispatcher"/> yourself.
/// </summary>
/// <remarks>
/// Delivery is at least once, in feed position order: a change is handed over again after a restart or a take-over
/// when the checkpoint had not yet passed it, so a handler must be idempotent (the change's
/// <see cref="StockChange.Position"/>, or its item's <see cref="StockLevel.Version"/> in <see cref="StockChange.LevelAfter"/>,
/// tells a repeat). A handler that throws is called again with back-off; one that keeps throwing has the change parked
/// (<see cref="IStockChangeConsumerStore.ReadParkedAsync"/>) and receives the next one.
/// </remarks>
public interface IStockChangeHandler
{
    /// <summary>Handles one change. Return when it is done for good; throw to have it retried.</summary>
    /// <param name="change">The change.</param>
    /// <param name="cancellationToken">Cancelled when the dispatcher stops.</param>
    /// <returns>A task that completes when the change is handled.</returns>
    Task HandleAsync(StockChange change, CancellationToken cancellationToken);
}
