namespace StockGuard.Redis;

/// <summary>
/// Fewer replicas than <see cref="RedisStockStoreOptions.WaitForReplicas"/> acknowledged a write within
/// <see cref="RedisStockStoreOptions.ReplicaTimeout"/>. Usually the operation was applied on the Redis master and stands
/// unless the master fails before replicating it: <see cref="StockStoreException.OutcomeUnknown"/> is set, so read the item
/// (or retry with the same idempotency key, which replays the result) before acting on it. When the unreplicated write was
/// only the claim of the operation's idempotency key, which is replicated before any stock changes,
/// <see cref="StockStoreException.OutcomeUnknown"/> is not set: nothing was changed, and a retry with the same key applies
/// the operation once.
/// </summary>
public sealed class RedisReplicationException : StockStoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="required">The replicas asked for.</param>
    /// <param name="acknowledged">The replicas that acknowledged in time.</param>
    public RedisReplicationException(int required, long acknowledged)
        : this(required, acknowledged, applied: true)
    {
    }

    internal RedisReplicationException(int required, long acknowledged, bool applied)
        : base(
            applied
                ? $"The write was applied on the Redis master, but {acknowledged} of the {required} replicas asked for acknowledged it in time; it may be lost if the master fails now. Read the item, or retry with the same idempotency key."
                : $"{acknowledged} of the {required} replicas asked for acknowledged the claim of the idempotency key in time. Nothing was changed; retry with the same key.",
            null,
            isTransient: true,
            outcomeUnknown: applied)
    {
        Required = required;
        Acknowledged = acknowledged;
    }

    /// <summary>The replicas asked for.</summary>
    public int Required { get; }

    /// <summary>The replicas that acknowledged in time.</summary>
    public long Acknowledged { get; }
}
