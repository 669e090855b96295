using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// What every <see cref="IStockWaitlist"/> owes its users: a fair queue for a sold-out item. Units that arrive (a
/// receipt, a return, a released or expired hold) become claims of the head of the queue, in queue order, in the
/// transaction of the arrival; a lapsed claim passes its unit on; new buyers get nothing while anybody waits; joining is
/// idempotent per customer; hostile input is refused and changes nothing. Closed for every store and every strategy.
/// </summary>
/// <typeparam name="TProvider">Makes the stores under test.</typeparam>
[TestFixture]
public abstract partial class WaitlistContractTests<TProvider> : ProviderFixture<TProvider>
    where TProvider : IStockStoreTestProvider, new()
{
    /// <summary>The moment every test's fake clock starts at.</summary>
    protected static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The claim window the test's store gives.</summary>
    protected static readonly TimeSpan ClaimWindow = TimeSpan.FromMinutes(10);

    /// <summary>The test's store.</summary>
    protected IStockStore Store { get; private set; } = null!;

    /// <summary>The test's store as a waitlist.</summary>
    protected IStockWaitlist Waitlist => (IStockWaitlist)Store;

    /// <summary>The test's clock.</summary>
    protected FakeTimeProvider Time { get; private set; } = null!;

    [SetUp]
    public void CreateStore()
    {
        Time = new FakeTimeProvider(Start);
        Store = DisposedAfterTest(Provider.CreateStore(Time, o => o.WaitlistClaimWindow = ClaimWindow));
    }

    /// <summary>A sold-out item: created by its policy, no units.</summary>
    protected async Task<StockKey> SoldOutAsync()
    {
        var key = new StockKey(NewSku("wait"));
        await Store.SetPolicyAsync(key, StockPolicy.Default);
        return key;
    }

    /// <summary>The customer reference of the <paramref name="i"/>th customer.</summary>
    protected static string Customer(int i) => $"customer-{i:D4}";

    /// <summary>Joins <paramref name="count"/> customers one after the other; returns their references in queue order.</summary>
    protected async Task<string[]> JoinInOrderAsync(StockKey key, int count)
    {
        var customers = Enumerable.Range(0, count).Select(Customer).ToArray();
        foreach (var customer in customers)
        {
            (await Waitlist.JoinWaitlistAsync(new JoinWaitlistRequest(key, customer))).Outcome.Should().Be(WaitlistJoinOutcome.Joined);
        }

        return customers;
    }

    /// <summary>Every customer's place, in the order given.</summary>
    protected async Task<WaitlistPlace[]> PlacesAsync(StockKey key, IEnumerable<string> customers)
    {
        var places = new List<WaitlistPlace>();
        foreach (var customer in customers)
        {
            places.Add(await Waitlist.GetWaitlistPlaceAsync(key, customer) ?? throw new AssertionException($"{customer} has no place."));
        }

        return [.. places];
    }

    /// <summary>The item's level.</summary>
    protected async Task<StockLevel> LevelAsync(StockKey key) =>
        await Store.GetLevelAsync(key) ?? throw new AssertionException($"{key} does not exist.");

    /// <summary>Asserts that the item's counters equal its ledger sums and live holds (a store that reconciles).</summary>
    protected async Task ShouldReconcileAsync(StockKey key)
    {
        if (Store is IStockReconciler reconciler)
        {
            var report = await reconciler.VerifyAsync(new ReconciliationRequest([key]));
            report.Drifts.Should().BeEmpty("every claim is a hold with its movements");
        }
    }

    /// <summary>Asserts that <paramref name="places"/> are live claims of one unit each, their holds active and referenced with the customer.</summary>
    protected async Task ShouldBeLiveClaimsAsync(StockKey key, IEnumerable<WaitlistPlace> places)
    {
        foreach (var place in places)
        {
            place.State.Should().Be(WaitlistState.Claimed, place.CustomerReference);
            place.Position.Should().BeNull();
            place.HoldId.Should().NotBeNull();
            var hold = await Store.GetHoldAsync(place.HoldId!.Value) ?? throw new AssertionException($"The claim of {place.CustomerReference} has no hold.");
            hold.State.Should().Be(HoldState.Active);
            hold.Lines.Should().Equal(new StockLine(key, 1));
            hold.Reference.Should().Be(place.CustomerReference);
            place.ClaimExpiresAt.Should().Be(hold.ExpiresAt);
            hold.ExpiresAt.Should().BeCloseTo(Time.GetUtcNow() + ClaimWindow, TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Runs <paramref name="count"/> tasks that start together, bounded so a deadlock fails the test instead of hanging it.</summary>
    protected static async Task<T[]> RaceAsync<T>(int count, Func<int, Task<T>> body, int timeoutSeconds = 120)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            await gate.Task;
            return await body(i);
        })).ToArray();
        gate.SetResult();
        return await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(timeoutSeconds));
    }

    // ---- Queue order ---------------------------------------------------------------------------------------------

    [Test]
    public async Task Two_hundred_concurrent_waiters_and_a_receipt_of_fifty_give_claims_to_exactly_the_first_fifty_in_queue_order()
    {
        var key = await SoldOutAsync();
        var joins = await RaceAsync(200, i => Waitlist.JoinWaitlistAsync(new JoinWaitlistRequest(key, Customer(i))));

        joins.Should().OnlyContain(j => j.Outcome == WaitlistJoinOutcome.Joined && j.Place!.State == WaitlistState.Waiting);
        joins.Select(j => j.Place!.Position!.Value).Should().BeEquivalentTo(Enumerable.Range(1, 200).Select(p => (long)p), "each join took the next place");
        var queue = joins.OrderBy(j => j.Place!.Position).Select(j => j.Place!.CustomerReference).ToArray();

        var receipt = await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 50)));

        receipt.Levels.Single().Should().Match<StockLevel>(l => l.OnHand == 50 && l.Reserved == 50 && l.Available == 0, "the receipt's own level shows its units claimed");
        var places = await PlacesAsync(key, queue);
        await ShouldBeLiveClaimsAsync(key, places[..50]);
        places[50..].Should().OnlyContain(p => p.State == WaitlistState.Waiting && p.HoldId == null);
        places[50..].Select(p => p.Position!.Value).Should().Equal(Enumerable.Range(1, 150).Select(p => (long)p), "the rest moved up in their order");
        (await LevelAsync(key)).Should().Match<StockLevel>(l => l.OnHand == 50 && l.Reserved == 50);
        await ShouldReconcileAsync(key);
    }

    [Test]
    public async Task A_return_and_a_released_hold_go_to_the_head_of_the_queue()
    {
        var key = await SoldOutAsync();
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 2)));
        var bought = await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 1)));
        var carted = await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 1)));
        (await Store.ConfirmAsync(bought.Hold!.Id)).Outcome.Should().Be(HoldOutcome.Confirmed);
        var customers = await JoinInOrderAsync(key, 3);

        await Store.ReturnAsync(new HoldReturnRequest(bought.Hold.Id, "return-1", [new StockLine(key, 1)]));
        await Store.ReleaseAsync(carted.Hold!.Id);

        var places = await PlacesAsync(key, customers);
        await ShouldBeLiveClaimsAsync(key, places[..2]);
        places[2].Should().Match<WaitlistPlace>(p => p.State == WaitlistState.Waiting && p.Position == 1);
        (await LevelAsync(key)).Should().Match<StockLevel>(l => l.OnHand == 2 && l.Reserved == 2 && l.Available == 0);
        await ShouldReconcileAsync(key);
    }

    [Test]
    public async Task A_lapsed_claim_passes_its_unit_to_the_next_in_line()
    {
        var key = await SoldOutAsync();
        var customers = await JoinInOrderAsync(key, 10);
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 4)));
        var first = await PlacesAsync(key, customers[..4]);
        (await Store.ConfirmAsync(first[0].HoldId!.Value)).Outcome.Should().Be(HoldOutcome.Confirmed);
        await Store.ReleaseAsync(first[1].HoldId!.Value);

        // The released claim went to the fifth customer at once.
        (await Waitlist.GetWaitlistPlaceAsync(key, customers[4]))!.State.Should().Be(WaitlistState.Claimed);

        Time.Advance(ClaimWindow);
        await Store.SweepAsync();

        var places = await PlacesAsync(key, customers);
        places[0].State.Should().Be(WaitlistState.Fulfilled);
        places[1..4].Select(p => p.State).Should().Equal(WaitlistState.Lapsed, WaitlistState.Lapsed, WaitlistState.Lapsed);
        places[4].State.Should().Be(WaitlistState.Lapsed, "its claim was placed at the same moment as the others and lapsed with them");
        await ShouldBeLiveClaimsAsync(key, places[5..8]);
        places[8..].Select(p => (p.State, p.Position)).Should().Equal((WaitlistState.Waiting, 1L), (WaitlistState.Waiting, 2L));
        (await LevelAsync(key)).Should().Match<StockLevel>(l => l.OnHand == 3 && l.Reserved == 3 && l.Available == 0);
        await ShouldReconcileAsync(key);
    }

    [Test]
    public async Task A_buyer_who_finds_a_lapsed_claim_gets_nothing_and_the_unit_goes_to_the_next_in_line()
    {
        var key = await SoldOutAsync();
        var customers = await JoinInOrderAsync(key, 3);
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 1)));
        Time.Advance(ClaimWindow);

        var deduct = await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)));

        deduct.Succeeded.Should().BeFalse("the lapsed claim's unit goes to the next in line, never to a new buyer");
        (await LevelAsync(key)).Should().Match<StockLevel>(l => l.OnHand == 1, "nothing was sold");

        // A store may give the unit on there and then, or leave the expiry to the sweep (a refused buyer's transaction
        // writes nothing); either way the next in line has it once the expiry is written.
        await Store.SweepAsync();
        var places = await PlacesAsync(key, customers);
        places.Select(p => p.State).Should().Equal(WaitlistState.Lapsed, WaitlistState.Claimed, WaitlistState.Waiting);
        await ShouldBeLiveClaimsAsync(key, places[1..2]);
        await ShouldReconcileAsync(key);
    }

    [Test]
    public async Task Confirming_a_claim_is_the_purchase_and_nothing_is_oversold()
    {
        var key = await SoldOutAsync();
        var customers = await JoinInOrderAsync(key, 8);
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 5)));

        var places = await PlacesAsync(key, customers);
        var outcomes = await RaceAsync(5, i => Store.ConfirmAsync(places[i].HoldId!.Value));

        outcomes.Should().OnlyContain(o => o.Outcome == HoldOutcome.Confirmed);
        (await PlacesAsync(key, customers[..5])).Should().OnlyContain(p => p.State == WaitlistState.Fulfilled);
        (await PlacesAsync(key, customers[5..])).Select(p => p.Position).Should().Equal(1L, 2L, 3L);
        (await LevelAsync(key)).Should().Match<StockLevel>(l => l.OnHand == 0 && l.Reserved == 0);
        await ShouldReconcileAsync(key);
    }

    [Test]
    public async Task Units_that_land_by_transfer_or_leave_the_safety_stock_go_to_the_head_of_the_queue()
    {
        var key = new StockKey(NewSku("wait"), "main");
        await Store.SetPolicyAsync(key, new StockPolicy(SafetyStock: 1));
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 1)));
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(new StockKey(key.Sku, "spare"), 1)));
        var customers = await JoinInOrderAsync(key, 3);

        var moved = await ((IStockAllocator)Store).TransferAsync(new TransferRequest(key.Sku, "spare", "main", 1));
        moved.Levels[1].Should().Match<StockLevel>(l => l.OnHand == 2 && l.Reserved == 1 && l.Available == 0, "the landed unit is claimed in the transfer");
        (await Store.SetPolicyAsync(key, StockPolicy.Default)).Should().Match<StockLevel>(l => l.Reserved == 2 && l.Available == 0);

        var places = await PlacesAsync(key, customers);
        await ShouldBeLiveClaimsAsync(key, places[..2]);
        places[2].Should().Match<WaitlistPlace>(p => p.State == WaitlistState.Waiting && p.Position == 1);
        await ShouldReconcileAsync(key);
    }

    // ---- Queue jumping ---------------------------------------------------------------------------------------------

    [Test]
    public async Task Buyers_hammering_deduct_and_reserve_while_people_wait_get_none_of_the_units_that_arrive()
    {
        var key = await SoldOutAsync();
        var customers = await JoinInOrderAsync(key, 20);

        // 60 buyers (deducts with and without an idempotency key, and holds) race a receipt of 10, then 60 more race the
        // lapse of those claims.
        var raced = await RaceAsync(61, async i => i switch
        {
            60 => (await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)))).Succeeded ? 0 : -1,
            _ => await BuyOneAsync(key, i, $"arrival-{i}"),
        });
        raced[..60].Sum().Should().Be(0, "every unit that arrived went to a waiter");

        Time.Advance(ClaimWindow);
        raced = await RaceAsync(61, async i => i switch
        {
            60 => (await Store.SweepAsync()).ExpiredHolds >= 0 ? 0 : -1,
            _ => await BuyOneAsync(key, i, $"lapse-{i}"),
        });
        raced[..60].Sum().Should().Be(0, "every lapsed claim went to the next waiter");

        var places = await PlacesAsync(key, customers);
        places[..10].Should().OnlyContain(p => p.State == WaitlistState.Lapsed);
        await ShouldBeLiveClaimsAsync(key, places[10..]);
        (await LevelAsync(key)).Should().Match<StockLevel>(l => l.OnHand == 10 && l.Reserved == 10 && l.Available == 0);
        await ShouldReconcileAsync(key);
    }

    /// <summary>One unit bought by the <paramref name="i"/>th of a crowd: a deduct, a deduct with an idempotency key, or a hold; 1 when it got the unit.</summary>
    private async Task<int> BuyOneAsync(StockKey key, int i, string name) => (i % 3) switch
    {
        0 => (await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded ? 1 : 0,
        1 => (await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { IdempotencyKey = $"{key.Sku}-{name}" })).Succeeded ? 1 : 0,
        _ => (await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 1)))).Succeeded ? 1 : 0,
    };

    [Test]
    public async Task New_buyers_get_units_again_once_nobody_waits()
    {
        var key = await SoldOutAsync();
        var customers = await JoinInOrderAsync(key, 2);
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 5)));

        (await PlacesAsync(key, customers)).Should().OnlyContain(p => p.State == WaitlistState.Claimed);
        (await Store.DeductAsync(new DeductRequest(new StockLine(key, 3)))).Succeeded.Should().BeTrue();
        (await LevelAsync(key)).Should().Match<StockLevel>(l => l.OnHand == 2 && l.Reserved == 2 && l.Available == 0);
        await ShouldReconcileAsync(key);
    }

    // ---- Joining and leaving ---------------------------------------------------------------------------------------

    [Test]
    public async Task Joining_twice_keeps_the_first_place_even_when_both_joins_race()
    {
        var key = await SoldOutAsync();
        await JoinInOrderAsync(key, 3);

        var joins = await RaceAsync(20, _ => Waitlist.JoinWaitlistAsync(new JoinWaitlistRequest(key, "twice")));

        joins.Count(j => j.Outcome == WaitlistJoinOutcome.Joined).Should().Be(1);
        joins.Count(j => j.Outcome == WaitlistJoinOutcome.AlreadyJoined).Should().Be(19);
        joins.Select(j => (j.Place!.Position, j.Place.JoinedAt)).Distinct().Should().ContainSingle().Which.Position.Should().Be(4);
        (await Waitlist.JoinWaitlistAsync(new JoinWaitlistRequest(key, Customer(0)))).Should()
            .Match<WaitlistJoinResult>(j => j.Outcome == WaitlistJoinOutcome.AlreadyJoined && j.Place!.Position == 1);

        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 5)));
        (await LevelAsync(key)).Should().Match<StockLevel>(l => l.Reserved == 4 && l.Available == 1, "four places, one unit each");
    }

    [Test]
    public async Task Joining_an_item_that_can_be_bought_is_refused_and_changes_nothing()
    {
        var key = await StockedAsync(Store, 1);
        var before = await LevelAsync(key);

        var join = await Waitlist.JoinWaitlistAsync(new JoinWaitlistRequest(key, "early"));

        join.Should().Match<WaitlistJoinResult>(j => j.Outcome == WaitlistJoinOutcome.InStock && j.Place == null && !j.Succeeded);
        join.Level.Should().Be(before);
        (await Waitlist.GetWaitlistPlaceAsync(key, "early")).Should().BeNull();
        (await LevelAsync(key)).Should().Be(before);
    }

    [Test]
    public async Task A_customer_who_leaves_is_skipped_and_the_others_move_up()
    {
        var key = await SoldOutAsync();
        var customers = await JoinInOrderAsync(key, 4);

        var left = await Waitlist.LeaveWaitlistAsync(key, customers[1]);
        left.Should().Match<WaitlistPlace>(p => p.State == WaitlistState.Left && p.Position == null);
        (await Waitlist.LeaveWaitlistAsync(key, customers[1]))!.State.Should().Be(WaitlistState.Left);
        (await Waitlist.LeaveWaitlistAsync(key, "never-joined")).Should().BeNull();
        (await PlacesAsync(key, customers)).Select(p => p.Position).Should().Equal(1L, null, 2L, 3L);

        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 2)));

        var places = await PlacesAsync(key, customers);
        places.Select(p => p.State).Should().Equal(WaitlistState.Claimed, WaitlistState.Left, WaitlistState.Claimed, WaitlistState.Waiting);
        (await Waitlist.JoinWaitlistAsync(new JoinWaitlistRequest(key, customers[1]))).Should()
            .Match<WaitlistJoinResult>(j => j.Outcome == WaitlistJoinOutcome.AlreadyJoined && j.Place!.State == WaitlistState.Left);

        // A claimed place is not left: its owner releases the hold to give the unit up.
        (await Waitlist.LeaveWaitlistAsync(key, customers[0]))!.State.Should().Be(WaitlistState.Claimed);
        await ShouldReconcileAsync(key);
    }

    // ---- Hostile input ---------------------------------------------------------------------------------------------

    [Test]
    public async Task Hostile_input_is_refused_with_a_typed_error_and_changes_nothing()
    {
        var key = await SoldOutAsync();
        var customers = await JoinInOrderAsync(key, 2);
        var before = await LevelAsync(key);

        string[] hostile = ["", "   ", new string('x', 201), "bad\u0000ref", "lone\uD800", "tab\tref"];
        foreach (var reference in hostile)
        {
            FluentActions.Invoking(() => new JoinWaitlistRequest(key, reference)).Should().Throw<ArgumentException>(reference);
            await FluentActions.Awaiting(() => Waitlist.LeaveWaitlistAsync(key, reference)).Should().ThrowAsync<ArgumentException>();
            await FluentActions.Awaiting(() => Waitlist.GetWaitlistPlaceAsync(key, reference)).Should().ThrowAsync<ArgumentException>();
        }

        FluentActions.Invoking(() => new JoinWaitlistRequest(key, null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => new JoinWaitlistRequest(default, "someone")).Should().Throw<ArgumentException>();
        await FluentActions.Awaiting(() => Waitlist.JoinWaitlistAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => Waitlist.GetWaitlistPlaceAsync(default, "someone")).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => Waitlist.LeaveWaitlistAsync(default, "someone")).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => Waitlist.JoinWaitlistAsync(new JoinWaitlistRequest(new StockKey(NewSku("unknown")), "someone")))
            .Should().ThrowAsync<StockItemNotFoundException>();
        (await Waitlist.GetWaitlistPlaceAsync(new StockKey(NewSku("unknown")), "someone")).Should().BeNull();

        // SQL text in a reference is only text.
        var injected = "x'); DELETE FROM stock_items; --";
        (await Waitlist.JoinWaitlistAsync(new JoinWaitlistRequest(key, injected))).Place!.Position.Should().Be(3);
        (await Waitlist.LeaveWaitlistAsync(key, injected))!.State.Should().Be(WaitlistState.Left);

        (await LevelAsync(key)).Should().Be(before);
        (await PlacesAsync(key, customers)).Select(p => p.Position).Should().Equal(1L, 2L);
    }
}
