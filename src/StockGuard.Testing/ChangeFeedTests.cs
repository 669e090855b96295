using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using StockGuard.Changes;

namespace StockGuard.Testing;

/// <summary>
/// The change feed every store keeps (<see cref="IStockChangeFeed"/>): each committed movement once, in one order, with
/// the item's level right after it; one item's history paged both ways; status changes on sell-out, restock and low
/// stock; and many buyers, holds and expiries at once while a reader reads. Tests share their store's database with
/// other tests, so they follow their own items only. A provider closes this class in one line per strategy.
/// </summary>
/// <typeparam name="TProvider">Makes the stores under test.</typeparam>
[TestFixture]
public abstract class ChangeFeedTests<TProvider> : ProviderFixture<TProvider>
    where TProvider : IStockStoreTestProvider, new()
{
    private static readonly TimeSpan LongHold = TimeSpan.FromMinutes(30);

    /// <summary>The store's clock. Advanced only where a test lets holds expire, or to let a feed pass a gap in its ids.</summary>
    protected FakeTimeProvider Time { get; private set; } = null!;

    /// <summary>The store under test.</summary>
    protected IStockStore Store { get; private set; } = null!;

    /// <summary>The store's change feed.</summary>
    protected IStockChangeFeed Feed => Store as IStockChangeFeed ?? throw new AssertionException($"{Store.GetType().Name} is not an {nameof(IStockChangeFeed)}.");

    [SetUp]
    public void CreateStore()
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        Store = DisposedAfterTest(Provider.CreateStore(Time));
    }

    [Test]
    public async Task Every_kind_of_change_appears_once_with_the_level_it_left()
    {
        var key = new StockKey(NewSku());
        var start = await Feed.GetLastPositionAsync();

        var received = await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)) { Reference = "delivery-1" });
        var sold = await Store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { Reference = "order-1" });
        var adjusted = await Store.AdjustAsync(new AdjustRequest(key, -1, "broken") { Reference = "count-1" });
        var returned = await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 2)) { Kind = StockMovementKind.Return, Reference = "rma-1" });
        var held = await Store.ReserveAsync(new ReserveRequest(LongHold, new StockLine(key, 2)) { Reference = "cart-1" });
        var confirmed = await Store.ConfirmAsync(held.Hold!.Id);
        var released = await Store.ReserveAsync(new ReserveRequest(LongHold, new StockLine(key, 1)) { Reference = "cart-2" });
        await Store.ReleaseAsync(released.Hold!.Id);
        var expiring = await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 4)) { Reference = "cart-3" });
        Time.Advance(TimeSpan.FromMinutes(2));
        var sweptAt = Time.GetUtcNow();
        await Store.SweepAsync();
        var level = await Store.GetLevelAsync(key);

        var all = (await ReadUntilAsync(start, key, 10)).Where(c => c.Key == key).ToList();
        all.Should().HaveCount(10);
        var changes = all[..9];
        var expiry = all[9];

        changes.Select(c => (c.Kind, c.OnHandDelta, c.ReservedDelta)).Should().Equal(
            (StockMovementKind.Receipt, 10L, 0L),
            (StockMovementKind.Sale, -3L, 0L),
            (StockMovementKind.Adjustment, -1L, 0L),
            (StockMovementKind.Return, 2L, 0L),
            (StockMovementKind.HoldPlaced, 0L, 2L),
            (StockMovementKind.HoldConfirmed, -2L, -2L),
            (StockMovementKind.HoldPlaced, 0L, 1L),
            (StockMovementKind.HoldReleased, 0L, -1L),
            (StockMovementKind.HoldPlaced, 0L, 4L));
        changes.Select(c => c.Reference).Should().Equal("delivery-1", "order-1", "count-1", "rma-1", "cart-1", "cart-1", "cart-2", "cart-2", "cart-3");
        changes[2].Note.Should().Be("broken", "an adjustment's reason is its note");
        changes.Select(c => c.HoldId).Should().Equal(null, null, null, null, held.Hold.Id, held.Hold.Id, released.Hold.Id, released.Hold.Id, expiring.Hold!.Id);
        changes[0].LevelAfter.Should().Be(received.Levels[0]);
        changes[1].LevelAfter.Should().Be(sold.Levels[0]);
        changes[2].LevelAfter.Should().Be(adjusted.Levels[0]);
        changes[3].LevelAfter.Should().Be(returned.Levels[0]);
        changes[4].LevelAfter.Should().Be(held.Levels[0]);
        changes[5].LevelAfter!.OnHand.Should().Be(6);
        changes[5].LevelAfter!.Reserved.Should().Be(0);
        changes[8].LevelAfter.Should().Be(expiring.Levels[0]);

        expiry.Should().BeEquivalentTo(new { Kind = StockMovementKind.HoldExpired, OnHandDelta = 0L, ReservedDelta = -4L, HoldId = (Guid?)expiring.Hold.Id, Reference = "cart-3" });
        expiry.LevelAfter.Should().Be(level, "the last change's level is the item's level");
        expiry.OccurredAt.Should().Be(sweptAt, "the sweep wrote it at the store's time");
        all.Select(c => c.LevelAfter!.Version).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
    }

    [Test]
    public async Task A_reader_resumes_after_any_position_and_the_text_form_round_trips()
    {
        var key = new StockKey(NewSku());
        var start = await Feed.GetLastPositionAsync();
        StockChangePosition.Parse(start.ToString()).Should().Be(start);
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 5)));
        for (var i = 0; i < 4; i++)
        {
            await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { Reference = $"order-{i}" });
        }

        var all = await ReadUntilAsync(start, key, 5);
        var one = new List<StockChange>();
        var position = start;
        while (one.Count(c => c.Key == key) < 5)
        {
            var page = await Feed.ReadChangesAsync(StockChangePosition.Parse(position.ToString()), maxCount: 1);
            page.Changes.Count.Should().BeLessThanOrEqualTo(1);
            if (page.Changes.Count == 0)
            {
                await WaitForMoreAsync();
                continue;
            }

            page.Next.Should().Be(page.Changes[0].Position);
            one.Add(page.Changes[0]);
            position = page.Next;
        }

        one.Where(c => c.Key == key).Should().Equal(all.Where(c => c.Key == key), "reading one at a time from each checkpoint's text reads the same changes");
        one.Select(c => c.Position).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        (await Feed.GetLastPositionAsync()).Should().BeGreaterThanOrEqualTo(one[^1].Position);
    }

    [Test]
    public async Task An_items_history_pages_newest_and_oldest_first()
    {
        var key = new StockKey(NewSku());
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 20)));
        for (var i = 0; i < 6; i++)
        {
            await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { Reference = $"order-{i}" });
        }

        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(NewSku(), 1)));

        var oldest = await PagesAsync(StockHistoryOrder.OldestFirst);
        var newest = await PagesAsync(StockHistoryOrder.NewestFirst);

        oldest.Select(c => c.Reference).Should().Equal(null, "order-0", "order-1", "order-2", "order-3", "order-4", "order-5");
        newest.Should().Equal(Enumerable.Reverse(oldest));
        oldest.Select(c => c.LevelAfter!.OnHand).Should().Equal(20, 19, 18, 17, 16, 15, 14);
        oldest.Select(c => c.LevelAfter!.Version).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        oldest[^1].LevelAfter.Should().Be(await Store.GetLevelAsync(key));
        (await Feed.ReadHistoryAsync(new StockKey(NewSku()))).Should().BeEquivalentTo(new { Changes = Array.Empty<StockChange>(), HasMore = false });

        async Task<List<StockChange>> PagesAsync(StockHistoryOrder order)
        {
            var changes = new List<StockChange>();
            StockChangePosition? after = null;
            var pages = 0;
            while (true)
            {
                var page = await Feed.ReadHistoryAsync(key, order, after, maxCount: 3);
                pages++;
                changes.AddRange(page.Changes);
                page.Changes.Should().AllSatisfy(c => c.Key.Should().Be(key));
                if (!page.HasMore)
                {
                    break;
                }

                page.Changes.Should().HaveCount(3, "only the last page is short");
                after = page.Next;
            }

            pages.Should().Be(3, "7 changes in pages of 3");
            return changes;
        }
    }

    [Test]
    public async Task Status_changes_ride_on_the_movements_that_cause_them()
    {
        var key = new StockKey(NewSku());
        await Store.SetPolicyAsync(key, new StockPolicy(LowStockThreshold: 3));
        var start = await Feed.GetLastPositionAsync();

        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 5)));
        await Store.DeductAsync(new DeductRequest(new StockLine(key, 2)));
        await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
        await Store.DeductAsync(new DeductRequest(new StockLine(key, 2)));
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 10)));
        await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
        var hold = await Store.ReserveAsync(new ReserveRequest(LongHold, new StockLine(key, 6)));
        await Store.ReleaseAsync(hold.Hold!.Id);

        var changes = (await ReadUntilAsync(start, key, 8)).Where(c => c.Key == key).ToList();

        changes.Select(c => c.LevelAfter!.Status).Should().Equal(
            StockStatus.InStock, StockStatus.Low, StockStatus.Low, StockStatus.OutOfStock, StockStatus.InStock, StockStatus.InStock, StockStatus.Low, StockStatus.InStock);
        changes.Select(c => c.StatusChange?.Kind).Should().Equal(
            StockStatusChangeKind.BackInStock,
            StockStatusChangeKind.LowStock,
            null,
            StockStatusChangeKind.OutOfStock,
            StockStatusChangeKind.BackInStock,
            null,
            StockStatusChangeKind.LowStock,
            StockStatusChangeKind.AboveLowStock);
        changes[3].StatusChange.Should().Be(new StockStatusChange(StockStatus.Low, StockStatus.OutOfStock));
        changes[3].LevelBefore!.Available.Should().Be(2);
        changes[3].LevelAfter!.Available.Should().Be(0);
    }

    [Test]
    public async Task Buyers_holds_and_expiries_at_once_are_each_read_once_with_consistent_levels()
    {
        const int Items = 4, Buyers = 24, Rounds = 6;
        var keys = Enumerable.Range(0, Items).Select(_ => new StockKey(NewSku())).ToArray();
        var start = await Feed.GetLastPositionAsync();
        foreach (var key in keys)
        {
            await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 60)));
        }

        // The reader reads while the buyers buy, until it has read as many changes of these items as they have.
        var total = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var mine = keys.ToHashSet();
        var seen = new List<StockChange>();
        var reader = Task.Run(async () =>
        {
            var position = start;
            for (var polls = 0; !total.Task.IsCompleted || seen.Count < total.Task.Result; polls++)
            {
                var page = await Feed.ReadChangesAsync(position, maxCount: 50);
                seen.AddRange(page.Changes.Where(c => mine.Contains(c.Key)));
                position = page.Next;
                if (!page.HasMore)
                {
                    polls.Should().BeLessThan(20_000, "the reader should catch up with the buyers");
                    await Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System, CancellationToken.None);
                    if (total.Task.IsCompleted)
                    {
                        // Past any gap in MySQL's ids: the store's clock is the test's.
                        Time.Advance(TimeSpan.FromSeconds(5));
                    }
                }
            }

            return position;
        });

        var expiries = 0;
        var buyers = Enumerable.Range(0, Buyers).Select(b => Task.Run(async () =>
        {
            var random = new Random(b);
            for (var round = 0; round < Rounds; round++)
            {
                var key = keys[random.Next(Items)];
                var other = keys[(Array.IndexOf(keys, key) + 1) % Items];
                switch (random.Next(5))
                {
                    case 0:
                        await Store.DeductAsync(new DeductRequest(new StockLine(key, 1 + random.Next(3))) { Reference = $"buyer-{b}" });
                        break;
                    case 1:
                        await Store.DeductAsync(new DeductRequest(new StockLine(key, 1), new StockLine(other, 1)) { Reference = $"buyer-{b}" });
                        break;
                    case 2 when (await Store.ReserveAsync(new ReserveRequest(LongHold, new StockLine(key, 2), new StockLine(other, 1)))).Hold is { } hold:
                        await Store.ConfirmAsync(hold.Id);
                        break;
                    case 3 when (await Store.ReserveAsync(new ReserveRequest(LongHold, new StockLine(key, 1)))).Hold is { } hold:
                        await Store.ReleaseAsync(hold.Id);
                        break;
                    case 4 when (await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromSeconds(1), new StockLine(key, 1)))).Hold is not null:
                        Interlocked.Increment(ref expiries);
                        break;
                }
            }
        })).ToArray();
        await Task.WhenAll(buyers);
        Time.Advance(TimeSpan.FromSeconds(2));
        await Store.SweepAsync();
        var levels = await Store.GetLevelsAsync(keys);
        var histories = new Dictionary<StockKey, List<StockChange>>();
        foreach (var key in keys)
        {
            histories[key] = await AllHistoryAsync(key);
        }

        total.SetResult(histories.Values.Sum(h => h.Count));
        var end = await reader.WaitAsync(TimeSpan.FromMinutes(3));
        var again = (await ReadUntilAsync(start, keys[0], 0, until: end)).Where(c => mine.Contains(c.Key)).ToList();

        seen.Should().HaveCount(total.Task.Result, "every movement of the items is in the feed");
        seen.Select(c => c.Position).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems("a reader never sees a change twice, nor one before a position it passed");
        seen.Should().Equal(again, "a reader that read while the buyers bought saw the same changes, once each, as one that read afterwards");
        seen.Count(c => c.Kind == StockMovementKind.HoldExpired).Should().Be(expiries, "every expired hold is given back by one movement");
        foreach (var level in levels)
        {
            var history = seen.Where(c => c.Key == level.Key).OrderBy(c => c.LevelAfter!.Version).ToList();
            history.Select(c => c.LevelAfter!.Version).Should().OnlyHaveUniqueItems("each movement is a change of its own");
            for (var i = 1; i < history.Count; i++)
            {
                history[i].LevelAfter!.OnHand.Should().Be(history[i - 1].LevelAfter!.OnHand + history[i].OnHandDelta, "each level is the one before it plus the movement");
                history[i].LevelAfter!.Reserved.Should().Be(history[i - 1].LevelAfter!.Reserved + history[i].ReservedDelta);
            }

            history.Sum(c => c.OnHandDelta).Should().Be(level.OnHand, "the movements rebuild the counters");
            history.Sum(c => c.ReservedDelta).Should().Be(level.Reserved);
            history[^1].LevelAfter.Should().Be(level, "the last change's level is the item's level");
            histories[level.Key].Should().Equal(history, "an item's history holds the same changes, in the item's order");
        }
    }

    /// <summary>
    /// Reads the feed after <paramref name="after"/> until it holds <paramref name="expected"/> changes of
    /// <paramref name="key"/> and is caught up (or has reached <paramref name="until"/>). A feed may hold changes back a
    /// moment (PostgreSQL behind a transaction still running; MySQL at a gap in its ids, which the test's clock passes).
    /// </summary>
    protected async Task<List<StockChange>> ReadUntilAsync(StockChangePosition after, StockKey key, int expected, StockChangePosition? until = null)
    {
        var changes = new List<StockChange>();
        var position = after;
        for (var attempt = 0; ; attempt++)
        {
            var page = await Feed.ReadChangesAsync(position, maxCount: 500);
            page.Changes.Select(c => c.Position).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
            page.Changes.Where(c => c.Position <= position).Should().BeEmpty("a page holds only changes after the position it was read after");
            changes.AddRange(until is { } last ? page.Changes.Where(c => c.Position <= last) : page.Changes);
            position = page.Next;
            if (page.HasMore && (until is null || position < until))
            {
                continue;
            }

            if (until is { } end ? position >= end : changes.Count(c => c.Key == key) >= expected)
            {
                return changes;
            }

            attempt.Should().BeLessThan(300, $"the feed should show {expected} changes of {key} within a minute");
            await WaitForMoreAsync();
        }
    }

    private async Task<List<StockChange>> AllHistoryAsync(StockKey key)
    {
        var changes = new List<StockChange>();
        StockChangePosition? after = null;
        while (true)
        {
            var page = await Feed.ReadHistoryAsync(key, StockHistoryOrder.OldestFirst, after, maxCount: 7);
            changes.AddRange(page.Changes);
            if (!page.HasMore)
            {
                return changes;
            }

            after = page.Next;
        }
    }

    /// <summary>
    /// Lets a feed that holds changes back catch up: moves the store's clock past any gap wait (MySQL) and polls again
    /// shortly (PostgreSQL's oldest running transaction, which may be another test's, ends by itself).
    /// </summary>
    private async Task WaitForMoreAsync()
    {
        Time.Advance(TimeSpan.FromSeconds(5));
        await Task.Delay(TimeSpan.FromMilliseconds(200), TimeProvider.System, CancellationToken.None);
    }
}
