namespace StockGuard.InMemory;

public sealed partial class InMemoryStockStore : IStockAllocator
{
    /// <inheritdoc/>
    public Task<AllocationResult> AllocateAsync(AllocateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.HoldFor > _options.MaxHoldTimeToLive)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.HoldFor, $"The hold's time-to-live is longer than MaxHoldTimeToLive ({_options.MaxHoldTimeToLive}).");
        }

        return Run(request, cancellationToken, static (store, r) => store._locations.Allocate((AllocateRequest)r), static r => r with { IsReplay = true });
    }

    /// <inheritdoc/>
    public Task<TransferResult> TransferAsync(TransferRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Run(request, cancellationToken, static (store, r) => store._locations.Transfer((TransferRequest)r), static r => r with { IsReplay = true });
    }

    /// <inheritdoc/>
    public Task<TransferResult> ReceiveTransferAsync(ReceiveTransferRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Run(request, cancellationToken, static (store, r) => store._locations.ReceiveTransfer((ReceiveTransferRequest)r), static r => r with { IsReplay = true });
    }

    /// <inheritdoc/>
    /// <remarks>Summing every location scans the store's items.</remarks>
    public Task<StockTotal> GetTotalAsync(string sku, IEnumerable<string>? locations = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_locations.Total(sku, locations));
    }
}
