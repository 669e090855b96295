namespace StockGuard;

/// <summary>
/// Proves a store's counters right, puts them right when they are not, and records physical counts. Every store of
/// these packages implements it beside <see cref="IStockStore"/> (cast the store, or resolve <see cref="IStockReconciler"/>
/// from the container <c>AddStockGuard</c> filled).
/// </summary>
/// <remarks>
/// <para>What is true: an item's <c>OnHand</c> is the sum of the on-hand deltas of its movement ledger (received −
/// sold ± adjusted); its <c>Reserved</c> is the units of its live hold lines (those not yet confirmed, released or
/// expired-and-given-back), and the sum of the reserved deltas of its ledger must agree. A counter that disagrees has
/// drifted: something changed it without a movement (a hand-written <c>UPDATE</c>, a restored backup, a bug).</para>
/// <para>A repair is itself a movement, never a silent overwrite: one <c>adjustment</c> movement per repaired item whose
/// note starts with <c>reconciliation</c>, written in the transaction that sets the counters, under the item's lock.
/// See docs/reconciliation.md.</para>
/// </remarks>
public interface IStockReconciler
{
    /// <summary>
    /// Compares the counters of one page of items (or of the items named) with their ledger and their live hold lines,
    /// without locking or changing anything.
    /// </summary>
    /// <param name="request">Which items: a page after a key, or a list of keys.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Every drift found, with its numbers, and where the next page starts.</returns>
    /// <exception cref="StockItemNotFoundException">A named item does not exist.</exception>
    Task<ReconciliationReport> VerifyAsync(ReconciliationRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Verifies the items as <see cref="VerifyAsync"/> does, then repairs each drifted item in a transaction of its own:
    /// locks it, checks it again (a sale since the first look is not a drift, and is never taken back), and writes one
    /// adjustment movement so that afterwards on-hand equals the ledger, reserved equals the live hold lines, and the
    /// ledger's reserved sum equals them too. Items without drift are not touched (their versions stay).
    /// With <see cref="ReconciliationRequest.DryRun"/> nothing is locked or written: the report says what a repair would do.
    /// </summary>
    /// <param name="request">Which items, and whether this is a dry run.</param>
    /// <param name="cancellationToken">Stops the repair between items; an item's repair is whole or not done.</param>
    /// <returns>The drifts found and the repairs made (or planned).</returns>
    /// <exception cref="StockItemNotFoundException">A named item does not exist; nothing was repaired.</exception>
    Task<ReconciliationReport> RepairAsync(ReconciliationRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a physical count: sets the item's on-hand units to the counted figure, as one adjustment movement by the
    /// difference (none when the count agrees), under the item's lock, the version raised by one when it changed. With
    /// <see cref="PhysicalCountRequest.ExpectedVersion"/> the count applies only if the item's version is still the one
    /// the counter started from. A count that finds fewer units than the live holds and the safety stock need (beyond
    /// the backorder limit) is refused like a negative <see cref="IStockStore.AdjustAsync"/>: release or confirm holds first.
    /// </summary>
    /// <param name="request">The item, the counted units, the reason and optionally the version counted against.</param>
    /// <param name="cancellationToken">Cancels the operation; it then takes effect entirely or not at all.</param>
    /// <returns>The level after the count, or the refusal with the short line.</returns>
    /// <exception cref="StockItemNotFoundException">The item does not exist.</exception>
    /// <exception cref="StockVersionConflictException">The item's version is not <see cref="PhysicalCountRequest.ExpectedVersion"/>; nothing was changed.</exception>
    /// <exception cref="IdempotencyConflictException">The idempotency key was used for a different request.</exception>
    Task<StockChangeResult> CountAsync(PhysicalCountRequest request, CancellationToken cancellationToken = default);
}
