using MySqlConnector;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.MySql.Tests;

/// <summary>The coalescing suite on MySQL and MariaDB.</summary>
[TestFixture]
public sealed class MySqlCoalescingTests : CoalescingTests<CoalescingMySqlTestProvider>
{
    private readonly TimeProvider _time = TimeProvider.System;

    protected override IStockStore CreateCoalescingStore(int maxTransientRetries, int maxQueueLength) =>
        Provider.CreateStore(_time, o =>
        {
            var options = (MySqlStockStoreOptions)o;
            options.MaxTransientRetries = maxTransientRetries;
            options.Coalescing.MaxQueueLength = maxQueueLength;
        });

    protected override async Task<ILockHolder> LockRowAsync(StockKey key) => new Holder(await MySqlServer.LockRowAsync(Provider.Database, key));

    protected override async Task<ILockHolder> HoldKeyAsync(string idempotencyKey)
    {
        var connection = await MySqlServer.OpenAsync();
        await MySqlServer.Exec(connection, "START TRANSACTION");
        await MySqlServer.Exec(
            connection,
            $"INSERT INTO `{Provider.Database}`.stock_idempotency_keys (idempotency_key, fingerprint, result, created_at) VALUES (@k, 'held by the test', NULL, UTC_TIMESTAMP(6))",
            ("k", idempotencyKey));
        return new Holder(connection);
    }

    protected override Task<long> WaitForLockWaiterAsync(ILockHolder holder) => MySqlServer.WaitForLockWaiterAsync(Provider.Database, ((Holder)holder).Connection);

    protected override Task KillAsync(long connectionId) => MySqlServer.KillAsync(connectionId);

    protected override async Task<long> LedgerOnHandAsync(StockKey key) => (await MySqlServer.LedgerAsync(Provider.Database, key)).OnHand;

    private sealed class Holder(MySqlConnection connection) : ILockHolder
    {
        public MySqlConnection Connection => connection;

        public async Task ReleaseAsync() => await MySqlServer.Exec(connection, "ROLLBACK");

        public ValueTask DisposeAsync() => connection.DisposeAsync();
    }
}
