namespace StockGuard;

/// <summary>
/// The backorders and pre-orders a store records: what each order still waits for, and its cancellation. Every store
/// implements it beside <see cref="IStockStore"/>; <c>AddStockGuard</c> registers the configured store as this interface
/// too. See docs/backorders.md.
/// </summary>
/// <remarks>
/// <para>A deduct or a reservation that leaves an item's <see cref="StockLevel.Available"/> below zero records, in the
/// same transaction, one <see cref="Backorder"/> per line that went below zero: the request's order reference (its
/// <see cref="StockRequest.Reference"/>, else its <see cref="StockRequest.IdempotencyKey"/>), the item, the units below
/// zero, the kind (<see cref="BackorderKind.PreOrder"/> while the item is on pre-order, see <see cref="StockLevel.IsPreOrder"/>)
/// and its arrival sequence. The result says how many units of each line were backordered
/// (<see cref="StockChangeResult.Backordered"/>, <see cref="ReserveResult.Backordered"/>).</para>
/// <para>A receipt or a return of an item fills its waiting backorders oldest first, in the receipt's transaction, while
/// the item's locks are held; each fill writes one <see cref="StockMovementKind.BackorderFilled"/> movement with the
/// order reference, so the change feed tells the waiting order. The backorders only record who owns the units below zero:
/// the sale already took them from on hand, so a fill moves no counter.</para>
/// </remarks>
public interface IStockBackorders
{
    /// <summary>Reads the backorders of one order.</summary>
    /// <param name="orderReference">The order's reference, as the deduct or reservation carried it.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The order's backorders in arrival order; none when the order never waited for a unit.</returns>
    /// <exception cref="ArgumentException"><paramref name="orderReference"/> is empty, too long or not text.</exception>
    Task<OrderBackorders> GetBackordersAsync(string orderReference, CancellationToken cancellationToken = default);

    /// <summary>
    /// Cancels every backorder of one order that still waits: its unfilled units go back to availability (on hand up by
    /// them, one <see cref="StockMovementKind.BackorderCancelled"/> movement per entry), in one transaction. Filled units
    /// stay sold. Cancelling again changes nothing and reports <see cref="BackorderCancellation.WasAlreadyDone"/>.
    /// </summary>
    /// <param name="orderReference">The order's reference.</param>
    /// <param name="cancellationToken">Cancels the operation; it then takes effect entirely or not at all.</param>
    /// <returns>The order's backorders after the cancel and the units returned.</returns>
    /// <exception cref="ArgumentException"><paramref name="orderReference"/> is empty, too long or not text.</exception>
    /// <exception cref="BackorderNotFoundException">The order has no backorders.</exception>
    /// <exception cref="HoldStateException">A backorder belongs to a hold that is still live: release the hold instead. Nothing was changed.</exception>
    Task<BackorderCancellation> CancelBackordersAsync(string orderReference, CancellationToken cancellationToken = default);
}
