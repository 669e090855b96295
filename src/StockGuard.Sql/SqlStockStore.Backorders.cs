using StockGuard.Sql.Operations;

namespace StockGuard.Sql;

public abstract partial class SqlStockStore : IStockBackorders
{
    /// <inheritdoc/>
    public Task<OrderBackorders> GetBackordersAsync(string orderReference, CancellationToken cancellationToken = default) =>
        new BackorderOperations(_executor).GetAsync(orderReference, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>The cancel locks the order's items in key order, whatever the store's strategy.</remarks>
    public Task<BackorderCancellation> CancelBackordersAsync(string orderReference, CancellationToken cancellationToken = default) =>
        Write(nameof(CancelBackordersAsync), () => new BackorderOperations(_executor).CancelAsync(orderReference, cancellationToken));
}
