using System.Globalization;
using FluentAssertions;
using MySqlConnector;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>The hooks into the test server (MySQL 8 or MariaDB) for one database: SKUs and locations are stored as bytes.</summary>
/// <param name="database">The stores' database (their schema).</param>
internal sealed class MySqlStockServer(string database) : SqlStockServer
{
    public override (string Host, int Port) Endpoint
    {
        get
        {
            var builder = new MySqlConnectionStringBuilder(MySqlServer.ConnectionString);
            return (builder.Server, (int)builder.Port);
        }
    }

    public override StockTables Tables => new()
    {
        Open = async () => await MySqlServer.OpenAsync(),
        Table = name => $"`{database}`.`{name}`",
        Text = column => $"CONVERT({column} USING utf8mb4)",
    };

    /// <summary>MariaDB closes a killed connection without an error packet; MySQL may send one.</summary>
    public override bool ReportsKills => false;

    /// <summary>Opens a transaction on a second connection that holds the item's row lock until released.</summary>
    public override async Task<ILockHolder> LockItemAsync(StockKey key)
    {
        var holder = await BeginAsync();
        (await holder.LockAsync(database, key)).Should().NotBeNull("the row to lock exists");
        return holder;
    }

    public override async Task<ILockHolder> HoldIdempotencyKeyAsync(string idempotencyKey)
    {
        var holder = await BeginAsync();
        await MySqlServer.Exec(
            holder.Connection,
            $"INSERT INTO `{database}`.stock_idempotency_keys (idempotency_key, fingerprint, result, created_at) VALUES (@k, 'held by the test', NULL, UTC_TIMESTAMP(6))",
            ("k", idempotencyKey));
        return holder;
    }

    public override async Task<long> WaitForLockWaiterAsync(ILockHolder except) =>
        await MySqlServer.WaitForLockWaiterAsync(database, ((MySqlLockHolder)except).Connection, until: null)
        ?? throw new AssertionException("No connection started waiting for the row lock within 10 seconds.");

    public override async Task WaitUntilIdleAsync()
    {
        await using var watcher = await MySqlServer.OpenAsync();
        for (var i = 0; i < 500; i++)
        {
            var running = await MySqlServer.Exec(
                watcher,
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND ID <> CONNECTION_ID() AND INFO LIKE CONCAT('%', @db, '%')",
                ("db", database));
            if (Convert.ToInt64(running, CultureInfo.InvariantCulture) == 0)
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new AssertionException("A command of this database was still running after 10 seconds.");
    }

    public override async Task KillConnectionAsync(long connectionId)
    {
        await using var killer = await MySqlServer.OpenAsync();
        await MySqlServer.Exec(killer, $"KILL {connectionId}");
    }

    /// <summary>The id the server sent at connect (CONNECTION_ID()), read without a command, so also inside a transaction.</summary>
    public override Task<long> ConnectionIdAsync(System.Data.Common.DbConnection connection) =>
        Task.FromResult((long)((MySqlConnection)connection).ServerThread);

    public override bool IsLockTimeout(Exception? error) => error is MySqlException { ErrorCode: MySqlErrorCode.LockWaitTimeout };

    /// <summary>An error the server sent (it has an SQLSTATE), not one the client made up when the connection closed.</summary>
    public override bool IsKillReport(Exception? error) => error is MySqlException { SqlState: not null };

    public override async Task<DateTimeOffset> DatabaseNowAsync()
    {
        await using var connection = await MySqlServer.OpenAsync();
        return StoredTime((await MySqlServer.Exec(connection, "SELECT UTC_TIMESTAMP(6)"))!);
    }

    private static async Task<MySqlLockHolder> BeginAsync()
    {
        var connection = await MySqlServer.OpenAsync();
        await MySqlServer.Exec(connection, "START TRANSACTION");
        return new MySqlLockHolder(connection);
    }
}

/// <summary>A direct connection in an open transaction; its tests may go on using it.</summary>
/// <param name="connection">The connection, its transaction started.</param>
public sealed class MySqlLockHolder(MySqlConnection connection) : ILockHolder
{
    /// <summary>The connection, for tests that go on using it.</summary>
    public MySqlConnection Connection => connection;

    /// <summary>Locks the item's row too, in the holder's transaction; returns its on-hand units, or null when there is no such row.</summary>
    public Task<object?> LockAsync(string database, StockKey key) =>
        MySqlServer.Exec(connection, $"SELECT on_hand FROM `{database}`.stock_items WHERE sku = @s AND location = @l FOR UPDATE", ("s", key.Sku), ("l", key.Location));

    public async Task ReleaseAsync() => await MySqlServer.Exec(connection, "ROLLBACK");

    /// <summary>
    /// Ends the holder's transaction, then closes the connection. A pooled connection keeps a transaction begun by SQL text
    /// until it is reset, and an open transaction holds its tables' metadata locks: dropping the test database would wait.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await MySqlServer.Exec(connection, "ROLLBACK");
            }
        }
        catch (MySqlException)
        {
            // The test killed the connection: the server has ended its transaction already.
        }

        await connection.DisposeAsync();
    }
}
