using NUnit.Framework;
using StockGuard.Changes;

namespace StockGuard.Testing;

/// <summary>
/// A fixture over one <typeparamref name="TProvider"/>, initialised once and disposed after the fixture: the base of
/// the contract suite and of each store's own tests, with the helpers they share.
/// </summary>
/// <typeparam name="TProvider">Makes the stores under test.</typeparam>
public abstract class ProviderFixture<TProvider>
    where TProvider : IStockStoreTestProvider, new()
{
    private readonly List<IStockStore> _stores = [];
    private TProvider? _provider;

    /// <summary>The provider, initialised once per fixture.</summary>
    protected TProvider Provider => _provider ?? throw new InvalidOperationException("The fixture is not initialised.");

    [OneTimeSetUp]
    public async Task InitializeProviderAsync()
    {
        _provider = new TProvider();
        await _provider.InitializeAsync();
    }

    [OneTimeTearDown]
    public async Task DisposeProviderAsync()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }
    }

    /// <summary>Disposes the stores <see cref="DisposedAfterTest{TStore}"/> was given.</summary>
    [TearDown]
    public async Task DisposeStoresAsync()
    {
        foreach (var store in _stores)
        {
            if (store is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }

        _stores.Clear();
    }

    /// <summary>Returns <paramref name="store"/>, to be disposed when the test ends.</summary>
    /// <typeparam name="TStore">The store's type.</typeparam>
    /// <param name="store">A store the test created.</param>
    protected TStore DisposedAfterTest<TStore>(TStore store)
        where TStore : IStockStore
    {
        _stores.Add(store);
        return store;
    }

    /// <summary>A SKU no other test uses.</summary>
    protected static string NewSku(string hint = "sku") => $"{hint}-{Guid.NewGuid():N}";

    /// <summary>Receives <paramref name="units"/> of a new item (or of <paramref name="sku"/>) and returns its key.</summary>
    protected static async Task<StockKey> StockedAsync(IStockStore store, int units, string? sku = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var key = new StockKey(sku ?? NewSku());
        await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, units)));
        return key;
    }

    /// <summary>Every movement of one item in <paramref name="store"/>'s history, oldest first.</summary>
    protected static async Task<List<StockChange>> HistoryAsync(IStockStore store, StockKey key)
    {
        var feed = (IStockChangeFeed)store;
        var changes = new List<StockChange>();
        StockChangePosition? after = null;
        while (true)
        {
            var page = await feed.ReadHistoryAsync(key, StockHistoryOrder.OldestFirst, after, 100);
            changes.AddRange(page.Changes);
            if (!page.HasMore)
            {
                return changes;
            }

            after = page.Next;
        }
    }
}
