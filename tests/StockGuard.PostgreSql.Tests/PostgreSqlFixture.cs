using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>A fixture with its own schema (dropped afterwards) and helpers to hold locks from a second connection.</summary>
public abstract class PostgreSqlFixture : ProviderFixture<AtomicPostgreSqlTestProvider>
{
    protected string Schema => Provider.Schema;

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    protected PostgreSqlStockStore CreateStore(ConcurrencyStrategy strategy = ConcurrencyStrategy.Atomic, NpgsqlDataSource? dataSource = null, Action<PostgreSqlStockStoreOptions>? configure = null)
    {
        var options = Provider.Options();
        options.Strategy = strategy;
        configure?.Invoke(options);
        return new PostgreSqlStockStore(dataSource ?? Provider.DataSource, options, Time);
    }

    protected static async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(PostgreSqlServer.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Opens a transaction on a second connection that holds the item's row lock until disposed.</summary>
    protected async Task<NpgsqlConnection> LockRowAsync(StockKey key)
    {
        var connection = await OpenAsync();
        await Exec(connection, "BEGIN");
        await using var command = new NpgsqlCommand($"SELECT on_hand FROM \"{Schema}\".stock_items WHERE sku = @s AND location = @l FOR UPDATE", connection);
        command.Parameters.AddWithValue("s", key.Sku);
        command.Parameters.AddWithValue("l", key.Location);
        (await command.ExecuteScalarAsync()).Should().NotBeNull("the row to lock exists");
        return connection;
    }

    /// <summary>Waits (bounded) until a backend other than <paramref name="except"/> waits for a lock in this schema; returns its pid.</summary>
    protected async Task<int> WaitForLockWaiterAsync(NpgsqlConnection except)
    {
        await using var watcher = await OpenAsync();
        for (var i = 0; i < 500; i++)
        {
            await using var command = new NpgsqlCommand(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> @me AND query LIKE '%' || @schema || '%' LIMIT 1",
                watcher);
            command.Parameters.AddWithValue("me", except.ProcessID);
            command.Parameters.AddWithValue("schema", Schema);
            if (await command.ExecuteScalarAsync() is int pid)
            {
                return pid;
            }

            await Task.Delay(20);
        }

        throw new AssertionException("No backend started waiting for the row lock within 10 seconds.");
    }

    protected static async Task<object?> Exec(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Sums the movement ledger of an item: it must rebuild the stored counts.</summary>
    protected async Task<(long OnHand, long Reserved)> LedgerAsync(StockKey key)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT COALESCE(SUM(on_hand_delta), 0)::bigint, COALESCE(SUM(reserved_delta), 0)::bigint FROM \"{Schema}\".stock_movements WHERE sku = @s AND location = @l",
            connection);
        command.Parameters.AddWithValue("s", key.Sku);
        command.Parameters.AddWithValue("l", key.Location);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>The stored row, expired holds included.</summary>
    protected async Task<(long OnHand, long Reserved, long Version)> StoredAsync(StockKey key)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT on_hand, reserved, version FROM \"{Schema}\".stock_items WHERE sku = @s AND location = @l", connection);
        command.Parameters.AddWithValue("s", key.Sku);
        command.Parameters.AddWithValue("l", key.Location);
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }
}
