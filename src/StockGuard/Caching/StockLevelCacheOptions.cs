namespace StockGuard.Caching;

/// <summary>Settings of the <see cref="StockLevelCache"/>.</summary>
public sealed class StockLevelCacheOptions
{
    /// <summary>
    /// The longest an entry is kept, whatever the feed says: the bound on staleness when the feed cannot be followed
    /// (the database is unreachable). Default: 5 minutes. Range: 1 second to 1 day.
    /// </summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Prefix of the cache keys, so that two stores (schemas, tenants) can share one cache. Default:
    /// <c>"stockguard:level:"</c>. At most 200 characters.
    /// </summary>
    public string KeyPrefix { get; set; } = "stockguard:level:";

    /// <summary>
    /// The longest wait for new changes before the feed is read again: the polling interval on stores that cannot wake
    /// the cache, and so the staleness bound there. Default: 100 milliseconds. Range: 1 millisecond to 1 minute.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How many changes one read takes from the feed. Default: 1,000. Range: 1 to 10,000.</summary>
    public int BatchSize { get; set; } = 1000;

    internal IEnumerable<string> Validate()
    {
        const string name = nameof(StockLevelCacheOptions);
        if (MaxAge < TimeSpan.FromSeconds(1) || MaxAge > TimeSpan.FromDays(1))
        {
            yield return $"{name}.{nameof(MaxAge)} is {MaxAge}; it must lie between 00:00:01 and 1.00:00:00.";
        }

        if (string.IsNullOrEmpty(KeyPrefix) || KeyPrefix.Length > 200)
        {
            yield return $"{name}.{nameof(KeyPrefix)} must have 1 to 200 characters.";
        }

        if (PollInterval < TimeSpan.FromMilliseconds(1) || PollInterval > TimeSpan.FromMinutes(1))
        {
            yield return $"{name}.{nameof(PollInterval)} is {PollInterval}; it must lie between 00:00:00.001 and 00:01:00.";
        }

        if (BatchSize is < 1 or > Changes.IStockChangeFeed.MaxPageSize)
        {
            yield return $"{name}.{nameof(BatchSize)} is {BatchSize}; it must lie between 1 and {Changes.IStockChangeFeed.MaxPageSize}.";
        }
    }

    internal void ThrowIfInvalid()
    {
        var failures = Validate().ToList();
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), "options");
        }
    }
}
