using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using NUnit.Framework;
using StockGuard.Sql.Execution;
using StockGuard.Sql.Strategies.Coalescing;

namespace StockGuard.MySql.Tests;

/// <summary>
/// A coalesced batch without idempotency keys as one command on MySQL and MariaDB (<c>SellBatch</c>): the change of the
/// whole batch, one movement per sale and the commit in one round trip, or nothing at all.
/// </summary>
[TestFixture]
public sealed class MySqlSellBatchTests : MySqlFixture
{
    [Test]
    public async Task The_batch_command_sells_a_whole_batch_with_one_movement_per_sale_in_batch_order()
    {
        await using var store = CreateStore(ConcurrencyStrategy.Coalescing);
        var key = await StockedAsync(store, 10);
        var before = await Server.StoredAsync(key);
        var batch = Batch(key, (2, "order-1"), (1, null), (3, "order-\"3\" é"));

        var sold = await CoalescedBatch.TrySellAsync(Executor(), key, batch, unreserved: false);

        sold.Should().NotBeNull("the item can serve the whole batch");
        sold!.Value.Durable.Should().BeTrue("InnoDB's commit answered after its flush");
        sold.Value.Results.Select(r => (r.Succeeded, r.Levels[0].OnHand, r.Levels[0].Version))
            .Should().Equal((true, 8L, before.Version + 1), (true, 7L, before.Version + 2), (true, 4L, before.Version + 3));
        (await Server.StoredAsync(key)).Should().Be((4L, 0L, before.Version + 3));
        (await SaleRowsAsync(key)).Should().Equal(
            (-2L, "order-1", 8L, before.Version + 1),
            (-1L, null, 7L, before.Version + 2),
            (-3L, "order-\"3\" é", 4L, before.Version + 3));
        (await Server.LedgerAsync(key)).Should().Be((4L, 0L));
        await NoTransactionLeftOpenAsync();
    }

    [Test]
    public async Task The_batch_command_changes_nothing_when_the_item_cannot_serve_the_whole_batch()
    {
        await using var store = CreateStore(ConcurrencyStrategy.Coalescing);
        var key = await StockedAsync(store, 4);
        (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 1)))).Succeeded.Should().BeTrue();
        var before = await Server.StoredAsync(key);

        // 4 on hand, 1 reserved: 3 available, and the batch asks for 4.
        var sold = await CoalescedBatch.TrySellAsync(Executor(), key, Batch(key, (2, "order-1"), (2, "order-2")), unreserved: false);

        sold.Should().BeNull("the transaction path decides a batch the item cannot serve whole");
        (await Server.StoredAsync(key)).Should().Be(before);
        (await SaleRowsAsync(key)).Should().BeEmpty();
        var unknown = new StockKey(NewSku());
        (await CoalescedBatch.TrySellAsync(Executor(), unknown, Batch(unknown, (1, null)), unreserved: false)).Should().BeNull("an unknown item sells nothing");
        await NoTransactionLeftOpenAsync();
    }

    [Test]
    public async Task A_lock_wait_timeout_of_the_batch_command_changes_nothing_and_leaves_no_transaction_open_on_a_pooled_connection_kept_without_reset()
    {
        await using var dataSource = new MySqlDataSource(new MySqlConnectionStringBuilder(MySqlServer.ConnectionString) { MaximumPoolSize = 1, ConnectionReset = false }.ConnectionString);
        await using var store = CreateStore(ConcurrencyStrategy.Coalescing, dataSource);
        var key = await StockedAsync(store, 5);
        var before = await Server.StoredAsync(key);
        await using (var blocker = await LockRowAsync(key))
        {
            var error = await FluentActions.Awaiting(() => CoalescedBatch.TrySellAsync(Executor(dataSource, TimeSpan.FromSeconds(1)), key, Batch(key, (1, "a"), (1, "b")), unreserved: false))
                .Should().ThrowAsync<StockStoreTimeoutException>();
            error.Which.OutcomeUnknown.Should().BeFalse("the server reported the timeout before the batch's row, and its commit comes after it");
            await blocker.ReleaseAsync();
        }

        await using (var pooled = await dataSource.OpenConnectionAsync())
        {
            (await Exec(pooled, "SELECT @@in_transaction")).Should().Be(0, "the failed command's transaction was rolled back before the connection went back");
        }

        (await Server.StoredAsync(key)).Should().Be(before);
        (await SaleRowsAsync(key)).Should().BeEmpty();
    }

    private SqlExecutor Executor(MySqlDataSource? dataSource = null, TimeSpan? lockWaitTimeout = null)
    {
        var options = Provider.Options();
        options.LockWaitTimeout = lockWaitTimeout;
        return new SqlExecutor(dataSource ?? Provider.DataSource, false, new MySqlDialect(Database, lockWaitTimeout, options.ChangeFeedGapWait), options, Time, NullLogger.Instance);
    }

    private static List<PendingDeduct> Batch(StockKey key, params (int Quantity, string? Reference)[] sales) =>
        sales.Select(s => new PendingDeduct(new DeductRequest(new StockLine(key, s.Quantity)) { Reference = s.Reference })).ToList();

    private async Task<List<(long Delta, string? Reference, long OnHandAfter, long VersionAfter)>> SaleRowsAsync(StockKey key)
    {
        await using var connection = await OpenAsync();
        await using var command = new MySqlCommand(
            $"SELECT on_hand_delta, reference, on_hand_after, version_after FROM `{Database}`.`stock_movements` WHERE sku = @sku AND location = @location AND kind = 'sale' ORDER BY id",
            connection);
        command.Parameters.AddWithValue("@sku", key.Sku);
        command.Parameters.AddWithValue("@location", key.Location);
        var rows = new List<(long, string?, long, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3)));
        }

        return rows;
    }

    private async Task NoTransactionLeftOpenAsync()
    {
        await using var connection = await Provider.DataSource.OpenConnectionAsync();
        (await Exec(connection, "SELECT @@in_transaction")).Should().Be(0);
    }
}
