namespace StockGuard;

/// <summary>
/// A fair queue for a sold-out item: buyers join its waitlist, and units that arrive go to the head of the queue as
/// holds with a claim window, before any new buyer can take them. Every store implements it beside
/// <see cref="IStockStore"/>; <c>AddStockGuard</c> registers the configured store as this interface too. See
/// docs/backorders.md.
/// </summary>
/// <remarks>
/// <para>A place is for one unit of one item, and one per customer reference: joining again with the same reference keeps
/// the first place. Joining is refused while the item can still be bought (<see cref="WaitlistJoinOutcome.InStock"/>).</para>
/// <para>Whenever units become available on an item that has waiters (a receipt, a return, a released or expired hold, a
/// confirm that sells less than it held, an upward correction), the store turns the head of its queue into claims in
/// the same transaction: each claim is a one-unit hold, referenced with the customer reference, that lives for the
/// store's <see cref="StockStoreOptions.WaitlistClaimWindow"/>. Confirming the hold (the ordinary
/// <see cref="IStockStore.ConfirmAsync(Guid, CancellationToken)"/>) is the purchase; a claim whose hold expires or is
/// released lapses, and its unit goes to the next in line in the transaction that gives it back.</para>
/// <para>While anybody waits, every available unit of the item is a claim: new buyers get units only once nobody waits.
/// The store takes the item's lock for every waitlist change, whatever its <see cref="ConcurrencyStrategy"/>.</para>
/// </remarks>
public interface IStockWaitlist
{
    /// <summary>Puts a customer at the end of a sold-out item's waitlist, or returns the place they already have.</summary>
    /// <param name="request">The item and the customer reference.</param>
    /// <param name="cancellationToken">Cancels the operation; it then takes effect entirely or not at all.</param>
    /// <returns>The place (new or kept), or <see cref="WaitlistJoinOutcome.InStock"/> and no place when the item can be bought now.</returns>
    /// <exception cref="StockItemNotFoundException">The item does not exist.</exception>
    Task<WaitlistJoinResult> JoinWaitlistAsync(JoinWaitlistRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes a waiting customer off the waitlist. A place already left stays left; a place that was claimed (or whose claim
    /// lapsed or was bought) is returned unchanged: to give up a live claim, release its hold.
    /// </summary>
    /// <param name="key">The item.</param>
    /// <param name="customerReference">The reference the customer joined with.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The place after the call, or <see langword="null"/> when the customer has no place on the item's waitlist.</returns>
    /// <exception cref="ArgumentException">The key is <c>default</c>, or the reference is empty, too long or not text.</exception>
    Task<WaitlistPlace?> LeaveWaitlistAsync(StockKey key, string customerReference, CancellationToken cancellationToken = default);

    /// <summary>Reads a customer's place: their position while waiting, their claim's hold and expiry once claimed.</summary>
    /// <param name="key">The item.</param>
    /// <param name="customerReference">The reference the customer joined with.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The place, or <see langword="null"/> when the customer has none (or its claim's hold was purged after the retention period).</returns>
    /// <exception cref="ArgumentException">The key is <c>default</c>, or the reference is empty, too long or not text.</exception>
    Task<WaitlistPlace?> GetWaitlistPlaceAsync(StockKey key, string customerReference, CancellationToken cancellationToken = default);
}
