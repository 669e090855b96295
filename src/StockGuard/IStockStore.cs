namespace StockGuard;

/// <summary>
/// A store of stock levels that never oversells, however many buyers call it at once. Every write is
/// all-or-nothing; a write with an idempotency key takes effect at most once. Lack of stock is reported
/// in the result; misuse and infrastructure failures throw a <see cref="StockGuardException"/> or an
/// <see cref="ArgumentException"/>, and change nothing.
/// </summary>
public interface IStockStore
{
    /// <summary>Reads one item's level.</summary>
    /// <param name="key">The stock item.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The level, or <see langword="null"/> if the item does not exist.</returns>
    Task<StockLevel?> GetLevelAsync(StockKey key, CancellationToken cancellationToken = default);

    /// <summary>Reads many items' levels at once.</summary>
    /// <param name="keys">The stock items; duplicates are read once.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The levels of the items that exist, in the order of <paramref name="keys"/>.</returns>
    Task<IReadOnlyList<StockLevel>> GetLevelsAsync(IEnumerable<StockKey> keys, CancellationToken cancellationToken = default);

    /// <summary>Takes a whole order from available stock, all lines or none.</summary>
    /// <param name="request">The order.</param>
    /// <param name="cancellationToken">Cancels the operation; it then takes effect entirely or not at all.</param>
    /// <returns>The new levels, or the lines that lacked stock.</returns>
    /// <exception cref="StockItemNotFoundException">A line names an item that does not exist.</exception>
    /// <exception cref="IdempotencyConflictException">The idempotency key was used for a different request.</exception>
    Task<StockChangeResult> DeductAsync(DeductRequest request, CancellationToken cancellationToken = default);

    /// <summary>Adds received or returned units; a receipt creates items never seen before.</summary>
    /// <param name="request">The delivery or return.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new levels.</returns>
    /// <exception cref="StockItemNotFoundException">A return names an item that does not exist.</exception>
    Task<StockChangeResult> ReceiveAsync(ReceiveRequest request, CancellationToken cancellationToken = default);

    /// <summary>Applies a counted correction. A negative one is refused, like a deduct, when the units are not available.</summary>
    /// <param name="request">The correction.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new level, or the short line.</returns>
    /// <exception cref="StockItemNotFoundException">The item does not exist.</exception>
    Task<StockChangeResult> AdjustAsync(AdjustRequest request, CancellationToken cancellationToken = default);

    /// <summary>Sets an item's safety stock, backorder limit and low-stock threshold, creating the item if needed.</summary>
    /// <param name="key">The stock item.</param>
    /// <param name="policy">The settings.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new level.</returns>
    Task<StockLevel> SetPolicyAsync(StockKey key, StockPolicy policy, CancellationToken cancellationToken = default);

    /// <summary>Holds lines for a time-to-live, all or none. The hold lowers availability at once.</summary>
    /// <param name="request">The lines and time-to-live.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The hold, or the lines that lacked stock.</returns>
    /// <exception cref="StockItemNotFoundException">A line names an item that does not exist.</exception>
    Task<ReserveResult> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Turns a live hold into a sale. Confirming a confirmed hold again is a no-op that reports success;
    /// a hold past its expiry is not sold (<see cref="HoldOutcome.Expired"/>).
    /// </summary>
    /// <param name="holdId">The hold.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see cref="HoldOutcome.Confirmed"/> or <see cref="HoldOutcome.Expired"/>.</returns>
    /// <exception cref="HoldNotFoundException">The hold does not exist.</exception>
    /// <exception cref="HoldStateException">The hold was released.</exception>
    Task<HoldResult> ConfirmAsync(Guid holdId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Turns part of a live hold into a sale and gives the rest back, in one transaction: a line, or part of one, was
    /// cancelled while the payment was taken. Each sold line writes one <c>hold_confirmed</c> movement (on hand down by
    /// the units sold, reserved down by the units held); a line not sold at all writes a <c>hold_released</c> one.
    /// Repeating the same confirm is a no-op that reports success; a hold past its expiry is not sold.
    /// </summary>
    /// <param name="request">The hold and the units to sell.</param>
    /// <param name="cancellationToken">Cancels the operation; it then takes effect entirely or not at all.</param>
    /// <returns><see cref="HoldOutcome.Confirmed"/> with <see cref="HoldResult.ConfirmedLines"/>, or <see cref="HoldOutcome.Expired"/>.</returns>
    /// <exception cref="HoldNotFoundException">The hold does not exist.</exception>
    /// <exception cref="HoldStateException">The hold was released, or confirmed with other quantities.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A line names an item the hold does not hold, or more units than it holds; nothing was changed.</exception>
    Task<HoldResult> ConfirmAsync(ConfirmRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes back units a confirmed hold sold (the compensation of a confirmed sale): on hand goes up, with one
    /// <see cref="StockMovementKind.Return"/> movement per line that names the hold. Never more units of an item than
    /// the hold sold of it, counting earlier returns against it. The request's idempotency key makes a retry take
    /// effect once.
    /// </summary>
    /// <param name="request">The hold, the returned units and the return's idempotency key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The items' new levels.</returns>
    /// <exception cref="HoldNotFoundException">The hold does not exist (or was purged after the retention period).</exception>
    /// <exception cref="HoldStateException">The hold is not confirmed.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A line returns more units than the hold sold of that item and not yet returned; nothing was changed.</exception>
    /// <exception cref="IdempotencyConflictException">The idempotency key was used for a different request.</exception>
    Task<StockChangeResult> ReturnAsync(HoldReturnRequest request, CancellationToken cancellationToken = default);

    /// <summary>Gives a hold's units back. Releasing a released hold again is a no-op that reports success.</summary>
    /// <param name="holdId">The hold.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see cref="HoldOutcome.Released"/>, or <see cref="HoldOutcome.Expired"/> when it had already expired.</returns>
    /// <exception cref="HoldNotFoundException">The hold does not exist.</exception>
    /// <exception cref="HoldStateException">The hold was confirmed.</exception>
    Task<HoldResult> ReleaseAsync(Guid holdId, CancellationToken cancellationToken = default);

    /// <summary>Moves a live hold's expiry to <paramref name="timeToLive"/> from now, e.g. while a slow payment is in flight.</summary>
    /// <param name="holdId">The hold.</param>
    /// <param name="timeToLive">The new time-to-live, counted from now; positive.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see cref="HoldOutcome.Extended"/>, or <see cref="HoldOutcome.Expired"/> when too late.</returns>
    /// <exception cref="HoldNotFoundException">The hold does not exist.</exception>
    /// <exception cref="HoldStateException">The hold was confirmed or released.</exception>
    Task<HoldResult> ExtendAsync(Guid holdId, TimeSpan timeToLive, CancellationToken cancellationToken = default);

    /// <summary>Reads a hold.</summary>
    /// <param name="holdId">The hold.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The hold, or <see langword="null"/> if unknown. An active hold past its expiry is reported as <see cref="HoldState.Expired"/>.</returns>
    Task<StockHold?> GetHoldAsync(Guid holdId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Releases expired holds and purges finished holds and idempotency keys past their retention period, in
    /// short batches. Expired holds never block buyers even without a sweep; the sweep keeps the stored
    /// reserved counts fresh. The hosted sweeper that <c>AddStockGuard</c> registers calls this periodically.
    /// </summary>
    /// <param name="cancellationToken">Stops the sweep between batches.</param>
    /// <returns>What was released and purged.</returns>
    Task<SweepResult> SweepAsync(CancellationToken cancellationToken = default);
}
