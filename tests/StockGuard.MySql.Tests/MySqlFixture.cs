using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using MySqlConnector;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>A fixture with its own database (dropped afterwards) and helpers to hold row locks from a second connection.</summary>
public abstract class MySqlFixture : ProviderFixture<AtomicMySqlTestProvider>
{
    protected string Database => Provider.Database;

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    protected MySqlStockStore CreateStore(ConcurrencyStrategy strategy = ConcurrencyStrategy.Atomic, MySqlDataSource? dataSource = null, Action<MySqlStockStoreOptions>? configure = null)
    {
        var options = Provider.Options();
        options.Strategy = strategy;
        configure?.Invoke(options);
        return new MySqlStockStore(dataSource ?? Provider.DataSource, options, new RealTimersClock(Time));
    }

    protected static async Task<MySqlConnection> OpenAsync()
    {
        var connection = new MySqlConnection(MySqlServer.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Opens a transaction on a second connection that holds the item's row lock until rolled back or closed.</summary>
    protected async Task<MySqlConnection> LockRowAsync(StockKey key)
    {
        var connection = await OpenAsync();
        await Exec(connection, "START TRANSACTION");
        (await LockAsync(connection, key)).Should().NotBeNull("the row to lock exists");
        return connection;
    }

    protected Task<object?> LockAsync(MySqlConnection connection, StockKey key) =>
        Exec(connection, $"SELECT on_hand FROM `{Database}`.stock_items WHERE sku = @s AND location = @l FOR UPDATE", ("s", key.Sku), ("l", key.Location));

    /// <summary>Waits (bounded, by watching the server) until a connection other than <paramref name="except"/> waits for a row lock; returns its id.</summary>
    protected async Task<long> WaitForLockWaiterAsync(MySqlConnection except)
    {
        // MariaDB's INNODB_TRX is a cache that may lag; the live process list is not. A primary-key statement of this
        // fixture's database that has run for more than 200 ms is waiting for a lock (TIME_MS is MariaDB's).
        await using var watcher = await OpenAsync();
        for (var i = 0; i < 500; i++)
        {
            var id = await Exec(
                watcher,
                "SELECT ID FROM information_schema.PROCESSLIST " +
                "WHERE COMMAND = 'Query' AND ID <> @me AND ID <> CONNECTION_ID() AND TIME_MS > 200 AND INFO LIKE CONCAT('%', @db, '%') LIMIT 1",
                ("me", except.ServerThread),
                ("db", Database));
            if (id is not null)
            {
                return Convert.ToInt64(id, System.Globalization.CultureInfo.InvariantCulture);
            }

            await Task.Delay(20);
        }

        throw new AssertionException("No connection started waiting for the row lock within 10 seconds.");
    }

    protected static async Task<object?> Exec(MySqlConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var result = await command.ExecuteScalarAsync();
        return result is DBNull ? null : result;
    }

    /// <summary>Sums the movement ledger of an item: it must rebuild the stored counts.</summary>
    protected async Task<(long OnHand, long Reserved)> LedgerAsync(StockKey key)
    {
        await using var connection = await OpenAsync();
        await using var command = new MySqlCommand(
            $"SELECT CAST(COALESCE(SUM(on_hand_delta), 0) AS SIGNED), CAST(COALESCE(SUM(reserved_delta), 0) AS SIGNED) FROM `{Database}`.stock_movements WHERE sku = @s AND location = @l",
            connection);
        command.Parameters.AddWithValue("s", key.Sku);
        command.Parameters.AddWithValue("l", key.Location);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
