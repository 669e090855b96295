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
/// <remarks>
/// Two levels are equal when their key, counts and version are: the version names the item's state, its pre-order
/// settings and release included, so the levels a change feed carries (which hold the counts only) equal the levels
/// the store returned for the same change.
/// </remarks>
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

    /// <summary>How far <see cref="Available"/> may go below zero while the item is on pre-order (<see cref="IsPreOrder"/>); 0 means no pre-orders.</summary>
    public long PreOrderLimit { get; init; }

    /// <summary>When stock is expected, as the item's policy says; <see langword="null"/> when unknown.</summary>
    public DateTimeOffset? ExpectedRestock { get; init; }

    /// <summary>Whether the item has been received at least once (its first receipt released it). Items created before schema version 4 count as received.</summary>
    public bool IsReleased { get; init; }

    /// <summary>
    /// Whether the item is sold on pre-order now: it has a <see cref="PreOrderLimit"/> and has never been received. Then
    /// <see cref="PreOrderLimit"/> takes the place of <see cref="BackorderLimit"/>, and units sold below zero are pre-orders.
    /// </summary>
    public bool IsPreOrder => PreOrderLimit > 0 && !IsReleased;

    /// <summary>How far <see cref="Available"/> may go below zero now: <see cref="PreOrderLimit"/> while on pre-order, else <see cref="BackorderLimit"/>.</summary>
    public long BelowZeroLimit => IsPreOrder ? PreOrderLimit : BackorderLimit;

    /// <summary>What can still be sold, backorders and pre-orders included: <c>Available + BelowZeroLimit</c>.</summary>
    public long Sellable => Available + BelowZeroLimit;

    /// <summary>
    /// The status a shop shows. Above zero available: <see cref="StockStatus.InStock"/> or <see cref="StockStatus.Low"/>.
    /// At or below zero but still sellable: <see cref="StockStatus.PreOrder"/> while <see cref="IsPreOrder"/>, else
    /// <see cref="StockStatus.Backorder"/>. Otherwise <see cref="StockStatus.OutOfStock"/>.
    /// </summary>
    public StockStatus Status => Available > 0
        ? Available <= LowStockThreshold ? StockStatus.Low : StockStatus.InStock
        : Sellable > 0 ? IsPreOrder ? StockStatus.PreOrder : StockStatus.Backorder : StockStatus.OutOfStock;

    /// <summary>Whether <paramref name="other"/> is the same item at the same counts and version (see the remarks).</summary>
    /// <param name="other">Another level.</param>
    public bool Equals(StockLevel? other) =>
        other is not null && Key == other.Key && OnHand == other.OnHand && Reserved == other.Reserved && SafetyStock == other.SafetyStock &&
        BackorderLimit == other.BackorderLimit && LowStockThreshold == other.LowStockThreshold && Version == other.Version;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Key, OnHand, Reserved, SafetyStock, BackorderLimit, LowStockThreshold, Version);
}
