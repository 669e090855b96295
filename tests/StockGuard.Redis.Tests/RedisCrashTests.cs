using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Redis.Tests;

/// <summary>
/// A coordinator of an order or hold over several slots dies between steps (a fault injected before the step), and another
/// process either retries it with the same idempotency key or lets the sweep clean up after the order's time runs out.
/// Never oversold, never half sold, the crashed order's units held but not sold only until the sweep, and the key applies
/// the order exactly once.
/// </summary>
public abstract class RedisCrashTests<TProvider> : RedisFixture<TProvider>
    where TProvider : RedisTestProvider, new()
{
    private const int Stock = 10;

    private static RedisStockStore Crashing(RedisStockStore store, string step, int nth)
    {
        var seen = 0;
        store.StepHook = s => s == step && ++seen == nth ? throw new CoordinatorCrashException(s) : Task.CompletedTask;
        return store;
    }

    private async Task<(RedisStockStore Survivor, StockKey[] Keys, DeductRequest Order)> CrashedOrderAsync(string step, int nth)
    {
        var survivor = Store();
        var keys = OnDifferentSlots(survivor, 2);
        await survivor.ReceiveAsync(new ReceiveRequest(keys.Select(k => new StockLine(k, Stock))));
        var key = "order-" + Guid.NewGuid().ToString("N");
        DeductRequest Order() => new([new StockLine(keys[1], 3), new StockLine(keys[0], 2)]) { IdempotencyKey = key, Reference = key };

        var dying = Crashing(Store(), step, nth);
        await FluentActions.Awaiting(() => dying.DeductAsync(Order())).Should().ThrowAsync<CoordinatorCrashException>();
        return (survivor, keys, Order());
    }

    [TestCase("record", 1, 0)]
    [TestCase("place", 1, 0)]
    [TestCase("place", 2, 1)]
    [TestCase("decide", 1, 2)]
    [TestCase("settle", 1, 2)]
    public async Task An_order_whose_coordinator_died_is_finished_exactly_once_by_a_retry_with_its_key(string step, int nth, int linesHeld)
    {
        var (store, keys, order) = await CrashedOrderAsync(step, nth);

        var held = await store.GetLevelsAsync(keys);
        held.Should().OnlyContain(l => l.OnHand == Stock, "nothing is sold before the decision");
        held.Count(l => l.Reserved > 0).Should().Be(linesHeld, "the lines held before the crash stay held, in key order");

        var retried = await store.DeductAsync(order);
        retried.Should().BeEquivalentTo(new { Succeeded = true, IsReplay = false });
        (await store.GetLevelsAsync(keys)).Select(l => (l.OnHand, l.Reserved)).Should().Equal((Stock - 2L, 0L), (Stock - 3L, 0L));
        var again = await store.DeductAsync(order);
        again.IsReplay.Should().BeTrue();
        again.Levels.Should().Equal(retried.Levels);
        (await store.GetLevelsAsync(keys)).Select(l => l.OnHand).Should().Equal(Stock - 2L, Stock - 3L);
    }

    [TestCase("record", 1, 0, false)]
    [TestCase("place", 1, 0, false)]
    [TestCase("place", 2, 1, false)]
    [TestCase("decide", 1, 2, false)]
    [TestCase("settle", 1, 2, true)]
    public async Task An_order_whose_coordinator_died_is_rolled_back_or_finished_by_the_sweep_after_its_time(string step, int nth, int linesHeld, bool decided)
    {
        var (store, keys, order) = await CrashedOrderAsync(step, nth);

        // Past the order's time and before a sweep: the units it held are still held, never sold to anyone else.
        Time.Advance(new RedisStockStoreOptions().OrderTimeout + TimeSpan.FromSeconds(1));
        (await store.GetLevelsAsync(keys)).Count(l => l.Reserved > 0).Should().Be(linesHeld, "a held line is given back by the sweep, not by the clock");
        foreach (var key in keys)
        {
            var level = (await store.GetLevelAsync(key))!;
            if (level.Reserved > 0)
            {
                (await store.DeductAsync(new DeductRequest(new StockLine(key, Stock)))).Succeeded.Should().BeFalse("the held units are not for sale");
            }
        }

        await store.SweepAsync();
        (await store.GetLevelsAsync(keys)).Select(l => (l.OnHand, l.Reserved)).Should().Equal(
            decided ? [(Stock - 2L, 0L), (Stock - 3L, 0L)] : new[] { (10L, 0L), (10L, 0L) },
            decided ? "a decided order is finished by the sweep" : "an undecided one is rolled back whole");

        // The buyer's retry with the order's key: a finished order is reported, a rolled-back one applied now; once either way.
        var result = await store.DeductAsync(order);
        result.Succeeded.Should().BeTrue();
        (await store.GetLevelsAsync(keys)).Select(l => (l.OnHand, l.Reserved)).Should().Equal((Stock - 2L, 0L), (Stock - 3L, 0L));
        (await store.DeductAsync(order)).IsReplay.Should().BeTrue();
        (await store.GetLevelsAsync(keys)).Select(l => l.OnHand).Should().Equal(Stock - 2L, Stock - 3L);
    }

    [TestCase("pin")]
    [TestCase("decide")]
    [TestCase("settle")]
    public async Task A_hold_whose_confirm_died_is_confirmed_once_by_a_retry(string step)
    {
        var store = Store();
        var keys = OnDifferentSlots(store, 2);
        await store.ReceiveAsync(new ReceiveRequest(keys.Select(k => new StockLine(k, Stock))));
        var hold = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(keys[0], 2), new StockLine(keys[1], 3)))).Hold!;

        await FluentActions.Awaiting(() => Crashing(Store(), step, 1).ConfirmAsync(hold.Id)).Should().ThrowAsync<CoordinatorCrashException>();
        (await store.GetLevelsAsync(keys)).Select(l => (l.OnHand, l.Reserved)).Should().Equal((Stock, 2L), (Stock, 3L));

        var confirmed = await store.ConfirmAsync(hold.Id);
        confirmed.Outcome.Should().Be(HoldOutcome.Confirmed);
        confirmed.WasAlreadyDone.Should().Be(step == "settle", "after the decision the hold is confirmed; the retry only settles it");
        confirmed.ConfirmedLines.Should().Equal(new StockLine(keys[0], 2), new StockLine(keys[1], 3));
        (await store.GetLevelsAsync(keys)).Select(l => (l.OnHand, l.Reserved)).Should().Equal((Stock - 2L, 0L), (Stock - 3L, 0L));
        (await store.ConfirmAsync(hold.Id)).WasAlreadyDone.Should().BeTrue();
    }

    [TestCase("pin", HoldState.Expired, false)]
    [TestCase("decide", HoldState.Expired, true)]
    [TestCase("settle", HoldState.Confirmed, true)]
    public async Task A_hold_whose_confirm_died_and_was_never_retried_is_settled_after_its_expiry(string step, HoldState final, bool heldUntilSweep)
    {
        var store = Store();
        var keys = OnDifferentSlots(store, 2);
        await store.ReceiveAsync(new ReceiveRequest(keys.Select(k => new StockLine(k, Stock))));
        var hold = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(keys[0], 2), new StockLine(keys[1], 3)))).Hold!;
        await FluentActions.Awaiting(() => Crashing(Store(), step, 1).ConfirmAsync(hold.Id)).Should().ThrowAsync<CoordinatorCrashException>();

        Time.Advance(TimeSpan.FromMinutes(10));
        (await store.GetLevelsAsync(keys)).Sum(l => l.Reserved).Should().Be(heldUntilSweep ? 5 : 0, "pinned lines wait for the decision; unpinned ones expire by the clock");

        (await store.SweepAsync()).ExpiredHolds.Should().Be(final == HoldState.Expired ? 1 : 0);
        (await store.GetHoldAsync(hold.Id))!.State.Should().Be(final);
        var sold = final == HoldState.Confirmed;
        (await store.GetLevelsAsync(keys)).Select(l => (l.OnHand, l.Reserved)).Should().Equal((sold ? Stock - 2L : Stock, 0L), (sold ? Stock - 3L : Stock, 0L));
        (await store.ConfirmAsync(hold.Id)).Outcome.Should().Be(sold ? HoldOutcome.Confirmed : HoldOutcome.Expired);
        foreach (var key in keys)
        {
            var level = (await store.GetLevelAsync(key))!;
            var stream = await StreamAsync(store, key);
            (stream.OnHand, stream.Reserved).Should().Be((level.OnHand, level.Reserved));
        }
    }

    [TestCase("place", 2)]
    [TestCase("record", 1)]
    public async Task A_hold_whose_placing_died_leaves_lines_that_expire_with_its_time_to_live_and_a_retry_places_it_once(string step, int nth)
    {
        var store = Store();
        var keys = OnDifferentSlots(store, 2);
        await store.ReceiveAsync(new ReceiveRequest(keys.Select(k => new StockLine(k, Stock))));
        var cart = "cart-" + Guid.NewGuid().ToString("N");
        ReserveRequest Cart() => new(TimeSpan.FromMinutes(10), new StockLine(keys[0], 2), new StockLine(keys[1], 3)) { IdempotencyKey = cart };

        await FluentActions.Awaiting(() => Crashing(Store(), step, nth).ReserveAsync(Cart())).Should().ThrowAsync<CoordinatorCrashException>();
        var heldLines = step == "record" ? 2 : 1;
        (await store.GetLevelsAsync(keys)).Count(l => l.Reserved > 0).Should().Be(heldLines);

        var retried = await store.ReserveAsync(Cart());
        retried.Succeeded.Should().BeTrue();
        (await store.GetLevelsAsync(keys)).Select(l => l.Reserved).Should().Equal(2L, 3L);
        (await store.ReserveAsync(Cart())).Hold!.Id.Should().Be(retried.Hold!.Id);

        // Abandoned: every line expires with the hold's time-to-live by the clock alone, sweep or not.
        Time.Advance(TimeSpan.FromMinutes(10));
        (await store.GetLevelsAsync(keys)).Select(l => (l.OnHand, l.Reserved)).Should().Equal((10L, 0L), (10L, 0L));
    }

    [TestCase("record", 1, 0)]
    [TestCase("add", 1, 1)]
    [TestCase("add", 2, 1)]
    public async Task A_receipt_whose_coordinator_died_is_finished_whole_by_the_sweep_after_its_time(string step, int nth, int linesReceived)
    {
        var store = Store();
        var keys = OnDifferentSlots(store, 2);
        await store.ReceiveAsync(new ReceiveRequest(keys.Select(k => new StockLine(k, Stock))));
        var delivery = new ReceiveRequest(new StockLine(keys[0], 4), new StockLine(keys[1], 6)) { Reference = "delivery" };

        await FluentActions.Awaiting(() => Crashing(Store(), step, nth).ReceiveAsync(delivery)).Should().ThrowAsync<CoordinatorCrashException>();

        // Until the sweep, a reader sees the lines the coordinator sent before it died, and no more.
        (await store.GetLevelsAsync(keys)).Count(l => l.OnHand > Stock).Should().Be(linesReceived);

        Time.Advance(new RedisStockStoreOptions().OrderTimeout + TimeSpan.FromSeconds(1));
        await store.SweepAsync();
        var whole = step == "record" ? new[] { ((long)Stock, 0L), (Stock, 0L) } : [(Stock + 4L, 0L), (Stock + 6L, 0L)];
        (await store.GetLevelsAsync(keys)).Select(l => (l.OnHand, l.Reserved)).Should().Equal(whole, "a receipt begun is finished whole, each line once; one never recorded left nothing");
        await store.SweepAsync();
        (await store.GetLevelsAsync(keys)).Select(l => (l.OnHand, l.Reserved)).Should().Equal(whole, "a finished receipt is not added again");
        foreach (var key in keys)
        {
            var level = (await store.GetLevelAsync(key))!;
            var stream = await StreamAsync(store, key);
            (stream.OnHand, stream.Reserved).Should().Be((level.OnHand, level.Reserved));
        }
    }

    [Test]
    public async Task A_keyed_receipt_whose_coordinator_died_is_finished_once_by_a_retry_and_the_sweep_adds_nothing_more()
    {
        var store = Store();
        var keys = OnDifferentSlots(store, 2);
        var key = "delivery-" + Guid.NewGuid().ToString("N");
        ReceiveRequest Delivery() => new(new StockLine(keys[0], 4), new StockLine(keys[1], 6)) { IdempotencyKey = key };

        await FluentActions.Awaiting(() => Crashing(Store(), "add", 2).ReceiveAsync(Delivery())).Should().ThrowAsync<CoordinatorCrashException>();
        (await store.ReceiveAsync(Delivery())).Succeeded.Should().BeTrue();
        (await store.ReceiveAsync(Delivery())).IsReplay.Should().BeTrue();
        Time.Advance(new RedisStockStoreOptions().OrderTimeout + TimeSpan.FromSeconds(1));
        await store.SweepAsync();
        (await store.GetLevelsAsync(keys)).Select(l => (l.OnHand, l.Reserved)).Should().Equal((4L, 0L), (6L, 0L));
    }

    [TestCase("record", 1, false)]
    [TestCase("place", 1, false)]
    [TestCase("place", 2, false)]
    [TestCase("decide", 1, false)]
    [TestCase("settle", 1, true)]
    public async Task A_cancelled_order_over_several_slots_leaves_the_stock_exactly_as_before_or_as_after_it(string step, int nth, bool sold)
    {
        var store = Store();
        var keys = OnDifferentSlots(store, 2);
        await store.ReceiveAsync(new ReceiveRequest(keys.Select(k => new StockLine(k, Stock))));
        var key = "order-" + Guid.NewGuid().ToString("N");
        DeductRequest Order() => new([new StockLine(keys[1], 3), new StockLine(keys[0], 2)]) { IdempotencyKey = key };
        (long, long)[] before = [(Stock, 0), (Stock, 0)];
        (long, long)[] after = [(Stock - 2, 0), (Stock - 3, 0)];

        // The buyer gives up while the order is under way: at the step's start the call is cancelled.
        using var cancel = new CancellationTokenSource();
        var seen = 0;
        store.StepHook = s =>
        {
            if (s == step && ++seen == nth)
            {
                cancel.Cancel();
            }

            return Task.CompletedTask;
        };

        if (sold)
        {
            (await store.DeductAsync(Order(), cancel.Token)).Succeeded.Should().BeTrue("after its decision an order is finished, cancelled or not");
        }
        else
        {
            await FluentActions.Awaiting(() => store.DeductAsync(Order(), cancel.Token)).Should().ThrowAsync<OperationCanceledException>();
        }

        (await store.GetLevelsAsync(keys)).Select(l => (l.OnHand, l.Reserved)).Should().Equal(sold ? after : before, "a cancelled order stops whole, before its decision, or runs to its end");
        foreach (var item in keys)
        {
            var level = (await store.GetLevelAsync(item))!;
            var stream = await StreamAsync(store, item);
            (stream.OnHand, stream.Reserved).Should().Be((level.OnHand, level.Reserved));
        }

        // The retry with the order's key sells it once, whichever way the cancelled call ended.
        store.StepHook = null;
        (await store.DeductAsync(Order())).Should().BeEquivalentTo(new { Succeeded = true, IsReplay = sold });
        (await store.DeductAsync(Order())).IsReplay.Should().BeTrue();
        (await store.GetLevelsAsync(keys)).Select(l => (l.OnHand, l.Reserved)).Should().Equal(after);
    }

    [TestCase("place", 1)]
    [TestCase("place", 2)]
    [TestCase("record", 1)]
    public async Task A_cancelled_hold_over_several_slots_holds_nothing(string step, int nth)
    {
        var store = Store();
        var keys = OnDifferentSlots(store, 2);
        await store.ReceiveAsync(new ReceiveRequest(keys.Select(k => new StockLine(k, Stock))));
        using var cancel = new CancellationTokenSource();
        var seen = 0;
        store.StepHook = s =>
        {
            if (s == step && ++seen == nth)
            {
                cancel.Cancel();
            }

            return Task.CompletedTask;
        };

        await FluentActions.Awaiting(() => store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(keys[0], 2), new StockLine(keys[1], 3)), cancel.Token))
            .Should().ThrowAsync<OperationCanceledException>();
        (await store.GetLevelsAsync(keys)).Select(l => (l.OnHand, l.Reserved)).Should().Equal((Stock, 0L), (Stock, 0L));
    }

    private sealed class CoordinatorCrashException(string step) : Exception($"The coordinator died before {step}.");
}

public sealed class RedisCrashTests : RedisCrashTests<SingleRedisTestProvider>;

public sealed class RedisClusterCrashTests : RedisCrashTests<ClusterRedisTestProvider>;
