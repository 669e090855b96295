using System.Text.RegularExpressions;

namespace StockGuard.Redis;

/// <summary>
/// Settings of the <see cref="RedisStockStore"/>. Defaults: key prefix <c>stockguard</c>, the atomic strategy, orders that
/// span cluster slots rolled back when they take longer than 30 seconds, no wait for replicas.
/// </summary>
public sealed partial class RedisStockStoreOptions : StockStoreOptions
{
    /// <summary>The longest key prefix accepted.</summary>
    public const int MaxKeyPrefixLength = 64;

    /// <summary>
    /// The text every key of this store starts with: two stores (tenants, environments) on one Redis or Redis Cluster
    /// with different prefixes never see each other's items, holds or idempotency keys. Letters, digits, <c>-</c>,
    /// <c>_</c> and <c>.</c>, 1 to 64 characters; a prefix cannot contain another's prefix followed by <c>:</c>, since
    /// <c>:</c> is not allowed. Default: <c>stockguard</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = "stockguard";

    /// <summary>
    /// The store's concurrency strategy. Only <see cref="ConcurrencyStrategy.Atomic"/> applies: every item operation is one
    /// Lua script, which Redis runs alone, so the check and the write are one step. <see cref="ConcurrencyStrategy.Pessimistic"/>,
    /// <see cref="ConcurrencyStrategy.Optimistic"/> and <see cref="ConcurrencyStrategy.Coalescing"/> are refused at
    /// configuration (and per request): locking or retrying around an atomic script adds cost and no safety.
    /// Default: <see cref="ConcurrencyStrategy.Atomic"/>.
    /// </summary>
    public ConcurrencyStrategy Strategy { get; set; } = ConcurrencyStrategy.Atomic;

    /// <summary>
    /// How long an order whose lines live on several cluster slots (a multi-item deduct) may take from its first held line
    /// to its decision. Past it the order is rolled back and fails with <see cref="StockStoreTimeoutException"/>, nothing
    /// sold; the units of a coordinator that crashed stay held, not sold, until the first sweep after this time. A receipt
    /// of several items whose coordinator crashed is finished (every line added, once) by the first sweep after this time.
    /// Default: 30 seconds. Range: 1 second to 10 minutes.
    /// </summary>
    public TimeSpan OrderTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many replicas must acknowledge each write (Redis <c>WAIT</c>, sent to the master that took the write) before
    /// the store reports it. 0 (the default) does not wait: an acknowledged sale can be lost when a master fails before
    /// replicating it. When fewer replicas acknowledge within <see cref="ReplicaTimeout"/>, the call throws
    /// <see cref="RedisReplicationException"/> (the write was applied on the master; whether it survives a failover is
    /// unknown). Range: 0 to 16.
    /// </summary>
    public int WaitForReplicas { get; set; }

    /// <summary>How long <see cref="WaitForReplicas"/> waits for the replicas. Default: 1 second. Range: 1 millisecond to 1 minute.</summary>
    public TimeSpan ReplicaTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <inheritdoc/>
    protected override void Validate(ICollection<string> failures)
    {
        base.Validate(failures);
        ArgumentNullException.ThrowIfNull(failures);
        const string name = nameof(RedisStockStoreOptions);
        if (KeyPrefix is null || !PrefixPattern().IsMatch(KeyPrefix))
        {
            failures.Add($"{name}.{nameof(KeyPrefix)} is '{KeyPrefix}'; it must be 1 to {MaxKeyPrefixLength} letters, digits, '-', '_' or '.'.");
        }

        if (Strategy != ConcurrencyStrategy.Atomic)
        {
            failures.Add($"{name}.{nameof(Strategy)} is {Strategy}; the Redis store supports only {nameof(ConcurrencyStrategy.Atomic)}: every item operation is one Lua script that Redis runs alone.");
        }

        CheckRange(failures, name, nameof(OrderTimeout), OrderTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        CheckRange(failures, name, nameof(WaitForReplicas), WaitForReplicas, 0, 16);
        CheckRange(failures, name, nameof(ReplicaTimeout), ReplicaTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1));
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex PrefixPattern();
}
