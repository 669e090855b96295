using Npgsql;
using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>The test server: connection string from STOCKGUARD_POSTGRES, loopback default; a fresh schema per fixture.</summary>
internal static class PostgreSqlServer
{
    public const string Variable = "STOCKGUARD_POSTGRES";

    public static string ConnectionString { get; } = TestServers.ConnectionString(Variable, "Host=127.0.0.1;Port=5432;Username=stockguard;Password=stockguard;Database=stockguard");

    public static string Describe()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        return $"PostgreSQL at {builder.Host}:{builder.Port}";
    }

    /// <summary>Opens a connection, or skips (fails under STOCKGUARD_REQUIRE_SERVERS=1) when the server is unreachable.</summary>
    public static async Task<NpgsqlConnection> OpenOrSkipAsync(string? connectionString = null)
    {
        var connection = new NpgsqlConnection(connectionString ?? ConnectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
        {
            await connection.DisposeAsync();
            TestServers.Unavailable(Describe(), Variable, ex);
            throw;
        }
    }

    public static string NewSchemaName(string hint) => $"sg_{hint}_{Guid.NewGuid():N}"[..Math.Min(40, 36 + hint.Length)];

    public static async Task DropSchemaAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(PostgreSqlServer.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public static async Task<object?> Exec(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
