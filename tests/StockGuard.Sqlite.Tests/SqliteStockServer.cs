using Microsoft.Data.Sqlite;
using StockGuard.Testing;

namespace StockGuard.Sqlite.Tests;

/// <summary>
/// The hooks into a SQLite database, where they apply: the table reads and the audit's. SQLite has no server to watch
/// or to kill a connection of, no row locks (one writer at a time) and no clock of its own, so the hooks for those
/// throw <see cref="NotSupportedException"/>; its own tests cover the write lock and busy waits instead.
/// </summary>
/// <param name="connectionString">The database's connection string.</param>
internal sealed class SqliteStockServer(string connectionString) : SqlStockServer
{
    public override (string Host, int Port) Endpoint => throw NotApplicable("a network endpoint");

    public override StockTables Tables => new()
    {
        Open = async () =>
        {
            var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync();
            return connection;
        },
        Table = name => $"\"{name}\"",
    };

    public override bool ReportsKills => throw NotApplicable("connections a server could kill");

    public override Task<ILockHolder> LockItemAsync(StockKey key) => throw NotApplicable("row locks");

    public override Task<ILockHolder> HoldIdempotencyKeyAsync(string idempotencyKey) => throw NotApplicable("row locks");

    public override Task<long> WaitForLockWaiterAsync(ILockHolder except) => throw NotApplicable("a server to watch");

    public override Task WaitUntilIdleAsync() => throw NotApplicable("a server to watch");

    public override Task KillConnectionAsync(long connectionId) => throw NotApplicable("connections a server could kill");

    public override Task<long> ConnectionIdAsync(System.Data.Common.DbConnection connection) => throw NotApplicable("connections a server could kill");

    public override bool IsLockTimeout(Exception? error) => error is SqliteException { SqliteErrorCode: 5 };

    public override bool IsKillReport(Exception? error) => throw NotApplicable("connections a server could kill");

    public override Task<DateTimeOffset> DatabaseNowAsync() => throw NotApplicable("a clock of its own");

    private static NotSupportedException NotApplicable(string what) => new($"SQLite has no {what}.");
}
