using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// What every <see cref="IStockAllocator"/> owes its users: allocation by each policy on fixed data, all or nothing,
/// safety stock and backorders per location, holds, idempotency, transfers (immediate and in transit), totals, and
/// allocations and transfers racing each other. Closed for every store and every strategy, like
/// <see cref="StockStoreContractTests{TProvider}"/>: allocation locks whatever the strategy, and these tests prove it.
/// </summary>
/// <typeparam name="TProvider">Makes the stores under test.</typeparam>
[TestFixture]
public abstract partial class LocationContractTests<TProvider> : ProviderFixture<TProvider>
    where TProvider : IStockStoreTestProvider, new()
{
    /// <summary>The moment every test's fake clock starts at.</summary>
    protected static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The test's store.</summary>
    protected IStockStore Store { get; private set; } = null!;

    /// <summary>The test's store as an allocator.</summary>
    protected IStockAllocator Allocator => (IStockAllocator)Store;

    /// <summary>The test's clock.</summary>
    protected FakeTimeProvider Time { get; private set; } = null!;

    [SetUp]
    public void CreateStore()
    {
        Time = new FakeTimeProvider(Start);
        Store = DisposedAfterTest(Provider.CreateStore(Time));
    }

    /// <summary>Three locations no other test uses, in the order given: A, B, C.</summary>
    protected static string[] NewLocations() => [.. "ABC".Select(c => $"{c}-{Guid.NewGuid():N}"[..20])];

    /// <summary>Receives <paramref name="units"/> of <paramref name="sku"/> at <paramref name="location"/> (none for 0, the item then created by a policy).</summary>
    protected async Task PutAsync(string sku, string location, int units, StockPolicy? policy = null)
    {
        var key = new StockKey(sku, location);
        if (policy is not null || units == 0)
        {
            await Store.SetPolicyAsync(key, policy ?? StockPolicy.Default);
        }

        if (units > 0)
        {
            (await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, units)))).Succeeded.Should().BeTrue();
        }
    }

    /// <summary>The on-hand units of <paramref name="sku"/> at <paramref name="location"/>.</summary>
    protected async Task<long> OnHandAsync(string sku, string location) =>
        (await Store.GetLevelAsync(new StockKey(sku, location)) ?? throw new AssertionException($"{sku}@{location} does not exist.")).OnHand;

    /// <summary>The levels of every item named, for before/after comparisons.</summary>
    protected async Task<IReadOnlyList<StockLevel>> LevelsAsync(IEnumerable<string> skus, IEnumerable<string> locations) =>
        await Store.GetLevelsAsync([.. skus.SelectMany(s => locations.Select(l => new StockKey(s, l)))]);

    /// <summary>Asserts that the counters of <paramref name="keys"/> equal their ledger sums and live holds (a store that reconciles).</summary>
    protected async Task ShouldReconcileAsync(IEnumerable<StockKey> keys)
    {
        if (Store is IStockReconciler reconciler)
        {
            var report = await reconciler.VerifyAsync(new ReconciliationRequest(keys));
            report.Drifts.Should().BeEmpty("every allocation and transfer writes its movements");
        }
    }

    /// <summary>A part of an allocation.</summary>
    protected static StockLine Part(string sku, int quantity, string location) => new(sku, quantity, location);

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

    // ---- Policies on fixed data ---------------------------------------------------------------------------------

    /// <summary>sku1: A 3, B 5, C 10; sku2: B 2, C 5 (A does not stock it).</summary>
    private async Task<(string Sku1, string Sku2, string A, string B, string C)> FixedDataAsync()
    {
        var (sku1, sku2) = (NewSku("one"), NewSku("two"));
        var loc = NewLocations();
        await PutAsync(sku1, loc[0], 3);
        await PutAsync(sku1, loc[1], 5);
        await PutAsync(sku1, loc[2], 10);
        await PutAsync(sku2, loc[1], 2);
        await PutAsync(sku2, loc[2], 5);
        return (sku1, sku2, loc[0], loc[1], loc[2]);
    }

    [Test]
    public async Task Priority_takes_each_line_from_the_first_location_that_has_it_then_the_next()
    {
        var (sku1, sku2, a, b, c) = await FixedDataAsync();
        var result = await Allocator.AllocateAsync(new AllocateRequest([new(sku1, 6), new(sku2, 2)], [a, b, c], AllocationPolicy.Priority));

        result.Succeeded.Should().BeTrue();
        result.Parts.Should().Equal(Part(sku1, 3, a), Part(sku1, 3, b), Part(sku2, 2, b));
        result.Levels.Select(l => (l.Key, l.OnHand)).Should().Equal((new StockKey(sku1, a), 0L), (new StockKey(sku1, b), 2L), (new StockKey(sku2, b), 0L));
        (await OnHandAsync(sku1, c)).Should().Be(10);
        (await OnHandAsync(sku2, c)).Should().Be(5);
    }

    [Test]
    public async Task Priority_in_the_opposite_order_takes_from_the_other_end()
    {
        var (sku1, sku2, a, b, c) = await FixedDataAsync();
        var result = await Allocator.AllocateAsync(new AllocateRequest([new(sku1, 12), new(sku2, 6)], [c, b, a]));

        result.Parts.Should().Equal(Part(sku1, 10, c), Part(sku1, 2, b), Part(sku2, 5, c), Part(sku2, 1, b));
        (await OnHandAsync(sku1, a)).Should().Be(3);
    }

    [Test]
    public async Task Ship_complete_takes_the_whole_order_from_the_first_location_that_has_all_of_it()
    {
        var (sku1, sku2, a, b, c) = await FixedDataAsync();
        var result = await Allocator.AllocateAsync(new AllocateRequest([new(sku1, 4), new(sku2, 2)], [a, b, c], AllocationPolicy.ShipComplete));

        result.Parts.Should().Equal(Part(sku1, 4, b), Part(sku2, 2, b));
        (await OnHandAsync(sku1, a)).Should().Be(3);
        (await OnHandAsync(sku1, c)).Should().Be(10);
    }

    [Test]
    public async Task Ship_complete_refuses_an_order_no_single_location_can_serve_and_changes_nothing()
    {
        var (sku1, sku2, a, b, c) = await FixedDataAsync();
        var before = await LevelsAsync([sku1, sku2], [a, b, c]);
        var result = await Allocator.AllocateAsync(new AllocateRequest([new(sku1, 11), new(sku2, 2)], [a, b, c], AllocationPolicy.ShipComplete));

        result.Succeeded.Should().BeFalse();
        result.Parts.Should().BeEmpty();
        result.ShortLines.Should().BeEmpty("18 units of sku1 are there, only not in one place");
        (await LevelsAsync([sku1, sku2], [a, b, c])).Should().Equal(before);
    }

    [Test]
    public async Task Ship_complete_else_priority_splits_only_when_no_single_location_can_serve()
    {
        var (sku1, sku2, a, b, c) = await FixedDataAsync();
        var single = await Allocator.AllocateAsync(new AllocateRequest([new(sku1, 1), new(sku2, 1)], [a, b, c], AllocationPolicy.ShipCompleteElsePriority));
        single.Parts.Should().Equal(Part(sku1, 1, b), Part(sku2, 1, b));

        var split = await Allocator.AllocateAsync(new AllocateRequest([new(sku1, 11), new(sku2, 2)], [a, b, c], AllocationPolicy.ShipCompleteElsePriority));
        split.Parts.Should().Equal(Part(sku1, 3, a), Part(sku1, 4, b), Part(sku1, 4, c), Part(sku2, 1, b), Part(sku2, 1, c));
    }

    [Test]
    public async Task Fewest_shipments_uses_the_fewest_locations_the_preferred_ones_among_equals()
    {
        var (sku1, sku2) = (NewSku("one"), NewSku("two"));
        var loc = NewLocations();
        var (a, b, c) = (loc[0], loc[1], loc[2]);
        await PutAsync(sku1, a, 2);
        await PutAsync(sku1, c, 5);
        await PutAsync(sku2, b, 3);
        await PutAsync(sku2, c, 3);

        var one = await Allocator.AllocateAsync(new AllocateRequest([new(sku1, 4), new(sku2, 2)], [a, b, c], AllocationPolicy.FewestShipments));
        one.Parts.Should().Equal(Part(sku1, 4, c), Part(sku2, 2, c));

        // Left: sku1 A 2, C 1; sku2 B 3, C 1. No single location has 3 of sku1; the first pair that serves is {A, C}.
        var two = await Allocator.AllocateAsync(new AllocateRequest([new(sku1, 3), new(sku2, 1)], [a, b, c], AllocationPolicy.FewestShipments));
        two.Parts.Should().Equal(Part(sku1, 2, a), Part(sku1, 1, c), Part(sku2, 1, c));

        var refused = await Allocator.AllocateAsync(new AllocateRequest([new(sku2, 4)], [a, b, c], AllocationPolicy.FewestShipments));
        refused.Succeeded.Should().BeFalse();
        refused.ShortLines.Should().Equal(new AllocationShortLine(sku2, 4, 3));
    }

    [Test]
    public async Task Safety_stock_and_backorder_limits_apply_per_location()
    {
        var sku = NewSku();
        var loc = NewLocations();
        await PutAsync(sku, loc[0], 5, new StockPolicy(SafetyStock: 2));
        await PutAsync(sku, loc[1], 0, new StockPolicy(BackorderLimit: 4));

        var result = await Allocator.AllocateAsync(new AllocateRequest([new(sku, 7)], loc));

        result.Parts.Should().Equal(Part(sku, 3, loc[0]), Part(sku, 4, loc[1]));
        (await OnHandAsync(sku, loc[0])).Should().Be(2, "the safety stock is never offered");
        (await OnHandAsync(sku, loc[1])).Should().Be(-4, "sold on backorder up to the limit");
        (await Allocator.AllocateAsync(new AllocateRequest([new(sku, 1)], loc))).ShortLines.Should().Equal(new AllocationShortLine(sku, 1, 0));
    }

    [Test]
    public async Task A_custom_policy_decides_from_the_snapshot()
    {
        var (sku1, sku2, a, b, c) = await FixedDataAsync();
        var result = await Allocator.AllocateAsync(new AllocateRequest([new(sku1, 4), new(sku2, 1)], [a, b, c], new LastFirstPolicy()));

        result.Parts.Should().Equal(Part(sku1, 4, c), Part(sku2, 1, c));
        (await OnHandAsync(sku1, c)).Should().Be(6);
    }

    [Test]
    public async Task A_custom_policy_that_takes_more_than_is_there_is_refused_with_a_typed_error_and_changes_nothing()
    {
        var (sku1, sku2, a, b, c) = await FixedDataAsync();
        var before = await LevelsAsync([sku1, sku2], [a, b, c]);

        var act = () => Allocator.AllocateAsync(new AllocateRequest([new(sku1, 4)], [a, b, c], new GreedyPolicy()) { IdempotencyKey = NewSku("key") });

        (await act.Should().ThrowAsync<AllocationPolicyException>()).Which.Policy.Should().Be("greedy");
        (await LevelsAsync([sku1, sku2], [a, b, c])).Should().Equal(before);
    }

    // ---- All or nothing, bad input, idempotency ------------------------------------------------------------------

    [Test]
    public async Task An_order_with_one_line_that_cannot_be_allocated_takes_nothing()
    {
        var (sku1, sku2, a, b, c) = await FixedDataAsync();
        var before = await LevelsAsync([sku1, sku2], [a, b, c]);

        var result = await Allocator.AllocateAsync(new AllocateRequest([new(sku1, 2), new(sku2, 8)], [a, b, c]));

        result.Succeeded.Should().BeFalse();
        result.ShortLines.Should().Equal(new AllocationShortLine(sku2, 8, 7));
        result.Levels.Should().BeEmpty();
        (await LevelsAsync([sku1, sku2], [a, b, c])).Should().Equal(before);
    }

    [Test]
    public async Task A_sku_no_candidate_stocks_is_short_of_every_unit()
    {
        var loc = NewLocations();
        var sku = NewSku();
        var result = await Allocator.AllocateAsync(new AllocateRequest([new(sku, 1)], loc));

        result.ShortLines.Should().Equal(new AllocationShortLine(sku, 1, 0));
        (await Store.GetLevelAsync(new StockKey(sku, loc[0]))).Should().BeNull("a refused allocation creates no item");
    }

    [Test]
    public async Task Bad_allocation_and_transfer_input_is_refused_with_typed_errors_before_anything_changes()
    {
        var (sku1, sku2, a, b, c) = await FixedDataAsync();
        var before = await LevelsAsync([sku1, sku2], [a, b, c]);

        FluentActions.Invoking(() => new AllocateRequest([], [a])).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new AllocateRequest([new(sku1, 1)], [])).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new AllocateRequest([default], [a])).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new AllocateRequest([new(sku1, 1)], [a, a])).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new AllocateRequest([new(sku1, 1)], [TransferRequest.TransitLocation(Guid.NewGuid())])).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new AllocateRequest([new(sku1, 1)], [.. Enumerable.Range(0, 17).Select(i => $"l{i}")])).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new AllocateRequest([new(sku1, int.MaxValue), new(sku1, 1)], [a])).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new AllocationLine(sku1, 0)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new AllocationLine(" ", 1)).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new AllocateRequest([new(sku1, 1)], [a]) { HoldFor = TimeSpan.Zero }).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new TransferRequest(sku1, a, a, 1)).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new TransferRequest(sku1, a, b, 0)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new ReceiveTransferRequest(Guid.Empty, sku1, a)).Should().Throw<ArgumentException>();
        await FluentActions.Awaiting(() => Allocator.AllocateAsync(new AllocateRequest([new(sku1, 1)], [a]) { HoldFor = TimeSpan.FromDays(3650) }))
            .Should().ThrowAsync<ArgumentOutOfRangeException>();
        await FluentActions.Awaiting(() => Allocator.TransferAsync(new TransferRequest(NewSku(), a, b, 1))).Should().ThrowAsync<StockItemNotFoundException>();
        await FluentActions.Awaiting(() => Allocator.ReceiveTransferAsync(new ReceiveTransferRequest(Guid.NewGuid(), sku1, a))).Should().ThrowAsync<StockItemNotFoundException>();
        await FluentActions.Awaiting(() => Allocator.GetTotalAsync("", null)).Should().ThrowAsync<ArgumentException>();

        (await LevelsAsync([sku1, sku2], [a, b, c])).Should().Equal(before);
    }

    [Test]
    public async Task An_allocation_with_an_idempotency_key_applies_once()
    {
        var (sku1, sku2, a, b, c) = await FixedDataAsync();
        var key = NewSku("key");
        var request = new AllocateRequest([new(sku1, 4), new(sku2, 1)], [a, b, c]) { IdempotencyKey = key };

        var first = await Allocator.AllocateAsync(request);
        var again = await Allocator.AllocateAsync(new AllocateRequest([new(sku1, 4), new(sku2, 1)], [a, b, c]) { IdempotencyKey = key });

        first.IsReplay.Should().BeFalse();
        again.IsReplay.Should().BeTrue();
        again.Parts.Should().Equal(first.Parts);
        again.Levels.Should().Equal(first.Levels);
        (await OnHandAsync(sku1, a)).Should().Be(0);
        (await OnHandAsync(sku1, b)).Should().Be(4);
        await FluentActions.Awaiting(() => Allocator.AllocateAsync(new AllocateRequest([new(sku1, 4), new(sku2, 1)], [c, b, a]) { IdempotencyKey = key }))
            .Should().ThrowAsync<IdempotencyConflictException>();
    }

    [Test]
    public async Task A_transfer_with_an_idempotency_key_applies_once()
    {
        var sku = NewSku();
        var loc = NewLocations();
        await PutAsync(sku, loc[0], 10);
        var key = NewSku("key");

        var first = await Allocator.TransferAsync(new TransferRequest(sku, loc[0], loc[1], 4) { IdempotencyKey = key });
        var again = await Allocator.TransferAsync(new TransferRequest(sku, loc[0], loc[1], 4) { IdempotencyKey = key });

        again.IsReplay.Should().BeTrue();
        again.TransferId.Should().Be(first.TransferId);
        (await OnHandAsync(sku, loc[0])).Should().Be(6);
        (await OnHandAsync(sku, loc[1])).Should().Be(4);
    }

    // ---- Holds ----------------------------------------------------------------------------------------------------

    [Test]
    public async Task An_allocated_hold_holds_its_lines_at_the_chosen_locations_and_confirms_as_a_sale_there()
    {
        var (sku1, sku2, a, b, c) = await FixedDataAsync();
        var result = await Allocator.AllocateAsync(new AllocateRequest([new(sku1, 6), new(sku2, 2)], [a, b, c]) { HoldFor = TimeSpan.FromMinutes(10), Reference = "order-7" });

        result.Hold.Should().NotBeNull();
        result.Hold!.Lines.Should().Equal(Part(sku1, 3, a), Part(sku1, 3, b), Part(sku2, 2, b));
        result.Hold.ExpiresAt.Should().Be(Start + TimeSpan.FromMinutes(10));
        var heldB = (await Store.GetLevelAsync(new StockKey(sku1, b)))!;
        (heldB.OnHand, heldB.Reserved).Should().Be((5L, 3L));

        await ShouldReconcileAsync(result.Hold.Lines.Select(l => l.Key));
        (await Store.ConfirmAsync(result.Hold.Id)).Outcome.Should().Be(HoldOutcome.Confirmed);
        var soldB = (await Store.GetLevelAsync(new StockKey(sku1, b)))!;
        (soldB.OnHand, soldB.Reserved).Should().Be((2L, 0L));
        (await OnHandAsync(sku1, a)).Should().Be(0);
    }

    [Test]
    public async Task An_allocated_hold_that_expires_gives_its_units_back_at_each_location()
    {
        var (sku1, _, a, b, c) = await FixedDataAsync();
        var result = await Allocator.AllocateAsync(new AllocateRequest([new(sku1, 18)], [a, b, c]) { HoldFor = TimeSpan.FromMinutes(1) });
        result.Succeeded.Should().BeTrue();
        (await Allocator.AllocateAsync(new AllocateRequest([new(sku1, 1)], [a, b, c]))).Succeeded.Should().BeFalse();

        Time.Advance(TimeSpan.FromMinutes(1));

        var after = await Allocator.AllocateAsync(new AllocateRequest([new(sku1, 18)], [c, b, a]));
        after.Parts.Should().Equal(Part(sku1, 10, c), Part(sku1, 5, b), Part(sku1, 3, a));
    }

    // ---- Transfers and totals -----------------------------------------------------------------------------------

    [Test]
    public async Task A_transfer_moves_units_in_one_step_and_refuses_what_is_not_available()
    {
        var sku = NewSku();
        var loc = NewLocations();
        await PutAsync(sku, loc[0], 10, new StockPolicy(SafetyStock: 2, BackorderLimit: 5));

        var moved = await Allocator.TransferAsync(new TransferRequest(sku, loc[0], loc[1], 6) { Reference = "t-1" });

        moved.Succeeded.Should().BeTrue();
        moved.TransferId.Should().NotBe(Guid.Empty);
        moved.Levels.Select(l => (l.Key.Location, l.OnHand)).Should().Equal((loc[0], 4L), (loc[1], 6L));

        var before = await LevelsAsync([sku], loc);
        var refused = await Allocator.TransferAsync(new TransferRequest(sku, loc[0], loc[2], 3));
        refused.Succeeded.Should().BeFalse();
        refused.ShortLine.Should().Be(new ShortLine(new StockKey(sku, loc[0]), 3, 2), "a transfer takes neither the safety stock nor backorders");
        (await LevelsAsync([sku], loc)).Should().Equal(before);
    }

    [Test]
    public async Task Units_in_transit_leave_the_source_count_as_in_transit_and_land_when_received()
    {
        var sku = NewSku();
        var loc = NewLocations();
        await PutAsync(sku, loc[0], 10);
        await PutAsync(sku, loc[1], 1);

        var sent = await Allocator.TransferAsync(new TransferRequest(sku, loc[0], loc[1], 4) { InTransit = true });

        sent.Levels.Select(l => (l.Key.Location, l.OnHand)).Should().Equal((loc[0], 6L), (TransferRequest.TransitLocation(sent.TransferId), 4L));
        var underway = await Allocator.GetTotalAsync(sku);
        (underway.OnHand, underway.Available, underway.InTransit).Should().Be((7L, 7L, 4L));
        (await OnHandAsync(sku, loc[1])).Should().Be(1, "units in transit are not available at the destination");
        (await Allocator.AllocateAsync(new AllocateRequest([new(sku, 2)], [loc[1]]))).Succeeded.Should().BeFalse();

        var landed = await Allocator.ReceiveTransferAsync(new ReceiveTransferRequest(sent.TransferId, sku, loc[1]));

        landed.Quantity.Should().Be(4);
        (await OnHandAsync(sku, loc[1])).Should().Be(5);
        await ShouldReconcileAsync([new StockKey(sku, loc[0]), new StockKey(sku, loc[1]), new StockKey(sku, TransferRequest.TransitLocation(sent.TransferId))]);
        var total = await Allocator.GetTotalAsync(sku);
        (total.OnHand, total.InTransit).Should().Be((11L, 0L));
        (await Allocator.ReceiveTransferAsync(new ReceiveTransferRequest(sent.TransferId, sku, loc[1]))).Quantity.Should().Be(0, "the units already landed");
        (await OnHandAsync(sku, loc[1])).Should().Be(5);
    }

    [Test]
    public async Task Totals_sum_a_sku_over_all_or_some_locations()
    {
        var sku = NewSku();
        var loc = NewLocations();
        await PutAsync(sku, loc[0], 10, new StockPolicy(SafetyStock: 3));
        await PutAsync(sku, loc[1], 1, new StockPolicy(SafetyStock: 4));
        await PutAsync(sku, loc[2], 5);
        (await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(sku, 2, loc[2])))).Succeeded.Should().BeTrue();

        var all = await Allocator.GetTotalAsync(sku);
        (all.OnHand, all.Reserved, all.Available, all.Sellable, all.InTransit).Should().Be((16L, 2L, 10L, 10L, 0L));
        all.Locations.Select(l => l.Key.Location).Should().Equal(loc.Order(StringComparer.Ordinal));

        var some = await Allocator.GetTotalAsync(sku, [loc[2], loc[1], "nowhere"]);
        (some.OnHand, some.Reserved, some.Available).Should().Be((6L, 2L, 3L));

        (await Allocator.GetTotalAsync(NewSku())).Should().BeEquivalentTo(new { OnHand = 0L, Available = 0L, Locations = Array.Empty<StockLevel>() });
    }

    private sealed class LastFirstPolicy() : AllocationPolicy("last-first")
    {
        public override IReadOnlyList<StockLine>? Choose(AllocationSnapshot snapshot) => TakeInOrder(snapshot, snapshot.Locations.Reverse());
    }

    private sealed class GreedyPolicy() : AllocationPolicy("greedy")
    {
        public override IReadOnlyList<StockLine>? Choose(AllocationSnapshot snapshot) =>
            [.. snapshot.Lines.Select(l => new StockLine(l.Sku, l.Quantity, snapshot.Locations[0]))];
    }
}
