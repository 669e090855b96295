using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

public abstract partial class StockStoreContractTests<TProvider>
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);

    private async Task<StockHold> HoldAsync(params StockLine[] lines)
    {
        var result = await Store.ReserveAsync(new ReserveRequest(Ttl, lines) { Reference = "cart-1" });
        result.Succeeded.Should().BeTrue();
        return result.Hold!;
    }

    [Test]
    public async Task A_hold_lowers_availability_at_once()
    {
        var key = await StockedAsync(10);

        var result = await Store.ReserveAsync(new ReserveRequest(Ttl, new StockLine(key, 4)) { Reference = "cart-7" });

        result.Succeeded.Should().BeTrue();
        result.Hold!.Should().BeEquivalentTo(new { State = HoldState.Active, CreatedAt = Start, ExpiresAt = Start + Ttl, Reference = "cart-7" });
        result.Hold.Lines.Should().Equal(new StockLine(key, 4));
        result.Levels.Single().Should().BeEquivalentTo(new { OnHand = 10L, Reserved = 4L, Available = 6L });
        (await LevelAsync(key)).Reserved.Should().Be(4);
        (await Store.GetHoldAsync(result.Hold.Id)).Should().BeEquivalentTo(result.Hold);
    }

    [Test]
    public async Task A_hold_that_would_oversell_is_refused_and_holds_nothing()
    {
        var a = await StockedAsync(10);
        var b = await StockedAsync(1);
        await HoldAsync(new StockLine(b, 1));
        var before = await Store.GetLevelsAsync([a, b]);

        var result = await Store.ReserveAsync(new ReserveRequest(Ttl, new StockLine(a, 1), new StockLine(b, 1)));

        result.Succeeded.Should().BeFalse();
        result.Hold.Should().BeNull();
        result.ShortLines.Should().Equal(new ShortLine(b, 1, 0));
        (await Store.GetLevelsAsync([a, b])).Should().Equal(before);
    }

    [Test]
    public async Task Confirm_turns_a_hold_into_a_sale()
    {
        var a = await StockedAsync(10);
        var b = await StockedAsync(10);
        var hold = await HoldAsync(new StockLine(a, 2), new StockLine(b, 3));

        var result = await Store.ConfirmAsync(hold.Id);

        result.Outcome.Should().Be(HoldOutcome.Confirmed);
        result.WasAlreadyDone.Should().BeFalse();
        result.Hold.State.Should().Be(HoldState.Confirmed);
        (await LevelAsync(a)).Should().BeEquivalentTo(new { OnHand = 8L, Reserved = 0L, Available = 8L });
        (await LevelAsync(b)).Should().BeEquivalentTo(new { OnHand = 7L, Reserved = 0L, Available = 7L });
    }

    [Test]
    public async Task Release_gives_the_units_back()
    {
        var key = await StockedAsync(5);
        var hold = await HoldAsync(new StockLine(key, 5));
        (await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeFalse();

        var result = await Store.ReleaseAsync(hold.Id);

        result.Outcome.Should().Be(HoldOutcome.Released);
        (await LevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 5L, Reserved = 0L });
        (await Store.DeductAsync(new DeductRequest(new StockLine(key, 5)))).Succeeded.Should().BeTrue();
    }

    [Test]
    public async Task An_expired_hold_never_blocks_a_buyer_even_before_a_sweep()
    {
        var key = await StockedAsync(3);
        await HoldAsync(new StockLine(key, 3));
        (await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeFalse();

        Time.Advance(Ttl);

        (await Store.DeductAsync(new DeductRequest(new StockLine(key, 3)))).Succeeded.Should().BeTrue();
        (await LevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 0L, Reserved = 0L });
    }

    [Test]
    public async Task A_hold_one_tick_before_expiry_still_holds()
    {
        var key = await StockedAsync(1);
        await HoldAsync(new StockLine(key, 1));

        Time.Advance(Ttl - TimeSpan.FromTicks(1));

        (await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeFalse();
        (await LevelAsync(key)).Reserved.Should().Be(1);
    }

    [Test]
    public async Task Reading_a_level_ignores_expired_holds()
    {
        var key = await StockedAsync(4);
        await HoldAsync(new StockLine(key, 3));

        Time.Advance(Ttl + TimeSpan.FromSeconds(1));

        (await LevelAsync(key)).Should().BeEquivalentTo(new { Reserved = 0L, Available = 4L });
    }

    [Test]
    public async Task Confirm_after_expiry_fails_clearly_and_sells_nothing()
    {
        var key = await StockedAsync(5);
        var hold = await HoldAsync(new StockLine(key, 2));

        Time.Advance(Ttl + TimeSpan.FromSeconds(1));
        var result = await Store.ConfirmAsync(hold.Id);

        result.Outcome.Should().Be(HoldOutcome.Expired);
        result.Hold.State.Should().Be(HoldState.Expired);
        (await LevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 5L, Reserved = 0L });
        (await Store.GetHoldAsync(hold.Id))!.State.Should().Be(HoldState.Expired);
        (await Store.ConfirmAsync(hold.Id)).Outcome.Should().Be(HoldOutcome.Expired, "asking again tells the same");
    }

    [Test]
    public async Task Extend_keeps_a_hold_alive_past_its_first_expiry()
    {
        var key = await StockedAsync(2);
        var hold = await HoldAsync(new StockLine(key, 2));

        Time.Advance(TimeSpan.FromMinutes(9));
        var extended = await Store.ExtendAsync(hold.Id, TimeSpan.FromMinutes(10));
        Time.Advance(TimeSpan.FromMinutes(5));

        extended.Outcome.Should().Be(HoldOutcome.Extended);
        extended.Hold.ExpiresAt.Should().Be(Start + TimeSpan.FromMinutes(19));
        (await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeFalse("the extended hold still holds both units");
        (await Store.ConfirmAsync(hold.Id)).Outcome.Should().Be(HoldOutcome.Confirmed);
        (await LevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 0L, Reserved = 0L });
    }

    [Test]
    public async Task Extend_after_expiry_is_too_late()
    {
        var key = await StockedAsync(2);
        var hold = await HoldAsync(new StockLine(key, 2));

        Time.Advance(Ttl);

        (await Store.ExtendAsync(hold.Id, Ttl)).Outcome.Should().Be(HoldOutcome.Expired);
        (await LevelAsync(key)).Reserved.Should().Be(0);
    }

    [Test]
    public async Task Confirm_and_release_are_safe_to_repeat()
    {
        var key = await StockedAsync(5);
        var confirmed = await HoldAsync(new StockLine(key, 1));
        var released = await HoldAsync(new StockLine(key, 1));
        await Store.ConfirmAsync(confirmed.Id);
        await Store.ReleaseAsync(released.Id);
        var before = await LevelAsync(key);

        var again = await Store.ConfirmAsync(confirmed.Id);
        var releasedAgain = await Store.ReleaseAsync(released.Id);

        again.Should().BeEquivalentTo(new { Outcome = HoldOutcome.Confirmed, WasAlreadyDone = true });
        releasedAgain.Should().BeEquivalentTo(new { Outcome = HoldOutcome.Released, WasAlreadyDone = true });
        await ShouldBeUnchangedAsync(key, before);
    }

    [Test]
    public async Task Confirming_a_released_hold_or_releasing_a_confirmed_one_is_a_typed_error()
    {
        var key = await StockedAsync(5);
        var confirmed = await HoldAsync(new StockLine(key, 1));
        var released = await HoldAsync(new StockLine(key, 1));
        await Store.ConfirmAsync(confirmed.Id);
        await Store.ReleaseAsync(released.Id);
        var before = await LevelAsync(key);

        (await FluentActions.Awaiting(() => Store.ConfirmAsync(released.Id)).Should().ThrowAsync<HoldStateException>())
            .Which.State.Should().Be(HoldState.Released);
        (await FluentActions.Awaiting(() => Store.ReleaseAsync(confirmed.Id)).Should().ThrowAsync<HoldStateException>())
            .Which.State.Should().Be(HoldState.Confirmed);
        await FluentActions.Awaiting(() => Store.ExtendAsync(confirmed.Id, Ttl)).Should().ThrowAsync<HoldStateException>();
        await ShouldBeUnchangedAsync(key, before);
    }

    [Test]
    public async Task An_unknown_hold_is_a_typed_error()
    {
        var id = Guid.NewGuid();

        (await FluentActions.Awaiting(() => Store.ConfirmAsync(id)).Should().ThrowAsync<HoldNotFoundException>()).Which.HoldId.Should().Be(id);
        await FluentActions.Awaiting(() => Store.ReleaseAsync(id)).Should().ThrowAsync<HoldNotFoundException>();
        await FluentActions.Awaiting(() => Store.ExtendAsync(id, Ttl)).Should().ThrowAsync<HoldNotFoundException>();
        (await Store.GetHoldAsync(id)).Should().BeNull();
    }

    [Test]
    public async Task Release_of_an_expired_hold_reports_the_expiry_and_gives_nothing_twice()
    {
        var key = await StockedAsync(3);
        var hold = await HoldAsync(new StockLine(key, 3));
        Time.Advance(Ttl);

        (await Store.ReleaseAsync(hold.Id)).Outcome.Should().Be(HoldOutcome.Expired);
        (await LevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 3L, Reserved = 0L });
    }

    [Test]
    public async Task The_sweep_releases_expired_holds()
    {
        var a = await StockedAsync(5);
        var b = await StockedAsync(5);
        var expiring = await HoldAsync(new StockLine(a, 2), new StockLine(b, 1));
        var live = await Store.ReserveAsync(new ReserveRequest(Ttl * 3, new StockLine(a, 1)));

        Time.Advance(Ttl * 2);
        var swept = await Store.SweepAsync();

        swept.ExpiredHolds.Should().BeGreaterThanOrEqualTo(1);
        (await Store.GetHoldAsync(expiring.Id))!.State.Should().Be(HoldState.Expired);
        (await Store.GetHoldAsync(live.Hold!.Id))!.State.Should().Be(HoldState.Active);
        (await LevelAsync(a)).Reserved.Should().Be(1);
        (await LevelAsync(b)).Reserved.Should().Be(0);
        (await Store.ConfirmAsync(expiring.Id)).Outcome.Should().Be(HoldOutcome.Expired);
    }

    [Test]
    public async Task Finished_holds_are_purged_after_their_retention_period()
    {
        var key = await StockedAsync(5);
        var hold = await HoldAsync(new StockLine(key, 1));
        await Store.ConfirmAsync(hold.Id);

        Time.Advance(TimeSpan.FromHours(23));
        await Store.SweepAsync();
        (await Store.GetHoldAsync(hold.Id)).Should().NotBeNull("the default retention is 24 hours");

        Time.Advance(TimeSpan.FromHours(2));
        (await Store.SweepAsync()).PurgedHolds.Should().BeGreaterThanOrEqualTo(1);
        (await Store.GetHoldAsync(hold.Id)).Should().BeNull();
    }

    [Test]
    public async Task A_time_to_live_beyond_the_maximum_is_refused()
    {
        var key = await StockedAsync(5);
        var hold = await HoldAsync(new StockLine(key, 1));

        await FluentActions.Awaiting(() => Store.ReserveAsync(new ReserveRequest(TimeSpan.FromDays(2), new StockLine(key, 1))))
            .Should().ThrowAsync<ArgumentOutOfRangeException>();
        await FluentActions.Awaiting(() => Store.ExtendAsync(hold.Id, TimeSpan.FromDays(2))).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await FluentActions.Awaiting(() => Store.ExtendAsync(hold.Id, TimeSpan.Zero)).Should().ThrowAsync<ArgumentOutOfRangeException>();
        (await LevelAsync(key)).Reserved.Should().Be(1);
    }
}
