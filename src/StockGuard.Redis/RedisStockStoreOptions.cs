using System.Text.RegularExpressions;

namespace StockGuard.Redis;

/// <summary>
/// Settings of the <see cref="RedisStockStore"/>. Defaults: key prefix <c>stockguard</c>, the atomic strategy, orders that
/// span cluster slots rolled back when they take longer than 30 seconds, no wait for replicas, holds expiring by the Redis
/// server's clock.
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

    /// <summary>
    /// Which clock decides when a hold expires, and stamps holds, movements and idempotency keys. Default:
    /// <see cref="RedisClock.Server"/>, so that every host on the Redis deployment agrees within
    /// <see cref="MaxClockError"/> however wrong its own clock is. <see cref="RedisClock.TimeProvider"/> takes the store's
    /// <see cref="System.TimeProvider"/> instead: for tests that drive a fake clock, or a single host.
    /// </summary>
    public RedisClock Clock { get; set; } = RedisClock.Server;

    /// <summary>
    /// With <see cref="RedisClock.Server"/>, how far this store's time may be from the Redis server's clock: the store
    /// accepts a reading of that clock (<c>TIME</c>) only when half its round trip (the reading's uncertainty) is at most
    /// half of this, and reads again before the drift of the host's monotonic clock since the reading (assumed up to
    /// 0.05 %, or twice the drift it measured, whichever is more) can use up the rest. When no reading can be taken within
    /// the bound, an operation fails with a transient <see cref="StockStoreException"/> and changes nothing. Two stores
    /// therefore agree on expiry within twice this. Default: 100 milliseconds. Range: 1 millisecond to 10 seconds.
    /// </summary>
    public TimeSpan MaxClockError { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// With <see cref="RedisClock.Server"/>, the longest time between two readings of the Redis server's clock (one
    /// <c>TIME</c> each); the store reads sooner when <see cref="MaxClockError"/> requires it. Default: 30 seconds.
    /// Range: 1 second to 1 hour.
    /// </summary>
    public TimeSpan ClockReadInterval { get; set; } = TimeSpan.FromSeconds(30);

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
        if (!Enum.IsDefined(Clock))
        {
            failures.Add($"{name}.{nameof(Clock)} is {Clock}; it must be {nameof(RedisClock.Server)} or {nameof(RedisClock.TimeProvider)}.");
        }

        CheckRange(failures, name, nameof(MaxClockError), MaxClockError, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10));
        CheckRange(failures, name, nameof(ClockReadInterval), ClockReadInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex PrefixPattern();
}
