namespace StockGuard.InMemory;

/// <summary>Settings of the <see cref="InMemoryStockStore"/>. It has no settings of its own beyond those every store shares.</summary>
public sealed class InMemoryStockStoreOptions : StockStoreOptions
{
}
