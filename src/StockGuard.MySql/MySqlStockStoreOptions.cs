using StockGuard.Sql;

namespace StockGuard.MySql;

/// <summary>
/// Settings of the <see cref="MySqlStockStore"/>. Defaults: the atomic strategy, tables created on first use in the
/// database <c>stockguard</c> (<see cref="SqlStockStoreOptions.Schema"/>: a plain identifier, always quoted with
/// backticks), the server's own lock wait timeout, 30-second command timeout.
/// </summary>
public sealed class MySqlStockStoreOptions : SqlStockStoreOptions
{
    /// <summary>
    /// How long a statement waits for a row lock before it fails with <see cref="StockStoreTimeoutException"/>,
    /// changing nothing: sets <c>innodb_lock_wait_timeout</c> (whole seconds, rounded up) for each operation's
    /// session, at the cost of one more round trip per operation. <see langword="null"/> keeps the server's setting
    /// (50 seconds by default). Default: <see langword="null"/>. Range: 1 second to 1 hour.
    /// </summary>
    public TimeSpan? LockWaitTimeout { get; set; }

    /// <summary>
    /// How long the change feed waits at a gap in the ledger's ids. A gap is an id that a rolled-back insert used (it
    /// never fills) or one that an insert has taken but not yet written (it fills within moments): the feed's locking read
    /// waits for every written, uncommitted row, but cannot see an id before its row exists. Ids are taken in increasing
    /// order, so the feed passes a gap once it read a higher committed id at least this long ago; a change whose insert
    /// takes longer than this between taking its id and writing its row would be passed. Default: 3 seconds. Range: 100
    /// milliseconds to 10 minutes. See docs/changes.md.
    /// </summary>
    public TimeSpan ChangeFeedGapWait { get; set; } = TimeSpan.FromSeconds(3);

    /// <inheritdoc/>
    protected override void Validate(ICollection<string> failures)
    {
        base.Validate(failures);
        CheckRange(failures, nameof(MySqlStockStoreOptions), nameof(ChangeFeedGapWait), ChangeFeedGapWait, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));
        if (LockWaitTimeout is { } timeout)
        {
            CheckRange(failures, nameof(MySqlStockStoreOptions), nameof(LockWaitTimeout), timeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        }
    }
}
