using MySqlConnector;
using StockGuard.Testing;
using StockGuard.Tests.Shared;

namespace StockGuard.MySql.Tests;

/// <summary>A fixture with its own database (dropped afterwards) and the server's hooks.</summary>
public abstract class MySqlFixture : SqlProviderFixture<AtomicMySqlTestProvider>
{
    protected string Database => Provider.Database;

    protected MySqlStockStore CreateStore(ConcurrencyStrategy strategy = ConcurrencyStrategy.Atomic, MySqlDataSource? dataSource = null, Action<MySqlStockStoreOptions>? configure = null)
        => new(dataSource ?? Provider.DataSource, Provider.Options().With(strategy, configure), new RealTimersClock(Time));

    protected static Task<MySqlConnection> OpenAsync() => MySqlServer.OpenAsync();

    /// <summary>Opens a transaction on a second connection that holds the item's row lock until released.</summary>
    protected async Task<MySqlLockHolder> LockRowAsync(StockKey key) => (MySqlLockHolder)await Server.LockItemAsync(key);

    protected static Task<object?> Exec(MySqlConnection connection, string sql, params (string Name, object Value)[] parameters) => MySqlServer.Exec(connection, sql, parameters);
}
