using StockGuard.InMemory;
using StockGuard.Testing;

namespace StockGuard.Tests;

public sealed class InMemoryTestProvider : IStockStoreTestProvider
{
    public string Name => "in-memory";

    public Task InitializeAsync() => Task.CompletedTask;

    public IStockStore CreateStore(TimeProvider time, Action<StockStoreOptions>? configure = null)
    {
        var options = new InMemoryStockStoreOptions();
        configure?.Invoke(options);
        return new InMemoryStockStore(options, time);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

public sealed class InMemoryContractTests : StockStoreContractTests<InMemoryTestProvider>;

public sealed class InMemoryChangeFeedTests : ChangeFeedTests<InMemoryTestProvider>;

public sealed class InMemoryBackorderTests : BackorderContractTests<InMemoryTestProvider>;
