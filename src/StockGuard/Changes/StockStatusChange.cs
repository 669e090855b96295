namespace StockGuard.Changes;

/// <summary>
/// A change of an item's <see cref="StockStatus"/> caused by one movement (<see cref="StockChange.StatusChange"/>).
/// Status follows <see cref="StockLevel.Status"/>: Available above the low-stock threshold is in stock, at or below it
/// (but above zero) low, at or below zero but still sellable on backorder backorder, otherwise out of stock.
/// </summary>
/// <param name="From">The status before the movement.</param>
/// <param name="To">The status after it; never equal to <paramref name="From"/>.</param>
public readonly record struct StockStatusChange(StockStatus From, StockStatus To)
{
    /// <summary>What the transition means to a shop, one word per transition (see <see cref="StockStatusChangeKind"/>).</summary>
    public StockStatusChangeKind Kind => (From, To) switch
    {
        (_, StockStatus.OutOfStock) => StockStatusChangeKind.OutOfStock,
        (StockStatus.OutOfStock or StockStatus.Backorder or StockStatus.PreOrder, StockStatus.InStock or StockStatus.Low) => StockStatusChangeKind.BackInStock,
        (_, StockStatus.Backorder) => StockStatusChangeKind.Backorder,
        (_, StockStatus.PreOrder) => StockStatusChangeKind.PreOrder,
        (StockStatus.InStock, StockStatus.Low) => StockStatusChangeKind.LowStock,
        _ => StockStatusChangeKind.AboveLowStock,
    };
}
