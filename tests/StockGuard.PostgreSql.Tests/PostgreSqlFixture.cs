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

    protected static Task<NpgsqlConnection> OpenAsync() => PostgreSqlServer.OpenAsync();

    /// <summary>Opens a transaction on a second connection that holds the item's row lock until disposed.</summary>
    protected Task<NpgsqlConnection> LockRowAsync(StockKey key) => PostgreSqlServer.LockRowAsync(Schema, key);

    /// <summary>Waits (bounded) until a backend other than <paramref name="except"/> waits for a lock in this schema; returns its pid.</summary>
    protected Task<int> WaitForLockWaiterAsync(NpgsqlConnection except) => PostgreSqlServer.WaitForLockWaiterAsync(Schema, except);

    protected static Task<object?> Exec(NpgsqlConnection connection, string sql) => PostgreSqlServer.Exec(connection, sql);

    /// <summary>Sums the movement ledger of an item: it must rebuild the stored counts.</summary>
    protected Task<(long OnHand, long Reserved)> LedgerAsync(StockKey key) => PostgreSqlServer.LedgerAsync(Schema, key);

    /// <summary>The sale movements of an item: on-hand delta, reserved delta, reference.</summary>
    protected Task<IReadOnlyList<(long OnHand, long Reserved, string? Reference)>> SalesAsync(StockKey key) => PostgreSqlServer.SalesAsync(Schema, key);

    /// <summary>The stored row, expired holds included.</summary>
    protected Task<(long OnHand, long Reserved, long Version)> StoredAsync(StockKey key) => PostgreSqlServer.StoredAsync(Schema, key);
}
