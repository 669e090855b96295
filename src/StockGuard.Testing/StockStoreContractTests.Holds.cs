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
    public async Task Confirm_and_release_are_safe_to_repeat()
    {
        var (key, confirmed, released, before) = await ConfirmedAndReleasedAsync();

        var again = await Store.ConfirmAsync(confirmed.Id);
        var releasedAgain = await Store.ReleaseAsync(released.Id);

        again.Should().BeEquivalentTo(new { Outcome = HoldOutcome.Confirmed, WasAlreadyDone = true });
        releasedAgain.Should().BeEquivalentTo(new { Outcome = HoldOutcome.Released, WasAlreadyDone = true });
        await ShouldBeUnchangedAsync(key, before);
    }

    [Test]
    public async Task Confirming_a_released_hold_or_releasing_a_confirmed_one_is_a_typed_error()
    {
        var (key, confirmed, released, before) = await ConfirmedAndReleasedAsync();

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
