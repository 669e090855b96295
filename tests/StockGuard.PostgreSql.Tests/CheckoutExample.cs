using System.Data;
using Dapper;
using FluentAssertions;
using Npgsql;
using NUnit.Framework;
using StockGuard.Sql;

namespace StockGuard.PostgreSql.Tests;

/// <summary>The checkout of docs/transactions.md: the order row and its stock in one transaction of the shop's own, with Dapper.</summary>
public static class CheckoutExample
{
    /// <summary>An order of one line.</summary>
    public sealed record Order(Guid Id, string Sku, int Quantity);

    /// <summary>Saves the order and deducts its stock, both or neither; false when the stock is short.</summary>
    public static async Task<bool> PlaceOrderAsync(NpgsqlDataSource shopDatabase, PostgreSqlStockStore stock, Order order, CancellationToken cancellationToken = default)
    {
        // Deadlocks and serialization failures end the whole transaction: run all of it again, a bounded number of times.
        for (var attempt = 1; ; attempt++)
        {
            await using var connection = await shopDatabase.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            try
            {
                await connection.ExecuteAsync(
                    new CommandDefinition(
                        "INSERT INTO orders (id, sku, quantity) VALUES (@Id, @Sku, @Quantity)",
                        order,
                        transaction,
                        cancellationToken: cancellationToken));

                var deducted = await stock.InTransaction(connection, transaction).DeductAsync(
                    new DeductRequest(new StockLine(new StockKey(order.Sku), order.Quantity))
                    {
                        Reference = order.Id.ToString(),
                        IdempotencyKey = $"order-{order.Id}",
                    },
                    cancellationToken);
                if (!deducted.Succeeded)
                {
                    await transaction.RollbackAsync(cancellationToken); // no order without its stock
                    return false;
                }

                await transaction.CommitAsync(cancellationToken); // the order, the deduct, its movement and its key
                return true;
            }
            catch (StockTransactionAbortedException) when (attempt < 3)
            {
                await transaction.RollbackAsync(cancellationToken);
            }
        }
    }
}

/// <summary>Runs <see cref="CheckoutExample"/> on PostgreSQL, in a schema of its own that holds the shop's orders and the store.</summary>
public sealed class CheckoutExampleTests
{
    [Test]
    public async Task The_documented_checkout_saves_the_order_with_its_stock_or_neither()
    {
        await using var probe = await PostgreSqlServer.OpenOrSkipAsync();
        var schema = PostgreSqlServer.NewSchemaName("checkout");
        await PostgreSqlServer.Exec(probe, $"CREATE SCHEMA {schema}; CREATE TABLE {schema}.orders (id uuid PRIMARY KEY, sku text NOT NULL, quantity int NOT NULL)");
        try
        {
            await using var shopDatabase = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(PostgreSqlServer.ConnectionString) { SearchPath = schema }.ConnectionString);
            await using var stock = new PostgreSqlStockStore(PostgreSqlServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = schema });
            await stock.EnsureSchemaAsync();
            await stock.ReceiveAsync(new ReceiveRequest(new StockLine(new StockKey("mug"), 5)));

            (await CheckoutExample.PlaceOrderAsync(shopDatabase, stock, new(Guid.NewGuid(), "mug", 3))).Should().BeTrue();
            (await CheckoutExample.PlaceOrderAsync(shopDatabase, stock, new(Guid.NewGuid(), "mug", 3))).Should().BeFalse("2 left");

            await using var connection = await shopDatabase.OpenConnectionAsync();
            (await connection.ExecuteScalarAsync<long>("SELECT COALESCE(SUM(quantity), 0) FROM orders")).Should().Be(3);
            (await stock.GetLevelAsync(new StockKey("mug")))!.OnHand.Should().Be(2);
        }
        finally
        {
            await PostgreSqlServer.DropSchemaAsync(schema);
        }
    }
}
