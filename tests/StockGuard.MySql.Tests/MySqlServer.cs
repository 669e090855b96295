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

    /// <summary>
    /// Waits (bounded, by watching the server) until a connection other than <paramref name="except"/> waits for a row
    /// lock, or <paramref name="until"/> completes; returns the waiter's id, or null when there was none in 10 seconds
    /// or <paramref name="until"/> completed first.
    /// </summary>
    public static async Task<long?> WaitForLockWaiterAsync(string database, MySqlConnection except, Task? until)
    {
        // MariaDB's INNODB_TRX is a cache that may lag; the live process list is not. A primary-key statement of this
        // database that has run for more than 200 ms is waiting for a lock (TIME_MS is MariaDB's).
        await using var watcher = await OpenAsync();
        for (var i = 0; i < 500 && until?.IsCompleted != true; i++)
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

        return null;
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
}
