namespace StockGuard;

/// <summary>
/// How a database store keeps concurrent buyers from overselling. Every strategy is safe; they differ
/// in cost under contention. The in-memory store locks items in memory and ignores the choice.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ConcurrencyStrategy>))]
public enum ConcurrencyStrategy
{
    /// <summary>
    /// One conditional statement per line: <c>UPDATE … WHERE available &gt;= @quantity</c>. The database
    /// re-checks the condition after waiting for the row lock. The fastest safe path.
    /// </summary>
    Atomic,

    /// <summary>
    /// <c>SELECT … FOR UPDATE</c> on the order's rows in key order, check, update, commit. One round trip
    /// more; the lock is held through the transaction.
    /// </summary>
    Pessimistic,

    /// <summary>
    /// Read the rows with their version, then <c>UPDATE … WHERE version = @version</c>; retry a lost race
    /// with bounded, jittered back-off, then fail with <see cref="ConcurrencyConflictException"/>.
    /// </summary>
    Optimistic,

    /// <summary>
    /// For flash sales on a few hot items: concurrent single-item deducts of the same item are gathered while the
    /// previous batch commits and applied in one transaction (lock the row, grant in arrival order while stock
    /// lasts, one update, one movement row and one idempotency row per request, one commit), then each caller gets
    /// its own result. An item with nothing queued is served by <see cref="Atomic"/>, so coalescing costs nothing
    /// on spread-out load; multi-item orders and holds always use <see cref="Atomic"/>.
    /// </summary>
    Coalescing,
}
