using Npgsql;
using StockGuard.Testing;
using StockGuard.Tests.Shared;

namespace StockGuard.PostgreSql.Tests;

/// <summary>A fixture with its own schema (dropped afterwards) and helpers to hold locks from a second connection.</summary>
public abstract class PostgreSqlFixture : SqlProviderFixture<AtomicPostgreSqlTestProvider>
{
    protected string Schema => Provider.Schema;

    protected PostgreSqlStockStore CreateStore(ConcurrencyStrategy strategy = ConcurrencyStrategy.Atomic, NpgsqlDataSource? dataSource = null, Action<PostgreSqlStockStoreOptions>? configure = null)
        => new(dataSource ?? Provider.DataSource, Provider.Options().With(strategy, configure), Time);

    protected static Task<NpgsqlConnection> OpenAsync() => PostgreSqlServer.OpenAsync();

    /// <summary>Opens a transaction on a second connection that holds the item's row lock until released.</summary>
    protected async Task<PostgreSqlLockHolder> LockRowAsync(StockKey key) => (PostgreSqlLockHolder)await Server.LockItemAsync(key);

    protected static Task<object?> Exec(NpgsqlConnection connection, string sql) => PostgreSqlServer.Exec(connection, sql);
}
