using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

public abstract partial class StockStoreContractTests<TProvider>
{
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

    /// <summary>An item of 5 units with one hold of 1 unit confirmed and another released; its level after both.</summary>
    private async Task<(StockKey Key, StockHold Confirmed, StockHold Released, StockLevel Before)> ConfirmedAndReleasedAsync()
    {
        var key = await StockedAsync(5);
        var confirmed = await HoldAsync(new StockLine(key, 1));
        var released = await HoldAsync(new StockLine(key, 1));
        await Store.ConfirmAsync(confirmed.Id);
        await Store.ReleaseAsync(released.Id);
        return (key, confirmed, released, await LevelAsync(key));
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
    public async Task The_sweep_finishes_a_hold_whose_lines_a_buyer_already_gave_back_and_the_purge_then_deletes_it()
    {
        var key = await StockedAsync(3);
        var hold = await HoldAsync(new StockLine(key, 3));
        Time.Advance(Ttl);
        (await Store.DeductAsync(new DeductRequest(new StockLine(key, 3)))).Succeeded.Should().BeTrue("the expired hold never blocks a buyer");

        (await Store.SweepAsync()).ExpiredHolds.Should().BeGreaterThanOrEqualTo(1);
        (await Store.GetHoldAsync(hold.Id))!.State.Should().Be(HoldState.Expired);
        (await Store.ConfirmAsync(hold.Id)).Outcome.Should().Be(HoldOutcome.Expired);
        (await LevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 0L, Reserved = 0L });

        Time.Advance(TimeSpan.FromHours(25));
        (await Store.SweepAsync()).PurgedHolds.Should().BeGreaterThanOrEqualTo(1);
        (await Store.GetHoldAsync(hold.Id)).Should().BeNull();
        (await LevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 0L, Reserved = 0L });
    }

    [Test]
    public async Task Version_grows_on_every_change_a_reader_can_see_an_expiry_included_and_a_release_of_an_expired_hold_does_not_move_it()
    {
        var key = new StockKey(NewSku());
        async Task<long> VersionAsync() => (await LevelAsync(key)).Version;

        (await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)))).Levels[0].Version.Should().Be(1);
        (await Store.SetPolicyAsync(key, new StockPolicy(LowStockThreshold: 2))).Version.Should().Be(2);
        (await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Levels[0].Version.Should().Be(3);
        (await Store.AdjustAsync(new AdjustRequest(key, 1, "found"))).Levels[0].Version.Should().Be(4);
        (await Store.AdjustAsync(new AdjustRequest(key, -1, "lost"))).Levels[0].Version.Should().Be(5);
        var confirmed = await Store.ReserveAsync(new ReserveRequest(Ttl * 4, new StockLine(key, 1)));
        var released = await Store.ReserveAsync(new ReserveRequest(Ttl * 4, new StockLine(key, 1)));
        var extended = await Store.ReserveAsync(new ReserveRequest(Ttl * 4, new StockLine(key, 1)));
        new[] { confirmed, released, extended }.Select(r => r.Levels[0].Version).Should().Equal(6, 7, 8);
        await Store.ConfirmAsync(confirmed.Hold!.Id);
        (await VersionAsync()).Should().Be(9, "a confirm is a change");
        await Store.ReleaseAsync(released.Hold!.Id);
        (await VersionAsync()).Should().Be(10, "a release is a change");
        await Store.ExtendAsync(extended.Hold!.Id, Ttl * 4);
        (await VersionAsync()).Should().Be(11, "an extension is a change");

        // Two holds expire: each raises the version a reader sees at once, before anything is written.
        (await HoldAsync(new StockLine(key, 2))).Should().NotBeNull();
        (await HoldAsync(new StockLine(key, 3))).Should().NotBeNull();
        (await VersionAsync()).Should().Be(13);
        Time.Advance(Ttl);
        (await LevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 8L, Reserved = 1L, Version = 15L }, "two expiries are two changes");
        (await VersionAsync()).Should().Be(15, "a read changes nothing");

        // A buyer who needs the expired units gives them back (the version a reader saw stays) and buys (one more).
        (await Store.DeductAsync(new DeductRequest(new StockLine(key, 7)))).Levels[0].Should().BeEquivalentTo(new { OnHand = 1L, Reserved = 1L, Version = 16L });
        (await VersionAsync()).Should().Be(16);
        await Store.SweepAsync();
        (await VersionAsync()).Should().Be(16, "the sweep finished holds whose lines were already given back");

        // Two more expire; the sweep gives them back without moving the version a reader saw; so does a late confirm.
        (await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 5)))).Levels[0].Version.Should().Be(17);
        var late = await HoldAsync(new StockLine(key, 1));
        (await HoldAsync(new StockLine(key, 2))).Should().NotBeNull();
        (await VersionAsync()).Should().Be(19);
        Time.Advance(Ttl);
        (await VersionAsync()).Should().Be(21);
        await Store.SweepAsync();
        (await LevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 6L, Reserved = 1L, Version = 21L });
        (await Store.ConfirmAsync(late.Id)).Outcome.Should().Be(HoldOutcome.Expired);
        (await VersionAsync()).Should().Be(21);

        // An expiry that a confirm finds first: the confirm gives it back, and the version a reader saw stays.
        var expiring = await HoldAsync(new StockLine(key, 1));
        (await VersionAsync()).Should().Be(22);
        Time.Advance(Ttl);
        (await VersionAsync()).Should().Be(23);
        (await Store.ConfirmAsync(expiring.Id)).Outcome.Should().Be(HoldOutcome.Expired);
        (await LevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 6L, Reserved = 1L, Version = 23L });
        (await Store.ExtendAsync(extended.Hold.Id, Ttl)).Outcome.Should().Be(HoldOutcome.Extended);
        (await VersionAsync()).Should().Be(24);
        (await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 1)) { Kind = StockMovementKind.Return })).Levels[0].Version.Should().Be(25, "a return is a change");
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
}
