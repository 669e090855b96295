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

    /// <summary>How <see cref="StockAudit"/> reads the tables of <paramref name="schema"/>.</summary>
    public static StockTables Tables(string schema) => new()
    {
        Open = async () => await OpenAsync(),
        Table = name => $"\"{schema}\".\"{name}\"",
        IdText = column => $"CAST({column} AS text)",
    };

    public static async Task<object?> Exec(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Terminates the backend <paramref name="pid"/> from a connection of its own, as an operator or a crash would.</summary>
    public static async Task TerminateBackendAsync(long pid)
    {
        await using var killer = await OpenAsync();
        (await Exec(killer, $"SELECT pg_terminate_backend({pid})")).Should().Be(true);
    }

    /// <summary>Sums the movement ledger of an item: it must rebuild the stored counts.</summary>
    public static async Task<(long OnHand, long Reserved)> LedgerAsync(string schema, StockKey key) =>
        (await ItemRows.ReadAsync(
            OpenAsync,
            $"SELECT COALESCE(SUM(on_hand_delta), 0)::bigint, COALESCE(SUM(reserved_delta), 0)::bigint FROM \"{schema}\".stock_movements WHERE sku = @s AND location = @l",
            key,
            r => (r.GetInt64(0), r.GetInt64(1)))).Single();

    /// <summary>The stored row, expired holds included.</summary>
    public static async Task<(long OnHand, long Reserved, long Version)> StoredAsync(string schema, StockKey key) =>
        (await ItemRows.ReadAsync(
            OpenAsync,
            $"SELECT on_hand, reserved, version FROM \"{schema}\".stock_items WHERE sku = @s AND location = @l",
            key,
            r => (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)))).Should().ContainSingle().Subject;

    /// <summary>The sale movements of an item: on-hand delta, reserved delta, reference.</summary>
    public static Task<IReadOnlyList<(long OnHand, long Reserved, string? Reference)>> SalesAsync(string schema, StockKey key) =>
        ItemRows.ReadAsync(
            OpenAsync,
            $"SELECT on_hand_delta, reserved_delta, reference FROM \"{schema}\".stock_movements WHERE sku = @s AND location = @l AND kind = 'sale' ORDER BY id",
            key,
            r => (r.GetInt64(0), r.GetInt64(1), r.IsDBNull(2) ? null : r.GetString(2)));
}
