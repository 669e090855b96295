using System.Collections.Concurrent;
using System.Diagnostics;
using FluentAssertions;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using StockGuard.Caching;
using StockGuard.Changes;
using StockGuard.InMemory;

namespace StockGuard.Testing;

/// <summary>
/// Delivery of the change feed to a consumer's handler (<see cref="StockChangeDispatcher"/>) and the read cache it keeps
/// fresh (<see cref="StockLevelCache"/>): every change delivered in position order, none missing, duplicates only across
/// a restart or a take-over; a lease that one dispatcher holds at a time, taken over when it expires, and a checkpoint
/// its lost holder cannot move; a failing handler retried, then its change parked; a sold-out item seen as sold out by
/// the cache within the bound. Tests share the store's database, so each consumer starts at the feed's end and follows
/// its own items. A provider closes this class in one line.
/// </summary>
/// <typeparam name="TProvider">Makes the stores under test.</typeparam>
[TestFixture]
public abstract class ChangeDeliveryTests<TProvider> : ProviderFixture<TProvider>
    where TProvider : IStockStoreTestProvider, new()
{
    /// <summary>How long a test waits for a condition before it fails.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>The longest a cached read may lag a commit in these tests: the documented bound with room for a loaded machine.</summary>
    private static readonly TimeSpan CacheBound = TimeSpan.FromSeconds(5);

    private readonly List<(CancellationTokenSource Stop, Task Run)> _running = [];
    private InMemoryStockChangeConsumers? _inMemoryConsumers;

    /// <summary>The time holds and leases are measured in; timers run in real time (<see cref="RealTimersClock"/>).</summary>
    protected FakeTimeProvider Time { get; private set; } = null!;

    /// <summary>The clock every store and dispatcher of the test reads.</summary>
    protected TimeProvider Clock { get; private set; } = null!;

    /// <summary>The first application instance's store.</summary>
    protected IStockStore Store { get; private set; } = null!;

    [SetUp]
    public void CreateStore()
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        Clock = new RealTimersClock(Time);
        Store = DisposedAfterTest(Provider.CreateStore(Clock));
        _inMemoryConsumers = null;
    }

    /// <summary>Stops every dispatcher and cache follower the test started, before its stores are disposed.</summary>
    [TearDown]
    public async Task StopRunningAsync()
    {
        foreach (var (stop, run) in _running)
        {
            await stop.CancelAsync();
            await run;
            stop.Dispose();
        }

        _running.Clear();
    }

    [Test]
    public async Task Sixty_four_buyers_with_holds_and_expiries_reach_the_consumer_in_order_each_once()
    {
        var consumer = await NewConsumerAsync();
        var keys = Enumerable.Range(0, 4).Select(_ => new StockKey(NewSku("busy"))).ToArray();
        foreach (var key in keys)
        {
            await Store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 40)));
        }

        var handler = new RecordingHandler(keys);
        Start(Dispatcher(consumer, handler, Store, "host-a"));

        await Task.WhenAll(Enumerable.Range(0, 64).Select(buyer => Task.Run(async () =>
        {
            var key = keys[buyer % keys.Length];
            var held = await Store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(buyer % 3 == 0 ? 1 : 30), new StockLine(key, 1)) { Reference = $"cart-{buyer}" });
            if (!held.Succeeded)
            {
                return;
            }

            switch (buyer % 3)
            {
                case 1:
                    await Store.ConfirmAsync(held.Hold!.Id);
                    break;
                case 2:
                    await Store.ReleaseAsync(held.Hold!.Id);
                    break;
            }
        })));
        Time.Advance(TimeSpan.FromMinutes(2));
        await Store.SweepAsync();

        var expected = await HistoriesAsync(keys);
        expected.Sum(h => h.Value.Count).Should().Be(4 + 64 + 64, "each item's receipt, every hold placed, and each hold confirmed, released or expired");
        await EventuallyAsync(() => handler.Count >= expected.Sum(h => h.Value.Count), "the consumer received every change");
        AssertDeliveredOnceInOrder(handler, expected, allowDuplicates: false);
    }

    [Test]
    public async Task A_stopped_host_restarts_from_its_checkpoint_and_misses_nothing()
    {
        var consumer = await NewConsumerAsync();
        var key = await StockedAsync(Store, 1000);
        var handler = new RecordingHandler([key]);
        var first = Start(Dispatcher(consumer, handler, Store, "host-a"));

        var selling = Task.Run(async () =>
        {
            for (var i = 0; i < 60; i++)
            {
                await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { Reference = $"order-{i}" });
            }
        });
        await EventuallyAsync(() => handler.Count >= 10, "the first host delivered some changes");
        await StopAsync(first);
        var deliveredBeforeRestart = handler.Count;

        var restarted = OtherInstance();
        Start(Dispatcher(consumer, handler, restarted, "host-a-restarted"));
        await selling;

        var expected = await HistoriesAsync([key]);
        expected[key].Should().HaveCount(61);
        await EventuallyAsync(() => handler.Distinct >= 61, "the restarted host delivered the rest");
        deliveredBeforeRestart.Should().BeLessThan(61 + 1);
        AssertDeliveredOnceInOrder(handler, expected, allowDuplicates: true);
    }

    [Test]
    public async Task A_second_instance_takes_over_a_dead_ones_lease_which_can_no_longer_move_the_checkpoint()
    {
        var consumer = await NewConsumerAsync();
        var consumers = Consumers(Store);
        var key = await StockedAsync(Store, 100);

        // A host that took the lease and died: it never renews it.
        var dead = await consumers.TryAcquireLeaseAsync(consumer, "dead-host", TimeSpan.FromMinutes(1));
        dead.Should().NotBeNull();
        var handler = new RecordingHandler([key]);
        var second = Dispatcher(consumer, handler, OtherInstance(), "second-host", TimeSpan.FromMinutes(1));
        Start(second);
        for (var i = 0; i < 5; i++)
        {
            await Store.DeductAsync(new DeductRequest(new StockLine(key, 1)));
        }

        (await consumers.TryAcquireLeaseAsync(consumer, "third-host", TimeSpan.FromMinutes(1))).Should().BeNull("the dead host's lease has not expired");
        handler.Count.Should().Be(0, "only the lease holder delivers");
        second.IsActive.Should().BeFalse();

        Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await EventuallyAsync(() => handler.Distinct >= 6, "the second instance took the expired lease over and delivered");
        second.IsActive.Should().BeTrue();
        AssertDeliveredOnceInOrder(handler, await HistoriesAsync([key]), allowDuplicates: false);

        (await consumers.SaveCheckpointAsync(consumer, "dead-host", StockChangePosition.Start, TimeSpan.FromMinutes(1)))
            .Should().BeFalse("a dispatcher that lost its lease cannot move the checkpoint");
        (await consumers.ParkAsync(consumer, "dead-host", handler.Changes.First(), 1, "late"))
            .Should().BeFalse("nor park a change");
        (await consumers.ReadParkedAsync(consumer)).Should().BeEmpty();
    }

    [Test]
    public async Task A_failing_handler_is_retried_then_its_change_parked_and_the_consumer_goes_on()
    {
        var consumer = await NewConsumerAsync();
        var poison = new StockKey(NewSku("poison"));
        var flaky = new StockKey(NewSku("flaky"));
        var good = new StockKey(NewSku("good"));
        var handler = new RecordingHandler([poison, flaky, good])
        {
            Fails = change => change.Key == poison ? int.MaxValue : change.Key == flaky ? 2 : 0,
        };
        Start(Dispatcher(consumer, handler, Store, "host-a"));

        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(poison, 1)));
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(flaky, 2)));
        await Store.ReceiveAsync(new ReceiveRequest(new StockLine(good, 3)));

        await EventuallyAsync(() => handler.Changes.Any(c => c.Key == good), "the consumer went on past the poisoned change");
        handler.Attempts(poison).Should().Be(3, "three attempts, then parked");
        handler.Attempts(flaky).Should().Be(3, "two failures, then handled");
        handler.Changes.Select(c => c.Key).Should().Equal(flaky, good);
        var parked = await Consumers(Store).ReadParkedAsync(consumer);
        parked.Should().ContainSingle();
        parked[0].Should().BeEquivalentTo(new { Consumer = consumer, Key = poison, Kind = StockMovementKind.Receipt, Attempts = 3, ParkedAt = Time.GetUtcNow() });
        parked[0].Error.Should().Be($"{typeof(InvalidOperationException).FullName}: the handler refuses {poison}");
        parked[0].Position.Should().Be((await Store.AsFeed().ReadHistoryAsync(poison)).Changes.Single().Position);
    }

    [Test]
    public async Task A_change_of_every_kind_can_be_parked_and_read_back()
    {
        var consumer = await NewConsumerAsync();
        var consumers = Consumers(Store);
        (await consumers.TryAcquireLeaseAsync(consumer, "host-a", TimeSpan.FromMinutes(1))).Should().NotBeNull();
        var key = new StockKey(NewSku("kinds"));
        var kinds = Enum.GetValues<StockMovementKind>();

        for (var i = 0; i < kinds.Length; i++)
        {
            var change = new StockChange(new StockChangePosition(0, i + 1), key, kinds[i], 0, 0, null, null, null, null, Time.GetUtcNow());
            (await consumers.ParkAsync(consumer, "host-a", change, 3, "refused")).Should().BeTrue($"a {kinds[i]} change is parked like any other");
        }

        (await consumers.ReadParkedAsync(consumer)).Select(p => p.Kind).Should().Equal(kinds);
    }

    [Test]
    public async Task The_cache_serves_a_sold_out_item_as_sold_out_within_the_bound()
    {
        var key = await StockedAsync(Store, 2);
        var cache = new StockLevelCache(Store, Store.AsFeed(), NewHybridCache(), new StockLevelCacheOptions { PollInterval = TimeSpan.FromMilliseconds(100) }, Consumers(Store), Clock);
        Start(cache);
        await EventuallyAsync(() => cache.IsFollowing, "the cache follows the feed");

        // The bound is measured from a cache that has caught up: past the ids other tests left unused (MySQL's feed
        // waits at each such gap, see docs/changes.md), which a change of this test's own marks.
        var marker = await StockedAsync(Store, 1);
        var markerPosition = (await Store.AsFeed().ReadHistoryAsync(marker)).Changes.Single().Position;
        await EventuallyAsync(() => cache.Position >= markerPosition, "the cache caught up with the feed");

        (await cache.GetLevelAsync(key))!.Status.Should().Be(StockStatus.InStock);
        (await cache.GetLevelsAsync([key]))[0].Available.Should().Be(2);
        (await Store.DeductAsync(new DeductRequest(new StockLine(key, 2)))).Succeeded.Should().BeTrue();
        var sold = Stopwatch.StartNew();

        await EventuallyAsync(async () => (await cache.GetLevelAsync(key))!.Status == StockStatus.OutOfStock, "the cache shows the item sold out", CacheBound);
        sold.Elapsed.Should().BeLessThan(CacheBound);
        (await cache.GetLevelsAsync([key, key])).Should().ContainSingle().Which.Should().BeEquivalentTo(new { OnHand = 0L, Available = 0L, Status = StockStatus.OutOfStock });
        (await cache.GetLevelAsync(new StockKey(NewSku("never")))).Should().BeNull();
    }

    /// <summary>A consumer name no other test uses, whose checkpoint starts at the feed's end (tests share the database).</summary>
    private async Task<string> NewConsumerAsync()
    {
        var consumer = $"test-{Guid.NewGuid():N}";
        var consumers = Consumers(Store);
        var end = await Store.AsFeed().GetLastPositionAsync();
        (await consumers.TryAcquireLeaseAsync(consumer, "setup", TimeSpan.FromMinutes(1))).Should().NotBeNull();
        (await consumers.SaveCheckpointAsync(consumer, "setup", end, TimeSpan.FromMinutes(1))).Should().BeTrue();
        await consumers.ReleaseLeaseAsync(consumer, "setup");
        return consumer;
    }

    /// <summary>Another application instance on the same database: a store of its own for a server, the same store in memory.</summary>
    private IStockStore OtherInstance() => Store is InMemoryStockStore ? Store : DisposedAfterTest(Provider.CreateStore(Clock));

    /// <summary>Where <paramref name="store"/> keeps its consumers: the store itself, or one set per test in memory.</summary>
    private IStockChangeConsumerStore Consumers(IStockStore store) =>
        store as IStockChangeConsumerStore ?? (_inMemoryConsumers ??= new InMemoryStockChangeConsumers(Clock));

    private StockChangeDispatcher Dispatcher(string consumer, IStockChangeHandler handler, IStockStore store, string owner, TimeSpan? lease = null) =>
        new(consumer, handler, store.AsFeed(), Consumers(store), new StockChangeDispatcherOptions
        {
            Owner = owner,
            BatchSize = 7,
            PollInterval = TimeSpan.FromMilliseconds(50),
            LeaseDuration = lease ?? TimeSpan.FromHours(1),
            MaxAttempts = 3,
            RetryDelay = TimeSpan.FromMilliseconds(10),
        }, Clock);

    private (CancellationTokenSource Stop, Task Run) Start(StockChangeDispatcher dispatcher) => Start(dispatcher.RunAsync);

    private (CancellationTokenSource Stop, Task Run) Start(StockLevelCache cache) => Start(cache.RunAsync);

    private (CancellationTokenSource Stop, Task Run) Start(Func<CancellationToken, Task> run)
    {
        var stop = new CancellationTokenSource();
        var running = (stop, Task.Run(() => run(stop.Token)));
        _running.Add(running);
        return running;
    }

    private static async Task StopAsync((CancellationTokenSource Stop, Task Run) running)
    {
        await running.Stop.CancelAsync();
        await running.Run;
    }

    private async Task<Dictionary<StockKey, List<StockChange>>> HistoriesAsync(IEnumerable<StockKey> keys)
    {
        var histories = new Dictionary<StockKey, List<StockChange>>();
        foreach (var key in keys)
        {
            var changes = new List<StockChange>();
            StockChangePosition? after = null;
            while (true)
            {
                var page = await Store.AsFeed().ReadHistoryAsync(key, StockHistoryOrder.OldestFirst, after, 100);
                changes.AddRange(page.Changes);
                if (!page.HasMore)
                {
                    break;
                }

                after = page.Next;
            }

            histories[key] = changes;
        }

        return histories;
    }

    /// <summary>
    /// Per item, the delivered changes are the item's history: each change at least once (exactly once unless
    /// <paramref name="allowDuplicates"/>), and the first deliveries in feed position order.
    /// </summary>
    private static void AssertDeliveredOnceInOrder(RecordingHandler handler, Dictionary<StockKey, List<StockChange>> expected, bool allowDuplicates)
    {
        foreach (var (key, history) in expected)
        {
            var delivered = handler.Changes.Where(c => c.Key == key).ToList();
            var firsts = delivered.DistinctBy(c => c.Position).ToList();
            firsts.Select(c => c.Position).Should().BeInAscendingOrder("changes of {0} are delivered in position order", key);
            firsts.Select(c => c.Position).Should().BeEquivalentTo(history.Select(c => c.Position), "every change of {0} is delivered", key);
            firsts.Should().BeEquivalentTo(history, "a delivered change is the feed's change");
            if (!allowDuplicates)
            {
                delivered.Should().HaveCount(history.Count, "no change of {0} is delivered twice without a restart", key);
            }
        }
    }

    private static HybridCache NewHybridCache()
    {
        var services = new ServiceCollection();
        services.AddHybridCache();
        return services.BuildServiceProvider().GetRequiredService<HybridCache>();
    }

    private static Task EventuallyAsync(Func<bool> condition, string what, TimeSpan? patience = null) =>
        EventuallyAsync(() => Task.FromResult(condition()), what, patience);

    /// <summary>Waits until <paramref name="condition"/> holds, checking it every few milliseconds; fails after <paramref name="patience"/>.</summary>
    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? patience = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > (patience ?? Patience))
            {
                Assert.Fail($"Gave up waiting after {deadline.Elapsed.TotalSeconds:0.#} s: {what}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System);
        }
    }

    /// <summary>Records the changes of its items, in delivery order; fails each change as often as <see cref="Fails"/> says.</summary>
    private sealed class RecordingHandler(IReadOnlyCollection<StockKey> keys) : IStockChangeHandler
    {
        private readonly ConcurrentQueue<StockChange> _changes = new();
        private readonly ConcurrentDictionary<StockChangePosition, int> _attempts = new();
        private readonly HashSet<StockKey> _keys = [.. keys];

        public Func<StockChange, int> Fails { get; init; } = _ => 0;

        public IReadOnlyList<StockChange> Changes => [.. _changes];

        public int Count => _changes.Count;

        public int Distinct => _changes.Select(c => c.Position).Distinct().Count();

        /// <summary>How often the handler was called for the changes of <paramref name="key"/>.</summary>
        public int Attempts(StockKey key) => _attempts.Sum(a => KeyOf.TryGetValue(a.Key, out var k) && k == key ? a.Value : 0);

        private ConcurrentDictionary<StockChangePosition, StockKey> KeyOf { get; } = new();

        public Task HandleAsync(StockChange change, CancellationToken cancellationToken)
        {
            if (!_keys.Contains(change.Key))
            {
                return Task.CompletedTask;
            }

            KeyOf[change.Position] = change.Key;
            var attempt = _attempts.AddOrUpdate(change.Position, 1, (_, n) => n + 1);
            if (attempt <= Fails(change))
            {
                throw new InvalidOperationException($"the handler refuses {change.Key}");
            }

            _changes.Enqueue(change);
            return Task.CompletedTask;
        }
    }
}

/// <summary>The store as its change feed.</summary>
internal static class StockStoreFeedExtensions
{
    public static IStockChangeFeed AsFeed(this IStockStore store) =>
        store as IStockChangeFeed ?? throw new AssertionException($"{store.GetType().Name} is not an {nameof(IStockChangeFeed)}.");
}
