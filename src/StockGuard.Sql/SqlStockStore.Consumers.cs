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
    public long ChangeSignals => CurrentChangeSignals;

    /// <summary>The signs of new changes the store has had; by default none (the dispatcher polls).</summary>
    private protected virtual long CurrentChangeSignals => 0;

    /// <inheritdoc/>
    public Task WaitForChangesAsync(TimeSpan maxWait, CancellationToken cancellationToken = default) =>
        WaitForChangesAsync(CurrentChangeSignals, maxWait, cancellationToken);

    /// <inheritdoc/>
    public Task WaitForChangesAsync(long seenSignals, TimeSpan maxWait, CancellationToken cancellationToken = default) =>
        maxWait <= TimeSpan.Zero ? Task.CompletedTask : WaitForChangesCoreAsync(seenSignals, maxWait, cancellationToken);

    /// <summary>
    /// Waits for a sign of new changes after <paramref name="seenSignals"/>, at most <paramref name="maxWait"/>; by default
    /// simply waits (the dispatcher polls).
    /// </summary>
    private protected virtual Task WaitForChangesCoreAsync(long seenSignals, TimeSpan maxWait, CancellationToken cancellationToken) =>
        Task.Delay(maxWait, _executor.Time, cancellationToken);

    /// <summary>Stops what <see cref="WaitForChangesCoreAsync"/> started (a listening connection); called when the store is disposed.</summary>
    private protected virtual void StopWaking()
    {
    }

    /// <summary>
    /// Called after an operation of this store (not of a caller-transaction view) has ended, whether or not it wrote
    /// movements: a store that can tell other processes of new changes (PostgreSQL's NOTIFY) does so here, after the
    /// commit and off the operation's path. Changes committed in a caller's transaction are found by polling.
    /// </summary>
    private protected virtual void OnChangesCommitted()
    {
    }

    private async Task<T> Committed<T>(Task<T> operation)
    {
        try
        {
            return await operation.ConfigureAwait(false);
        }
        finally
        {
            OnChangesCommitted();
        }
    }
}
