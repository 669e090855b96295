namespace StockGuard;

/// <summary>
/// The quantities of one stock item at one moment. <see cref="Available"/> is what a buyer may take now:
/// <c>OnHand − Reserved − SafetyStock</c>, and may go down to <c>−BackorderLimit</c>.
/// </summary>
/// <param name="Key">The stock item.</param>
/// <param name="OnHand">Units physically held: received − sold ± adjustments. Negative only when sold on backorder.</param>
/// <param name="Reserved">Units held by live, unconfirmed holds.</param>
/// <param name="SafetyStock">A buffer never offered for sale.</param>
/// <param name="BackorderLimit">How far <see cref="Available"/> may go below zero; 0 means never.</param>
/// <param name="LowStockThreshold">At or below this many available units the status is <see cref="StockStatus.Low"/>.</param>
/// <param name="Version">Grows by one on every change: for optimistic checks, ETags and cache invalidation.</param>
public sealed record StockLevel(
    StockKey Key,
    long OnHand,
    long Reserved,
    long SafetyStock,
    long BackorderLimit,
    long LowStockThreshold,
    long Version)
{
    /// <summary>What a buyer may take now: <c>OnHand − Reserved − SafetyStock</c>.</summary>
    public long Available => OnHand - Reserved - SafetyStock;

    /// <summary>What can still be sold, backorders included: <c>Available + BackorderLimit</c>.</summary>
    public long Sellable => Available + BackorderLimit;

    /// <summary>The status a shop shows.</summary>
    public StockStatus Status => Available > 0
        ? Available <= LowStockThreshold ? StockStatus.Low : StockStatus.InStock
        : Sellable > 0 ? StockStatus.Backorder : StockStatus.OutOfStock;
}
