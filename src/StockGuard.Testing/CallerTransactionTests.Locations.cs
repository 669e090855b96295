using System.Data;
using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

public abstract partial class CallerTransactionTests<TProvider>
{
    [Test]
    public async Task An_allocation_and_a_transfer_in_the_callers_transaction_commit_or_roll_back_with_it()
    {
        var sku = NewSku();
        string[] locations = [NewSku("a")[..20], NewSku("b")[..20]];
        await _store.ReceiveAsync(new ReceiveRequest(new StockLine(sku, 2, locations[0]), new StockLine(sku, 5, locations[1])));
        var request = new AllocateRequest([new(sku, 4)], locations) { Reference = "order-1", IdempotencyKey = NewSku("key") };

        await using (var connection = await Provider.OpenCallerConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            var view = (IStockAllocator)Provider.InTransaction(_store, connection, transaction);
            (await view.AllocateAsync(request)).Parts.Should().Equal(new StockLine(sku, 2, locations[0]), new StockLine(sku, 2, locations[1]));
            (await view.TransferAsync(new TransferRequest(sku, locations[1], locations[0], 1))).Succeeded.Should().BeTrue();
            await transaction.RollbackAsync();
        }

        (await ((IStockAllocator)_store).GetTotalAsync(sku)).Locations.Select(l => l.OnHand).Should().Equal(2L, 5L);

        await using (var connection = await Provider.OpenCallerConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await InsertOrderAsync(connection, transaction, "order-1", new StockKey(sku, locations[0]), 4);
            var view = (IStockAllocator)Provider.InTransaction(_store, connection, transaction);
            var allocated = await view.AllocateAsync(request);
            allocated.IsReplay.Should().BeFalse("the key was rolled back with the allocation it guarded");
            (await view.TransferAsync(new TransferRequest(sku, locations[1], locations[0], 1))).Succeeded.Should().BeTrue();
            await transaction.CommitAsync();
        }

        (await OrdersAsync()).Should().Equal(("order-1", 4L));
        (await ((IStockAllocator)_store).GetTotalAsync(sku)).Locations.Select(l => l.OnHand).Should().Equal(1L, 2L);
        (await ((IStockAllocator)_store).AllocateAsync(request)).IsReplay.Should().BeTrue();
    }
}
