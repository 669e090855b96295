namespace StockGuard.Changes;

/// <summary>What a <see cref="StockStatusChange"/> means to a shop. Every transition between two different statuses has exactly one kind.</summary>
public enum StockStatusChangeKind
{
    /// <summary>Nothing can be sold any more: the status became <see cref="StockStatus.OutOfStock"/> (from any other).</summary>
    OutOfStock,

    /// <summary>Units are available again: from <see cref="StockStatus.OutOfStock"/> or <see cref="StockStatus.Backorder"/> to <see cref="StockStatus.InStock"/> or <see cref="StockStatus.Low"/>.</summary>
    BackInStock,

    /// <summary>Available fell to the item's low-stock threshold: from <see cref="StockStatus.InStock"/> to <see cref="StockStatus.Low"/>.</summary>
    LowStock,

    /// <summary>Available rose above the low-stock threshold: from <see cref="StockStatus.Low"/> to <see cref="StockStatus.InStock"/>.</summary>
    AboveLowStock,

    /// <summary>Nothing is available, but the item is still sold on backorder: to <see cref="StockStatus.Backorder"/> from any other status.</summary>
    Backorder,

    /// <summary>Nothing is available, but the item, never received yet, is sold on pre-order: to <see cref="StockStatus.PreOrder"/> from any other status.</summary>
    PreOrder,
}
