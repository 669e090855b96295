using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// The behaviour every <see cref="IStockStore"/> owes its users, run against each store (and each strategy of
/// a database store) by closing this class in one line:
/// <c>public sealed class InMemoryContractTests : StockStoreContractTests&lt;InMemoryTestProvider&gt;;</c>.
/// Every test uses its own SKUs, holds and idempotency keys, so stores may share one database.
/// </summary>
/// <typeparam name="TProvider">Makes the stores under test.</typeparam>
[TestFixture]
public abstract partial class StockStoreContractTests<TProvider> : ProviderFixture<TProvider>
    where TProvider : IStockStoreTestProvider, new()
{
    /// <summary>The moment every test's fake clock starts at.</summary>
    protected static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The test's store.</summary>
    protected IStockStore Store { get; private set; } = null!;

    /// <summary>The test's clock.</summary>
    protected FakeTimeProvider Time { get; private set; } = null!;

    [SetUp]
    public void CreateStore()
    {
        Time = new FakeTimeProvider(Start);
        Store = Provider.CreateStore(Time);
    }

    [TearDown]
    public async Task DisposeStoreAsync()
    {
        switch (Store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    /// <summary>Creates an item with <paramref name="units"/> on hand and returns its key.</summary>
    protected async Task<StockKey> StockedAsync(int units, StockPolicy? policy = null, string? location = null)
    {
        var key = new StockKey(NewSku(), location);
        if (policy is not null)
        {
            await Store.SetPolicyAsync(key, policy);
        }

        if (units > 0)
        {
            (await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, units)))).Succeeded.Should().BeTrue();
        }
        else if (policy is null)
        {
            await Store.SetPolicyAsync(key, StockPolicy.Default);
        }

        return key;
    }

    /// <summary>Reads a level that must exist.</summary>
    protected async Task<StockLevel> LevelAsync(StockKey key) =>
        await Store.GetLevelAsync(key) ?? throw new AssertionException($"The item {key} does not exist.");

    /// <summary>Asserts that <paramref name="key"/> still has exactly the level <paramref name="before"/>.</summary>
    protected async Task ShouldBeUnchangedAsync(StockKey key, StockLevel before) =>
        (await LevelAsync(key)).Should().Be(before, "a refused or failed operation changes nothing");

    /// <summary>Runs <paramref name="count"/> tasks that start together, bounded so a deadlock fails the test instead of hanging it.</summary>
    protected static async Task<T[]> RaceAsync<T>(int count, Func<int, Task<T>> body, int timeoutSeconds = 120)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            await gate.Task;
            return await body(i);
        })).ToArray();
        gate.SetResult();
        return await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(timeoutSeconds));
    }
}
