namespace StockGuard.Sql.Strategies.Coalescing;

/// <summary>A batch sold in one statement: each request's result in batch order, and whether the sale is already durable (its flush barrier ran in the same round trip).</summary>
internal readonly record struct SoldBatch(StockChangeResult[] Results, bool Durable);
