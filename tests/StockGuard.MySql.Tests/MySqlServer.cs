using FluentAssertions;
using NUnit.Framework;
using MySqlConnector;
using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>The test server (MySQL 8 or MariaDB): connection string from STOCKGUARD_MYSQL, loopback default; a fresh database per fixture.</summary>
internal static class MySqlServer
{
    public const string Variable = "STOCKGUARD_MYSQL";

    public static string ConnectionString { get; } = TestServers.ConnectionString(Variable, "Server=127.0.0.1;Port=3306;User ID=stockguard;Password=stockguard;Database=stockguard");

    public static string Describe()
    {
        var builder = new MySqlConnectionStringBuilder(ConnectionString);
        return $"MySQL at {builder.Server}:{builder.Port}";
    }

    /// <summary>Opens a connection, or skips (fails under STOCKGUARD_REQUIRE_SERVERS=1) when the server is unreachable.</summary>
    public static async Task<MySqlConnection> OpenOrSkipAsync()
    {
        var connection = new MySqlConnection(ConnectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch (Exception ex) when (ex is MySqlException or TimeoutException or IOException)
        {
            await connection.DisposeAsync();
            TestServers.Unavailable(Describe(), Variable, ex);
            throw;
        }
    }

    public static string NewDatabaseName(string hint)
    {
        var name = $"sg_{hint}_{Guid.NewGuid():N}";
        return name[..Math.Min(name.Length, 40)];
    }

    public static async Task DropDatabaseAsync(string database)
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand($"DROP DATABASE IF EXISTS `{database}`", connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<MySqlConnection> OpenAsync()
    {
        var connection = new MySqlConnection(MySqlServer.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Opens a transaction on a second connection that holds the item's row lock until rolled back or closed.</summary>
    public static async Task<MySqlConnection> LockRowAsync(string database, StockKey key)
    {
        var connection = await OpenAsync();
        await Exec(connection, "START TRANSACTION");
        (await LockAsync(database, connection, key)).Should().NotBeNull("the row to lock exists");
        return connection;
    }

    public static Task<object?> LockAsync(string database, MySqlConnection connection, StockKey key) =>
        Exec(connection, $"SELECT on_hand FROM `{database}`.stock_items WHERE sku = @s AND location = @l FOR UPDATE", ("s", key.Sku), ("l", key.Location));

    /// <summary>Waits (bounded, by watching the server) until a connection other than <paramref name="except"/> waits for a row lock; returns its id.</summary>
    public static async Task<long> WaitForLockWaiterAsync(string database, MySqlConnection except)
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
                ("db", database));
            if (id is not null)
            {
                return Convert.ToInt64(id, System.Globalization.CultureInfo.InvariantCulture);
            }

            await Task.Delay(20);
        }

        throw new AssertionException("No connection started waiting for the row lock within 10 seconds.");
    }

    public static async Task<object?> Exec(MySqlConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var result = await command.ExecuteScalarAsync();
        return result is DBNull ? null : result;
    }

    /// <summary>Kills the connection <paramref name="connectionId"/> from a connection of its own, as an operator or a crash would.</summary>
    public static async Task KillAsync(long connectionId)
    {
        await using var killer = await OpenAsync();
        await Exec(killer, $"KILL {connectionId}");
    }

    /// <summary>How <see cref="StockAudit"/> reads the tables of <paramref name="database"/>: SKUs and locations are bytes, read back as utf8mb4.</summary>
    public static StockTables Tables(string database) => new()
    {
        Open = async () => await OpenAsync(),
        Table = name => $"`{database}`.`{name}`",
        Text = column => $"CONVERT({column} USING utf8mb4)",
    };

    /// <summary>Sums the movement ledger of an item: it must rebuild the stored counts.</summary>
    public static async Task<(long OnHand, long Reserved)> LedgerAsync(string database, StockKey key) =>
        (await ItemRows.ReadAsync(
            OpenAsync,
            $"SELECT CAST(COALESCE(SUM(on_hand_delta), 0) AS SIGNED), CAST(COALESCE(SUM(reserved_delta), 0) AS SIGNED) FROM `{database}`.stock_movements WHERE sku = @s AND location = @l",
            key,
            r => (r.GetInt64(0), r.GetInt64(1)))).Single();

    /// <summary>The stored row, expired holds included.</summary>
    public static async Task<(long OnHand, long Reserved, long Version)> StoredAsync(string database, StockKey key) =>
        (await ItemRows.ReadAsync(
            OpenAsync,
            $"SELECT on_hand, reserved, version FROM `{database}`.stock_items WHERE sku = @s AND location = @l",
            key,
            r => (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)))).Should().ContainSingle().Subject;

    /// <summary>The sale movements of an item: on-hand delta, reserved delta, reference.</summary>
    public static Task<IReadOnlyList<(long OnHand, long Reserved, string? Reference)>> SalesAsync(string database, StockKey key) =>
        ItemRows.ReadAsync(
            OpenAsync,
            $"SELECT on_hand_delta, reserved_delta, reference FROM `{database}`.stock_movements WHERE sku = @s AND location = @l AND kind = 'sale' ORDER BY id",
            key,
            r => (r.GetInt64(0), r.GetInt64(1), r.IsDBNull(2) ? null : r.GetString(2)));
}
