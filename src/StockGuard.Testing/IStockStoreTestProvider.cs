namespace StockGuard.Testing;

/// <summary>
/// Gives the contract suite stores of one kind. One instance serves one fixture: <see cref="InitializeAsync"/>
/// runs once (connect, create the schema), then <see cref="CreateStore"/> once per test. Tests isolate
/// themselves with unique SKUs, so a provider may share one database between all tests.
/// </summary>
public interface IStockStoreTestProvider : IAsyncDisposable
{
    /// <summary>A short name for messages, e.g. "PostgreSQL (atomic)".</summary>
    string Name { get; }

    /// <summary>Prepares the backend once. A provider whose server is unreachable calls <see cref="TestServers.Unavailable"/>.</summary>
    Task InitializeAsync();

    /// <summary>Creates a store that reads time from <paramref name="time"/>.</summary>
    /// <param name="time">The clock; tests pass a FakeTimeProvider.</param>
    /// <param name="configure">Adjusts the store's options before it is built; optional.</param>
    IStockStore CreateStore(TimeProvider time, Action<StockStoreOptions>? configure = null);
}
