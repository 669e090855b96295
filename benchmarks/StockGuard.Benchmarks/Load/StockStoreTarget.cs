using StockGuard;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// Any <see cref="IStockStore"/> under load. Every cell gets a new store from the factory (disposed when the cell's
/// levels have been read) and items named after the cell; the factories of the database stores also empty the
/// store's tables, so that a cell starts from its own items and an empty ledger, as the baselines start from their
/// emptied table. The strategy travels on each request (<see cref="StockRequest.Strategy"/>); with <c>+idem</c> every
/// request carries a fresh idempotency key.
/// A store whose cell must start from a settled server (MariaDB: purge caught up) gets <paramref name="settle"/>, run
/// once its items are stocked (<see cref="MySqlCellStart"/>).
/// With <c>+alloc</c> each of the workload's items is a bundle of three SKUs, each stocked at three locations (the
/// item's stock split between them), and each order allocates the requested units of all three SKUs over the three
/// locations by priority, half the clients' orders preferring the first location and half the last
/// (<see cref="IStockAllocator.AllocateAsync"/>). An item's level is then its first SKU's on-hand summed over the
/// locations; the three SKUs of a bundle always sell together, so a difference between them stops the run.
/// </summary>
internal sealed class StockStoreTarget(
    TargetSpec spec,
    Func<CancellationToken, Task<IStockStore>> createStore,
    string? server = null,
    Func<CancellationToken, Task>? settle = null,
    Action<IStockStore>? disposed = null) : IHoldTarget
{
    private const int LinesPerReceipt = 500;

    private IStockStore? _store;
    private StockKey[] _keys = [];
    private FeedFollowers? _followers;
    private string[] _locations = [];

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
            _keys[i] = new StockKey(CellSkus.Name(cellId, i));
        }

        _locations = spec.Allocation ? [$"{cellId}-east", $"{cellId}-north", $"{cellId}-west"] : [];
        var receipt = spec.Allocation
            ? _keys.SelectMany(k => Bundle(k).SelectMany(sku => _locations.Select((l, i) => new StockLine(sku, (stockPerSku / 3) + (i == 0 ? stockPerSku % 3 : 0), l)))).ToArray()
            : Array.ConvertAll(_keys, key => new StockLine(key, stockPerSku));
        foreach (var lines in receipt.Chunk(LinesPerReceipt))
        {
            var result = await _store.ReceiveAsync(new ReceiveRequest(lines) { Reference = "load harness" }, cancellationToken);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"{Name}: the initial receipt was refused.");
            }
        }

        if (settle is not null)
        {
            await settle(cancellationToken);
        }

        if (spec.Feed || spec.Cache)
        {
            _followers = await FeedFollowers.StartAsync(Name, _store, _keys, spec.Feed, spec.Cache, cellId, cancellationToken);
        }
    }

    /// <summary>
    /// A fleet's child process: a store of its own on the items the parent prepared for <paramref name="cellId"/>
    /// (<see cref="Fleet"/>), which it neither stocks nor empties.
    /// </summary>
    public async Task AttachAsync(string cellId, int skuCount, CancellationToken cancellationToken)
    {
        await DisposeStoreAsync();
        _store = await createStore(cancellationToken);
        _keys = new StockKey[skuCount];
        for (var i = 0; i < skuCount; i++)
        {
            _keys[i] = new StockKey(CellSkus.Name(cellId, i));
        }
    }

    public Task<ILoadClient> ConnectAsync(CancellationToken cancellationToken) =>
        Task.FromResult<ILoadClient>(spec.Allocation
            ? new AllocatingClient((IStockAllocator)(_store ?? throw new InvalidOperationException("Prepare the target first.")), _keys, _locations, spec)
            : spec.Hold
                ? new HoldClient(_store ?? throw new InvalidOperationException("Prepare the target first."), _keys, spec)
                : new Client(_store ?? throw new InvalidOperationException("Prepare the target first."), _keys, spec, _followers));

    public async Task<(long Swept, long ReservedLeft)> SweepAsync(CancellationToken cancellationToken)
    {
        var store = _store ?? throw new InvalidOperationException("Prepare the target first.");
        long swept = 0;
        while ((await store.SweepAsync(cancellationToken)).ExpiredHolds is var expired and > 0)
        {
            swept += expired;
        }

        long reserved = 0;
        foreach (var chunk in _keys.Chunk(LinesPerReceipt))
        {
            foreach (var level in await store.GetLevelsAsync(chunk, cancellationToken))
            {
                reserved += level.Reserved;
            }
        }

        return (swept, reserved);
    }

    /// <summary>The three SKUs of an item's bundle, for <c>+alloc</c>.</summary>
    private static string[] Bundle(StockKey item) => [item.Sku + "-a", item.Sku + "-b", item.Sku + "-c"];

    public async Task<long[]> ReadLevelsAsync(CancellationToken cancellationToken)
    {
        if (_followers is not null)
        {
            await _followers.StopAndReportAsync(cancellationToken);
            _followers = null;
        }

        if (spec.Allocation)
        {
            var totals = new long[_keys.Length];
            for (var i = 0; i < _keys.Length; i++)
            {
                var sums = new long[3];
                var bundle = Bundle(_keys[i]);
                for (var s = 0; s < 3; s++)
                {
                    sums[s] = (await ((IStockAllocator)_store!).GetTotalAsync(bundle[s], _locations, cancellationToken)).OnHand;
                }

                if (sums[1] != sums[0] || sums[2] != sums[0])
                {
                    throw new InvalidOperationException($"{Name}: the SKUs of bundle {_keys[i]} hold {sums[0]}, {sums[1]} and {sums[2]} units; allocation is not all or nothing.");
                }

                totals[i] = sums[0];
            }

            await DisposeStoreAsync();
            return totals;
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

        if (_store is not null)
        {
            disposed?.Invoke(_store);
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

    private sealed class HoldClient(IStockStore store, StockKey[] keys, TargetSpec spec) : IHoldClient
    {
        public async Task<Guid?> ReserveAsync(int sku, int quantity, TimeSpan timeToLive, CancellationToken cancellationToken)
        {
            var request = new ReserveRequest(timeToLive, new StockLine(keys[sku], quantity))
            {
                Strategy = spec.Strategy,
                IdempotencyKey = spec.Idempotency ? Guid.NewGuid().ToString("N") : null,
            };
            var result = await store.ReserveAsync(request, cancellationToken);
            return result.Succeeded ? result.Hold!.Id : null;
        }

        public async Task<bool> ConfirmAsync(Guid hold, CancellationToken cancellationToken) =>
            (await store.ConfirmAsync(hold, cancellationToken)).Outcome == HoldOutcome.Confirmed;

        public Task ReleaseAsync(Guid hold, CancellationToken cancellationToken) => store.ReleaseAsync(hold, cancellationToken);

        public Task<bool> DeductAsync(int sku, int quantity, CancellationToken cancellationToken) =>
            throw new NotSupportedException("A +hold client sells through holds.");

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class AllocatingClient(IStockAllocator allocator, StockKey[] keys, string[] locations, TargetSpec spec) : ILoadClient
    {
        private readonly string[] _reversed = [.. locations.Reverse()];
        private bool _preferLast;

        public async Task<bool> DeductAsync(int sku, int quantity, CancellationToken cancellationToken)
        {
            _preferLast = !_preferLast;
            var request = new AllocateRequest(
                Bundle(keys[sku]).Select(s => new AllocationLine(s, quantity)),
                _preferLast ? _reversed : locations)
            {
                IdempotencyKey = spec.Idempotency ? Guid.NewGuid().ToString("N") : null,
            };
            var result = await allocator.AllocateAsync(request, cancellationToken);
            return result.Succeeded;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
