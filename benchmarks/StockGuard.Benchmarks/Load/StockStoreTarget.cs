using StockGuard;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// Any <see cref="IStockStore"/> under load. Every cell gets a new store from the factory (disposed when the cell's
/// levels have been read) and items named after the cell; the factories of the database stores also empty the
/// store's tables, so that a cell starts from its own items and an empty ledger, as the baselines start from their
/// emptied table. The strategy travels on each request (<see cref="StockRequest.Strategy"/>); with <c>+idem</c> every
/// request carries a fresh idempotency key.
/// </summary>
internal sealed class StockStoreTarget(
    TargetSpec spec,
    Func<CancellationToken, Task<IStockStore>> createStore,
    string? server = null) : ILoadTarget
{
    private const int LinesPerReceipt = 500;

    private IStockStore? _store;
    private StockKey[] _keys = [];
    private FeedFollowers? _followers;

    public string Name => spec.Name;

    public bool ExpectedToOversell => false;

    public bool ReportsRetries => true;

    public string? Server => server;

    public async Task PrepareAsync(string cellId, int skuCount, int stockPerSku, CancellationToken cancellationToken)
    {
        await DisposeStoreAsync();
        _store = await createStore(cancellationToken);
        _keys = new StockKey[skuCount];
        for (var i = 0; i < skuCount; i++)
        {
            _keys[i] = new StockKey($"{cellId}-{i:D5}");
        }

        foreach (var chunk in _keys.Chunk(LinesPerReceipt))
        {
            var lines = Array.ConvertAll(chunk, key => new StockLine(key, stockPerSku));
            var result = await _store.ReceiveAsync(new ReceiveRequest(lines) { Reference = "load harness" }, cancellationToken);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"{Name}: the initial receipt was refused.");
            }
        }

        if (spec.Feed || spec.Cache)
        {
            _followers = await FeedFollowers.StartAsync(Name, _store, _keys, spec.Feed, spec.Cache, cellId, cancellationToken);
        }
    }

    public Task<ILoadClient> ConnectAsync(CancellationToken cancellationToken) =>
        Task.FromResult<ILoadClient>(new Client(_store ?? throw new InvalidOperationException("Prepare the target first."), _keys, spec, _followers));

    public async Task<long[]> ReadLevelsAsync(CancellationToken cancellationToken)
    {
        if (_followers is not null)
        {
            await _followers.StopAndReportAsync(cancellationToken);
            _followers = null;
        }

        var levels = new long[_keys.Length];
        var index = new Dictionary<StockKey, int>(_keys.Length);
        for (var i = 0; i < _keys.Length; i++)
        {
            index[_keys[i]] = i;
        }

        foreach (var chunk in _keys.Chunk(LinesPerReceipt))
        {
            foreach (var level in await _store!.GetLevelsAsync(chunk, cancellationToken))
            {
                levels[index[level.Key]] = level.OnHand;
            }
        }

        // The cell is over: release the store and its pool now, so that the idle connections of one target's
        // 64-client cell never crowd the server's connection limit while the other targets run theirs.
        await DisposeStoreAsync();
        return levels;
    }

    public ValueTask DisposeAsync() => DisposeStoreAsync();

    private async ValueTask DisposeStoreAsync()
    {
        switch (_store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }

        _store = null;
    }

    private sealed class Client(IStockStore store, StockKey[] keys, TargetSpec spec, FeedFollowers? followers) : ILoadClient
    {
        public async Task<bool> DeductAsync(int sku, int quantity, CancellationToken cancellationToken)
        {
            var request = new DeductRequest(new StockLine(keys[sku], quantity))
            {
                Strategy = spec.Strategy,
                IdempotencyKey = spec.Idempotency ? Guid.NewGuid().ToString("N") : null,
            };
            var result = await store.DeductAsync(request, cancellationToken);
            if (result.Succeeded && followers is not null)
            {
                followers.Sold(result.Levels[0]);
            }

            return result.Succeeded;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
