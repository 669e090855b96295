using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace StockGuard.Testing;

/// <summary>
/// Reconciliation (<see cref="IStockReconciler"/>): counters corrupted behind the store's back are found by a verify
/// with their exact numbers, put right by a repair that changes nothing else, and verified clean afterwards; a repair
/// racing buyers never takes a sale back; a physical count is one adjustment by the difference, refused when the
/// version moved. A store closes this class with the hooks that corrupt its counters (raw SQL for a database store:
/// <see cref="SqlReconciliationTests{TProvider}"/>).
/// </summary>
/// <typeparam name="TProvider">Makes the stores under test, which implement <see cref="IStockReconciler"/>.</typeparam>
[TestFixture]
public abstract class ReconciliationTests<TProvider> : ProviderFixture<TProvider>
    where TProvider : IStockStoreTestProvider, new()
{
    private static readonly TimeSpan HoldTime = TimeSpan.FromMinutes(10);

    private readonly Dictionary<StockKey, Guid> _holdOf = [];
    private readonly List<StockKey> _corrupted = [];

    /// <summary>The test's store.</summary>
    protected IStockStore Store { get; private set; } = null!;

    /// <summary>The test's store as a reconciler.</summary>
    protected IStockReconciler Reconciler => (IStockReconciler)Store;

    /// <summary>The test's clock; it moves only when a test advances it.</summary>
    protected FakeTimeProvider Time { get; private set; } = null!;

    [SetUp]
    public void CreateReconcilingStore()
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        Store = DisposedAfterTest(Provider.CreateStore(Time));
        Store.Should().BeAssignableTo<IStockReconciler>("every store of these packages reconciles");
    }

    /// <summary>
    /// Repairs what the test corrupted, so that no drift outlives it in a schema the fixture's tests share: a hold line
    /// left above its item's reserved units would make a later test's sweep fail on the <c>reserved &gt;= 0</c> check.
    /// </summary>
    [TearDown]
    public async Task RepairWhatTheTestCorruptedAsync()
    {
        if (_corrupted.Count > 0)
        {
            await Reconciler.RepairAsync(new ReconciliationRequest(_corrupted));
            _corrupted.Clear();
        }
    }

    /// <summary>Moves the stored <paramref name="counter"/> of <paramref name="key"/> by <paramref name="delta"/> without a movement, as a hand-written <c>UPDATE</c> would.</summary>
    /// <param name="key">An existing item.</param>
    /// <param name="counter">The counter.</param>
    /// <param name="delta">How far.</param>
    protected abstract Task CorruptCounterAsync(StockKey key, StockCounter counter, long delta);

    /// <summary>Moves the units of the live hold line of <paramref name="holdId"/> on <paramref name="key"/> by <paramref name="delta"/>, nothing else.</summary>
    /// <param name="key">The item of the line.</param>
    /// <param name="holdId">An active hold with a line on <paramref name="key"/>, the item's only one.</param>
    /// <param name="delta">How far.</param>
    protected abstract Task CorruptHoldLineAsync(StockKey key, Guid holdId, long delta);

    [Test]
    public async Task A_store_used_as_shops_use_it_with_sales_holds_expiries_corrections_and_returns_verifies_clean()
    {
        var (a, b, c) = (await ItemAsync(20), await ItemAsync(5), await ItemAsync(2));
        await HoldAsync(c, 2);
        await HoldAsync(b, 1);
        Time.Advance(HoldTime + TimeSpan.FromMinutes(1));
        await SellAsync(c, 2);
        (await Store.SweepAsync()).ExpiredHolds.Should().BeGreaterThanOrEqualTo(1, "the hold on b expired and nobody touched b");
        await SellAsync(a, 3);
        var confirmed = await HoldAsync(a, 2);
        await Store.ConfirmAsync(confirmed);
        await Store.ReleaseAsync(await HoldAsync(b, 1));
        await HoldAsync(b, 4);
        await Store.AdjustAsync(new AdjustRequest(a, -1, "damaged"));
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(b, 2)) { Kind = StockMovementKind.Return });

        var report = await Reconciler.VerifyAsync(new ReconciliationRequest([a, b, c]));

        report.Drifts.Should().BeEmpty();
        report.IsClean.Should().BeTrue();
        report.ItemsChecked.Should().Be(3);
        report.Repairs.Should().BeEmpty();
        report.NextAfter.Should().BeNull("a request that names its items has no next page");
    }

    [Test]
    public async Task Verify_finds_each_corrupted_counter_with_its_numbers_and_changes_nothing()
    {
        var (onHand, reserved, holdLine, clean) = await CorruptedAsync();
        var before = await LevelsAsync(onHand, reserved, holdLine, clean);

        var report = await Reconciler.VerifyAsync(new ReconciliationRequest([clean, holdLine, reserved, onHand]));

        report.ItemsChecked.Should().Be(4);
        report.Drifts.Should().BeEquivalentTo(ExpectedDrifts(onHand, reserved, holdLine), o => o.WithStrictOrdering());
        report.Drifts.Select(d => d.Difference).Should().Equal(5, 2, 2, -4);
        (await LevelsAsync(onHand, reserved, holdLine, clean)).Should().Equal(before, "a verify changes nothing");
    }

    [Test]
    public async Task Repair_puts_each_counter_right_changes_nothing_else_and_verify_is_clean_afterwards()
    {
        var (onHand, reserved, holdLine, clean) = await CorruptedAsync();
        var bystander = await ItemAsync(9);
        var before = await LevelsAsync(onHand, reserved, holdLine, clean, bystander);
        var holdsBefore = await HoldsAsync(reserved, holdLine);

        var report = await Reconciler.RepairAsync(new ReconciliationRequest([onHand, reserved, holdLine, clean]) { Reference = "incident-42" });

        report.IsDryRun.Should().BeFalse();
        report.Drifts.Should().BeEquivalentTo(ExpectedDrifts(onHand, reserved, holdLine), o => o.WithStrictOrdering());
        report.Repairs.Select(r => (r.Key, r.OnHandDelta, r.ReservedDelta, r.LedgerReservedDelta)).Should().Equal(
            (onHand, -5L, 0L, 0L),
            (reserved, 0L, -2L, 0L),
            (holdLine, 0L, 4L, 4L));
        report.Repairs.Select(r => r.Drifts.Count).Should().Equal(1, 2, 1);

        var after = await LevelsAsync(onHand, reserved, holdLine, clean, bystander);
        after[0].Should().Be(before[0] with { OnHand = 10, Version = before[0].Version + 1 }, "on hand is the ledger's sum again");
        after[1].Should().Be(before[1] with { Reserved = 3, Version = before[1].Version + 1 }, "reserved is the live hold again");
        after[2].Should().Be(before[2] with { Reserved = 7, Version = before[2].Version + 1 }, "reserved is the live hold line, as it now says");
        after[3].Should().Be(before[3], "an item without drift is not touched");
        after[4].Should().Be(before[4], "an item outside the request is not touched");
        report.Repairs.Select(r => r.Level).Should().Equal(after[0], after[1], after[2]);
        (await HoldsAsync(reserved, holdLine)).Should().BeEquivalentTo(holdsBefore, o => o.WithStrictOrdering(), "a repair changes no hold");

        (await Reconciler.VerifyAsync(new ReconciliationRequest([onHand, reserved, holdLine, clean, bystander]))).Drifts.Should().BeEmpty();
        var again = await Reconciler.RepairAsync(new ReconciliationRequest([onHand, reserved, holdLine, clean]));
        again.Repairs.Should().BeEmpty("a repaired store has nothing left to repair");
        (await LevelsAsync(onHand, reserved, holdLine, clean, bystander)).Should().Equal(after);
    }

    [Test]
    public async Task The_repaired_counters_go_on_serving_buyers_and_holds_exactly()
    {
        var (onHand, reserved, holdLine, _) = await CorruptedAsync();
        await Reconciler.RepairAsync(new ReconciliationRequest([onHand, reserved, holdLine]));

        (await Store.DeductAsync(new DeductRequest(new StockLine(onHand, 11)))).Succeeded.Should().BeFalse("the corrupted 15 on hand were really 10");
        (await Store.DeductAsync(new DeductRequest(new StockLine(onHand, 10)))).Succeeded.Should().BeTrue();
        var holdOnReserved = (await Store.GetLevelAsync(reserved))!;
        holdOnReserved.Available.Should().Be(7, "10 on hand, 3 held");
        await Store.ConfirmAsync(HoldOf(reserved));
        (await Store.GetLevelAsync(reserved))!.Should().Match<StockLevel>(l => l.OnHand == 7 && l.Reserved == 0);
        await Store.ReleaseAsync(HoldOf(holdLine));
        (await Store.GetLevelAsync(holdLine))!.Reserved.Should().Be(0, "the release gives back the line's units, which the repair counted");

        (await Reconciler.VerifyAsync(new ReconciliationRequest([onHand, reserved, holdLine]))).Drifts.Should().BeEmpty();
    }

    [Test]
    public async Task A_dry_run_reports_the_repairs_and_changes_nothing()
    {
        var (onHand, reserved, holdLine, clean) = await CorruptedAsync();
        var before = await LevelsAsync(onHand, reserved, holdLine, clean);

        var report = await Reconciler.RepairAsync(new ReconciliationRequest([onHand, reserved, holdLine, clean]) { DryRun = true });

        report.IsDryRun.Should().BeTrue();
        report.Repairs.Select(r => (r.Key, r.OnHandDelta, r.ReservedDelta, r.LedgerReservedDelta, r.Level)).Should().Equal(
            (onHand, -5L, 0L, 0L, (StockLevel?)null),
            (reserved, 0L, -2L, 0L, (StockLevel?)null),
            (holdLine, 0L, 4L, 4L, (StockLevel?)null));
        (await LevelsAsync(onHand, reserved, holdLine, clean)).Should().Equal(before);
        (await Reconciler.VerifyAsync(new ReconciliationRequest([onHand, reserved, holdLine, clean]))).Drifts.Should().HaveCount(4);
    }

    [Test]
    public async Task Pages_walk_the_catalogue_in_key_order_each_item_once_and_a_page_repair_touches_only_its_page()
    {
        var prefix = NewSku("page");
        var keys = new List<StockKey>();
        for (var i = 0; i < 7; i++)
        {
            keys.Add(await ItemAsync(10, $"{prefix}-{i}"));
        }

        await BreakCounterAsync(keys[1], StockCounter.OnHand, 3);
        await BreakCounterAsync(keys[5], StockCounter.OnHand, -2);

        var seen = new List<StockDrift>();
        var checkedItems = 0;
        StockKey? after = new StockKey(prefix);
        var pages = 0;
        while (after is { } start && string.CompareOrdinal(start.Sku, prefix + "-~") < 0)
        {
            var page = await Reconciler.VerifyAsync(new ReconciliationRequest { After = start, PageSize = 3 });
            page.ItemsChecked.Should().BeLessThanOrEqualTo(3);
            seen.AddRange(page.Drifts.Where(d => d.Key.Sku.StartsWith(prefix, StringComparison.Ordinal)));
            checkedItems += page.ItemsChecked;
            after = page.NextAfter;
            pages++;
        }

        seen.Should().Equal(
            new StockDrift(keys[1], StockCounter.OnHand, ReconciliationBasis.Ledger, 10, 13),
            new StockDrift(keys[5], StockCounter.OnHand, ReconciliationBasis.Ledger, 10, 8));
        pages.Should().BeGreaterThanOrEqualTo(3, "seven items in pages of three");
        checkedItems.Should().BeGreaterThanOrEqualTo(7);

        var firstPage = await Reconciler.RepairAsync(new ReconciliationRequest { After = new StockKey(prefix), PageSize = 3 });
        firstPage.NextAfter.Should().Be(keys[2]);
        firstPage.Repairs.Select(r => r.Key).Should().Equal(keys[1]);
        (await Store.GetLevelAsync(keys[5]))!.OnHand.Should().Be(8, "the item is on a later page");
        var secondPage = await Reconciler.RepairAsync(new ReconciliationRequest { After = firstPage.NextAfter, PageSize = 3 });
        secondPage.Repairs.Select(r => r.Key).Should().Equal(keys[5]);
        (await Reconciler.VerifyAsync(new ReconciliationRequest(keys))).Drifts.Should().BeEmpty();

        var first = await Reconciler.VerifyAsync(new ReconciliationRequest { PageSize = 1 });
        first.ItemsChecked.Should().Be(1, "the first page of a catalogue that has items");
        first.NextAfter.Should().NotBeNull();
    }

    [Test]
    public async Task A_repair_racing_buyers_never_takes_a_sale_back_and_conservation_stays_exact()
    {
        const int Buyers = 24, Rounds = 4, Units = 100, Phantom = 7;
        var keys = new StockKey[6];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = await ItemAsync(Units);
        }

        // The first four have phantom units; the last two are consistent, and a verify running meanwhile must say so.
        var corrupted = keys[..4];
        var consistent = keys[4..];
        foreach (var key in corrupted)
        {
            await BreakCounterAsync(key, StockCounter.OnHand, Phantom);
        }

        var sold = new int[keys.Length];
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var buyers = Enumerable.Range(0, Buyers).Select(b => Task.Run(async () =>
        {
            await gate.Task;
            for (var round = 0; round < Rounds; round++)
            {
                var item = (b + round) % keys.Length;
                var line = new StockLine(keys[item], 1);
                var bought = b % 2 == 0
                    ? (await Store.DeductAsync(new DeductRequest(line) { Reference = $"buyer-{b}-{round}" })).Succeeded
                    : await BuyThroughHoldAsync(line);
                if (bought)
                {
                    Interlocked.Increment(ref sold[item]);
                }
            }
        })).ToList();
        var repair = Task.Run(async () =>
        {
            await gate.Task;
            return await Reconciler.RepairAsync(new ReconciliationRequest(corrupted));
        });
        var buying = Task.WhenAll(buyers);
        var verify = Task.Run(async () =>
        {
            await gate.Task;
            var falseDrifts = new List<StockDrift>();
            var verifies = 0;
            do
            {
                falseDrifts.AddRange((await Reconciler.VerifyAsync(new ReconciliationRequest(consistent))).Drifts);
                verifies++;
            }
            while (!buying.IsCompleted);

            return (falseDrifts, verifies);
        });
        gate.SetResult();
        await buying.WaitAsync(TimeSpan.FromSeconds(120));
        var report = await repair.WaitAsync(TimeSpan.FromSeconds(120));
        var (falseDrifts, verifies) = await verify.WaitAsync(TimeSpan.FromSeconds(120));

        sold.Sum().Should().Be(Buyers * Rounds, "every buyer found stock");
        report.Repairs.Select(r => r.OnHandDelta).Should().Equal(Enumerable.Repeat(-(long)Phantom, corrupted.Length), "only the phantom units are taken away, never a sale made meanwhile");
        falseDrifts.Should().BeEmpty("a verify reads each item's counters and sums together, so {0} verifies during the sales saw no drift on consistent items", verifies);
        for (var i = 0; i < keys.Length; i++)
        {
            var level = (await Store.GetLevelAsync(keys[i]))!;
            level.OnHand.Should().Be(Units - sold[i], "received − sold, exactly, for {0}", keys[i]);
            level.Reserved.Should().Be(0);
        }

        (await Reconciler.VerifyAsync(new ReconciliationRequest(keys))).Drifts.Should().BeEmpty();
    }

    [Test]
    public async Task A_physical_count_sets_on_hand_as_one_adjustment_by_the_difference()
    {
        var key = await ItemAsync(10);
        await SellAsync(key, 2);
        var read = (await Store.GetLevelAsync(key))!;

        var counted = await Reconciler.CountAsync(new PhysicalCountRequest(key, 5, "cycle count") { ExpectedVersion = read.Version, Reference = "count-1" });

        counted.Succeeded.Should().BeTrue();
        counted.Levels.Should().Equal(read with { OnHand = 5, Version = read.Version + 1 });
        (await Store.GetLevelAsync(key)).Should().Be(counted.Levels[0]);
        (await Reconciler.VerifyAsync(new ReconciliationRequest([key]))).Drifts.Should().BeEmpty("the count was recorded in the ledger");

        var same = await Reconciler.CountAsync(new PhysicalCountRequest(key, 5, "cycle count") { ExpectedVersion = counted.Levels[0].Version });
        same.Succeeded.Should().BeTrue();
        same.Levels.Should().Equal(counted.Levels, "a count that agrees changes nothing, not even the version");

        var up = await Reconciler.CountAsync(new PhysicalCountRequest(key, 12, "found a box"));
        up.Levels[0].Should().Be(counted.Levels[0] with { OnHand = 12, Version = counted.Levels[0].Version + 1 });
        (await Reconciler.VerifyAsync(new ReconciliationRequest([key]))).Drifts.Should().BeEmpty();
    }

    [Test]
    public async Task A_physical_count_against_a_stale_version_is_refused_and_changes_nothing()
    {
        var key = await ItemAsync(10);
        var read = (await Store.GetLevelAsync(key))!;
        await SellAsync(key, 1);
        var now = (await Store.GetLevelAsync(key))!;

        var stale = () => Reconciler.CountAsync(new PhysicalCountRequest(key, 4, "cycle count") { ExpectedVersion = read.Version, IdempotencyKey = NewSku("count") });

        var conflict = (await stale.Should().ThrowAsync<StockVersionConflictException>()).Which;
        (conflict.Key, conflict.ExpectedVersion, conflict.ActualVersion).Should().Be((key, read.Version, now.Version));
        (await Store.GetLevelAsync(key)).Should().Be(now);
        (await Reconciler.VerifyAsync(new ReconciliationRequest([key]))).Drifts.Should().BeEmpty();
    }

    [Test]
    public async Task A_physical_count_below_what_the_holds_and_safety_stock_need_is_refused_and_changes_nothing()
    {
        var key = await ItemAsync(10);
        await Store.SetPolicyAsync(key, new StockPolicy(SafetyStock: 1));
        await HoldAsync(key, 6);
        var before = (await Store.GetLevelAsync(key))!;

        var refused = await Reconciler.CountAsync(new PhysicalCountRequest(key, 4, "cycle count"));

        refused.Succeeded.Should().BeFalse();
        refused.ShortLines.Should().Equal(new ShortLine(key, 6, 3));
        (await Store.GetLevelAsync(key)).Should().Be(before);
        (await Reconciler.CountAsync(new PhysicalCountRequest(key, 7, "cycle count"))).Levels[0].OnHand.Should().Be(7, "7 units cover the hold and the safety stock");
    }

    [Test]
    public async Task A_physical_count_with_an_idempotency_key_takes_effect_once()
    {
        var key = await ItemAsync(10);
        var request = new PhysicalCountRequest(key, 6, "cycle count") { IdempotencyKey = NewSku("count") };
        var first = await Reconciler.CountAsync(request);
        await SellAsync(key, 1);

        var retry = await Reconciler.CountAsync(request);

        retry.IsReplay.Should().BeTrue();
        retry.Levels.Should().Equal(first.Levels);
        (await Store.GetLevelAsync(key))!.OnHand.Should().Be(5, "the retry did not count again over the sale");
        var other = () => Reconciler.CountAsync(new PhysicalCountRequest(key, 7, "cycle count") { IdempotencyKey = request.IdempotencyKey });
        await other.Should().ThrowAsync<IdempotencyConflictException>();
        (await Reconciler.VerifyAsync(new ReconciliationRequest([key]))).Drifts.Should().BeEmpty();
    }

    [Test]
    public async Task What_a_store_must_refuse_is_a_typed_error_that_changes_nothing()
    {
        var key = await ItemAsync(10);
        await BreakCounterAsync(key, StockCounter.OnHand, 2);
        var before = (await Store.GetLevelAsync(key))!;
        var unknown = new StockKey(NewSku("unknown"));

        await FluentActions.Awaiting(() => Reconciler.VerifyAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => Reconciler.RepairAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => Reconciler.CountAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        (await FluentActions.Awaiting(() => Reconciler.VerifyAsync(new ReconciliationRequest([key, unknown]))).Should().ThrowAsync<StockItemNotFoundException>())
            .Which.Key.Should().Be(unknown);
        (await FluentActions.Awaiting(() => Reconciler.RepairAsync(new ReconciliationRequest([key, unknown]))).Should().ThrowAsync<StockItemNotFoundException>())
            .Which.Key.Should().Be(unknown);
        (await FluentActions.Awaiting(() => Reconciler.CountAsync(new PhysicalCountRequest(unknown, 1, "cycle count"))).Should().ThrowAsync<StockItemNotFoundException>())
            .Which.Key.Should().Be(unknown);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await FluentActions.Awaiting(() => Reconciler.RepairAsync(new ReconciliationRequest([key]), cancelled.Token)).Should().ThrowAsync<OperationCanceledException>();
        await FluentActions.Awaiting(() => Reconciler.CountAsync(new PhysicalCountRequest(key, 1, "cycle count"), cancelled.Token)).Should().ThrowAsync<OperationCanceledException>();

        (await Store.GetLevelAsync(key)).Should().Be(before, "the repair named an unknown item, so it repaired nothing");
        (await Reconciler.VerifyAsync(new ReconciliationRequest([key]))).Drifts.Should().ContainSingle();
    }

    /// <summary>
    /// Four items of 10 on hand: the first with on-hand corrupted by +5; the second with a hold of 3 and reserved
    /// corrupted by +2; the third with a hold of 3 whose line was corrupted to 7; the fourth with a hold of 1, left alone.
    /// </summary>
    protected async Task<(StockKey OnHand, StockKey Reserved, StockKey HoldLine, StockKey Clean)> CorruptedAsync()
    {
        var sku = NewSku("drift");
        var onHand = await ItemAsync(10, sku + "-a");
        var reserved = await ItemAsync(10, sku + "-b");
        var holdLine = await ItemAsync(10, sku + "-c");
        var clean = await ItemAsync(10, sku + "-d");
        await HoldAsync(reserved, 3);
        var corruptedHold = await HoldAsync(holdLine, 3);
        await HoldAsync(clean, 1);
        await BreakCounterAsync(onHand, StockCounter.OnHand, 5);
        await BreakCounterAsync(reserved, StockCounter.Reserved, 2);
        await BreakHoldLineAsync(holdLine, corruptedHold, 4);
        return (onHand, reserved, holdLine, clean);
    }

    /// <summary>The drifts of <see cref="CorruptedAsync"/>'s items, in the order a report lists them.</summary>
    protected static StockDrift[] ExpectedDrifts(StockKey onHand, StockKey reserved, StockKey holdLine) =>
    [
        new(onHand, StockCounter.OnHand, ReconciliationBasis.Ledger, 10, 15),
        new(reserved, StockCounter.Reserved, ReconciliationBasis.Ledger, 3, 5),
        new(reserved, StockCounter.Reserved, ReconciliationBasis.Holds, 3, 5),
        new(holdLine, StockCounter.Reserved, ReconciliationBasis.Holds, 7, 3),
    ];

    /// <summary>Corrupts a counter through <see cref="CorruptCounterAsync"/>; the item is repaired when the test ends.</summary>
    protected Task BreakCounterAsync(StockKey key, StockCounter counter, long delta)
    {
        _corrupted.Add(key);
        return CorruptCounterAsync(key, counter, delta);
    }

    /// <summary>Corrupts a hold line through <see cref="CorruptHoldLineAsync"/>; the item is repaired when the test ends.</summary>
    protected Task BreakHoldLineAsync(StockKey key, Guid holdId, long delta)
    {
        _corrupted.Add(key);
        return CorruptHoldLineAsync(key, holdId, delta);
    }

    /// <summary>Receives <paramref name="units"/> of a new item (or of <paramref name="sku"/>).</summary>
    protected Task<StockKey> ItemAsync(int units, string? sku = null) => StockedAsync(Store, units, sku);

    /// <summary>Places a hold of <paramref name="units"/> on <paramref name="key"/> and returns its id.</summary>
    protected async Task<Guid> HoldAsync(StockKey key, int units)
    {
        var id = (await Store.ReserveAsync(new ReserveRequest(HoldTime, new StockLine(key, units)))).Hold?.Id ?? throw new AssertionException($"No hold of {units} on {key}.");
        _holdOf[key] = id;
        return id;
    }

    /// <summary>The last hold <see cref="HoldAsync"/> placed on <paramref name="key"/>.</summary>
    protected Guid HoldOf(StockKey key) => _holdOf[key];

    private async Task SellAsync(StockKey key, int units) =>
        (await Store.DeductAsync(new DeductRequest(new StockLine(key, units)))).Succeeded.Should().BeTrue();

    private async Task<bool> BuyThroughHoldAsync(StockLine line)
    {
        var hold = await Store.ReserveAsync(new ReserveRequest(HoldTime, line));
        if (hold.Hold is not { } placed)
        {
            return false;
        }

        (await Store.ConfirmAsync(placed.Id)).Outcome.Should().Be(HoldOutcome.Confirmed);
        return true;
    }

    private async Task<StockLevel[]> LevelsAsync(params StockKey[] keys)
    {
        var levels = new StockLevel[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            levels[i] = await Store.GetLevelAsync(keys[i]) ?? throw new AssertionException($"The item {keys[i]} does not exist.");
        }

        return levels;
    }

    private async Task<StockHold?[]> HoldsAsync(params StockKey[] keys)
    {
        var holds = new StockHold?[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            holds[i] = await Store.GetHoldAsync(_holdOf[keys[i]]);
        }

        return holds;
    }
}
