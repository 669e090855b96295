using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// Two application hosts on one database whose clocks are minutes apart (one 11 minutes fast, one 7 minutes slow):
/// a fresh hold placed by one is live for the other, and every time the stores write comes from one clock, the
/// database's, within the store's bound. A server provider closes this class with stores on the database clock and
/// the reads below.
/// </summary>
/// <typeparam name="TProvider">Makes the stores under test.</typeparam>
public abstract class ClockSkewTests<TProvider> : SqlProviderFixture<TProvider>
    where TProvider : ISqlStoreTestProvider, new()
{
    private static readonly TimeSpan TimeToLive = TimeSpan.FromMinutes(10);

    /// <summary>A store with its default clock, the database's, on a host whose wall clock is <paramref name="host"/>.</summary>
    private IStockStore CreateHostStore(TimeProvider host) => DisposedAfterTest(Provider.CreateStore(host, new() { DatabaseClock = true }));

    private IStockStore Fast() => CreateHostStore(new ShiftedClock(TimeSpan.FromMinutes(11)));

    private IStockStore Slow() => CreateHostStore(new ShiftedClock(TimeSpan.FromMinutes(-7)));

    /// <summary>Ten units, four of them held for ten minutes by the slow host's buyer.</summary>
    private async Task<(StockKey Key, StockHold Hold)> HeldAsync(IStockStore owner, IStockStore other)
    {
        var key = await StockedAsync(other, 10);
        var placed = await owner.ReserveAsync(new ReserveRequest(TimeToLive, new StockLine(key, 4)) { Reference = "cart-1" });
        placed.Succeeded.Should().BeTrue();
        return (key, placed.Hold!);
    }

    [Test]
    public async Task A_fresh_hold_is_live_for_a_host_whose_clock_runs_fast()
    {
        var (fast, slow) = (Fast(), Slow());
        var (key, hold) = await HeldAsync(slow, fast);

        (await fast.GetHoldAsync(hold.Id)).Should().BeEquivalentTo(new { State = HoldState.Active, hold.ExpiresAt });
        (await fast.GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 10L, Reserved = 4L, Available = 6L, Version = 2L });
    }

    [Test]
    public async Task A_short_buyer_on_the_fast_host_does_not_give_back_a_fresh_hold()
    {
        var (fast, slow) = (Fast(), Slow());
        var (key, hold) = await HeldAsync(slow, fast);

        var bought = await fast.DeductAsync(new DeductRequest(new StockLine(key, 7)));

        bought.Succeeded.Should().BeFalse();
        bought.ShortLines.Should().Equal(new ShortLine(key, 7, 6));
        (await Server.StoredAsync(key)).Should().Be((10L, 4L, 2L));
        (await slow.GetHoldAsync(hold.Id))!.State.Should().Be(HoldState.Active);
    }

    [Test]
    public async Task The_fast_hosts_sweep_leaves_a_fresh_hold_alone()
    {
        var (fast, slow) = (Fast(), Slow());
        var (key, hold) = await HeldAsync(slow, fast);

        await fast.SweepAsync();

        (await Server.StoredAsync(key)).Should().Be((10L, 4L, 2L));
        (await slow.GetHoldAsync(hold.Id))!.State.Should().Be(HoldState.Active);
    }

    [Test]
    public async Task The_owner_confirms_its_hold_after_the_fast_host_read_sold_and_swept()
    {
        var (fast, slow) = (Fast(), Slow());
        var (key, hold) = await HeldAsync(slow, fast);
        await fast.GetLevelAsync(key);
        (await fast.DeductAsync(new DeductRequest(new StockLine(key, 6)))).Succeeded.Should().BeTrue();
        await fast.SweepAsync();

        var confirmed = await slow.ConfirmAsync(hold.Id);

        confirmed.Should().BeEquivalentTo(new { Outcome = HoldOutcome.Confirmed, WasAlreadyDone = false });
        confirmed.Hold.State.Should().Be(HoldState.Confirmed);
        (await Server.StoredAsync(key)).Should().Be((0L, 0L, 4L));
        (await Server.MovementsAsync(key)).Select(m => m.Kind).Should().Equal("receipt", "hold_placed", "sale", "hold_confirmed");
    }

    [Test]
    public async Task A_store_that_cannot_read_the_database_clock_within_its_bound_fails_and_changes_nothing()
    {
        var store = CreateHostStore(new SlowRoundTripsClock());
        var key = new StockKey(NewSku());

        var receive = () => store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 5)));

        var failure = (await receive.Should().ThrowAsync<StockStoreException>()).Which;
        failure.Should().BeEquivalentTo(new { IsTransient = true, OutcomeUnknown = false });
        failure.Message.Should().Contain("MaxClockError").And.EndWith("Nothing was changed.");
        (await Slow().GetLevelAsync(key)).Should().BeNull();
    }

    [Test]
    public async Task Hold_movement_and_key_times_come_from_the_database_clock_in_ledger_order()
    {
        var (fast, slow) = (Fast(), Slow());
        var start = await Server.DatabaseNowAsync();
        var key = await StockedAsync(fast, 10);
        var idempotencyKey = $"cart-{Guid.NewGuid():N}";
        var placedFrom = await Server.DatabaseNowAsync();
        var placed = await slow.ReserveAsync(new ReserveRequest(TimeToLive, new StockLine(key, 4)) { IdempotencyKey = idempotencyKey });
        var placedTo = await Server.DatabaseNowAsync();
        (await fast.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue();
        (await slow.ConfirmAsync(placed.Hold!.Id)).Outcome.Should().Be(HoldOutcome.Confirmed);
        (await fast.ReceiveAsync(new ReceiveRequest(new StockLine(key, 2)))).Succeeded.Should().BeTrue();
        var fastFrom = await Server.DatabaseNowAsync();
        var fastHold = (await fast.ReserveAsync(new ReserveRequest(TimeToLive, new StockLine(key, 1)))).Hold!;
        var end = await Server.DatabaseNowAsync();

        var bound = Provider.MaxClockError;
        placed.Hold.CreatedAt.Should().BeOnOrAfter(placedFrom - bound).And.BeOnOrBefore(placedTo + bound);
        placed.Hold.ExpiresAt.Should().Be(placed.Hold.CreatedAt + TimeToLive);
        (await Server.KeyCreatedAtAsync(idempotencyKey)).Should().Be(placed.Hold.CreatedAt);
        fastHold.CreatedAt.Should().BeOnOrAfter(fastFrom - bound).And.BeOnOrBefore(end + bound);
        fastHold.ExpiresAt.Should().Be(fastHold.CreatedAt + TimeToLive);

        var movements = await Server.MovementsAsync(key);
        movements.Select(m => m.Kind).Should().Equal("receipt", "hold_placed", "sale", "hold_confirmed", "receipt", "hold_placed");
        movements.Where(m => m.Kind == "hold_placed").Select(m => m.At).Should().Equal(placed.Hold.CreatedAt, fastHold.CreatedAt);
        movements.Should().OnlyContain(m => m.At >= start - bound && m.At <= end + bound);
        for (var i = 1; i < movements.Count; i++)
        {
            // Stamped by two hosts, each within the bound of the database's clock.
            movements[i].At.Should().BeOnOrAfter(movements[i - 1].At - (2 * bound), "movement {0} ({1}) follows {2}", i, movements[i].Kind, movements[i - 1].Kind);
        }
    }

    [Test]
    public async Task A_waitlist_claim_given_by_the_slow_host_is_live_for_the_fast_host_and_its_sweep()
    {
        // The hosts are 18 minutes apart, more than the default 15-minute claim window: a claim stamped by the slow
        // host's clock would already have lapsed on the fast host's.
        var (fast, slow) = (Fast(), Slow());
        var key = new StockKey(NewSku());
        await slow.SetPolicyAsync(key, StockPolicy.Default);
        var joinedFrom = await Server.DatabaseNowAsync();
        var joined = await ((IStockWaitlist)fast).JoinWaitlistAsync(new JoinWaitlistRequest(key, "customer-1"));
        var joinedTo = await Server.DatabaseNowAsync();

        await slow.ReceiveAsync(new ReceiveRequest(new StockLine(key, 1)));
        await fast.SweepAsync();
        var bought = await fast.DeductAsync(new DeductRequest(new StockLine(key, 1)));

        var bound = Provider.MaxClockError;
        joined.Place!.JoinedAt.Should().BeOnOrAfter(joinedFrom - bound).And.BeOnOrBefore(joinedTo + bound);
        bought.Succeeded.Should().BeFalse("the unit is the customer's claim");
        var place = (await ((IStockWaitlist)fast).GetWaitlistPlaceAsync(key, "customer-1"))!;
        place.State.Should().Be(WaitlistState.Claimed);
        var claim = (await fast.GetHoldAsync(place.HoldId!.Value))!;
        claim.Should().BeEquivalentTo(new { State = HoldState.Active, ExpiresAt = place.ClaimExpiresAt });
        claim.ExpiresAt.Should().Be(claim.CreatedAt + TimeSpan.FromMinutes(15), "the default claim window");
        claim.CreatedAt.Should().BeOnOrAfter(joined.Place.JoinedAt - bound);

        (await fast.ConfirmAsync(claim.Id)).Outcome.Should().Be(HoldOutcome.Confirmed);
        (await ((IStockWaitlist)slow).GetWaitlistPlaceAsync(key, "customer-1"))!.State.Should().Be(WaitlistState.Fulfilled);
        (await Server.StoredAsync(key)).Should().Match<(long OnHand, long Reserved, long Version)>(s => s.OnHand == 0 && s.Reserved == 0);
    }

    [Test]
    public async Task A_hold_below_zero_placed_by_the_slow_host_keeps_its_backorder_through_the_fast_hosts_receipt_cancel_and_sweep()
    {
        var (fast, slow) = (Fast(), Slow());
        var key = new StockKey(NewSku());
        await slow.SetPolicyAsync(key, new StockPolicy(BackorderLimit: 10));
        await slow.ReceiveAsync(new ReceiveRequest(new StockLine(key, 1)));
        var order = $"order-{Guid.NewGuid():N}";
        var held = await slow.ReserveAsync(new ReserveRequest(TimeToLive, new StockLine(key, 3)) { Reference = order });
        held.Backordered.Should().Equal(new BackorderedLine(key, 2, BackorderKind.Backorder));

        // Stamped by the slow host's clock, the ten-minute hold would have lapsed eight minutes ago on the fast host's.
        await fast.ReceiveAsync(new ReceiveRequest(new StockLine(key, 1)));
        await FluentActions.Awaiting(() => ((IStockBackorders)fast).CancelBackordersAsync(order)).Should().ThrowAsync<HoldStateException>("the hold is live and owns its units");
        await fast.SweepAsync();
        (await ((IStockBackorders)fast).GetBackordersAsync(order)).Backorders.Single().Should().BeEquivalentTo(
            new { Quantity = 2, Filled = 1, State = BackorderState.PartlyFilled, HoldId = (Guid?)held.Hold!.Id });

        (await slow.ConfirmAsync(held.Hold.Id)).Outcome.Should().Be(HoldOutcome.Confirmed);
        (await ((IStockBackorders)fast).GetBackordersAsync(order)).Backorders.Single().Should().BeEquivalentTo(
            new { Quantity = 2, Filled = 1, State = BackorderState.PartlyFilled, HoldId = (Guid?)null }, "a confirmed hold's backorder is a sale's");
        (await fast.GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = -1L, Reserved = 0L, Available = -1L });
    }
}
