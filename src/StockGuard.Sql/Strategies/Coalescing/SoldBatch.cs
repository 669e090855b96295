namespace StockGuard.Sql.Strategies.Coalescing;

/// <summary>
/// A batch sold in one statement: each request's result in batch order, whether the sale is already durable (its flush
/// barrier ran in the same round trip), and whether the item reserved units after it (held by carts, expired or not).
/// </summary>
internal readonly record struct SoldBatch(StockChangeResult[] Results, bool Durable, bool Reserving);
