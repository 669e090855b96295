using StockGuard.Diagnostics;

namespace StockGuard.InMemory;

public sealed partial class InMemoryStockStore : IStockBackorders
{
    /// <inheritdoc/>
    public Task<OrderBackorders> GetBackordersAsync(string orderReference, CancellationToken cancellationToken = default) =>
        _items.Backorders.GetAsync(orderReference, _items.Ledger, _time, cancellationToken);

    /// <inheritdoc/>
    public Task<BackorderCancellation> CancelBackordersAsync(string orderReference, CancellationToken cancellationToken = default)
    {
        var reference = InMemoryBackorders.CheckReference(orderReference);
        cancellationToken.ThrowIfCancellationRequested();
        var scope = StockGuardTelemetry.Start(StoreName, StockOperation.CancelBackorders);
        try
        {
            var result = _items.Backorders.Cancel(reference, _items.Ledger, _time.GetUtcNow());
            scope.Complete(result.WasAlreadyDone ? "repeated" : "applied");
            return Task.FromResult(result);
        }
        catch (Exception ex)
        {
            scope.Fail(ex);
            throw;
        }
    }
}
