using System.Text.Json.Nodes;
using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.MySql.Tests;

/// <summary>
/// The result a one-call keyed sale of an item on pre-order stores with its key (<c>stock_deduct_one_keyed_v9</c>) is the
/// one the transactional path stores (what the buyer and a retry are told is in the one-line deduct suite).
/// </summary>
[TestFixture]
public sealed class MySqlPreOrderSaleTests : MySqlFixture
{
    [TestCase(0, 0)]
    [TestCase(123_456, 0)]
    [TestCase(0, 10)]
    public async Task The_one_call_keyed_sale_stores_the_result_the_transactional_path_stores(int microseconds, int received)
    {
        var expected = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(microseconds * 10L);
        await using var atomic = CreateStore();
        await using var pessimistic = CreateStore(ConcurrencyStrategy.Pessimistic);
        var keys = new List<string>();
        foreach (var store in new IStockStore[] { atomic, pessimistic })
        {
            var key = new StockKey(NewSku("pre"));
            await store.SetPolicyAsync(key, new StockPolicy { PreOrderLimit = 5, ExpectedRestock = expected });
            (await store.AdjustAsync(new AdjustRequest(key, 6, "counted"))).Succeeded.Should().BeTrue();
            if (received > 0)
            {
                (await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, received)))).Succeeded.Should().BeTrue();
            }

            keys.Add(NewSku("order"));
            (await store.DeductAsync(new DeductRequest(new StockLine(key, 2)) { IdempotencyKey = keys[^1] })).Succeeded.Should().BeTrue();
        }

        await using var connection = await OpenAsync();
        var stored = new List<JsonNode>();
        foreach (var key in keys)
        {
            var text = (string)(await Exec(connection, $"SELECT CAST(result AS CHAR) FROM `{Database}`.stock_idempotency_keys WHERE idempotency_key = @key", ("key", key)))!;
            var node = JsonNode.Parse(text)!;
            node["Levels"]![0]!.AsObject().Remove("Sku");
            stored.Add(node);
        }

        JsonNode.DeepEquals(stored[0], stored[1]).Should().BeTrue($"a retry is answered the same whichever path sold: {stored[0].ToJsonString()} against {stored[1].ToJsonString()}");
        stored[0]["Levels"]![0]!["Pre"]!.GetValue<long>().Should().Be(5);
    }
}
