namespace StockGuard.Changes;

/// <summary>
/// Where a store keeps the state of its change consumers: one lease and checkpoint per consumer name, and the changes
/// a consumer parked. SQL stores keep them in their database (schema version 3), the in-memory store in memory.
/// <see cref="StockChangeDispatcher"/> uses it; <c>AddStockGuard</c> registers the store's.
/// </summary>
/// <remarks>
/// The lease is one row per consumer with an owner token and an expiry by the store's clock (on a SQL store with
/// <c>SqlClock.Database</c>, the database server's, so hosts whose clocks differ agree). A dispatcher takes it when it
/// is free or expired and renews it while it works; every checkpoint write and every park is a conditional update that
/// succeeds only while the writer holds an unexpired lease, so a dispatcher that lost its lease cannot move the
/// checkpoint back or forth.
/// </remarks>
public interface IStockChangeConsumerStore
{
    /// <summary>Takes the consumer's lease when it is free, expired or already <paramref name="owner"/>'s, and renews it for <paramref name="duration"/>.</summary>
    /// <param name="consumer">The consumer's name: 1 to 100 letters, digits, '.', '-' or '_'.</param>
    /// <param name="owner">The dispatcher's token: 1 to 100 characters.</param>
    /// <param name="duration">How long the lease lasts unless renewed.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The lease and the checkpoint, or <see langword="null"/> when another owner holds an unexpired lease.</returns>
    /// <exception cref="ArgumentException">A name or token is empty, too long or has characters outside the set.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is not positive.</exception>
    Task<StockChangeLease?> TryAcquireLeaseAsync(string consumer, string owner, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Moves the consumer's checkpoint to <paramref name="position"/> and renews the lease, if <paramref name="owner"/> still holds it unexpired.</summary>
    /// <param name="consumer">The consumer's name.</param>
    /// <param name="owner">The dispatcher's token.</param>
    /// <param name="position">The last position handled.</param>
    /// <param name="duration">How long the renewed lease lasts.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether the checkpoint was written; <see langword="false"/> when the lease was lost (nothing changed).</returns>
    Task<bool> SaveCheckpointAsync(string consumer, string owner, StockChangePosition position, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Records a change the consumer's handler kept failing on, if <paramref name="owner"/> still holds the lease. Recording the same position again keeps the first record.</summary>
    /// <param name="consumer">The consumer's name.</param>
    /// <param name="owner">The dispatcher's token.</param>
    /// <param name="change">The change.</param>
    /// <param name="attempts">How often the handler was called for it.</param>
    /// <param name="error">The last failure.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether it was recorded; <see langword="false"/> when the lease was lost.</returns>
    Task<bool> ParkAsync(string consumer, string owner, StockChange change, int attempts, string error, CancellationToken cancellationToken = default);

    /// <summary>Gives the lease up at once, if <paramref name="owner"/> holds it, so that another dispatcher need not wait for it to expire.</summary>
    /// <param name="consumer">The consumer's name.</param>
    /// <param name="owner">The dispatcher's token.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the lease is released.</returns>
    Task ReleaseLeaseAsync(string consumer, string owner, CancellationToken cancellationToken = default);

    /// <summary>The consumer's parked changes, oldest position first.</summary>
    /// <param name="consumer">The consumer's name.</param>
    /// <param name="maxCount">The most to return: 1 to 10,000.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The parked changes.</returns>
    Task<IReadOnlyList<ParkedStockChange>> ReadParkedAsync(string consumer, int maxCount = 100, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits until new changes may have been committed or <paramref name="maxWait"/> has passed. A store that cannot
    /// be told (every one but PostgreSQL, and PostgreSQL behind a transaction pooler) simply waits
    /// <paramref name="maxWait"/>: the dispatcher then polls.
    /// </summary>
    /// <remarks>
    /// Only a sign that comes after the call ends the wait. A reader of the feed that waits between two reads uses
    /// <see cref="WaitForChangesAsync(long, TimeSpan, CancellationToken)"/> instead, so that a change committed while it
    /// read or handled the last page is not left for the next poll.
    /// </remarks>
    /// <param name="maxWait">The longest wait.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>A task that completes when the wait is over.</returns>
    Task WaitForChangesAsync(TimeSpan maxWait, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many signs of new changes the store has had (on PostgreSQL: its own operations' ends and other processes'
    /// notifications); it only grows. A reader of the feed takes it before it reads a page and passes it to
    /// <see cref="WaitForChangesAsync(long, TimeSpan, CancellationToken)"/> when it waits after the page. Always 0 for a
    /// store that cannot be told.
    /// </summary>
    long ChangeSignals { get; }

    /// <summary>
    /// Waits until the store has had a sign of new changes since <see cref="ChangeSignals"/> was
    /// <paramref name="seenSignals"/>, or <paramref name="maxWait"/> has passed: at once when a sign came meanwhile (a
    /// change committed while the caller read or handled its last page). A store that cannot be told simply waits
    /// <paramref name="maxWait"/>.
    /// </summary>
    /// <param name="seenSignals">What <see cref="ChangeSignals"/> was before the caller's last read of the feed.</param>
    /// <param name="maxWait">The longest wait.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>A task that completes when the wait is over.</returns>
    Task WaitForChangesAsync(long seenSignals, TimeSpan maxWait, CancellationToken cancellationToken = default);
}
