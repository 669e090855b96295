using Microsoft.Extensions.Time.Testing;

namespace StockGuard.Testing;

/// <summary>The base of the shared SQL suites: a <see cref="ProviderFixture{TProvider}"/> with the server's hooks and a fake clock.</summary>
/// <typeparam name="TProvider">Makes the stores under test and the hooks into their server.</typeparam>
public abstract class SqlProviderFixture<TProvider> : ProviderFixture<TProvider>
    where TProvider : ISqlStoreTestProvider, new()
{
    /// <summary>The stores' clock; it moves only when a test advances it.</summary>
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    /// <summary>The hooks into the stores' server.</summary>
    protected IStockServer Server => Provider.Server;

    /// <summary>Creates a store on <see cref="Time"/>, set up as <paramref name="settings"/> says, disposed after the test.</summary>
    /// <param name="settings">What the test needs of the store; the provider's defaults when null.</param>
    protected IStockStore CreateStore(SqlStoreSettings? settings = null) =>
        DisposedAfterTest(Provider.CreateStore(Time, settings ?? new SqlStoreSettings()));

    /// <summary>Two new items of <paramref name="units"/> each; the first one's SKU sorts before the second's.</summary>
    /// <param name="store">The store that receives them.</param>
    /// <param name="units">Units of each.</param>
    protected static async Task<(StockKey First, StockKey Second)> TwoItemsAsync(IStockStore store, int units)
    {
        var sku = NewSku();
        return (await StockedAsync(store, units, "a-" + sku), await StockedAsync(store, units, "b-" + sku));
    }
}
