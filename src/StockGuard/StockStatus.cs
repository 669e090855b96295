namespace StockGuard;

/// <summary>What a shop shows for an item, derived from its <see cref="StockLevel"/>.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<StockStatus>))]
public enum StockStatus
{
    /// <summary>More than <see cref="StockLevel.LowStockThreshold"/> units are available.</summary>
    InStock,

    /// <summary>Some units are available, no more than <see cref="StockLevel.LowStockThreshold"/>.</summary>
    Low,

    /// <summary>Nothing is available now, but the item has been received before and may still be sold on backorder, within its backorder limit.</summary>
    Backorder,

    /// <summary>Nothing can be sold.</summary>
    OutOfStock,

    /// <summary>The item has never been received, and may be sold on pre-order within its pre-order limit (<see cref="StockLevel.IsPreOrder"/>).</summary>
    PreOrder,
}
