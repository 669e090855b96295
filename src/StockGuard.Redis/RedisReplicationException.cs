namespace StockGuard.Redis;

/// <summary>
/// A write was applied on the Redis master but fewer replicas than <see cref="RedisStockStoreOptions.WaitForReplicas"/>
/// acknowledged it within <see cref="RedisStockStoreOptions.ReplicaTimeout"/>: it stands unless the master fails before
/// replicating it. <see cref="StockStoreException.OutcomeUnknown"/> is set: read the item (or retry with the same
/// idempotency key, which replays the result) before acting on it.
/// </summary>
public sealed class RedisReplicationException : StockStoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="required">The replicas asked for.</param>
    /// <param name="acknowledged">The replicas that acknowledged in time.</param>
    public RedisReplicationException(int required, long acknowledged)
        : base($"The write was applied on the Redis master, but {acknowledged} of the {required} replicas asked for acknowledged it in time; it may be lost if the master fails now. Read the item, or retry with the same idempotency key.", null, isTransient: true, outcomeUnknown: true)
    {
        Required = required;
        Acknowledged = acknowledged;
    }

    /// <summary>The replicas asked for.</summary>
    public int Required { get; }

    /// <summary>The replicas that acknowledged in time.</summary>
    public long Acknowledged { get; }
}
