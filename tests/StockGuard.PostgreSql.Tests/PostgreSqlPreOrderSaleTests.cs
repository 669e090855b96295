using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.PostgreSql.Tests;

/// <summary>
/// A one-command sale from the stock of an item on pre-order: the buyer is told the item's pre-order settings with its
/// level, as a read gives them, and a retry of a keyed sale replays them.
/// </summary>
[TestFixture]
public sealed class PostgreSqlPreOrderSaleTests : PostgreSqlFixture
{
    private static readonly DateTimeOffset Expected = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [TestCase(false)]
    [TestCase(true)]
    public async Task A_one_line_sale_from_stock_tells_the_buyer_the_item_s_pre_order_settings(bool keyed)
    {
        await using var store = CreateStore();
        var key = new StockKey(NewSku("pre"));
        await store.SetPolicyAsync(key, new StockPolicy { PreOrderLimit = 5, ExpectedRestock = Expected });
        (await store.AdjustAsync(new AdjustRequest(key, 6, "counted"))).Succeeded.Should().BeTrue();
        var request = new DeductRequest(new StockLine(key, 6)) { IdempotencyKey = keyed ? NewSku("order") : null };

        var sold = await store.DeductAsync(request);

        sold.Succeeded.Should().BeTrue();
        sold.Backordered.Should().BeEmpty("the sale came from stock: the one-command path sold it");
        var read = (await store.GetLevelAsync(key))!;
        var told = sold.Levels.Single();
        (told.PreOrderLimit, told.ExpectedRestock, told.IsPreOrder, told.Status, told.Sellable)
            .Should().Be((read.PreOrderLimit, read.ExpectedRestock, read.IsPreOrder, read.Status, read.Sellable));
        (told.PreOrderLimit, told.ExpectedRestock, told.IsPreOrder, told.Status).Should().Be((5L, (DateTimeOffset?)Expected, true, StockStatus.PreOrder));
        if (keyed)
        {
            await using var other = CreateStore();
            var replay = await other.DeductAsync(request);
            replay.IsReplay.Should().BeTrue();
            replay.Levels.Single().Should().BeEquivalentTo(told, "a retry is told what the sale told");
        }
    }

    [TestCase(0)]
    [TestCase(123_456)]
    public async Task The_one_command_keyed_sale_stores_the_result_the_transactional_path_stores(int microseconds)
    {
        var expected = Expected.AddTicks(microseconds * 10L);
        await using var atomic = CreateStore();
        await using var pessimistic = CreateStore(ConcurrencyStrategy.Pessimistic);
        var keys = new List<string>();
        foreach (var store in new IStockStore[] { atomic, pessimistic })
        {
            var key = new StockKey(NewSku("pre"));
            await store.SetPolicyAsync(key, new StockPolicy { PreOrderLimit = 5, ExpectedRestock = expected });
            (await store.AdjustAsync(new AdjustRequest(key, 6, "counted"))).Succeeded.Should().BeTrue();
            keys.Add(NewSku("order"));
            (await store.DeductAsync(new DeductRequest(new StockLine(key, 2)) { IdempotencyKey = keys[^1] })).Succeeded.Should().BeTrue();
        }

        await using var connection = await OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            $"SELECT (SELECT result #- '{{Levels,0,Sku}}' FROM \"{Schema}\".stock_idempotency_keys WHERE idempotency_key = $1)::text, " +
            $"(SELECT result #- '{{Levels,0,Sku}}' FROM \"{Schema}\".stock_idempotency_keys WHERE idempotency_key = $2)::text",
            connection);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = keys[0] });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = keys[1] });
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();
        var (oneCommand, transactional) = (reader.GetString(0), reader.GetString(1));
        oneCommand.Should().Be(transactional, "a retry is answered the same whichever path sold");
        oneCommand.Should().Contain("\"Pre\": 5").And.Contain("\"Restock\"");
    }

    [Test]
    public async Task A_one_line_sale_of_a_released_pre_order_item_tells_the_buyer_it_was_released()
    {
        await using var store = CreateStore();
        var key = new StockKey(NewSku("pre"));
        await store.SetPolicyAsync(key, new StockPolicy { PreOrderLimit = 5, ExpectedRestock = Expected });
        (await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)))).Succeeded.Should().BeTrue();

        var sold = await store.DeductAsync(new DeductRequest(new StockLine(key, 2)) { IdempotencyKey = NewSku("order") });

        var told = sold.Levels.Single();
        (told.IsReleased, told.IsPreOrder, told.OnHand).Should().Be((true, false, 8L));
        told.Should().BeEquivalentTo((await store.GetLevelAsync(key))!);
    }
}
