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
}
