using System.Data;
using FluentAssertions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NUnit.Framework;

namespace StockGuard.PostgreSql.Tests;

/// <summary>
/// The store in a transaction an EF Core DbContext owns (<c>Database.BeginTransactionAsync()</c>, then
/// <c>GetDbConnection()</c> and <c>GetDbTransaction()</c>): the order entity and the stock deduct commit and roll back
/// together. The shop's orders and the store share one schema of their own.
/// </summary>
[TestFixture]
public sealed class EfCoreTransactionTests
{
    private string _schema = null!;
    private NpgsqlDataSource _shopDatabase = null!;
    private PostgreSqlStockStore _stock = null!;

    [SetUp]
    public async Task CreateShopAsync()
    {
        await using var probe = await PostgreSqlServer.OpenOrSkipAsync();
        _schema = PostgreSqlServer.NewSchemaName("efcore");
        await PostgreSqlServer.Exec(probe, $"CREATE SCHEMA {_schema}; CREATE TABLE {_schema}.orders (id uuid PRIMARY KEY, sku text NOT NULL, quantity int NOT NULL)");
        _shopDatabase = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(PostgreSqlServer.ConnectionString) { SearchPath = _schema }.ConnectionString);
        _stock = new PostgreSqlStockStore(PostgreSqlServer.ConnectionString, new PostgreSqlStockStoreOptions { Schema = _schema });
        await _stock.EnsureSchemaAsync();
        await _stock.ReceiveAsync(new ReceiveRequest(new StockLine(new StockKey("mug"), 5)));
    }

    [TearDown]
    public async Task DropShopAsync()
    {
        await _stock.DisposeAsync();
        await _shopDatabase.DisposeAsync();
        await PostgreSqlServer.DropSchemaAsync(_schema);
    }

    [Test]
    public async Task A_commit_through_the_DbContext_commits_the_order_entity_and_the_deduct_together()
    {
        var order = new ShopOrder { Id = Guid.NewGuid(), Sku = "mug", Quantity = 3 };
        var request = new DeductRequest(new StockLine(new StockKey("mug"), 3)) { Reference = order.Id.ToString(), IdempotencyKey = $"order-{order.Id}" };
        await using (var db = NewContext())
        await using (var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            db.Orders.Add(order);
            await db.SaveChangesAsync();
            var view = _stock.InTransaction(db.Database.GetDbConnection(), transaction.GetDbTransaction());
            (await view.DeductAsync(request)).Succeeded.Should().BeTrue();
            (await view.GetLevelAsync(new StockKey("mug")))!.OnHand.Should().Be(2, "the view reads its transaction's own change");
            (await _stock.GetLevelAsync(new StockKey("mug")))!.OnHand.Should().Be(5, "nothing is committed yet");
            await transaction.CommitAsync();
        }

        (await OrdersAsync()).Should().Equal((order.Id, 3));
        (await _stock.GetLevelAsync(new StockKey("mug")))!.OnHand.Should().Be(2);
        (await LedgerAsync()).Should().Be((2L, 1L));
        (await _stock.DeductAsync(request)).IsReplay.Should().BeTrue("the idempotency key committed with the order");
    }

    [Test]
    public async Task A_rollback_through_the_DbContext_leaves_neither_the_order_entity_nor_the_deduct_nor_its_key()
    {
        var order = new ShopOrder { Id = Guid.NewGuid(), Sku = "mug", Quantity = 3 };
        var request = new DeductRequest(new StockLine(new StockKey("mug"), 3)) { Reference = order.Id.ToString(), IdempotencyKey = $"order-{order.Id}" };
        await using (var db = NewContext())
        await using (var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            db.Orders.Add(order);
            await db.SaveChangesAsync();
            (await _stock.InTransaction(db.Database.GetDbConnection(), transaction.GetDbTransaction()).DeductAsync(request)).Succeeded.Should().BeTrue();
            await transaction.RollbackAsync();
        }

        (await OrdersAsync()).Should().BeEmpty();
        (await _stock.GetLevelAsync(new StockKey("mug")))!.OnHand.Should().Be(5);
        (await LedgerAsync()).Should().Be((5L, 0L));
        (await _stock.DeductAsync(request)).IsReplay.Should().BeFalse("the key was rolled back with the change it guarded");
    }

    [Test]
    public async Task A_transaction_the_DbContext_disposes_without_a_commit_leaves_neither()
    {
        var order = new ShopOrder { Id = Guid.NewGuid(), Sku = "mug", Quantity = 2 };
        var checkout = async () =>
        {
            await using var db = NewContext();
            await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted);
            db.Orders.Add(order);
            await db.SaveChangesAsync();
            (await _stock.InTransaction(db.Database.GetDbConnection(), transaction.GetDbTransaction())
                .DeductAsync(new DeductRequest(new StockLine(new StockKey("mug"), 2)) { Reference = order.Id.ToString() })).Succeeded.Should().BeTrue();
            throw new InvalidOperationException("Payment declined.");
        };

        await checkout.Should().ThrowAsync<InvalidOperationException>();
        (await OrdersAsync()).Should().BeEmpty();
        (await _stock.GetLevelAsync(new StockKey("mug")))!.OnHand.Should().Be(5);
        (await LedgerAsync()).Should().Be((5L, 0L));
    }

    [Test]
    public async Task The_documented_EF_Core_checkout_saves_the_order_with_its_stock_or_neither()
    {
        var first = new ShopOrder { Id = Guid.NewGuid(), Sku = "mug", Quantity = 3 };
        var second = new ShopOrder { Id = Guid.NewGuid(), Sku = "mug", Quantity = 3 };
        await using (var db = NewContext())
        {
            (await EfCoreCheckoutExample.PlaceOrderAsync(db, _stock, first)).Should().BeTrue();
            (await EfCoreCheckoutExample.PlaceOrderAsync(db, _stock, second)).Should().BeFalse("2 left");
            db.ChangeTracker.Entries().Should().BeEmpty("the refused order is not left tracked as saved");
        }

        (await OrdersAsync()).Should().Equal((first.Id, 3));
        (await _stock.GetLevelAsync(new StockKey("mug")))!.OnHand.Should().Be(2);
        (await LedgerAsync()).Should().Be((2L, 1L));
    }

    private ShopContext NewContext() => new(new DbContextOptionsBuilder<ShopContext>().UseNpgsql(_shopDatabase).Options);

    private async Task<IReadOnlyList<(Guid Id, int Quantity)>> OrdersAsync()
    {
        await using var db = NewContext();
        return [.. (await db.Orders.AsNoTracking().OrderBy(o => o.Id).ToListAsync()).Select(o => (o.Id, o.Quantity))];
    }

    /// <summary>The mug's on-hand units rebuilt from the ledger, and its sale movements.</summary>
    private async Task<(long OnHand, long Sales)> LedgerAsync()
    {
        await using var connection = await PostgreSqlServer.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT COALESCE(SUM(on_hand_delta), 0)::bigint, count(*) FILTER (WHERE kind = 'sale') FROM {_schema}.stock_movements WHERE sku = 'mug'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
