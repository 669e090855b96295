namespace StockGuard.Changes;

/// <summary>Settings of one consumer's <see cref="StockChangeDispatcher"/>.</summary>
public sealed class StockChangeDispatcherOptions
{
    /// <summary>
    /// This dispatcher's lease owner token; default: the machine's name, the process id and a random suffix, unique per
    /// dispatcher. At most 100 characters.
    /// </summary>
    public string Owner { get; set; } = $"{Environment.MachineName[..Math.Min(40, Environment.MachineName.Length)]}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>How many changes one read takes from the feed. Default: 100. Range: 1 to 10,000.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>
    /// The longest wait for new changes before the feed is read again: the polling interval on stores that cannot
    /// wake the dispatcher, a safety net on PostgreSQL. A wait also ends when the lease is due for renewal, so the
    /// dispatcher reads at least every <see cref="LeaseDuration"/> / 3 (10 seconds by default) whatever this says.
    /// Default: 1 second. Range: 1 millisecond to 1 hour.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a lease lasts unless renewed; the active dispatcher renews it every third of this, and another takes
    /// over this long after the holder stopped renewing. Default: 30 seconds. Range: 1 second to 1 hour.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the handler is called for one change before the change is parked. Default: 5. Range: 1 to 100.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait before the first retry; each further retry waits twice as long, up to <see cref="MaxRetryDelay"/>. Default: 200 milliseconds. Range: 0 to 1 hour.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait between two attempts. Default: 30 seconds. Range: <see cref="RetryDelay"/> to 1 hour.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    internal IEnumerable<string> Validate()
    {
        const string name = nameof(StockChangeDispatcherOptions);
        if (string.IsNullOrEmpty(Owner) || Owner.Length > StockChangeConsumerNames.MaxLength)
        {
            yield return $"{name}.{nameof(Owner)} must have 1 to {StockChangeConsumerNames.MaxLength} characters.";
        }

        if (BatchSize is < 1 or > IStockChangeFeed.MaxPageSize)
        {
            yield return $"{name}.{nameof(BatchSize)} is {BatchSize}; it must lie between 1 and {IStockChangeFeed.MaxPageSize}.";
        }

        if (PollInterval < TimeSpan.FromMilliseconds(1) || PollInterval > TimeSpan.FromHours(1))
        {
            yield return $"{name}.{nameof(PollInterval)} is {PollInterval}; it must lie between 00:00:00.001 and 01:00:00.";
        }

        if (LeaseDuration < TimeSpan.FromSeconds(1) || LeaseDuration > TimeSpan.FromHours(1))
        {
            yield return $"{name}.{nameof(LeaseDuration)} is {LeaseDuration}; it must lie between 00:00:01 and 01:00:00.";
        }

        if (MaxAttempts is < 1 or > 100)
        {
            yield return $"{name}.{nameof(MaxAttempts)} is {MaxAttempts}; it must lie between 1 and 100.";
        }

        if (RetryDelay < TimeSpan.Zero || RetryDelay > TimeSpan.FromHours(1))
        {
            yield return $"{name}.{nameof(RetryDelay)} is {RetryDelay}; it must lie between 00:00:00 and 01:00:00.";
        }

        if (MaxRetryDelay < RetryDelay || MaxRetryDelay > TimeSpan.FromHours(1))
        {
            yield return $"{name}.{nameof(MaxRetryDelay)} is {MaxRetryDelay}; it must lie between {nameof(RetryDelay)} ({RetryDelay}) and 01:00:00.";
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
