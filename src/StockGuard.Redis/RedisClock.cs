namespace StockGuard.Redis;

/// <summary>Which clock decides when a <see cref="RedisStockStore"/>'s holds expire and stamps its movements.</summary>
public enum RedisClock
{
    /// <summary>
    /// The Redis server's clock (<c>TIME</c>), read before an operation when a reading is due and moved on between
    /// readings by the host's monotonic clock: every host on one Redis agrees within
    /// <see cref="RedisStockStoreOptions.MaxClockError"/>, however wrong its own wall clock is. On a Redis Cluster, the
    /// master that serves the store's clock key. The default.
    /// </summary>
    Server = 0,

    /// <summary>
    /// The store's <see cref="System.TimeProvider"/>: hosts whose clocks disagree disagree on when a hold expires. For tests
    /// that drive time with a fake clock, or a single host whose clock is trusted.
    /// </summary>
    TimeProvider = 1,
}
