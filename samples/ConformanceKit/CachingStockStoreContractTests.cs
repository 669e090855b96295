using StockGuard;
using StockGuard.InMemory;
using StockGuard.Testing;

namespace ConformanceKit;

/// <summary>Gives the conformance kit a <see cref="CachingStockStore"/> over the in-memory store, on the kit's fake clock.</summary>
public sealed class CachingStoreProvider : IStockStoreTestProvider
{
    public string Name => "caching decorator over in-memory";

    public Task InitializeAsync() => Task.CompletedTask;

    public IStockStore CreateStore(TimeProvider time, Action<StockStoreOptions>? configure = null)
    {
        var options = new InMemoryStockStoreOptions();
        configure?.Invoke(options);
        return new CachingStockStore(new InMemoryStockStore(options, time), time, TimeSpan.FromSeconds(5));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Every guarantee the kit checks, run against the decorator: one line.</summary>
public sealed class CachingStockStoreContractTests : StockStoreContractTests<CachingStoreProvider>;
