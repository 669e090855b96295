using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// Holds as Try-Confirm-Cancel steps of a sale across services: confirming part of a hold, returning units a confirmed
/// hold sold (the compensation of a confirmed sale), every step safe to repeat, and a coordinator that dies between
/// steps and runs again with the same keys.
/// </summary>
public abstract partial class StockStoreContractTests<TProvider>
{
    [Test]
    public async Task Confirming_part_of_a_hold_sells_those_units_and_gives_the_rest_back_at_once()
    {
        var a = await StockedAsync(10);
        var b = await StockedAsync(10);
        var c = await StockedAsync(10);
        var hold = await HoldAsync(new StockLine(a, 4), new StockLine(b, 3), new StockLine(c, 2));

        // Line b partly cancelled at payment, line c cancelled whole.
        var result = await Store.ConfirmAsync(new ConfirmRequest(hold.Id, new StockLine(b, 1), new StockLine(a, 4)));

        result.Outcome.Should().Be(HoldOutcome.Confirmed);
        result.WasAlreadyDone.Should().BeFalse();
        result.Hold.State.Should().Be(HoldState.Confirmed);
        result.ConfirmedLines.Should().Equal(new StockLine(a, 4), new StockLine(b, 1));
        (await LevelAsync(a)).Should().BeEquivalentTo(new { OnHand = 6L, Reserved = 0L, Available = 6L });
        (await LevelAsync(b)).Should().BeEquivalentTo(new { OnHand = 9L, Reserved = 0L, Available = 9L });
        (await LevelAsync(c)).Should().BeEquivalentTo(new { OnHand = 10L, Reserved = 0L, Available = 10L });
        (await Store.GetHoldAsync(hold.Id))!.State.Should().Be(HoldState.Confirmed);
    }

    [Test]
    public async Task A_repeated_confirm_of_part_of_a_hold_changes_nothing_and_reports_what_was_sold()
    {
        var a = await StockedAsync(10);
        var b = await StockedAsync(10);
        var hold = await HoldAsync(new StockLine(a, 4), new StockLine(b, 3));
        var request = new ConfirmRequest(hold.Id, new StockLine(a, 2), new StockLine(b, 3));
        await Store.ConfirmAsync(request);
        var after = await Store.GetLevelsAsync([a, b]);

        var again = await Store.ConfirmAsync(new ConfirmRequest(hold.Id, new StockLine(b, 3), new StockLine(a, 2)));
        again.Should().Match<HoldResult>(r => r.Outcome == HoldOutcome.Confirmed && r.WasAlreadyDone);
        again.ConfirmedLines.Should().Equal(new StockLine(a, 2), new StockLine(b, 3));

        var whole = await Store.ConfirmAsync(hold.Id);
        whole.Should().Match<HoldResult>(r => r.Outcome == HoldOutcome.Confirmed && r.WasAlreadyDone, "a confirm of the whole hold after part of it was confirmed is a repeat");
        whole.ConfirmedLines.Should().Equal(new StockLine(a, 2), new StockLine(b, 3));

        var other = () => Store.ConfirmAsync(new ConfirmRequest(hold.Id, new StockLine(a, 4), new StockLine(b, 3)));
        (await other.Should().ThrowAsync<HoldStateException>()).Which.State.Should().Be(HoldState.Confirmed);
        var release = () => Store.ReleaseAsync(hold.Id);
        await release.Should().ThrowAsync<HoldStateException>();
        (await Store.GetLevelsAsync([a, b])).Should().Equal(after);
    }

    [Test]
    public async Task A_confirm_of_units_the_hold_does_not_hold_is_refused_and_the_hold_stays_live()
    {
        var a = await StockedAsync(10);
        var b = await StockedAsync(10);
        var hold = await HoldAsync(new StockLine(a, 4));
        var before = await Store.GetLevelsAsync([a, b]);

        var tooMany = () => Store.ConfirmAsync(new ConfirmRequest(hold.Id, new StockLine(a, 5)));
        (await tooMany.Should().ThrowAsync<ArgumentOutOfRangeException>()).Which.Message.Should().Contain("holds 4 units");
        var notHeld = () => Store.ConfirmAsync(new ConfirmRequest(hold.Id, new StockLine(a, 1), new StockLine(b, 1)));
        await notHeld.Should().ThrowAsync<ArgumentOutOfRangeException>();

        (await Store.GetLevelsAsync([a, b])).Should().Equal(before);
        (await Store.GetHoldAsync(hold.Id))!.State.Should().Be(HoldState.Active);
        (await Store.ConfirmAsync(new ConfirmRequest(hold.Id, new StockLine(a, 3)))).ConfirmedLines.Should().Equal(new StockLine(a, 3));
        (await LevelAsync(a)).Should().BeEquivalentTo(new { OnHand = 7L, Reserved = 0L });
    }

    [Test]
    public async Task A_confirm_of_part_of_an_expired_hold_sells_nothing()
    {
        var a = await StockedAsync(10);
        var hold = await HoldAsync(new StockLine(a, 4));
        Time.Advance(Ttl);

        var result = await Store.ConfirmAsync(new ConfirmRequest(hold.Id, new StockLine(a, 2)));

        result.Outcome.Should().Be(HoldOutcome.Expired);
        result.ConfirmedLines.Should().BeEmpty();
        (await LevelAsync(a)).Should().BeEquivalentTo(new { OnHand = 10L, Reserved = 0L });
    }

    [Test]
    public async Task A_return_against_a_confirmed_hold_puts_units_back_never_more_than_it_sold_and_a_retry_counts_once()
    {
        var a = await StockedAsync(10);
        var b = await StockedAsync(10);
        var c = await StockedAsync(10);
        var hold = await HoldAsync(new StockLine(a, 4), new StockLine(b, 3), new StockLine(c, 1));
        await Store.ConfirmAsync(new ConfirmRequest(hold.Id, new StockLine(a, 4), new StockLine(b, 1)));

        var first = new HoldReturnRequest(hold.Id, NewSku("rma"), new StockLine(a, 2)) { Reference = "rma-1" };
        var returned = await Store.ReturnAsync(first);
        returned.Succeeded.Should().BeTrue();
        returned.IsReplay.Should().BeFalse();
        returned.Levels.Single().Should().BeEquivalentTo(new { OnHand = 8L, Reserved = 0L });

        var retry = await Store.ReturnAsync(new HoldReturnRequest(hold.Id, first.IdempotencyKey!, new StockLine(a, 2)) { Reference = "rma-1" });
        retry.IsReplay.Should().BeTrue();
        (await LevelAsync(a)).OnHand.Should().Be(8, "a retried return is counted once");

        var conflicting = () => Store.ReturnAsync(new HoldReturnRequest(hold.Id, first.IdempotencyKey!, new StockLine(a, 1)) { Reference = "rma-1" });
        await conflicting.Should().ThrowAsync<IdempotencyConflictException>();

        var before = await Store.GetLevelsAsync([a, b, c]);
        var moreThanLeft = () => Store.ReturnAsync(new HoldReturnRequest(hold.Id, NewSku("rma"), new StockLine(a, 3)));
        (await moreThanLeft.Should().ThrowAsync<ArgumentOutOfRangeException>()).Which.Message.Should().Contain("at most 2 more");
        var moreThanSold = () => Store.ReturnAsync(new HoldReturnRequest(hold.Id, NewSku("rma"), new StockLine(b, 2)));
        await moreThanSold.Should().ThrowAsync<ArgumentOutOfRangeException>();
        var neverSold = () => Store.ReturnAsync(new HoldReturnRequest(hold.Id, NewSku("rma"), new StockLine(a, 1), new StockLine(c, 1)));
        await neverSold.Should().ThrowAsync<ArgumentOutOfRangeException>();
        (await Store.GetLevelsAsync([a, b, c])).Should().Equal(before, "a refused return changes nothing, not even its valid lines");

        (await Store.ReturnAsync(new HoldReturnRequest(hold.Id, NewSku("rma"), new StockLine(a, 2), new StockLine(b, 1)))).Succeeded.Should().BeTrue();
        (await LevelAsync(a)).Should().BeEquivalentTo(new { OnHand = 10L, Reserved = 0L });
        (await LevelAsync(b)).Should().BeEquivalentTo(new { OnHand = 10L, Reserved = 0L });
        var nothingLeft = () => Store.ReturnAsync(new HoldReturnRequest(hold.Id, NewSku("rma"), new StockLine(a, 1)));
        await nothingLeft.Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [Test]
    public async Task A_return_against_a_hold_that_sold_nothing_is_refused()
    {
        var a = await StockedAsync(10);
        var active = await HoldAsync(new StockLine(a, 1));
        var released = await HoldAsync(new StockLine(a, 1));
        await Store.ReleaseAsync(released.Id);
        var before = await LevelAsync(a);

        foreach (var (id, state) in new[] { (active.Id, HoldState.Active), (released.Id, HoldState.Released) })
        {
            var attempt = () => Store.ReturnAsync(new HoldReturnRequest(id, NewSku("rma"), new StockLine(a, 1)));
            (await attempt.Should().ThrowAsync<HoldStateException>()).Which.State.Should().Be(state);
        }

        var unknown = () => Store.ReturnAsync(new HoldReturnRequest(Guid.NewGuid(), NewSku("rma"), new StockLine(a, 1)));
        await unknown.Should().ThrowAsync<HoldNotFoundException>();
        await ShouldBeUnchangedAsync(a, before);
    }

    [Test]
    public async Task Concurrent_returns_against_one_hold_never_put_back_more_than_it_sold()
    {
        var a = await StockedAsync(20);
        var hold = await HoldAsync(new StockLine(a, 8));
        await Store.ConfirmAsync(new ConfirmRequest(hold.Id, new StockLine(a, 5)));

        var outcomes = await RaceAsync(12, async i =>
        {
            try
            {
                return (await Store.ReturnAsync(new HoldReturnRequest(hold.Id, NewSku("rma"), new StockLine(a, 1)))).Succeeded;
            }
            catch (ArgumentOutOfRangeException)
            {
                return false;
            }
            catch (StockStoreException ex) when (ex.IsTransient && !ex.OutcomeUnknown)
            {
                return false;
            }
        });

        outcomes.Count(o => o).Should().Be(5);
        (await LevelAsync(a)).Should().BeEquivalentTo(new { OnHand = 20L, Reserved = 0L });
    }

    [Test]
    public async Task Holds_as_try_confirm_cancel_survive_a_coordinator_that_dies_after_one_confirm_and_runs_again_after_expiry()
    {
        // Two services, each with its own store; the coordinator's keys are derived from the order, so a run again repeats them.
        var other = Provider.CreateStore(Time);
        try
        {
            var x = await StockedAsync(5);
            var y = new StockKey(NewSku());
            await other.ReceiveAsync(new ReceiveRequest(new StockLine(y, 3)));
            var order = NewSku("order");
            var coordinator = new Coordinator(order, Store, x, 2, other, y, 3);

            // First run: both tries succeed, the first confirm commits, then the coordinator dies.
            var (heldX, heldY) = await coordinator.TryAsync();
            (await Store.ConfirmAsync(heldX)).Outcome.Should().Be(HoldOutcome.Confirmed);

            // Nobody confirms or cancels y's hold: it keeps y's units only until it expires, and then someone else buys them.
            Time.Advance(Ttl);
            (await other.DeductAsync(new DeductRequest(new StockLine(y, 3)) { Reference = "someone-else" })).Succeeded.Should().BeTrue();

            // The coordinator comes back and runs the saga again from the start, with the same keys.
            for (var run = 0; run < 2; run++)
            {
                var (againX, againY) = await coordinator.TryAsync();
                againX.Should().Be(heldX, "the try is replayed by its idempotency key, not placed again");
                againY.Should().Be(heldY);
                var confirmedX = await Store.ConfirmAsync(heldX);
                confirmedX.Should().Match<HoldResult>(r => r.Outcome == HoldOutcome.Confirmed && r.WasAlreadyDone);
                (await other.ConfirmAsync(heldY)).Outcome.Should().Be(HoldOutcome.Expired, "y's hold expired while the coordinator was away: nothing is sold twice");

                // y could not be sold: compensate x's confirmed sale. The return's key makes the second run's a replay.
                var compensation = await Store.ReturnAsync(new HoldReturnRequest(heldX, $"{order}-cancel-x", confirmedX.ConfirmedLines) { Reference = order });
                compensation.Succeeded.Should().BeTrue();
                compensation.IsReplay.Should().Be(run == 1);
            }

            // Exact invariants: x sold once and came back once; y's units went to the one buyer who paid; nothing is held.
            (await LevelAsync(x)).Should().BeEquivalentTo(new { OnHand = 5L, Reserved = 0L, Available = 5L });
            (await other.GetLevelAsync(y))!.Should().BeEquivalentTo(new { OnHand = 0L, Reserved = 0L, Available = 0L });
            (await Store.GetHoldAsync(heldX))!.State.Should().Be(HoldState.Confirmed);
            (await other.GetHoldAsync(heldY))!.State.Should().Be(HoldState.Expired);
            var extraReturn = () => Store.ReturnAsync(new HoldReturnRequest(heldX, $"{order}-cancel-x-again", new StockLine(x, 1)));
            await extraReturn.Should().ThrowAsync<ArgumentOutOfRangeException>("everything the hold sold is back already");
        }
        finally
        {
            if (other is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task Holds_as_try_confirm_cancel_sell_each_unit_exactly_once_when_the_coordinator_dies_and_comes_back_in_time()
    {
        var other = Provider.CreateStore(Time);
        try
        {
            var x = await StockedAsync(5);
            var y = new StockKey(NewSku());
            await other.ReceiveAsync(new ReceiveRequest(new StockLine(y, 3)));
            var coordinator = new Coordinator(NewSku("order"), Store, x, 2, other, y, 3);

            var (heldX, heldY) = await coordinator.TryAsync();
            await Store.ConfirmAsync(heldX);

            // Dies; comes back before the holds expire and runs everything again.
            Time.Advance(Ttl / 2);
            for (var run = 0; run < 2; run++)
            {
                (await coordinator.TryAsync()).Should().Be((heldX, heldY));
                (await Store.ConfirmAsync(heldX)).WasAlreadyDone.Should().BeTrue();
                var confirmedY = await other.ConfirmAsync(heldY);
                confirmedY.Outcome.Should().Be(HoldOutcome.Confirmed);
                confirmedY.WasAlreadyDone.Should().Be(run == 1);
            }

            // A buyer after the sale finds exactly what is left; an extra run of the coordinator long after changes nothing.
            (await other.DeductAsync(new DeductRequest(new StockLine(y, 1)))).Succeeded.Should().BeFalse();
            Time.Advance(Ttl * 2);
            (await coordinator.TryAsync()).Should().Be((heldX, heldY));
            (await Store.ConfirmAsync(heldX)).WasAlreadyDone.Should().BeTrue();
            (await other.ConfirmAsync(heldY)).WasAlreadyDone.Should().BeTrue();
            (await LevelAsync(x)).Should().BeEquivalentTo(new { OnHand = 3L, Reserved = 0L, Available = 3L });
            (await other.GetLevelAsync(y))!.Should().BeEquivalentTo(new { OnHand = 0L, Reserved = 0L, Available = 0L });
        }
        finally
        {
            if (other is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    /// <summary>A sale across two services: one try (hold) per service, each keyed by the order and the service.</summary>
    private sealed class Coordinator(string order, IStockStore first, StockKey firstItem, int firstUnits, IStockStore second, StockKey secondItem, int secondUnits)
    {
        public async Task<(Guid First, Guid Second)> TryAsync()
        {
            var a = await first.ReserveAsync(new ReserveRequest(Ttl, new StockLine(firstItem, firstUnits)) { IdempotencyKey = $"{order}-try-x", Reference = order });
            var b = await second.ReserveAsync(new ReserveRequest(Ttl, new StockLine(secondItem, secondUnits)) { IdempotencyKey = $"{order}-try-y", Reference = order });
            a.Succeeded.Should().BeTrue();
            b.Succeeded.Should().BeTrue();
            return (a.Hold!.Id, b.Hold!.Id);
        }
    }
}
