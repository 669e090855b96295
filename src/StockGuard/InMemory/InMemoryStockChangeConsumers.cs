using StockGuard.Changes;

namespace StockGuard.InMemory;

/// <summary>
/// The change consumers' leases, checkpoints and parked changes of an <see cref="InMemoryStockStore"/>, kept in this
/// process's memory and lost with it like the store's stock. <c>AddStockGuard().UseInMemory()</c> registers one;
/// dispatchers that share an instance share the leases (several dispatchers of one consumer in one process).
/// </summary>
public sealed class InMemoryStockChangeConsumers : IStockChangeConsumerStore
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<string, (string? Owner, DateTimeOffset ExpiresAt, StockChangePosition Checkpoint)> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedDictionary<StockChangePosition, ParkedStockChange>> _parked = new(StringComparer.Ordinal);

    /// <summary>Creates an empty set of consumers.</summary>
    /// <param name="timeProvider">The clock of lease expiry; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public InMemoryStockChangeConsumers(TimeProvider? timeProvider = null) => _time = timeProvider ?? TimeProvider.System;

    /// <inheritdoc/>
    public Task<StockChangeLease?> TryAcquireLeaseAsync(string consumer, string owner, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        Check(consumer, owner, duration);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            _consumers.TryGetValue(consumer, out var state);
            if (state.Owner is not null && state.Owner != owner && state.ExpiresAt > now)
            {
                return Task.FromResult<StockChangeLease?>(null);
            }

            _consumers[consumer] = (owner, now + duration, state.Checkpoint);
            return Task.FromResult<StockChangeLease?>(new StockChangeLease(consumer, owner, state.Checkpoint, now + duration));
        }
    }

    /// <inheritdoc/>
    public Task<bool> SaveCheckpointAsync(string consumer, string owner, StockChangePosition position, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        Check(consumer, owner, duration);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (!Holds(consumer, owner, now))
            {
                return Task.FromResult(false);
            }

            _consumers[consumer] = (owner, now + duration, position);
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public Task<bool> ParkAsync(string consumer, string owner, StockChange change, int attempts, string error, CancellationToken cancellationToken = default)
    {
        StockChangeConsumerNames.ThrowIfInvalid(consumer);
        StockChangeConsumerNames.ThrowIfInvalidOwner(owner);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (!Holds(consumer, owner, now))
            {
                return Task.FromResult(false);
            }

            if (!_parked.TryGetValue(consumer, out var parked))
            {
                _parked[consumer] = parked = [];
            }

            parked.TryAdd(change.Position, new ParkedStockChange(consumer, change.Position, change.Key, change.Kind, attempts, error, now));
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public Task ReleaseLeaseAsync(string consumer, string owner, CancellationToken cancellationToken = default)
    {
        StockChangeConsumerNames.ThrowIfInvalid(consumer);
        StockChangeConsumerNames.ThrowIfInvalidOwner(owner);
        lock (_lock)
        {
            if (_consumers.TryGetValue(consumer, out var state) && state.Owner == owner)
            {
                _consumers[consumer] = (null, DateTimeOffset.MinValue, state.Checkpoint);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ParkedStockChange>> ReadParkedAsync(string consumer, int maxCount = 100, CancellationToken cancellationToken = default)
    {
        StockChangeConsumerNames.ThrowIfInvalid(consumer);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxCount, IStockChangeFeed.MaxPageSize);
        lock (_lock)
        {
            IReadOnlyList<ParkedStockChange> result = _parked.TryGetValue(consumer, out var parked) ? [.. parked.Values.Take(maxCount)] : [];
            return Task.FromResult(result);
        }
    }

    /// <inheritdoc/>
    public Task WaitForChangesAsync(TimeSpan maxWait, CancellationToken cancellationToken = default) =>
        maxWait <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(maxWait, _time, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>The in-memory store is never told of changes: <see cref="ChangeSignals"/> stays 0 and every wait runs its length.</remarks>
    public long ChangeSignals => 0;

    /// <inheritdoc/>
    public Task WaitForChangesAsync(long seenSignals, TimeSpan maxWait, CancellationToken cancellationToken = default) =>
        WaitForChangesAsync(maxWait, cancellationToken);

    private bool Holds(string consumer, string owner, DateTimeOffset now) =>
        _consumers.TryGetValue(consumer, out var state) && state.Owner == owner && state.ExpiresAt > now;

    private static void Check(string consumer, string owner, TimeSpan duration)
    {
        StockChangeConsumerNames.ThrowIfInvalid(consumer);
        StockChangeConsumerNames.ThrowIfInvalidOwner(owner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
    }
}
