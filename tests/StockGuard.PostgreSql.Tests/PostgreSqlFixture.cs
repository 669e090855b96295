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

    /// <summary>The name and parameter types of a statement of this schema prepared on the connection's session whose text is <c>LIKE</c> <paramref name="pattern"/>, if there is one.</summary>
    protected async Task<(string Name, string Types)?> PreparedAsync(NpgsqlConnection connection, string pattern)
    {
        await using var command = new NpgsqlCommand(
            "SELECT name, array_to_string(parameter_types, ', ') FROM pg_prepared_statements WHERE statement LIKE $1 AND strpos(statement, $2) > 0",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = pattern });
        command.Parameters.Add(new NpgsqlParameter { Value = Schema });
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), reader.GetString(1)) : null;
    }

    /// <summary>Puts <paramref name="select"/> on the session under the name and parameter types of <paramref name="prepared"/>, as another client's statement.</summary>
    protected static async Task ReplacePreparedAsync(NpgsqlConnection connection, (string Name, string Types) prepared, string select)
    {
        await Exec(connection, $"DEALLOCATE \"{prepared.Name}\"");
        await Exec(connection, $"PREPARE \"{prepared.Name}\"({prepared.Types}) AS {select}");
    }
}
