namespace StockGuard.Sql;

/// <summary>
/// The limits of the <see cref="ConcurrencyStrategy.Coalescing"/> strategy. Each stock item has at most one batch in
/// flight; requests that arrive meanwhile queue up and form the next batch.
/// </summary>
public sealed class CoalescingOptions
{
    /// <summary>
    /// The most requests one batch (one transaction) applies; the rest wait for the next batch. Larger batches sell
    /// more per commit; each waits for the whole batch's statements. Default: 256. Range: 1 to 1,000.
    /// </summary>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>
    /// How long a batch that is not full waits for more requests before it starts. Zero (the default) starts at once
    /// with whatever queued while the previous batch committed, which is enough to gather a flash sale's buyers
    /// without adding latency. Range: 0 to 1 second. Timed by the store's <see cref="TimeProvider"/>.
    /// </summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// The most requests that may wait for one item; the next is turned away with
    /// <see cref="StockStoreBusyException"/> instead of growing memory without bound. Default: 10,000.
    /// Range: 1 to 1,000,000.
    /// </summary>
    public int MaxQueueLength { get; set; } = 10_000;

}
