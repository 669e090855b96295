using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NUnit.Framework;
using StockGuard.Sql.Execution;
using StockGuard.Sql.Strategies.Coalescing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>
/// A coalesced batch without idempotency keys as one statement on PostgreSQL, and its cheaper form for an item that
/// reserves nothing (<c>SellBatchUnreserved</c>): that one never sells while units are reserved, expired or not, so
/// the level it reports can leave the expired holds out without looking for them.
/// </summary>
[TestFixture]
public sealed class PostgreSqlSellBatchTests : PostgreSqlFixture
{
    [TestCase(true)]
    [TestCase(false)]
    public async Task Either_batch_statement_sells_a_whole_batch_with_one_movement_per_sale_in_batch_order(bool unreserved)
    {
        await using var store = CreateStore(ConcurrencyStrategy.Coalescing);
        var key = await StockedAsync(store, 10);
        var before = await Server.StoredAsync(key);

        var sold = await CoalescedBatch.TrySellAsync(Executor(), key, Batch(key, (2, "order-1"), (1, null), (3, "order-'3' é")), unreserved);

        sold.Should().NotBeNull("the item reserves nothing and can serve the whole batch");
        sold!.Value.Durable.Should().BeTrue("the flush barrier ran in the batch's round trip");
        sold.Value.Reserving.Should().BeFalse();
        sold.Value.Results.Select(r => (r.Succeeded, r.Levels[0].OnHand, r.Levels[0].Reserved, r.Levels[0].Version))
            .Should().Equal((true, 8L, 0L, before.Version + 1), (true, 7L, 0L, before.Version + 2), (true, 4L, 0L, before.Version + 3));
        (await Server.StoredAsync(key)).Should().Be((4L, 0L, before.Version + 3));
        (await SaleRowsAsync(key)).Should().Equal(
            (-2L, "order-1", 8L, before.Version + 1),
            (-1L, null, 7L, before.Version + 2),
            (-3L, "order-'3' é", 4L, before.Version + 3));
        (await Server.LedgerAsync(key)).Should().Be((4L, 0L));
    }

    [Test]
    public async Task The_statement_for_an_item_that_reserves_nothing_changes_nothing_while_a_hold_reserves_units_even_an_expired_one()
    {
        await using var store = CreateStore(ConcurrencyStrategy.Coalescing);
        var key = await StockedAsync(store, 10);
        (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 2)))).Succeeded.Should().BeTrue();
        Time.Advance(TimeSpan.FromMinutes(2));
        var before = await Server.StoredAsync(key);

        // 10 on hand and 2 reserved by a hold that has expired but was not given back: 10 available, and the batch asks for 3.
        var refused = await CoalescedBatch.TrySellAsync(Executor(), key, Batch(key, (1, "order-1"), (2, "order-2")), unreserved: true);

        refused.Should().BeNull("an item that reserves units is left to the statement that counts its expired holds");
        (await Server.StoredAsync(key)).Should().Be(before);
        (await SaleRowsAsync(key)).Should().BeEmpty();

        var sold = await CoalescedBatch.TrySellAsync(Executor(), key, Batch(key, (1, "order-1"), (2, "order-2")), unreserved: false);

        sold.Should().NotBeNull();
        sold!.Value.Reserving.Should().BeTrue("the expired hold's units stay reserved in the row until they are given back");
        // A buyer is told the level with the expired hold given back, as a read gives it (its expiry counted in the version).
        sold.Value.Results.Select(r => (r.Levels[0].OnHand, r.Levels[0].Reserved, r.Levels[0].Available, r.Levels[0].Version))
            .Should().Equal((9L, 0L, 9L, before.Version + 2), (7L, 0L, 7L, before.Version + 3));
        var level = (await store.GetLevelAsync(key))!;
        (level.OnHand, level.Reserved, level.Version).Should().Be((7L, 0L, before.Version + 3));
        (await Server.StoredAsync(key)).Should().Be((7L, 2L, before.Version + 2));
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task Either_batch_statement_tells_each_buyer_the_item_s_pre_order_settings_as_a_read_gives_them(bool unreserved)
    {
        await using var store = CreateStore(ConcurrencyStrategy.Coalescing);
        var key = new StockKey(NewSku("pre"));
        var expected = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
        await store.SetPolicyAsync(key, new StockPolicy { PreOrderLimit = 5, ExpectedRestock = expected });
        (await store.AdjustAsync(new AdjustRequest(key, 10, "counted"))).Succeeded.Should().BeTrue();

        var sold = await CoalescedBatch.TrySellAsync(Executor(), key, Batch(key, (2, "order-1"), (3, "order-2")), unreserved);

        sold.Should().NotBeNull("10 on hand, nothing reserved, 5 asked for");
        var read = (await store.GetLevelAsync(key))!;
        read.IsPreOrder.Should().BeTrue("a pre-order limit, never received");
        var told = sold!.Value.Results[^1].Levels[0];
        (told.PreOrderLimit, told.ExpectedRestock, told.IsPreOrder, told.Sellable, told.Status)
            .Should().Be((5L, (DateTimeOffset?)expected, true, 10L, read.Status));
        told.Should().Be(read, "the last buyer is told the level a read now gives");
    }

    [Test]
    public async Task A_batch_answered_by_rows_of_another_shape_is_an_unknown_outcome_that_names_the_pooler_setting()
    {
        // A session-bound pool of one connection whose server session has, under the name of the prepared batch
        // statement, another statement with the same parameters and other columns: what a transaction pooler hands over
        // when the store is not told of it.
        await using var dataSource = NpgsqlDataSource.Create(PostgreSqlServer.ConnectionString + ";Maximum Pool Size=1;No Reset On Close=true");
        await using var store = CreateStore(ConcurrencyStrategy.Coalescing);
        var key = await StockedAsync(store, 10);
        (await CoalescedBatch.TrySellAsync(Executor(dataSource), key, Batch(key, (1, null), (1, null)), unreserved: true)).Should().NotBeNull();
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            var sell = await PreparedAsync(connection, "WITH changed AS (UPDATE%reserved = 0 AND%");
            sell.Should().NotBeNull("the batch statement is prepared on this session");
            await ReplacePreparedAsync(connection, sell!.Value, "SELECT 'another'::text");
        }

        // Npgsql reads on after the rows it refused, until the command's timeout: a short one keeps the test short.
        var error = (await FluentActions.Awaiting(() => CoalescedBatch.TrySellAsync(Executor(dataSource, commandTimeout: 2), key, Batch(key, (1, null), (1, null)), unreserved: true))
            .Should().ThrowAsync<StockStoreException>()).Which;

        error.OutcomeUnknown.Should().BeTrue();
        error.Message.Should().Contain("another shape").And.Contain("Pooling = Transaction");
        (await Server.StoredAsync(key)).OnHand.Should().Be(8, "the statement that ran was not the store's");
    }

    private SqlExecutor Executor(NpgsqlDataSource? dataSource = null, int? commandTimeout = null)
    {
        var options = Provider.Options();
        options.CommandTimeout = commandTimeout ?? options.CommandTimeout;
        dataSource ??= Provider.DataSource;
        return new SqlExecutor(dataSource, false, new PostgreSqlDialect(Schema, new PostgreSqlConnections(dataSource, PostgreSqlPooling.Auto)), options, Time, NullLogger.Instance);
    }

    private static List<PendingDeduct> Batch(StockKey key, params (int Quantity, string? Reference)[] sales) =>
        sales.Select(s => new PendingDeduct(new DeductRequest(new StockLine(key, s.Quantity)) { Reference = s.Reference })).ToList();

    private async Task<List<(long Delta, string? Reference, long OnHandAfter, long VersionAfter)>> SaleRowsAsync(StockKey key)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT on_hand_delta, reference, on_hand_after, version_after FROM \"{Schema}\".stock_movements WHERE sku = $1 AND location = $2 AND kind = 'sale' ORDER BY id",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = key.Sku });
        command.Parameters.Add(new NpgsqlParameter { Value = key.Location });
        var rows = new List<(long, string?, long, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3)));
        }

        return rows;
    }
}
