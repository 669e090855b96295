using StockGuard.Changes;
using StockGuard.Sql.Operations;

namespace StockGuard.Sql;

/// <summary>The change consumers' leases, checkpoints and parked changes, in the store's database (schema version 3).</summary>
public abstract partial class SqlStockStore : IStockChangeConsumerStore
{
    private ChangeConsumers Consumers => field ??= new ChangeConsumers(_executor);

    /// <inheritdoc/>
    public Task<StockChangeLease?> TryAcquireLeaseAsync(string consumer, string owner, TimeSpan duration, CancellationToken cancellationToken = default) =>
        Consumers.TryAcquireLeaseAsync(consumer, owner, duration, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> SaveCheckpointAsync(string consumer, string owner, StockChangePosition position, TimeSpan duration, CancellationToken cancellationToken = default) =>
        Consumers.SaveCheckpointAsync(consumer, owner, position, duration, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> ParkAsync(string consumer, string owner, StockChange change, int attempts, string error, CancellationToken cancellationToken = default) =>
        Consumers.ParkAsync(consumer, owner, change, attempts, error, cancellationToken);

    /// <inheritdoc/>
    public Task ReleaseLeaseAsync(string consumer, string owner, CancellationToken cancellationToken = default) =>
        Consumers.ReleaseLeaseAsync(consumer, owner, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<ParkedStockChange>> ReadParkedAsync(string consumer, int maxCount = 100, CancellationToken cancellationToken = default) =>
        Consumers.ReadParkedAsync(consumer, maxCount, cancellationToken);

    /// <inheritdoc/>
    public Task WaitForChangesAsync(TimeSpan maxWait, CancellationToken cancellationToken = default) =>
        maxWait <= TimeSpan.Zero ? Task.CompletedTask : WaitForChangesCoreAsync(maxWait, cancellationToken);

    /// <summary>Waits for a sign of new changes, at most <paramref name="maxWait"/>; by default simply waits (the dispatcher polls).</summary>
    private protected virtual Task WaitForChangesCoreAsync(TimeSpan maxWait, CancellationToken cancellationToken) =>
        Task.Delay(maxWait, _executor.Time, cancellationToken);

    /// <summary>Stops what <see cref="WaitForChangesCoreAsync"/> started (a listening connection); called when the store is disposed.</summary>
    private protected virtual void StopWaking()
    {
    }
}
