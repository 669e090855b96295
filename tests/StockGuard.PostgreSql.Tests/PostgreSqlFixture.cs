using Npgsql;
using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>A fixture with its own schema (dropped afterwards) and helpers to hold locks from a second connection.</summary>
public abstract class PostgreSqlFixture : SqlProviderFixture<AtomicPostgreSqlTestProvider>
{
    protected string Schema => Provider.Schema;

    protected PostgreSqlStockStore CreateStore(ConcurrencyStrategy strategy = ConcurrencyStrategy.Atomic, NpgsqlDataSource? dataSource = null, Action<PostgreSqlStockStoreOptions>? configure = null)
    {
        var options = Provider.Options();
        options.Strategy = strategy;
        configure?.Invoke(options);
        return new PostgreSqlStockStore(dataSource ?? Provider.DataSource, options, Time);
    }

    protected static Task<NpgsqlConnection> OpenAsync() => PostgreSqlServer.OpenAsync();

    /// <summary>Opens a transaction on a second connection that holds the item's row lock until released.</summary>
    protected async Task<PostgreSqlLockHolder> LockRowAsync(StockKey key) => (PostgreSqlLockHolder)await Server.LockItemAsync(key);

    protected static Task<object?> Exec(NpgsqlConnection connection, string sql) => PostgreSqlServer.Exec(connection, sql);
}
