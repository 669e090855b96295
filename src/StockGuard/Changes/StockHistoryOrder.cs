namespace StockGuard.Changes;

/// <summary>The order in which <see cref="IStockChangeFeed.ReadHistoryAsync"/> pages through an item's history.</summary>
public enum StockHistoryOrder
{
    /// <summary>The latest change first.</summary>
    NewestFirst,

    /// <summary>The first change first.</summary>
    OldestFirst,
}
