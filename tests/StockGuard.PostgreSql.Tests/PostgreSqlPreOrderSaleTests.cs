using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.PostgreSql.Tests;

/// <summary>
/// The result a one-command keyed sale of an item on pre-order stores with its key is the one the transactional path
/// stores (what the buyer and a retry are told is in the one-line deduct suite).
/// </summary>
[TestFixture]
public sealed class PostgreSqlPreOrderSaleTests : PostgreSqlFixture
{
    private static readonly DateTimeOffset Expected = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

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
}
