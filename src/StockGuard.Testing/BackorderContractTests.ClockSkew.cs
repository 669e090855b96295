using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// Backorders on two hosts whose clocks are 18 minutes apart (<see cref="SkewedHosts"/>), each store on its own clock:
/// a hold made on the host ahead is never given up early by the host behind; once a host has given up a hold below
/// zero (its receipt or cancel saw it lapse), no host sells it any more; receipts fill in arrival order, whatever time
/// each host stamped.
/// </summary>
public abstract partial class BackorderContractTests<TProvider>
{
    private static readonly TimeSpan HoldTime = TimeSpan.FromMinutes(10);

    /// <summary>The two hosts; when they are one store, it is also the test's <see cref="Store"/>, which sets up the items.</summary>
    private async Task<SkewedHosts> HostsAsync()
    {
        var hosts = await SkewedHosts.CreateAsync(clock => DisposedAfterTest(Provider.CreateStore(clock)), Time);
        Store = hosts.Single ?? Store;
        return hosts;
    }

    /// <summary>A hold of 3 units on an item with 1 on hand, placed by <paramref name="owner"/>: its backorder owns 2.</summary>
    private async Task<(StockKey Key, string Order, StockHold Hold)> HeldBelowZeroAsync(IStockStore owner)
    {
        var key = await ReleasedAsync(1, backorderLimit: 10);
        var order = NewOrder();
        var held = await owner.ReserveAsync(new ReserveRequest(HoldTime, new StockLine(key, 3)) { Reference = order });
        held.Backordered.Should().Equal(new BackorderedLine(key, 2, BackorderKind.Backorder));
        return (key, order, held.Hold!);
    }

    [Test]
    public async Task A_hold_below_zero_placed_on_the_host_ahead_is_owed_its_units_by_the_host_behind()
    {
        var hosts = await HostsAsync();
        var (key, order, hold) = await HeldBelowZeroAsync(hosts.Ahead());

        (await hosts.Behind().ReceiveAsync(new ReceiveRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue();
        await hosts.Behind().SweepAsync();
        (await ((IStockBackorders)hosts.Behind()).GetBackordersAsync(order)).Backorders.Single().Should().BeEquivalentTo(
            new { Quantity = 2, Filled = 1, State = BackorderState.PartlyFilled, HoldId = (Guid?)hold.Id }, "the hold is live for the host behind, and owns the unit that came");

        (await hosts.Ahead().ConfirmAsync(hold.Id)).Outcome.Should().Be(HoldOutcome.Confirmed);
        (await ((IStockBackorders)hosts.Behind()).GetBackordersAsync(order)).Backorders.Single().Should().BeEquivalentTo(
            new { Quantity = 2, Filled = 1, State = BackorderState.PartlyFilled, HoldId = (Guid?)null });
        (await hosts.Behind().GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = -1L, Reserved = 0L, Available = -1L });
    }

    [Test]
    public async Task A_hold_below_zero_that_a_receipt_on_the_host_ahead_saw_lapse_is_not_sold_by_the_host_behind()
    {
        var hosts = await HostsAsync();
        var (key, order, hold) = await HeldBelowZeroAsync(hosts.Behind());

        // For the host ahead the ten-minute hold lapsed eight minutes ago: its receipt gives the hold's backorder up.
        (await hosts.Ahead().ReceiveAsync(new ReceiveRequest(new StockLine(key, 2)))).Succeeded.Should().BeTrue();
        (await ((IStockBackorders)hosts.Ahead()).GetBackordersAsync(order)).Backorders.Single().State.Should().Be(BackorderState.Cancelled);

        var confirmed = await hosts.Behind().ConfirmAsync(hold.Id);

        confirmed.Outcome.Should().Be(HoldOutcome.Expired, "the host ahead gave the hold up, and every host must see that");
        (await ((IStockBackorders)hosts.Behind()).GetBackordersAsync(order)).Backorders.Single().Should().BeEquivalentTo(
            new { Filled = 0, State = BackorderState.Cancelled });
        (await hosts.Behind().GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 3L, Reserved = 0L, Available = 3L });
        (await HistoryAsync(hosts.Behind(), key)).Should().NotContain(h => h.Kind == StockMovementKind.BackorderFilled || h.Kind == StockMovementKind.HoldConfirmed);
    }

    [Test]
    public async Task A_hold_below_zero_whose_backorders_the_host_ahead_cancelled_is_not_sold_by_the_host_behind()
    {
        var hosts = await HostsAsync();
        var (key, order, hold) = await HeldBelowZeroAsync(hosts.Behind());

        var cancelled = await ((IStockBackorders)hosts.Ahead()).CancelBackordersAsync(order);
        cancelled.ReturnedUnits.Should().Be(0, "the lapsed hold's units were never taken from on hand");
        cancelled.Order.Backorders.Single().State.Should().Be(BackorderState.Cancelled);

        var confirmed = await hosts.Behind().ConfirmAsync(hold.Id);

        confirmed.Outcome.Should().Be(HoldOutcome.Expired, "the host ahead cancelled the hold's backorder, and every host must see that");
        (await ((IStockBackorders)hosts.Behind()).GetBackordersAsync(order)).Backorders.Single().State.Should().Be(BackorderState.Cancelled);
        (await hosts.Behind().GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 1L, Reserved = 0L, Available = 1L });
        (await HistoryAsync(hosts.Behind(), key)).Should().NotContain(h => h.Kind == StockMovementKind.HoldConfirmed);
    }

    [Test]
    public async Task A_hold_below_zero_that_a_buyer_on_the_host_ahead_gave_back_is_never_filled_by_the_host_behind()
    {
        var hosts = await HostsAsync();
        var key = await ReleasedAsync(1, backorderLimit: 2);
        var order = NewOrder();
        var hold = (await hosts.Behind().ReserveAsync(new ReserveRequest(HoldTime, new StockLine(key, 3)) { Reference = order })).Hold!;

        // At the backorder limit, a buyer gets a unit only by giving back a lapsed hold: for the host ahead this one is.
        (await hosts.Ahead().DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue();
        await hosts.Behind().ReceiveAsync(new ReceiveRequest(new StockLine(key, 2)));

        (await ((IStockBackorders)hosts.Behind()).GetBackordersAsync(order)).Backorders.Single().Should().BeEquivalentTo(
            new { Filled = 0, State = BackorderState.Cancelled }, "the hold gave its units back to a buyer, and owns none of those that came");
        (await HistoryAsync(hosts.Behind(), key)).Should().NotContain(h => h.Kind == StockMovementKind.BackorderFilled);
        (await hosts.Behind().ConfirmAsync(hold.Id)).Outcome.Should().Be(HoldOutcome.Expired);
        (await hosts.Behind().GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 2L, Reserved = 0L, Available = 2L });
    }

    [Test]
    public async Task Receipts_fill_backorders_in_arrival_order_whatever_time_each_host_stamped()
    {
        var hosts = await HostsAsync();
        var key = await ReleasedAsync(1, backorderLimit: 10);
        string first = NewOrder("first"), second = NewOrder("second"), third = NewOrder("third");

        // Arrival order: ahead (stamped 11 minutes fast), behind (7 minutes slow), ahead again.
        (await hosts.Ahead().DeductAsync(new DeductRequest(new StockLine(key, 2)) { Reference = first })).Backordered.Single().Quantity.Should().Be(1);
        (await hosts.Behind().DeductAsync(new DeductRequest(new StockLine(key, 2)) { Reference = second })).Backordered.Single().Quantity.Should().Be(2);
        (await hosts.Ahead().DeductAsync(new DeductRequest(new StockLine(key, 1)) { Reference = third })).Backordered.Single().Quantity.Should().Be(1);

        await hosts.Behind().ReceiveAsync(new ReceiveRequest(new StockLine(key, 2)));
        await hosts.Ahead().ReceiveAsync(new ReceiveRequest(new StockLine(key, 1)));

        var states = new List<(BackorderState, int)>();
        foreach (var order in new[] { first, second, third })
        {
            var backorder = (await ((IStockBackorders)hosts.Behind()).GetBackordersAsync(order)).Backorders.Single();
            states.Add((backorder.State, backorder.Filled));
        }

        states.Should().Equal((BackorderState.Filled, 1), (BackorderState.Filled, 2), (BackorderState.Waiting, 0));
        (await hosts.Ahead().GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = -1L, Reserved = 0L, Available = -1L });
    }
}
