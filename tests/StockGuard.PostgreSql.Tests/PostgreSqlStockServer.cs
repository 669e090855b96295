using FluentAssertions;
using Npgsql;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>
/// The hooks into the test server for one schema. Locks are held, the server watched and rows read over direct
/// connections, also when the stores under test go through PgBouncer.
/// </summary>
/// <param name="schema">The stores' schema.</param>
internal sealed class PostgreSqlStockServer(string schema) : SqlStockServer
{
    public override (string Host, int Port) Endpoint
    {
        get
        {
            var builder = new NpgsqlConnectionStringBuilder(PostgreSqlServer.ConnectionString);
            return (builder.Host!, builder.Port);
        }
    }

    public override StockTables Tables => new()
    {
        Open = async () => await PostgreSqlServer.OpenAsync(),
        Table = name => $"\"{schema}\".\"{name}\"",
        IdText = column => $"CAST({column} AS text)",
    };

    /// <summary>A terminated backend sends its client an admin-shutdown error (57P01) before it closes the connection.</summary>
    public override bool ReportsKills => true;

    /// <summary>Opens a transaction on a second connection that holds the item's row lock until released.</summary>
    public override async Task<ILockHolder> LockItemAsync(StockKey key)
    {
        var holder = await BeginAsync();
        await using var command = new NpgsqlCommand($"SELECT on_hand FROM \"{schema}\".stock_items WHERE sku = @s AND location = @l FOR UPDATE", holder.Connection);
        command.Parameters.AddWithValue("s", key.Sku);
        command.Parameters.AddWithValue("l", key.Location);
        (await command.ExecuteScalarAsync()).Should().NotBeNull("the row to lock exists");
        return holder;
    }

    public override async Task<ILockHolder> HoldIdempotencyKeyAsync(string idempotencyKey)
    {
        var holder = await BeginAsync();
        await using var command = new NpgsqlCommand(
            $"INSERT INTO \"{schema}\".stock_idempotency_keys (idempotency_key, fingerprint, result, created_at) VALUES (@k, 'held by the test', NULL, now())",
            holder.Connection);
        command.Parameters.AddWithValue("k", idempotencyKey);
        await command.ExecuteNonQueryAsync();
        return holder;
    }

    /// <summary>Watches pg_stat_activity for a backend of this schema whose wait event is a lock.</summary>
    public override async Task<long> WaitForLockWaiterAsync(ILockHolder except)
    {
        var pid = await WatchAsync(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> @me AND query LIKE '%' || @schema || '%' LIMIT 1",
            ((PostgreSqlLockHolder)except).Connection.ProcessID,
            value => value is int);
        return pid is int id ? id : throw new AssertionException("No backend started waiting for the row lock within 10 seconds.");
    }

    public override async Task WaitUntilIdleAsync()
    {
        var idle = await WatchAsync(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND pid <> @me AND query LIKE '%' || @schema || '%'",
            0,
            value => (long)value! == 0);
        if (idle is null)
        {
            throw new AssertionException("A statement of this schema was still running after 10 seconds.");
        }
    }

    /// <summary>Terminates the backend from a connection of its own.</summary>
    public override async Task KillConnectionAsync(long connectionId)
    {
        await using var killer = await PostgreSqlServer.OpenAsync();
        (await PostgreSqlServer.Exec(killer, $"SELECT pg_terminate_backend({connectionId})")).Should().Be(true);
    }

    public override async Task<long> ConnectionIdAsync(System.Data.Common.DbConnection connection) =>
        Convert.ToInt64(await PostgreSqlServer.Exec((NpgsqlConnection)connection, "SELECT pg_backend_pid()"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>lock_not_available (55P03), what lock_timeout raises.</summary>
    public override bool IsLockTimeout(Exception? error) => error is PostgresException { SqlState: "55P03" };

    /// <summary>admin_shutdown (57P01), what pg_terminate_backend sends.</summary>
    public override bool IsKillReport(Exception? error) => error is PostgresException { SqlState: "57P01" };

    public override async Task<DateTimeOffset> DatabaseNowAsync()
    {
        await using var connection = await PostgreSqlServer.OpenAsync();
        return StoredTime((await PostgreSqlServer.Exec(connection, "SELECT clock_timestamp()"))!);
    }

    private static async Task<PostgreSqlLockHolder> BeginAsync()
    {
        var connection = await PostgreSqlServer.OpenAsync();
        await PostgreSqlServer.Exec(connection, "BEGIN");
        return new PostgreSqlLockHolder(connection);
    }

    /// <summary>Runs <paramref name="sql"/> (parameters @me and @schema) every 20 ms until <paramref name="done"/>; null after 10 seconds.</summary>
    private async Task<object?> WatchAsync(string sql, int me, Func<object?, bool> done)
    {
        await using var watcher = await PostgreSqlServer.OpenAsync();
        for (var i = 0; i < 500; i++)
        {
            await using var command = new NpgsqlCommand(sql, watcher);
            command.Parameters.AddWithValue("me", me);
            command.Parameters.AddWithValue("schema", schema);
            var value = await command.ExecuteScalarAsync();
            if (done(value))
            {
                return value;
            }

            await Task.Delay(20);
        }

        return null;
    }
}

/// <summary>A direct connection in an open transaction; its tests may go on using it.</summary>
/// <param name="connection">The connection, its transaction begun.</param>
public sealed class PostgreSqlLockHolder(NpgsqlConnection connection) : ILockHolder
{
    /// <summary>The connection, for tests that go on using it.</summary>
    public NpgsqlConnection Connection => connection;

    public async Task ReleaseAsync() => await PostgreSqlServer.Exec(connection, "ROLLBACK");

    public ValueTask DisposeAsync() => connection.DisposeAsync();
}
