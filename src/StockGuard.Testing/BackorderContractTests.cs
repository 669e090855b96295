using System.Globalization;
using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using StockGuard.Changes;

namespace StockGuard.Testing;

/// <summary>
/// What every <see cref="IStockBackorders"/> owes its users: pre-orders up to the limit and no further, backorders
/// recorded per line, receipts that fill them exactly in arrival order and never give a unit twice (also under racing
/// buyers and receipts), cancels that give the position back once, and hostile input refused. Closed for every store
/// and every strategy, like <see cref="StockStoreContractTests{TProvider}"/>: every strategy takes units below zero its
/// own way, and each must record the same backorders.
/// </summary>
/// <typeparam name="TProvider">Makes the stores under test.</typeparam>
[TestFixture]
public abstract partial class BackorderContractTests<TProvider> : ProviderFixture<TProvider>
    where TProvider : IStockStoreTestProvider, new()
{
    /// <summary>The moment every test's fake clock starts at.</summary>
    protected static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The test's store.</summary>
    protected IStockStore Store { get; private set; } = null!;

    /// <summary>The test's store as its backorders.</summary>
    protected IStockBackorders Backorders => (IStockBackorders)Store;

    /// <summary>The test's clock.</summary>
    protected FakeTimeProvider Time { get; private set; } = null!;

    [SetUp]
    public void CreateStore()
    {
        Time = new FakeTimeProvider(Start);
        Store = DisposedAfterTest(Provider.CreateStore(Time));
    }

    /// <summary>An item that has been received (<paramref name="units"/> on hand, at least 1) and may sell <paramref name="backorderLimit"/> units below zero.</summary>
    protected async Task<StockKey> ReleasedAsync(int units, long backorderLimit)
    {
        var key = new StockKey(NewSku("bo"));
        await Store.SetPolicyAsync(key, new StockPolicy(BackorderLimit: backorderLimit));
        (await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, units)))).Succeeded.Should().BeTrue();
        return key;
    }

    /// <summary>An item never received, on pre-order up to <paramref name="preOrderLimit"/> units.</summary>
    protected async Task<StockKey> PreOrderAsync(long preOrderLimit, DateTimeOffset? expected = null)
    {
        var key = new StockKey(NewSku("pre"));
        await Store.SetPolicyAsync(key, new StockPolicy { PreOrderLimit = preOrderLimit, ExpectedRestock = expected });
        return key;
    }

    /// <summary>Reads a level that must exist.</summary>
    protected async Task<StockLevel> LevelAsync(StockKey key) =>
        await Store.GetLevelAsync(key) ?? throw new AssertionException($"The item {key} does not exist.");

    /// <summary>Sells <paramref name="units"/> of <paramref name="key"/> to the order <paramref name="order"/>.</summary>
    protected Task<StockChangeResult> BuyAsync(StockKey key, int units, string order) =>
        Store.DeductAsync(new DeductRequest(new StockLine(key, units)) { Reference = order });

    /// <summary>An order reference no other test uses.</summary>
    protected static string NewOrder(string hint = "order") => $"{hint}-{Guid.NewGuid():N}";

    /// <summary>The movements of one item, oldest first.</summary>
    protected Task<List<StockChange>> HistoryAsync(StockKey key) => HistoryAsync(Store, key);

    /// <summary>The units a fill movement's note says it gave: "backorder SEQ: N filled".</summary>
    protected static int FilledUnits(StockChange change)
    {
        change.Kind.Should().Be(StockMovementKind.BackorderFilled);
        change.OnHandDelta.Should().Be(0, "a fill moves no counter: the sale took the units already");
        change.ReservedDelta.Should().Be(0);
        var note = change.Note ?? throw new AssertionException("A fill movement names its backorder and units.");
        return int.Parse(note[(note.IndexOf(':', StringComparison.Ordinal) + 2)..note.LastIndexOf(' ')], CultureInfo.InvariantCulture);
    }

    [Test]
    public async Task A_policy_stores_the_pre_order_limit_and_the_expected_restock_date()
    {
        var expected = new DateTimeOffset(2026, 4, 15, 8, 30, 0, TimeSpan.FromHours(2));
        var key = await PreOrderAsync(5, expected);

        var level = await LevelAsync(key);
        level.PreOrderLimit.Should().Be(5);
        level.ExpectedRestock.Should().Be(expected, "the date is the same instant, kept as UTC");
        level.ExpectedRestock!.Value.Offset.Should().Be(TimeSpan.Zero);
        level.IsReleased.Should().BeFalse();
        level.IsPreOrder.Should().BeTrue();
        level.Sellable.Should().Be(5);
        level.Status.Should().Be(StockStatus.PreOrder);
    }

    [Test]
    public async Task A_policy_out_of_range_is_refused_and_changes_nothing()
    {
        var key = await PreOrderAsync(5);
        var before = await LevelAsync(key);

        await FluentActions.Awaiting(() => Store.SetPolicyAsync(key, new StockPolicy { PreOrderLimit = -1 }))
            .Should().ThrowAsync<ArgumentOutOfRangeException>();
        await FluentActions.Awaiting(() => Store.SetPolicyAsync(key, new StockPolicy { PreOrderLimit = StockLimits.MaxStock + 1 }))
            .Should().ThrowAsync<ArgumentOutOfRangeException>();
        await FluentActions.Awaiting(() => Store.SetPolicyAsync(key, new StockPolicy { ExpectedRestock = DateTimeOffset.MinValue }))
            .Should().ThrowAsync<ArgumentOutOfRangeException>();
        await FluentActions.Awaiting(() => Store.SetPolicyAsync(key, new StockPolicy { ExpectedRestock = DateTimeOffset.MaxValue }))
            .Should().ThrowAsync<ArgumentOutOfRangeException>();

        var after = await LevelAsync(key);
        after.Should().Be(before);
        after.PreOrderLimit.Should().Be(5);
    }

    [Test]
    public async Task Pre_orders_sell_up_to_the_limit_and_no_further()
    {
        var key = await PreOrderAsync(5);
        string first = NewOrder(), second = NewOrder(), third = NewOrder();

        var sold = await BuyAsync(key, 3, first);
        sold.Succeeded.Should().BeTrue();
        sold.Backordered.Should().Equal(new BackorderedLine(key, 3, BackorderKind.PreOrder));
        (await BuyAsync(key, 2, second)).Backordered.Should().Equal(new BackorderedLine(key, 2, BackorderKind.PreOrder));
        var full = await LevelAsync(key);
        full.Available.Should().Be(-5);
        full.Status.Should().Be(StockStatus.OutOfStock, "the pre-order limit is reached");

        var refused = await BuyAsync(key, 1, third);
        refused.Succeeded.Should().BeFalse();
        refused.Backordered.Should().BeEmpty();
        refused.ShortLines.Should().Equal(new ShortLine(key, 1, 0));
        var held = await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 1)) { Reference = third });
        held.Succeeded.Should().BeFalse();
        (await LevelAsync(key)).Should().Be(full, "a refusal changes nothing");
        (await Backorders.GetBackordersAsync(third)).Backorders.Should().BeEmpty();

        var order = await Backorders.GetBackordersAsync(first);
        order.Backorders.Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            OrderReference = first, Key = key, Kind = BackorderKind.PreOrder, Quantity = 3, Filled = 0, State = BackorderState.Waiting, HoldId = (Guid?)null,
        });
        order.State.Should().Be(BackorderState.Waiting);
        order.Waiting.Should().Be(3);
    }

    [Test]
    public async Task The_first_receipt_releases_a_pre_order_item_and_fills_its_pre_orders()
    {
        var key = await PreOrderAsync(4);
        var order = NewOrder();
        (await BuyAsync(key, 4, order)).Succeeded.Should().BeTrue();

        var received = await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)));

        var level = received.Levels.Single();
        level.IsReleased.Should().BeTrue();
        level.IsPreOrder.Should().BeFalse();
        level.OnHand.Should().Be(6);
        level.Sellable.Should().Be(6, "released, the item sells within its backorder limit (0) only");
        (await LevelAsync(key)).Should().Be(level);
        var filled = await Backorders.GetBackordersAsync(order);
        filled.Backorders.Single().Should().BeEquivalentTo(new { Kind = BackorderKind.PreOrder, Quantity = 4, Filled = 4, State = BackorderState.Filled });
        filled.State.Should().Be(BackorderState.Filled);

        (await BuyAsync(key, 7, NewOrder())).Succeeded.Should().BeFalse("pre-orders ended with the release, and the backorder limit is 0");
    }

    [Test]
    public async Task A_sale_past_zero_records_only_its_units_below_zero()
    {
        var key = await ReleasedAsync(2, backorderLimit: 10);
        var order = NewOrder();

        var sold = await Store.DeductAsync(new DeductRequest(new StockLine(key, 5)) { Reference = order });

        sold.Backordered.Should().Equal(new BackorderedLine(key, 3, BackorderKind.Backorder));
        sold.Levels.Single().Status.Should().Be(StockStatus.Backorder);
        (await BuyAsync(key, 1, NewOrder())).Backordered.Should().Equal(new BackorderedLine(key, 1, BackorderKind.Backorder));
        var entry = (await Backorders.GetBackordersAsync(order)).Backorders.Single();
        entry.Should().BeEquivalentTo(new { Key = key, Kind = BackorderKind.Backorder, Quantity = 3, Filled = 0, State = BackorderState.Waiting });
    }

    [Test]
    public async Task An_order_of_several_lines_records_each_line_that_went_below_zero()
    {
        var short1 = await ReleasedAsync(1, backorderLimit: 5);
        var plenty = await ReleasedAsync(9, backorderLimit: 0);
        var short2 = await ReleasedAsync(2, backorderLimit: 5);
        var order = NewOrder();

        var sold = await Store.DeductAsync(new DeductRequest(new StockLine(short2, 4), new StockLine(plenty, 3), new StockLine(short1, 2)) { Reference = order });

        sold.Backordered.Should().Equal(new BackorderedLine(short2, 2, BackorderKind.Backorder), new BackorderedLine(short1, 1, BackorderKind.Backorder));
        (await Backorders.GetBackordersAsync(order)).Backorders.Select(b => (b.Key, b.Quantity)).Should().BeEquivalentTo(new[] { (short2, 2), (short1, 1) });
    }

    [Test]
    public async Task Receipts_fill_backorders_oldest_first_and_a_partly_filled_one_keeps_its_place()
    {
        var key = await ReleasedAsync(1, backorderLimit: 20);
        string a = NewOrder("a"), b = NewOrder("b"), c = NewOrder("c");
        (await BuyAsync(key, 4, a)).Backordered.Single().Quantity.Should().Be(3);
        (await BuyAsync(key, 4, b)).Backordered.Single().Quantity.Should().Be(4);
        (await BuyAsync(key, 2, c)).Backordered.Single().Quantity.Should().Be(2);

        var first = await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 5)) { Reference = "delivery-1" });
        first.Levels.Single().OnHand.Should().Be(-4);
        (await Backorders.GetBackordersAsync(a)).Backorders.Single().Should().BeEquivalentTo(new { Filled = 3, State = BackorderState.Filled });
        (await Backorders.GetBackordersAsync(b)).Backorders.Single().Should().BeEquivalentTo(new { Filled = 2, State = BackorderState.PartlyFilled, Waiting = 2 });
        (await Backorders.GetBackordersAsync(b)).State.Should().Be(BackorderState.PartlyFilled);
        (await Backorders.GetBackordersAsync(c)).Backorders.Single().Should().BeEquivalentTo(new { Filled = 0, State = BackorderState.Waiting });

        // A later sale queues behind the partly filled one.
        var d = NewOrder("d");
        (await BuyAsync(key, 1, d)).Backordered.Single().Quantity.Should().Be(1);
        (await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 3)))).Levels.Single().OnHand.Should().Be(-2);
        (await Backorders.GetBackordersAsync(b)).Backorders.Single().State.Should().Be(BackorderState.Filled);
        (await Backorders.GetBackordersAsync(c)).Backorders.Single().Should().BeEquivalentTo(new { Filled = 1, State = BackorderState.PartlyFilled });
        (await Backorders.GetBackordersAsync(d)).Backorders.Single().State.Should().Be(BackorderState.Waiting);

        var history = await HistoryAsync(key);
        var fills = history.Where(h => h.Kind == StockMovementKind.BackorderFilled).ToList();
        fills.Select(f => (f.Reference, FilledUnits(f))).Should().Equal((a, 3), (b, 2), (b, 2), (c, 1));
        fills.Select(f => f.LevelAfter!.Version).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems("each fill is a change of its own");
        var receipt = history.Last(h => h.Kind == StockMovementKind.Receipt);
        history.IndexOf(receipt).Should().BeLessThan(history.IndexOf(fills[^1]), "the fills follow their receipt, in its transaction");
    }

    [Test]
    public async Task A_receipt_fills_no_more_than_is_waiting_and_the_rest_is_available()
    {
        var key = await ReleasedAsync(1, backorderLimit: 10);
        var order = NewOrder();
        await BuyAsync(key, 3, order);

        var received = await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)));

        received.Levels.Single().Available.Should().Be(8);
        (await Backorders.GetBackordersAsync(order)).Backorders.Single().Filled.Should().Be(2);
        (await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 1)))).Levels.Single().Available.Should().Be(9);
        (await HistoryAsync(key)).Count(h => h.Kind == StockMovementKind.BackorderFilled).Should().Be(1, "a filled backorder is never filled again");
    }

    [Test]
    public async Task Cancelling_returns_the_unfilled_units_once()
    {
        var key = await ReleasedAsync(1, backorderLimit: 10);
        string early = NewOrder(), order = NewOrder();
        await BuyAsync(key, 1, early);
        (await BuyAsync(key, 5, order)).Backordered.Single().Quantity.Should().Be(5);
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 2)));
        (await LevelAsync(key)).Available.Should().Be(-3);

        var cancelled = await Backorders.CancelBackordersAsync(order);

        cancelled.WasAlreadyDone.Should().BeFalse();
        cancelled.ReturnedUnits.Should().Be(3, "2 of its 5 units had arrived and stay sold");
        cancelled.Order.Backorders.Single().Should().BeEquivalentTo(new { Quantity = 5, Filled = 2, State = BackorderState.Cancelled, Waiting = 0 });
        cancelled.Order.State.Should().Be(BackorderState.Cancelled);
        var level = await LevelAsync(key);
        level.Available.Should().Be(0);
        cancelled.Levels.Should().Equal(level);
        var movement = (await HistoryAsync(key)).Last();
        movement.Should().BeEquivalentTo(new { Kind = StockMovementKind.BackorderCancelled, OnHandDelta = 3L, ReservedDelta = 0L, Reference = order });

        var again = await Backorders.CancelBackordersAsync(order);
        again.WasAlreadyDone.Should().BeTrue();
        again.ReturnedUnits.Should().Be(0);
        again.Levels.Should().BeEmpty();
        (await LevelAsync(key)).Should().Be(level, "a repeated cancel changes nothing");

        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 4)));
        (await Backorders.GetBackordersAsync(order)).Backorders.Single().Filled.Should().Be(2, "a cancelled backorder is never filled");
        (await LevelAsync(key)).Available.Should().Be(4);
    }

    [Test]
    public async Task A_reservation_past_zero_records_a_backorder_that_its_hold_owns()
    {
        var key = await ReleasedAsync(2, backorderLimit: 10);
        string released = NewOrder(), confirmed = NewOrder();

        var hold1 = await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(key, 3)) { Reference = released });
        hold1.Backordered.Should().Equal(new BackorderedLine(key, 1, BackorderKind.Backorder));
        var hold2 = await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(key, 2)) { Reference = confirmed });
        hold2.Backordered.Should().Equal(new BackorderedLine(key, 2, BackorderKind.Backorder));
        (await Backorders.GetBackordersAsync(released)).Backorders.Single().HoldId.Should().Be(hold1.Hold!.Id);

        await FluentActions.Awaiting(() => Backorders.CancelBackordersAsync(released)).Should().ThrowAsync<HoldStateException>("the live hold owns its units: release it");

        await Store.ReleaseAsync(hold1.Hold!.Id);
        (await Backorders.GetBackordersAsync(released)).Backorders.Single().State.Should().Be(BackorderState.Cancelled, "the hold gave its units back");
        (await Store.ConfirmAsync(hold2.Hold!.Id)).Outcome.Should().Be(HoldOutcome.Confirmed);
        var sold = (await Backorders.GetBackordersAsync(confirmed)).Backorders.Single();
        sold.Should().BeEquivalentTo(new { Quantity = 2, State = BackorderState.Waiting, HoldId = (Guid?)null }, "a confirmed hold's backorder is a sale's");

        (await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 5)))).Levels.Single().Available.Should().Be(5);
        (await Backorders.GetBackordersAsync(confirmed)).Backorders.Single().State.Should().Be(BackorderState.Filled);
        (await Backorders.GetBackordersAsync(released)).Backorders.Single().Filled.Should().Be(0);
        (await HistoryAsync(key)).Where(h => h.Kind == StockMovementKind.BackorderFilled).Select(h => h.Reference).Should().Equal(confirmed);
    }

    [Test]
    public async Task A_partly_confirmed_hold_gives_back_its_units_below_zero_first()
    {
        var key = await ReleasedAsync(2, backorderLimit: 10);
        string most = NewOrder(), least = NewOrder();
        var first = await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(key, 5)) { Reference = most });
        first.Backordered.Single().Quantity.Should().Be(3);

        (await Store.ConfirmAsync(new ConfirmRequest(first.Hold!.Id, new StockLine(key, 3)))).Outcome.Should().Be(HoldOutcome.Confirmed);

        (await LevelAsync(key)).Available.Should().Be(-1);
        (await Backorders.GetBackordersAsync(most)).Backorders.Single().Should().BeEquivalentTo(
            new { Quantity = 1, State = BackorderState.Waiting, HoldId = (Guid?)null }, "the 2 units given back were units below zero");

        var second = await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(key, 4)) { Reference = least });
        second.Backordered.Single().Quantity.Should().Be(4);
        (await Store.ConfirmAsync(new ConfirmRequest(second.Hold!.Id, new StockLine(key, 1)))).Outcome.Should().Be(HoldOutcome.Confirmed);
        (await Backorders.GetBackordersAsync(least)).Backorders.Single().State.Should().Be(BackorderState.Waiting);
        (await Backorders.GetBackordersAsync(least)).Backorders.Single().Quantity.Should().Be(1);
        (await LevelAsync(key)).Available.Should().Be(-2, "both backorders wait for one unit each");

        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 2)));
        (await Backorders.GetBackordersAsync(most)).State.Should().Be(BackorderState.Filled);
        (await Backorders.GetBackordersAsync(least)).State.Should().Be(BackorderState.Filled);
        (await LevelAsync(key)).Available.Should().Be(0);
    }

    [Test]
    public async Task An_expired_hold_backorder_is_never_filled()
    {
        var key = await ReleasedAsync(1, backorderLimit: 10);
        var order = NewOrder();
        var hold = await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 4)) { Reference = order });
        hold.Backordered.Single().Quantity.Should().Be(3);

        Time.Advance(TimeSpan.FromMinutes(2));
        (await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 3)))).Succeeded.Should().BeTrue();

        (await Backorders.GetBackordersAsync(order)).Backorders.Single().Should().BeEquivalentTo(new { Filled = 0, State = BackorderState.Cancelled });
        (await HistoryAsync(key)).Should().NotContain(h => h.Kind == StockMovementKind.BackorderFilled);
        (await LevelAsync(key)).Available.Should().Be(4);
    }

    [Test]
    public async Task A_retried_deduct_records_its_backorder_once()
    {
        var key = await ReleasedAsync(1, backorderLimit: 10);
        var request = new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = NewOrder("key") };

        var first = await Store.DeductAsync(request);
        var retry = await Store.DeductAsync(request);

        retry.IsReplay.Should().BeTrue();
        retry.Backordered.Should().Equal(first.Backordered);
        first.Backordered.Should().Equal(new BackorderedLine(key, 2, BackorderKind.Backorder));
        var order = await Backorders.GetBackordersAsync(request.IdempotencyKey!);
        order.Backorders.Should().ContainSingle("the idempotency key is the order reference when the request has none");
        (await LevelAsync(key)).Available.Should().Be(-2);
    }

    [Test]
    public async Task A_keyed_pre_order_stops_at_the_pre_order_limit_whatever_the_backorder_limit()
    {
        var key = new StockKey(NewSku("pre"));
        await Store.SetPolicyAsync(key, new StockPolicy(BackorderLimit: 5) { PreOrderLimit = 1 });

        string tooMany = NewOrder("key"), one = NewOrder("key");

        var refused = await Store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = tooMany });
        var sold = await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { IdempotencyKey = one });

        refused.Succeeded.Should().BeFalse("an item never received sells on pre-order, up to its pre-order limit");
        refused.ShortLines.Should().Equal(new ShortLine(key, 3, 1));
        sold.Backordered.Should().Equal(new BackorderedLine(key, 1, BackorderKind.PreOrder));
        (await Backorders.GetBackordersAsync(one)).Backorders.Single().Should().BeEquivalentTo(new { Quantity = 1, Kind = BackorderKind.PreOrder, State = BackorderState.Waiting });
        (await Backorders.GetBackordersAsync(tooMany)).Backorders.Should().BeEmpty();
        (await LevelAsync(key)).Should().Match<StockLevel>(l => l.OnHand == -1 && l.Available == -1);
    }

    [Test]
    public async Task Hostile_order_references_are_refused()
    {
        foreach (var bad in new[] { "", "   ", new string('x', 201), "a\u0000b", "\ud800" })
        {
            await FluentActions.Awaiting(() => Backorders.GetBackordersAsync(bad)).Should().ThrowAsync<ArgumentException>();
            await FluentActions.Awaiting(() => Backorders.CancelBackordersAsync(bad)).Should().ThrowAsync<ArgumentException>();
        }

        await FluentActions.Awaiting(() => Backorders.GetBackordersAsync(null!)).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => Backorders.CancelBackordersAsync(null!)).Should().ThrowAsync<ArgumentException>();
        var unknown = NewOrder();
        (await Backorders.GetBackordersAsync(unknown)).Backorders.Should().BeEmpty();
        (await FluentActions.Awaiting(() => Backorders.CancelBackordersAsync(unknown)).Should().ThrowAsync<BackorderNotFoundException>())
            .Which.OrderReference.Should().Be(unknown);
        var injected = "x'; DROP TABLE stock_items; --";
        var key = await ReleasedAsync(1, backorderLimit: 5);
        (await BuyAsync(key, 2, injected)).Backordered.Single().Quantity.Should().Be(1);
        (await Backorders.GetBackordersAsync(injected)).Backorders.Single().OrderReference.Should().Be(injected);
    }

    [Test]
    public async Task Racing_buyers_and_receipts_fill_in_arrival_order_and_give_no_unit_twice()
    {
        const int Buyers = 60, Receipts = 12, PerReceipt = 4;
        var key = await ReleasedAsync(1, backorderLimit: Buyers);
        var orders = Enumerable.Range(0, Buyers).Select(i => NewOrder($"race{i}")).ToArray();

        var results = await RaceAsync(Buyers + Receipts, async i => i < Buyers
            ? await BuyAsync(key, 1, orders[i])
            : await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, PerReceipt))));

        results.Should().OnlyContain(r => r.Succeeded, "the backorder limit covers every buyer");
        var entries = new List<Backorder>();
        foreach (var order in orders)
        {
            entries.AddRange((await Backorders.GetBackordersAsync(order)).Backorders);
        }

        var backordered = results.Take(Buyers).Sum(r => r.Backordered.Sum(l => l.Quantity));
        entries.Sum(e => e.Quantity).Should().Be(backordered, "every unit below zero is recorded once");
        var level = await LevelAsync(key);
        const int Received = 1 + (Receipts * PerReceipt);
        level.OnHand.Should().Be(Received - Buyers);
        var filled = entries.Sum(e => e.Filled);
        var fromStock = Buyers - backordered;
        var waiting = entries.Sum(e => e.Waiting);
        (fromStock + filled + Math.Max(0, level.Available)).Should().Be(Received, "received units are sold from stock, given to backorders, or still on hand");
        waiting.Should().Be((int)Math.Max(0, -level.Available), "the waiting backorders own exactly the units below zero");
        entries.Should().OnlyContain(e => e.Filled <= e.Quantity);

        var ordered = entries.OrderBy(e => e.Sequence).ToList();
        var firstWaiting = ordered.FindIndex(e => e.Waiting > 0);
        if (firstWaiting >= 0)
        {
            ordered.Skip(firstWaiting + 1).Should().OnlyContain(e => e.Filled == 0, "a receipt fills the oldest backorders first");
        }

        var fills = (await HistoryAsync(key)).Where(h => h.Kind == StockMovementKind.BackorderFilled).ToList();
        fills.Sum(FilledUnits).Should().Be(filled, "every fill is one movement, and no unit is given twice");

        // A last receipt fills every backorder still waiting, and no more.
        var last = await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, waiting + 2)));
        last.Levels.Single().Available.Should().Be(level.Available + waiting + 2);
        var after = new List<Backorder>();
        foreach (var order in orders)
        {
            after.AddRange((await Backorders.GetBackordersAsync(order)).Backorders);
        }

        after.Should().OnlyContain(e => e.State == BackorderState.Filled && e.Filled == e.Quantity);
        fills = [.. (await HistoryAsync(key)).Where(h => h.Kind == StockMovementKind.BackorderFilled)];
        fills.Sum(FilledUnits).Should().Be(backordered);
        fills.GroupBy(f => f.Reference).Should().NotContain(g => g.Sum(FilledUnits) > 1, "each buyer waited for one unit and got it once");
        fills.Select(f => f.LevelAfter!.Version).Should().OnlyHaveUniqueItems();
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
}
