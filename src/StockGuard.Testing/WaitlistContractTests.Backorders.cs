using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// An item that has both waiting backorders and a waitlist: units that arrive go to the backorders first (they were sold
/// already, oldest first), and only the units still available after them become claims; a hold below zero that ends
/// gives the queue only units from stock.
/// </summary>
public abstract partial class WaitlistContractTests<TProvider>
{
    /// <summary>An item received once (<paramref name="units"/> on hand) that may sell <paramref name="backorderLimit"/> units below zero.</summary>
    protected async Task<StockKey> BackorderableAsync(int units, long backorderLimit)
    {
        var key = new StockKey(NewSku("wait-bo"));
        await Store.SetPolicyAsync(key, new StockPolicy(BackorderLimit: backorderLimit));
        (await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, units)))).Succeeded.Should().BeTrue();
        return key;
    }

    [Test]
    public async Task A_receipt_fills_the_waiting_backorders_oldest_first_and_only_the_units_left_become_claims()
    {
        var key = await BackorderableAsync(1, backorderLimit: 3);
        string first = $"order-{Guid.NewGuid():N}", second = $"order-{Guid.NewGuid():N}";
        (await Store.DeductAsync(new DeductRequest(new StockLine(key, 2)) { Reference = first })).Backordered.Single().Quantity.Should().Be(1);
        (await Store.DeductAsync(new DeductRequest(new StockLine(key, 2)) { Reference = second })).Backordered.Single().Quantity.Should().Be(2);
        (await LevelAsync(key)).Sellable.Should().Be(0, "the backorder limit is reached: the item is sold out");
        var customers = await JoinInOrderAsync(key, 2);

        var receipt = await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 4)));

        var backorders = (IStockBackorders)Store;
        (await backorders.GetBackordersAsync(first)).Backorders.Single().Should().BeEquivalentTo(new { Quantity = 1, Filled = 1, State = BackorderState.Filled });
        (await backorders.GetBackordersAsync(second)).Backorders.Single().Should().BeEquivalentTo(new { Quantity = 2, Filled = 2, State = BackorderState.Filled });
        var places = await PlacesAsync(key, customers);
        await ShouldBeLiveClaimsAsync(key, places[..1]);
        places[1].Should().Match<WaitlistPlace>(p => p.State == WaitlistState.Waiting && p.Position == 1, "3 of the 4 units went to the backorders");
        receipt.Levels.Single().Should().Match<StockLevel>(l => l.OnHand == 1 && l.Reserved == 1 && l.Available == 0);
        (await LevelAsync(key)).Should().Match<StockLevel>(l => l.OnHand == 1 && l.Reserved == 1 && l.Available == 0);
        var afterReceipt = (await HistoryAsync(Store, key)).SkipWhile(c => c.Kind != StockMovementKind.Receipt || c.OnHandDelta != 4).ToList();
        afterReceipt.Select(c => (c.Kind, c.Reference)).Should().Equal(
            [
                (StockMovementKind.Receipt, null),
                (StockMovementKind.BackorderFilled, first),
                (StockMovementKind.BackorderFilled, second),
                (StockMovementKind.HoldPlaced, customers[0]),
            ],
            "the receipt fills the backorders in their order, then the queue gets what is left");
        await ShouldReconcileAsync(key);
    }

    [Test]
    public async Task A_hold_below_zero_that_is_released_cancels_its_backorder_and_gives_its_units_from_stock_to_the_queue()
    {
        var key = await BackorderableAsync(1, backorderLimit: 3);
        var order = $"order-{Guid.NewGuid():N}";
        var hold = await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 4)) { Reference = order });
        hold.Backordered.Single().Quantity.Should().Be(3);
        var customers = await JoinInOrderAsync(key, 2);

        await Store.ReleaseAsync(hold.Hold!.Id);

        (await ((IStockBackorders)Store).GetBackordersAsync(order)).Backorders.Single().State.Should().Be(BackorderState.Cancelled);
        var places = await PlacesAsync(key, customers);
        await ShouldBeLiveClaimsAsync(key, places[..1]);
        places[1].Should().Match<WaitlistPlace>(p => p.State == WaitlistState.Waiting && p.Position == 1, "the hold had one unit from stock");
        (await LevelAsync(key)).Should().Match<StockLevel>(l => l.OnHand == 1 && l.Reserved == 1 && l.Available == 0);
        await ShouldReconcileAsync(key);
    }

    [Test]
    public async Task A_partly_confirmed_hold_below_zero_gives_its_units_below_zero_back_first_and_the_next_receipt_fills_its_backorder_before_the_queue()
    {
        var key = await BackorderableAsync(1, backorderLimit: 3);
        var order = $"order-{Guid.NewGuid():N}";
        var hold = await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 4)) { Reference = order });
        var customers = await JoinInOrderAsync(key, 1);

        (await Store.ConfirmAsync(new ConfirmRequest(hold.Hold!.Id, new StockLine(key, 2)))).Outcome.Should().Be(HoldOutcome.Confirmed);

        (await ((IStockBackorders)Store).GetBackordersAsync(order)).Backorders.Single().Should().BeEquivalentTo(
            new { Quantity = 1, Filled = 0, State = BackorderState.Waiting, HoldId = (Guid?)null }, "the 2 units given back were below zero");
        (await PlacesAsync(key, customers))[0].Should().Match<WaitlistPlace>(p => p.State == WaitlistState.Waiting && p.Position == 1, "no unit from stock came back");
        (await LevelAsync(key)).Should().Match<StockLevel>(l => l.OnHand == -1 && l.Reserved == 0 && l.Available == -1);

        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 2)));

        (await ((IStockBackorders)Store).GetBackordersAsync(order)).State.Should().Be(BackorderState.Filled);
        await ShouldBeLiveClaimsAsync(key, await PlacesAsync(key, customers));
        (await LevelAsync(key)).Should().Match<StockLevel>(l => l.OnHand == 1 && l.Reserved == 1 && l.Available == 0);
        await ShouldReconcileAsync(key);
    }

    [Test]
    public async Task A_confirm_gives_the_queue_only_the_units_it_did_not_sell()
    {
        StockKey whole = await SoldOutAsync(), part = await SoldOutAsync();
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(whole, 2), new StockLine(part, 2)));
        var hold = await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(whole, 2), new StockLine(part, 2)));
        var customers = await JoinInOrderAsync(whole, 1);
        (await Waitlist.JoinWaitlistAsync(new JoinWaitlistRequest(part, customers[0]))).Outcome.Should().Be(WaitlistJoinOutcome.Joined);

        var confirmed = await Store.ConfirmAsync(new ConfirmRequest(hold.Hold!.Id, new StockLine(whole, 2), new StockLine(part, 1)));

        confirmed.ConfirmedLines.Should().BeEquivalentTo([new StockLine(whole, 2), new StockLine(part, 1)]);
        (await PlacesAsync(whole, customers))[0].Should().Match<WaitlistPlace>(p => p.State == WaitlistState.Waiting && p.Position == 1);
        await ShouldBeLiveClaimsAsync(part, await PlacesAsync(part, customers));
        (await LevelAsync(whole)).Should().Match<StockLevel>(l => l.OnHand == 0 && l.Reserved == 0);
        (await LevelAsync(part)).Should().Match<StockLevel>(l => l.OnHand == 1 && l.Reserved == 1 && l.Available == 0);
        await ShouldReconcileAsync(whole);
        await ShouldReconcileAsync(part);
    }
}
