namespace StockGuard.Changes;

/// <summary>
/// The read side of a store's movement ledger: every committed movement, in one order, without silent gaps, each
/// with the item's level right after it. Every StockGuard store implements it; <c>AddStockGuard</c> registers the
/// registered store as this service too.
/// </summary>
/// <remarks>
/// <para>
/// The feed's promise: a reader that passes positions in the order the feed returns them sees every committed
/// movement exactly once, and never later finds one at a position it has passed. A change becomes visible to the feed
/// once its transaction has committed and, on PostgreSQL, once every transaction that started writing before it has
/// ended too (a long transaction holds the feed back; it never makes it skip). On MySQL and MariaDB the promise holds
/// within a bound: a writer stalled between taking its movement id and writing its row for longer than
/// <c>MySqlStockStoreOptions.ChangeFeedGapWait</c> (3 s by default) would be passed. Read changes per item in
/// <see cref="StockLevel.Version"/> order: within one item, feed order is commit order on every store except
/// PostgreSQL, where two overlapping transactions appear in the order their transaction ids were assigned. See
/// <c>docs/changes.md</c> for each engine's guarantee.
/// </para>
/// <para>
/// A change of policy (<see cref="IStockStore.SetPolicyAsync"/>) is not a movement and has no entry; it still counts
/// in <see cref="StockLevel.Version"/>, so Versions of consecutive changes of an item may differ by more than one.
/// </para>
/// </remarks>
public interface IStockChangeFeed
{
    /// <summary>The most changes one read returns: 10,000.</summary>
    public const int MaxPageSize = 10_000;

    /// <summary>Reads the committed changes after <paramref name="after"/>, in feed order.</summary>
    /// <param name="after">The last position handled, or <see cref="StockChangePosition.Start"/> to read from the beginning.</param>
    /// <param name="maxCount">The most changes to return: 1 to <see cref="MaxPageSize"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The changes, and where to read on.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCount"/> is out of range.</exception>
    /// <exception cref="StockChangePositionExpiredException">The store no longer keeps the changes after <paramref name="after"/>.</exception>
    Task<StockChangePage> ReadChangesAsync(StockChangePosition after, int maxCount = 1000, CancellationToken cancellationToken = default);

    /// <summary>
    /// The position of the last change the feed can return now: reading after it returns only changes not yet visible.
    /// <see cref="StockChangePosition.Start"/> when there are none. A cache starts here: take the position, read the
    /// levels, then follow the feed after the position (changes already in the levels have a Version not above them).
    /// </summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The position.</returns>
    Task<StockChangePosition> GetLastPositionAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads one item's history, a page at a time, newest or oldest first. Within one item the order is the order in
    /// which its changes committed (its <see cref="StockLevel.Version"/> order).
    /// </summary>
    /// <param name="key">The stock item.</param>
    /// <param name="order">Newest or oldest first.</param>
    /// <param name="after">
    /// <see langword="null"/> for the first page; then <see cref="StockChangePage.Next"/> of the previous page, to read the
    /// changes beyond it in <paramref name="order"/>.
    /// </param>
    /// <param name="maxCount">The most changes to return: 1 to <see cref="MaxPageSize"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The page; empty for an item without changes or one that does not exist.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is <c>default</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="order"/> or <paramref name="maxCount"/> is out of range.</exception>
    Task<StockChangePage> ReadHistoryAsync(
        StockKey key,
        StockHistoryOrder order = StockHistoryOrder.NewestFirst,
        StockChangePosition? after = null,
        int maxCount = 100,
        CancellationToken cancellationToken = default);
}
