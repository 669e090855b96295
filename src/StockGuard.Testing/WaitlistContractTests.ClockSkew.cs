using FluentAssertions;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// Waitlists on two hosts whose clocks are 18 minutes apart (<see cref="SkewedHosts"/>), each store on its own clock: a
/// claim given on the host ahead is live on the host behind for its whole window (its expiry is one instant, stamped
/// once); once a host has passed a lapsed claim on, the owner cannot buy it on a host that still sees it live; the
/// queue is served in joining order, whatever time each host stamped.
/// </summary>
public abstract partial class WaitlistContractTests<TProvider>
{
    /// <summary>The two hosts; when they are one store, it is also the test's <see cref="Store"/>, which sets up the items.</summary>
    private async Task<SkewedHosts> HostsAsync()
    {
        var hosts = await SkewedHosts.CreateAsync(clock => DisposedAfterTest(Provider.CreateStore(clock, o => o.WaitlistClaimWindow = ClaimWindow)), Time);
        Store = hosts.Single ?? Store;
        return hosts;
    }

    [Test]
    public async Task A_claim_given_on_the_host_ahead_is_live_on_the_host_behind_for_its_whole_window()
    {
        var hosts = await HostsAsync();
        var key = await SoldOutAsync();
        var customers = await JoinInOrderAsync(key, 2);
        await hosts.Ahead().ReceiveAsync(new ReceiveRequest(new StockLine(key, 1)));
        var claim = (await ((IStockWaitlist)hosts.Behind()).GetWaitlistPlaceAsync(key, customers[0]))!;
        claim.State.Should().Be(WaitlistState.Claimed);
        claim.ClaimExpiresAt.Should().BeCloseTo(Time.GetUtcNow() + SkewedHosts.AheadBy + ClaimWindow, TimeSpan.FromSeconds(1));

        // The host behind reaches the claim's expiry 18 minutes after the host ahead: a minute before it, all is as given.
        Time.Advance(ClaimWindow + SkewedHosts.AheadBy + SkewedHosts.BehindBy - TimeSpan.FromMinutes(1));
        await hosts.Behind().SweepAsync();
        (await hosts.Behind().DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeFalse("the unit is the claim's");
        (await ((IStockWaitlist)hosts.Behind()).GetWaitlistPlaceAsync(key, customers[0]))!.State.Should().Be(WaitlistState.Claimed);

        (await hosts.Behind().ConfirmAsync(claim.HoldId!.Value)).Outcome.Should().Be(HoldOutcome.Confirmed);
        (await ((IStockWaitlist)hosts.Ahead()).GetWaitlistPlaceAsync(key, customers[0]))!.State.Should().Be(WaitlistState.Fulfilled);
        (await ((IStockWaitlist)hosts.Ahead()).GetWaitlistPlaceAsync(key, customers[1]))!.Should().BeEquivalentTo(new { State = WaitlistState.Waiting, Position = 1L });
        (await hosts.Ahead().GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 0L, Reserved = 0L, Available = 0L });
    }

    [Test]
    public async Task A_claim_the_host_ahead_passed_on_cannot_be_bought_on_the_host_behind()
    {
        var hosts = await HostsAsync();
        var key = await SoldOutAsync();
        var customers = await JoinInOrderAsync(key, 2);

        // Given on the host behind, the ten-minute claim lapsed eight minutes ago for the host ahead, whose sweep passes it on.
        await hosts.Behind().ReceiveAsync(new ReceiveRequest(new StockLine(key, 1)));
        var first = (await ((IStockWaitlist)hosts.Behind()).GetWaitlistPlaceAsync(key, customers[0]))!;
        first.State.Should().Be(WaitlistState.Claimed);
        (await hosts.Ahead().SweepAsync()).ExpiredHolds.Should().BeGreaterThanOrEqualTo(1);

        var confirmed = await hosts.Behind().ConfirmAsync(first.HoldId!.Value);

        confirmed.Outcome.Should().Be(HoldOutcome.Expired, "the host ahead passed the unit on, and every host must see that");
        var places = await PlacesOnAsync(hosts.Behind(), key, customers);
        places.Select(p => p.State).Should().Equal(WaitlistState.Lapsed, WaitlistState.Claimed);
        (await hosts.Behind().GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 1L, Reserved = 1L, Available = 0L });
        (await hosts.Behind().ConfirmAsync(places[1].HoldId!.Value)).Outcome.Should().Be(HoldOutcome.Confirmed);
        (await hosts.Behind().GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 0L, Reserved = 0L, Available = 0L });
        await ShouldReconcileAsync(key);
    }

    [Test]
    public async Task A_claim_a_buyer_on_the_host_ahead_saw_lapse_is_bought_once_at_most()
    {
        var hosts = await HostsAsync();
        var key = await SoldOutAsync();
        var customers = await JoinInOrderAsync(key, 2);
        await hosts.Behind().ReceiveAsync(new ReceiveRequest(new StockLine(key, 1)));
        var first = (await ((IStockWaitlist)hosts.Behind()).GetWaitlistPlaceAsync(key, customers[0]))!;

        (await hosts.Ahead().DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeFalse("a lapsed claim's unit goes to the next in line");
        var confirmed = await hosts.Behind().ConfirmAsync(first.HoldId!.Value);
        await hosts.Ahead().SweepAsync();

        // The buyer's store may have passed the unit on (the owner's confirm is then too late), or written nothing (the
        // owner buys it); never both.
        var places = await PlacesOnAsync(hosts.Behind(), key, customers);
        var level = (await hosts.Behind().GetLevelAsync(key))!;
        if (confirmed.Outcome == HoldOutcome.Confirmed)
        {
            places.Select(p => p.State).Should().Equal(WaitlistState.Fulfilled, WaitlistState.Waiting);
            level.Should().BeEquivalentTo(new { OnHand = 0L, Reserved = 0L, Available = 0L });
        }
        else
        {
            confirmed.Outcome.Should().Be(HoldOutcome.Expired);
            places.Select(p => p.State).Should().Equal(WaitlistState.Lapsed, WaitlistState.Claimed);
            level.Should().BeEquivalentTo(new { OnHand = 1L, Reserved = 1L, Available = 0L });
        }

        await ShouldReconcileAsync(key);
    }

    [Test]
    public async Task The_queue_is_served_in_joining_order_whatever_time_each_host_stamped()
    {
        var hosts = await HostsAsync();
        var key = await SoldOutAsync();
        string[] customers = [Customer(0), Customer(1), Customer(2)];
        (await ((IStockWaitlist)hosts.Ahead()).JoinWaitlistAsync(new JoinWaitlistRequest(key, customers[0]))).Outcome.Should().Be(WaitlistJoinOutcome.Joined);
        (await ((IStockWaitlist)hosts.Behind()).JoinWaitlistAsync(new JoinWaitlistRequest(key, customers[1]))).Outcome.Should().Be(WaitlistJoinOutcome.Joined);
        (await ((IStockWaitlist)hosts.Ahead()).JoinWaitlistAsync(new JoinWaitlistRequest(key, customers[2]))).Outcome.Should().Be(WaitlistJoinOutcome.Joined);
        (await PlacesOnAsync(hosts.Behind(), key, customers)).Select(p => p.Position).Should().Equal(1L, 2L, 3L);

        await hosts.Ahead().ReceiveAsync(new ReceiveRequest(new StockLine(key, 2)));

        var places = await PlacesOnAsync(hosts.Behind(), key, customers);
        places.Select(p => (p.State, p.Position)).Should().Equal((WaitlistState.Claimed, null), (WaitlistState.Claimed, null), (WaitlistState.Waiting, 1L));
        await ShouldReconcileAsync(key);
    }

    private static async Task<WaitlistPlace[]> PlacesOnAsync(IStockStore store, StockKey key, IEnumerable<string> customers)
    {
        var places = new List<WaitlistPlace>();
        foreach (var customer in customers)
        {
            places.Add(await ((IStockWaitlist)store).GetWaitlistPlaceAsync(key, customer) ?? throw new AssertionException($"{customer} has no place."));
        }

        return [.. places];
    }
}
