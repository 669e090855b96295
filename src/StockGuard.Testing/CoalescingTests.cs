using System.Diagnostics.Metrics;
using FluentAssertions;
using NUnit.Framework;
using StockGuard.Diagnostics;

namespace StockGuard.Testing;

/// <summary>
/// The coalescing strategy's batches, for every database store. A row lock held from a second connection keeps the
/// first buyer (who runs alone) waiting, so the buyers after it queue; an idempotency key inserted by an open
/// transaction holds their batch where a test wants it. A deduct is queued by the time
/// <see cref="IStockStore.DeductAsync"/> returns its task, so no test waits for buyers to arrive. A provider closes
/// this class in one line with a provider whose strategy is coalescing.
/// </summary>
/// <typeparam name="TProvider">Makes the stores under test.</typeparam>
public abstract class CoalescingTests<TProvider> : SqlProviderFixture<TProvider>
    where TProvider : ISqlStoreTestProvider, new()
{
    [Test]
    public async Task Queued_buyers_are_granted_in_arrival_order_while_stock_lasts()
    {
        var store = CreateCoalescingStore();
        var key = await StockedAsync(store, 10);
        var (first, queued) = await QueueBehindLockAsync(store, key, [2, 2, 2, 2, 2, 1], (i, line) => new DeductRequest(line) { Reference = $"order-{i}", IdempotencyKey = i % 2 == 0 ? NewSku("order") : null });

        (await first).Levels[0].OnHand.Should().Be(9);
        var results = await Task.WhenAll(queued);

        results.Select(r => r.Succeeded).Should().Equal(true, true, true, true, false, true);
        results.Select(r => r.Levels[0].OnHand).Should().Equal(7, 5, 3, 1, 1, 0);
        results[4].ShortLines.Should().ContainSingle().Which.Should().Be(new ShortLine(key, 2, 1), "the fifth asked for 2 when 1 was left");
        results.Where(r => r.Succeeded).Select(r => r.Levels[0].Version).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems(
            "each sale bumps the version, so every granted buyer sees its own version");
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(0);
        (await Server.LedgerAsync(key)).OnHand.Should().Be(0, "one sale movement per granted buyer");
    }

    [Test]
    public async Task The_same_idempotency_key_twice_in_one_batch_is_applied_once_and_replayed_to_the_second()
    {
        var store = CreateCoalescingStore();
        var key = await StockedAsync(store, 10);
        var order = NewSku("order");
        var (first, queued) = await QueueBehindLockAsync(store, key, [3, 3, 4, 1], (i, line) => new DeductRequest(line) { IdempotencyKey = i < 3 ? order : null });

        await first;
        var outcomes = await Task.WhenAll(queued.Select(Outcome));

        outcomes[0].Result!.Succeeded.Should().BeTrue();
        outcomes[0].Result!.IsReplay.Should().BeFalse();
        outcomes[1].Result!.IsReplay.Should().BeTrue("the repeat of the key got the first result");
        outcomes[1].Result.Should().BeEquivalentTo(outcomes[0].Result, o => o.Excluding(r => r!.IsReplay));
        outcomes[2].Error.Should().BeOfType<IdempotencyConflictException>("the same key with another request is a conflict");
        outcomes[3].Result!.Succeeded.Should().BeTrue();
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(5, "1 sold alone, 3 once for the key, 1 in the batch");
        (await Server.LedgerAsync(key)).OnHand.Should().Be(5);
    }

    [Test]
    public async Task A_key_stored_before_the_batch_is_replayed_not_applied_again()
    {
        var store = CreateCoalescingStore();
        var key = await StockedAsync(store, 10);
        var order = NewSku("order");
        var earlier = await store.DeductAsync(new DeductRequest(new StockLine(key, 2)) { IdempotencyKey = order });
        var (first, queued) = await QueueBehindLockAsync(store, key, [2, 1], (i, line) => new DeductRequest(line) { IdempotencyKey = i == 0 ? order : null });

        await first;
        var results = await Task.WhenAll(queued);

        results[0].IsReplay.Should().BeTrue();
        results[0].Should().BeEquivalentTo(earlier, o => o.Excluding(r => r.IsReplay));
        results[1].Succeeded.Should().BeTrue();
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(6, "2 for the key once, 1 alone, 1 in the batch");
    }

    [Test]
    public async Task A_buyer_cancelled_while_queued_leaves_the_queue_and_the_others_are_served()
    {
        var store = CreateCoalescingStore();
        var key = await StockedAsync(store, 10);
        using var cancel = new CancellationTokenSource();
        await using var blocker = await Server.LockItemAsync(key);
        var first = store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
        var before = store.DeductAsync(new DeductRequest(new StockLine(key, 2)));
        var cancelled = store.DeductAsync(new DeductRequest(new StockLine(key, 3)), cancel.Token);
        var after = store.DeductAsync(new DeductRequest(new StockLine(key, 4)));

        await cancel.CancelAsync();
        await FluentActions.Awaiting(() => cancelled).Should().ThrowAsync<OperationCanceledException>();
        await blocker.ReleaseAsync();

        (await first).Succeeded.Should().BeTrue();
        (await before).Levels[0].OnHand.Should().Be(7);
        (await after).Levels[0].OnHand.Should().Be(3);
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(3, "the cancelled buyer's 3 units were never taken");
    }

    [Test]
    public async Task A_buyer_cancelled_after_its_batch_started_gets_its_truthful_result_and_the_batch_is_unharmed()
    {
        var store = CreateCoalescingStore();
        var key = await StockedAsync(store, 10);
        using var cancel = new CancellationTokenSource();
        var blockedKey = NewSku("order");
        var (first, batch, keyHolder) = await BatchHeldAtKeyAsync(store, key, blockedKey, cancel.Token);
        await using var holder = keyHolder;

        await first;
        await Server.WaitForLockWaiterAsync(keyHolder);
        await cancel.CancelAsync();
        await keyHolder.ReleaseAsync();

        (await batch[1]).Succeeded.Should().BeTrue("the batch had taken the cancelled buyer; it completed and says so");
        (await batch[0]).Succeeded.Should().BeTrue();
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(4);
    }

    [Test]
    public async Task A_connection_killed_mid_batch_fails_every_buyer_in_it_and_moves_no_stock()
    {
        var store = CreateCoalescingStore(maxTransientRetries: 0);
        var key = await StockedAsync(store, 10);
        var blockedKey = NewSku("order");
        var (first, batch, keyHolder) = await BatchHeldAtKeyAsync(store, key, blockedKey, CancellationToken.None);
        await using var holder = keyHolder;

        (await first).Succeeded.Should().BeTrue();
        await Server.KillConnectionAsync(await Server.WaitForLockWaiterAsync(keyHolder));

        foreach (var buyer in batch)
        {
            var error = (await FluentActions.Awaiting(() => buyer).Should().ThrowAsync<StockStoreException>()).Which;
            error.IsTransient.Should().BeTrue();
            error.OutcomeUnknown.Should().BeFalse("the connection died before the commit was sent");
        }

        await keyHolder.ReleaseAsync();
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(9, "only the buyer who ran alone was served");
        (await Server.LedgerAsync(key)).OnHand.Should().Be(9);
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = blockedKey })).IsReplay.Should().BeFalse("the failed batch stored no key");
    }

    [Test]
    public async Task A_full_queue_turns_the_next_buyer_away_with_a_typed_busy_error()
    {
        var store = CreateCoalescingStore(maxQueueLength: 2);
        var key = await StockedAsync(store, 10);
        await using var blocker = await Server.LockItemAsync(key);
        var first = store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
        var queued = new[] { store.DeductAsync(new DeductRequest(new StockLine(key, 1))), store.DeductAsync(new DeductRequest(new StockLine(key, 1))) };

        var busy = (await FluentActions.Awaiting(() => store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Should().ThrowAsync<StockStoreBusyException>()).Which;

        busy.Key.Should().Be(key);
        busy.QueueLength.Should().Be(2);
        busy.IsTransient.Should().BeTrue();
        await blocker.ReleaseAsync();
        await first;
        await Task.WhenAll(queued);
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(7, "the buyer turned away took nothing");
    }

    [Test]
    public async Task A_lone_buyer_who_waited_for_the_flight_of_an_item_that_is_not_hot_is_sold_the_atomic_way_not_as_a_batch()
    {
        var store = CreateCoalescingStore();
        var key = await StockedAsync(store, 10);
        using var batches = RecordBatchSizes();

        var (first, queued) = await QueueBehindLockAsync(store, key, [2], (i, line) => new DeductRequest(line) { Reference = "order-lone" });

        (await first).Levels[0].OnHand.Should().Be(9);
        (await queued[0]).Levels[0].OnHand.Should().Be(7);
        batches.Sizes.Should().BeEmpty("one buyer behind a flight of an item that formed no batch has nothing to coalesce");
        (await store.GetLevelAsync(key))!.OnHand.Should().Be(7);
        (await Server.LedgerAsync(key)).OnHand.Should().Be(7, "one sale movement per buyer");
    }

    [Test]
    public async Task A_hot_item_s_lone_buyer_waits_for_the_buyers_arriving_with_it_and_goes_as_the_next_batch()
    {
        var store = CreateCoalescingStore();
        var key = await StockedAsync(store, 100);
        using var batches = RecordBatchSizes();
        var (first, queued) = await QueueBehindLockAsync(store, key, [2, 3], (i, line) => new DeductRequest(line));
        await first;
        await Task.WhenAll(queued);
        batches.Sizes.Should().Equal([2], "the two buyers behind the flight formed a batch: the item is hot");

        (await store.DeductAsync(new DeductRequest(new StockLine(key, 4)))).Levels[0].OnHand.Should().Be(90);

        batches.Sizes.Should().Equal([2, 1], "a hot item's buyer who finds it idle waits for those arriving with it and goes as the next batch");
        (await Server.LedgerAsync(key)).OnHand.Should().Be(90);
    }

    [Test]
    public async Task A_hot_item_s_batches_count_its_holds_as_they_come_expire_and_are_given_back()
    {
        var store = CreateCoalescingStore();
        var key = await StockedAsync(store, 40);
        List<StockChangeResult> told = [];

        async Task<StockChangeResult[]> BatchAsync(params int[] quantities)
        {
            var (first, queued) = await QueueBehindLockAsync(store, key, quantities, (_, line) => new DeductRequest(line));
            StockChangeResult[] results = [await first, .. await Task.WhenAll(queued)];
            told.AddRange(results);
            return results;
        }

        static IEnumerable<(bool, long, long, long)> Levels(StockChangeResult[] results) =>
            results.Select(r => (r.Succeeded, r.Levels[0].OnHand, r.Levels[0].Reserved, r.Levels[0].Available));

        // Nothing reserved: the item turns hot.
        Levels(await BatchAsync(2, 3)).Should().Equal((true, 39L, 0L, 39L), (true, 37L, 0L, 37L), (true, 34L, 0L, 34L));

        // A cart holds 10 of the 34: 24 available. The next batch asks for 1 + 20 + 4 and must leave the held units alone.
        var hold = await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMilliseconds(500), new StockLine(key, 10)));
        hold.Succeeded.Should().BeTrue();
        var held = await BatchAsync(20, 4);
        Levels(held).Should().Equal((true, 33L, 10L, 23L), (true, 13L, 10L, 3L), (false, 13L, 10L, 3L));
        held[2].ShortLines.Should().ContainSingle().Which.Should().Be(new ShortLine(key, 4, 3), "3 were left beside the held 10");

        // The hold expires, not yet given back: its units are for sale again, and a buyer is told so.
        Time.Advance(TimeSpan.FromMilliseconds(600));
        Levels(await BatchAsync(2, 2)).Should().Equal((true, 12L, 0L, 12L), (true, 10L, 0L, 10L), (true, 8L, 0L, 8L));

        // Given back by the sweep: the item reserves nothing again.
        await store.SweepAsync();
        Levels(await BatchAsync(1, 1)).Should().Equal((true, 7L, 0L, 7L), (true, 6L, 0L, 6L), (true, 5L, 0L, 5L));

        told.Where(r => r.Succeeded).Select(r => r.Levels[0].Version).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems(
            "each sale and each expiry bumps the version, and every buyer is told the version right after its own sale");
        var level = (await store.GetLevelAsync(key))!;
        (level.OnHand, level.Reserved, level.Version).Should().Be((5L, 0L, told[^1].Levels[0].Version), "the last buyer was told the level a read now gives");
        (await Server.LedgerAsync(key)).Should().Be((5L, 0L), "one movement per sale, the hold's placing and its expiry, and nothing else");
    }

    [Test]
    public async Task A_batch_tells_each_buyer_of_an_item_on_pre_order_the_level_a_read_gives()
    {
        var store = CreateCoalescingStore();
        var key = new StockKey(NewSku("pre"));
        var expected = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
        await store.SetPolicyAsync(key, new StockPolicy { PreOrderLimit = 5, ExpectedRestock = expected });
        (await store.AdjustAsync(new AdjustRequest(key, 6, "counted"))).Succeeded.Should().BeTrue();

        // 6 on hand, never received: on pre-order. 1 sells alone, then 2 + 3 in one batch take the last units in stock.
        var (first, queued) = await QueueBehindLockAsync(store, key, [2, 3], (_, line) => new DeductRequest(line));
        (await first).Succeeded.Should().BeTrue();
        var results = await Task.WhenAll(queued);

        results.Should().OnlyContain(r => r.Succeeded);
        var read = (await store.GetLevelAsync(key))!;
        (read.Available, read.IsPreOrder, read.Status).Should().Be((0L, true, StockStatus.PreOrder));
        results.Select(r => (r.Levels[0].PreOrderLimit, r.Levels[0].ExpectedRestock, r.Levels[0].IsPreOrder)).Should().AllBeEquivalentTo(
            (5L, (DateTimeOffset?)expected, true), "every buyer of the batch is told the item's pre-order settings");
        results[^1].Levels[0].Status.Should().Be(StockStatus.PreOrder, "the last buyer took the last unit in stock of an item still on pre-order");
    }

    /// <summary>A batch-size recorder, for the tests that tell a batch from a deduct alone.</summary>
    /// <returns>A recorder that listens until disposed.</returns>
    protected static BatchSizes RecordBatchSizes() => new();

    [Test]
    public async Task Multi_item_orders_and_holds_stay_all_or_nothing()
    {
        var store = CreateCoalescingStore();
        var a = await StockedAsync(store, 5);
        var b = await StockedAsync(store, 1);

        var refused = await store.DeductAsync(new DeductRequest(new StockLine(a, 1), new StockLine(b, 2)));
        var hold = await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(a, 2), new StockLine(b, 1)));

        refused.Succeeded.Should().BeFalse();
        hold.Succeeded.Should().BeTrue();
        (await store.GetLevelAsync(a))!.Available.Should().Be(3);
        (await store.GetLevelAsync(b))!.Available.Should().Be(0);
    }

    /// <summary>Creates a coalescing store that is disposed after the test.</summary>
    protected IStockStore CreateCoalescingStore(int maxTransientRetries = 3, int maxQueueLength = 10_000) =>
        CreateStore(new() { Strategy = ConcurrencyStrategy.Coalescing, MaxTransientRetries = maxTransientRetries, MaxCoalescingQueueLength = maxQueueLength });

    /// <summary>Queues one buyer per quantity behind a buyer of 1 unit who waits for a row lock, then releases the lock.</summary>
    protected async Task<(Task<StockChangeResult> First, Task<StockChangeResult>[] Queued)> QueueBehindLockAsync(
        IStockStore store, StockKey key, int[] quantities, Func<int, StockLine, DeductRequest> request)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(quantities);
        ArgumentNullException.ThrowIfNull(request);
        await using var blocker = await Server.LockItemAsync(key);
        var first = store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { Reference = "order-first" });
        var queued = quantities.Select((q, i) => store.DeductAsync(request(i, new StockLine(key, q)))).ToArray();
        await Server.WaitForLockWaiterAsync(blocker);
        await blocker.ReleaseAsync();
        return (first, queued);
    }

    /// <summary>
    /// Queues a batch of two buyers (2 units, then 3 units under <paramref name="blockedKey"/>) behind a buyer of 1 unit,
    /// holds that key from another transaction, and lets the first buyer through: the batch then waits on the key.
    /// </summary>
    private async Task<(Task<StockChangeResult> First, Task<StockChangeResult>[] Batch, ILockHolder KeyHolder)> BatchHeldAtKeyAsync(
        IStockStore store, StockKey key, string blockedKey, CancellationToken cancellation)
    {
        var keyHolder = await Server.HoldIdempotencyKeyAsync(blockedKey);
        await using var rowBlocker = await Server.LockItemAsync(key);
        var first = store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
        Task<StockChangeResult>[] batch =
        [
            store.DeductAsync(new DeductRequest(new StockLine(key, 2))),
            store.DeductAsync(new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = blockedKey }, cancellation),
        ];
        await Server.WaitForLockWaiterAsync(rowBlocker);
        await rowBlocker.ReleaseAsync();
        return (first, batch, keyHolder);
    }

    /// <summary>The sizes of the coalesced batches recorded (<c>stockguard.batch.size</c>) while it listens, in recording order.</summary>
    protected sealed class BatchSizes : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<int> _sizes = [];

        internal BatchSizes()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == StockGuardDiagnostics.MeterName && instrument.Name == "stockguard.batch.size")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<int>((_, value, _, _) =>
            {
                lock (_sizes)
                {
                    _sizes.Add(value);
                }
            });
            _listener.Start();
        }

        /// <summary>The sizes recorded so far.</summary>
        public int[] Sizes
        {
            get
            {
                lock (_sizes)
                {
                    return [.. _sizes];
                }
            }
        }

        /// <inheritdoc/>
        public void Dispose() => _listener.Dispose();
    }

    private static async Task<(StockChangeResult? Result, Exception? Error)> Outcome(Task<StockChangeResult> task)
    {
        try
        {
            return (await task, null);
        }
        catch (StockGuardException ex)
        {
            return (null, ex);
        }
    }
}
