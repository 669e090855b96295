using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// The cart's commonest steps, which a server store may send as one command with its own commit: a one-line hold
/// without an idempotency key, and the whole confirm or release of an active hold. What each records (the hold, its
/// lines, one movement per change, the level), and when it hands over to the transactional path with the exact answer:
/// expired holds to give back first, units only below zero (a backorder), a hold expired or given back by a buyer
/// whose clock ran ahead, waiters to serve, backorders of a hold below zero. A provider closes this class in one line
/// with a provider whose strategy is atomic; on a store without the one-command path it checks the transactional one.
/// </summary>
/// <typeparam name="TProvider">Makes the stores under test.</typeparam>
public abstract class OneCommandHoldTests<TProvider> : SqlProviderFixture<TProvider>
    where TProvider : ISqlStoreTestProvider, new()
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);

    [Test]
    public async Task A_one_line_hold_writes_the_hold_its_line_and_one_movement_and_returns_the_level()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 10);

        var result = await store.ReserveAsync(new ReserveRequest(Ttl, new StockLine(key, 3)) { Reference = "cart-1" });

        result.Succeeded.Should().BeTrue();
        result.Hold!.Should().BeEquivalentTo(new { State = HoldState.Active, Reference = "cart-1", ExpiresAt = Time.GetUtcNow() + Ttl });
        result.Hold.Lines.Should().Equal(new StockLine(key, 3));
        result.Levels.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Key = key, OnHand = 10L, Reserved = 3L, Available = 7L, Version = 2L });
        result.Backordered.Should().BeEmpty();
        (await store.GetHoldAsync(result.Hold.Id)).Should().BeEquivalentTo(new { State = HoldState.Active, Reference = "cart-1", ExpiresAt = Time.GetUtcNow() + Ttl });
        (await store.GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 10L, Reserved = 3L, Version = 2L });
        (await Server.StoredAsync(key)).Should().Be((10L, 3L, 2L));
        (await Server.LedgerAsync(key)).Should().Be((10L, 3L));
        (await Server.MovementsAsync(key)).Select(m => m.Kind).Should().Equal("receipt", "hold_placed");
    }

    [Test]
    public async Task A_one_line_hold_leaves_out_of_its_level_an_expired_hold_not_yet_given_back()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 10);
        (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 3)))).Succeeded.Should().BeTrue();
        Time.Advance(TimeSpan.FromMinutes(2));

        // The stored counts (7 available) cover the hold, so the expired one stays stored until a sweep or a buyer needs it.
        var result = await store.ReserveAsync(new ReserveRequest(Ttl, new StockLine(key, 4)));

        result.Succeeded.Should().BeTrue();
        result.Levels[0].Should().BeEquivalentTo(new { OnHand = 10L, Reserved = 4L, Available = 6L, Version = 4L }, "stored version 3, and one expired line a reader counts");
        (await store.GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 10L, Reserved = 4L, Version = 4L });
        (await Server.StoredAsync(key)).Should().Be((10L, 7L, 3L));
    }

    [Test]
    public async Task A_hold_that_needs_the_units_of_an_expired_hold_gives_it_back_first()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 5);
        var old = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 5)))).Hold!;
        Time.Advance(TimeSpan.FromMinutes(2));

        var result = await store.ReserveAsync(new ReserveRequest(Ttl, new StockLine(key, 4)));

        result.Succeeded.Should().BeTrue();
        result.Levels[0].Should().BeEquivalentTo(new { OnHand = 5L, Reserved = 4L, Available = 1L });
        (await store.GetHoldAsync(old.Id))!.State.Should().Be(HoldState.Expired);
        (await Server.StoredAsync(key)).Should().Be((5L, 4L, 4L), "received (1), held (2), expired and given back (3), held (4)");
        (await Server.LedgerAsync(key)).Should().Be((5L, 4L));
        (await Server.MovementsAsync(key)).Select(m => m.Kind).Should().Equal("receipt", "hold_placed", "hold_expired", "hold_placed");
    }

    [Test]
    public async Task A_short_hold_is_refused_and_changes_nothing()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 2);

        var result = await store.ReserveAsync(new ReserveRequest(Ttl, new StockLine(key, 3)));

        result.Succeeded.Should().BeFalse();
        result.ShortLines.Should().ContainSingle().Which.Should().Be(new ShortLine(key, 3, 2));
        (await Server.StoredAsync(key)).Should().Be((2L, 0L, 1L));
        (await Server.MovementsAsync(key)).Select(m => m.Kind).Should().Equal("receipt");
    }

    [Test]
    public async Task A_hold_below_zero_records_its_backorder_and_its_confirm_makes_it_a_sale()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 2);
        await store.SetPolicyAsync(key, new StockPolicy { BackorderLimit = 5 });

        var placed = await store.ReserveAsync(new ReserveRequest(Ttl, new StockLine(key, 3)) { Reference = "order-bo" });
        var backorders = (IStockBackorders)store;

        placed.Succeeded.Should().BeTrue();
        placed.Backordered.Should().Equal(new BackorderedLine(key, 1, BackorderKind.Backorder));
        (await backorders.GetBackordersAsync("order-bo")).Backorders.Should().ContainSingle().Which.HoldId.Should().Be(placed.Hold!.Id);

        var confirmed = await store.ConfirmAsync(placed.Hold!.Id);

        confirmed.Outcome.Should().Be(HoldOutcome.Confirmed);
        confirmed.ConfirmedLines.Should().Equal(new StockLine(key, 3));
        (await backorders.GetBackordersAsync("order-bo")).Backorders.Should().ContainSingle()
            .Which.Should().BeEquivalentTo(new { HoldId = (Guid?)null, Quantity = 1, Filled = 0, State = BackorderState.Waiting }, "the backorder is the sale's now");
        (await Server.StoredAsync(key)).Should().Be((-1L, 0L, 4L));
        (await Server.LedgerAsync(key)).Should().Be((-1L, 0L));
    }

    [Test]
    public async Task A_confirm_sells_every_line_writes_one_movement_each_and_a_second_confirm_changes_nothing()
    {
        var store = CreateStore();
        var (first, second) = await TwoItemsAsync(store, 10);
        var hold = (await store.ReserveAsync(new ReserveRequest(Ttl, new StockLine(second, 3), new StockLine(first, 2)) { Reference = "cart-2" })).Hold!;

        var confirmed = await store.ConfirmAsync(hold.Id);
        var again = await store.ConfirmAsync(hold.Id);

        confirmed.Outcome.Should().Be(HoldOutcome.Confirmed);
        confirmed.WasAlreadyDone.Should().BeFalse();
        confirmed.ConfirmedLines.Should().Equal(new StockLine(second, 3), new StockLine(first, 2));
        confirmed.Hold.Should().BeEquivalentTo(new { hold.Id, State = HoldState.Confirmed, Reference = "cart-2", hold.ExpiresAt });
        again.Should().BeEquivalentTo(new { Outcome = HoldOutcome.Confirmed, WasAlreadyDone = true });
        again.ConfirmedLines.Should().Equal(new StockLine(second, 3), new StockLine(first, 2));
        (await Server.StoredAsync(first)).Should().Be((8L, 0L, 3L));
        (await Server.StoredAsync(second)).Should().Be((7L, 0L, 3L));
        (await Server.LedgerAsync(first)).Should().Be((8L, 0L));
        (await Server.LedgerAsync(second)).Should().Be((7L, 0L));
        (await Server.MovementsAsync(second)).Select(m => m.Kind).Should().Equal("receipt", "hold_placed", "hold_confirmed");
        (await store.GetHoldAsync(hold.Id))!.State.Should().Be(HoldState.Confirmed);
    }

    [Test]
    public async Task A_release_gives_the_units_back_with_one_movement_and_a_second_release_changes_nothing()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 10);
        var hold = (await store.ReserveAsync(new ReserveRequest(Ttl, new StockLine(key, 4)))).Hold!;

        var released = await store.ReleaseAsync(hold.Id);
        var again = await store.ReleaseAsync(hold.Id);

        released.Should().BeEquivalentTo(new { Outcome = HoldOutcome.Released, WasAlreadyDone = false });
        released.Hold.State.Should().Be(HoldState.Released);
        released.ConfirmedLines.Should().BeEmpty();
        again.Should().BeEquivalentTo(new { Outcome = HoldOutcome.Released, WasAlreadyDone = true });
        (await Server.StoredAsync(key)).Should().Be((10L, 0L, 3L));
        (await Server.LedgerAsync(key)).Should().Be((10L, 0L));
        (await Server.MovementsAsync(key)).Select(m => m.Kind).Should().Equal("receipt", "hold_placed", "hold_released");
        await FluentActions.Awaiting(() => store.ConfirmAsync(hold.Id)).Should().ThrowAsync<HoldStateException>();
    }

    [Test]
    public async Task A_confirm_after_the_expiry_sells_nothing_and_gives_the_units_back()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 10);
        var hold = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 4)))).Hold!;
        Time.Advance(TimeSpan.FromMinutes(1));

        var result = await store.ConfirmAsync(hold.Id);

        result.Outcome.Should().Be(HoldOutcome.Expired);
        (await Server.StoredAsync(key)).Should().Be((10L, 0L, 3L));
        (await Server.MovementsAsync(key)).Select(m => m.Kind).Should().Equal("receipt", "hold_placed", "hold_expired");
        (await store.GetHoldAsync(hold.Id))!.State.Should().Be(HoldState.Expired);
    }

    [Test]
    public async Task A_confirm_of_a_hold_whose_line_a_buyer_gave_back_expires_it_and_sells_nothing()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 5);
        var hold = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 5)))).Hold!;

        // A buyer whose clock runs two minutes ahead needs the units: for it the hold has expired, and it gives the line back.
        var ahead = new FakeTimeProvider(Time.GetUtcNow() + TimeSpan.FromMinutes(2));
        var buyer = DisposedAfterTest(Provider.CreateStore(ahead, new SqlStoreSettings()));
        (await buyer.DeductAsync(new DeductRequest(new StockLine(key, 2)))).Succeeded.Should().BeTrue();

        var result = await store.ConfirmAsync(hold.Id);

        result.Outcome.Should().Be(HoldOutcome.Expired, "a hold with a line given back has expired for everyone");
        (await Server.StoredAsync(key)).Should().Be((3L, 0L, 4L), "received, held, given back by the buyer, sold to it; the expiry changes no count");
        (await Server.LedgerAsync(key)).Should().Be((3L, 0L));
        (await store.GetHoldAsync(hold.Id))!.State.Should().Be(HoldState.Expired);
    }

    [Test]
    public async Task A_release_serves_the_waitlist_with_the_units_it_gives_back()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 1);
        var hold = (await store.ReserveAsync(new ReserveRequest(Ttl, new StockLine(key, 1)))).Hold!;
        var waitlist = (IStockWaitlist)store;
        (await waitlist.JoinWaitlistAsync(new JoinWaitlistRequest(key, "customer-1"))).Outcome.Should().Be(WaitlistJoinOutcome.Joined);

        var released = await store.ReleaseAsync(hold.Id);

        released.Outcome.Should().Be(HoldOutcome.Released);
        (await waitlist.GetWaitlistPlaceAsync(key, "customer-1"))!.State.Should().Be(WaitlistState.Claimed, "the unit given back went to the head of the queue");
        (await store.GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 1L, Reserved = 1L, Available = 0L });
        (await Server.LedgerAsync(key)).Should().Be((1L, 1L));
        (await Server.MovementsAsync(key)).Select(m => m.Kind).Should().Equal("receipt", "hold_placed", "hold_released", "hold_placed");
    }

    [Test]
    public async Task A_confirm_while_customers_wait_sells_and_claims_nothing()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 1);
        var hold = (await store.ReserveAsync(new ReserveRequest(Ttl, new StockLine(key, 1)))).Hold!;
        var waitlist = (IStockWaitlist)store;
        (await waitlist.JoinWaitlistAsync(new JoinWaitlistRequest(key, "customer-1"))).Outcome.Should().Be(WaitlistJoinOutcome.Joined);

        var confirmed = await store.ConfirmAsync(hold.Id);

        confirmed.Outcome.Should().Be(HoldOutcome.Confirmed);
        (await waitlist.GetWaitlistPlaceAsync(key, "customer-1"))!.State.Should().Be(WaitlistState.Waiting);
        (await Server.StoredAsync(key)).Should().Be((0L, 0L, 3L));
        (await Server.MovementsAsync(key)).Select(m => m.Kind).Should().Equal("receipt", "hold_placed", "hold_confirmed");
    }

    [Test]
    public async Task Cancelling_a_hold_while_it_waits_for_the_row_lock_throws_OperationCanceled_and_changes_nothing()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 5);
        await using var blocker = await Server.LockItemAsync(key);
        using var cancel = new CancellationTokenSource();

        var reserve = store.ReserveAsync(new ReserveRequest(Ttl, new StockLine(key, 2)), cancel.Token);
        await Server.WaitForLockWaiterAsync(blocker);
        await cancel.CancelAsync();

        await FluentActions.Awaiting(() => reserve).Should().ThrowAsync<OperationCanceledException>();
        await blocker.ReleaseAsync();
        (await Server.StoredAsync(key)).Should().Be((5L, 0L, 1L));
        (await Server.MovementsAsync(key)).Select(m => m.Kind).Should().Equal("receipt");
        (await store.ReserveAsync(new ReserveRequest(Ttl, new StockLine(key, 2)))).Levels[0].Should().BeEquivalentTo(new { OnHand = 5L, Reserved = 2L, Version = 2L });
    }

    [Test]
    public async Task Cancelling_a_confirm_while_it_waits_for_the_row_lock_throws_OperationCanceled_and_changes_nothing()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 5);
        var hold = (await store.ReserveAsync(new ReserveRequest(Ttl, new StockLine(key, 2)))).Hold!;
        await using var blocker = await Server.LockItemAsync(key);
        using var cancel = new CancellationTokenSource();

        var confirm = store.ConfirmAsync(hold.Id, cancel.Token);
        await Server.WaitForLockWaiterAsync(blocker);
        await cancel.CancelAsync();

        await FluentActions.Awaiting(() => confirm).Should().ThrowAsync<OperationCanceledException>();
        await blocker.ReleaseAsync();
        (await store.GetHoldAsync(hold.Id))!.State.Should().Be(HoldState.Active);
        (await Server.StoredAsync(key)).Should().Be((5L, 2L, 2L));
        (await Server.MovementsAsync(key)).Select(m => m.Kind).Should().Equal("receipt", "hold_placed");
        (await store.ConfirmAsync(hold.Id)).Should().BeEquivalentTo(new { Outcome = HoldOutcome.Confirmed, WasAlreadyDone = false });
        (await Server.StoredAsync(key)).Should().Be((3L, 0L, 3L));
    }

    [Test]
    public async Task Concurrent_carts_on_one_item_never_hold_a_unit_twice()
    {
        var store = CreateStore();
        var key = await StockedAsync(store, 20);

        var carts = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            var placed = await store.ReserveAsync(new ReserveRequest(Ttl, new StockLine(key, 1)));
            if (!placed.Succeeded)
            {
                return (Held: false, Sold: false);
            }

            var sold = i % 3 != 0;
            var finished = sold ? await store.ConfirmAsync(placed.Hold!.Id) : await store.ReleaseAsync(placed.Hold!.Id);
            finished.WasAlreadyDone.Should().BeFalse();
            return (Held: true, Sold: sold);
        }));

        var sold = carts.Count(c => c.Sold);
        carts.Count(c => c.Held).Should().BeGreaterThanOrEqualTo(20);
        (await Server.StoredAsync(key)).Should().Match<(long OnHand, long Reserved, long Version)>(s => s.OnHand == 20 - sold && s.Reserved == 0);
        (await Server.LedgerAsync(key)).Should().Be((20L - sold, 0L));
        (await Server.MovementsAsync(key)).Should().HaveCount(1 + (2 * carts.Count(c => c.Held)), "the receipt, then a hold and its confirm or release per cart");
    }
}
