using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using MySqlConnector;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>A fixture with its own database (dropped afterwards) and helpers to hold row locks from a second connection.</summary>
public abstract class MySqlFixture : ProviderFixture<AtomicMySqlTestProvider>
{
    protected string Database => Provider.Database;

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    protected MySqlStockStore CreateStore(ConcurrencyStrategy strategy = ConcurrencyStrategy.Atomic, MySqlDataSource? dataSource = null, Action<MySqlStockStoreOptions>? configure = null)
    {
        var options = Provider.Options();
        options.Strategy = strategy;
        configure?.Invoke(options);
        return new MySqlStockStore(dataSource ?? Provider.DataSource, options, new RealTimersClock(Time));
    }

    protected static Task<MySqlConnection> OpenAsync() => MySqlServer.OpenAsync();

    /// <summary>Opens a transaction on a second connection that holds the item's row lock until rolled back or closed.</summary>
    protected Task<MySqlConnection> LockRowAsync(StockKey key) => MySqlServer.LockRowAsync(Database, key);

    protected Task<object?> LockAsync(MySqlConnection connection, StockKey key) => MySqlServer.LockAsync(Database, connection, key);

    /// <summary>Waits (bounded, by watching the server) until a connection other than <paramref name="except"/> waits for a row lock; returns its id.</summary>
    protected Task<long> WaitForLockWaiterAsync(MySqlConnection except) => MySqlServer.WaitForLockWaiterAsync(Database, except);

    protected static Task<object?> Exec(MySqlConnection connection, string sql, params (string Name, object Value)[] parameters) => MySqlServer.Exec(connection, sql, parameters);

    /// <summary>Sums the movement ledger of an item: it must rebuild the stored counts.</summary>
    protected Task<(long OnHand, long Reserved)> LedgerAsync(StockKey key) => MySqlServer.LedgerAsync(Database, key);

    /// <summary>The sale movements of an item: on-hand delta, reserved delta, reference.</summary>
    protected Task<IReadOnlyList<(long OnHand, long Reserved, string? Reference)>> SalesAsync(StockKey key) => MySqlServer.SalesAsync(Database, key);
}
