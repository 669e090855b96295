using FluentAssertions;
using NUnit.Framework;
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

    /// <summary>Opens a transaction on a second connection that holds the item's row lock until disposed.</summary>
    public static async Task<NpgsqlConnection> LockRowAsync(string schema, StockKey key)
    {
        var connection = await OpenAsync();
        await Exec(connection, "BEGIN");
        await using var command = new NpgsqlCommand($"SELECT on_hand FROM \"{schema}\".stock_items WHERE sku = @s AND location = @l FOR UPDATE", connection);
        command.Parameters.AddWithValue("s", key.Sku);
        command.Parameters.AddWithValue("l", key.Location);
        (await command.ExecuteScalarAsync()).Should().NotBeNull("the row to lock exists");
        return connection;
    }

    /// <summary>Waits (bounded) until a backend other than <paramref name="except"/> waits for a lock in this schema; returns its pid.</summary>
    public static async Task<int> WaitForLockWaiterAsync(string schema, NpgsqlConnection except)
    {
        await using var watcher = await OpenAsync();
        for (var i = 0; i < 500; i++)
        {
            await using var command = new NpgsqlCommand(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> @me AND query LIKE '%' || @schema || '%' LIMIT 1",
                watcher);
            command.Parameters.AddWithValue("me", except.ProcessID);
            command.Parameters.AddWithValue("schema", schema);
            if (await command.ExecuteScalarAsync() is int pid)
            {
                return pid;
            }

            await Task.Delay(20);
        }

        throw new AssertionException("No backend started waiting for the row lock within 10 seconds.");
    }

    public static async Task<object?> Exec(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Sums the movement ledger of an item: it must rebuild the stored counts.</summary>
    public static async Task<(long OnHand, long Reserved)> LedgerAsync(string schema, StockKey key)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT COALESCE(SUM(on_hand_delta), 0)::bigint, COALESCE(SUM(reserved_delta), 0)::bigint FROM \"{schema}\".stock_movements WHERE sku = @s AND location = @l",
            connection);
        command.Parameters.AddWithValue("s", key.Sku);
        command.Parameters.AddWithValue("l", key.Location);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>The stored row, expired holds included.</summary>
    public static async Task<(long OnHand, long Reserved, long Version)> StoredAsync(string schema, StockKey key)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT on_hand, reserved, version FROM \"{schema}\".stock_items WHERE sku = @s AND location = @l", connection);
        command.Parameters.AddWithValue("s", key.Sku);
        command.Parameters.AddWithValue("l", key.Location);
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>The sale movements of an item: on-hand delta, reserved delta, reference.</summary>
    public static async Task<IReadOnlyList<(long OnHand, long Reserved, string? Reference)>> SalesAsync(string schema, StockKey key)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT on_hand_delta, reserved_delta, reference FROM \"{schema}\".stock_movements WHERE sku = @s AND location = @l AND kind = 'sale' ORDER BY id",
            connection);
        command.Parameters.AddWithValue("s", key.Sku);
        command.Parameters.AddWithValue("l", key.Location);
        await using var reader = await command.ExecuteReaderAsync();
        var sales = new List<(long, long, string?)>();
        while (await reader.ReadAsync())
        {
            sales.Add((reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return sales;
    }
}
