using System.Globalization;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using StackExchange.Redis;
using StockGuard.Testing;

namespace StockGuard.Redis.Tests;

/// <summary>A fixture over one Redis topology with a fake clock and the helpers the Redis suites share.</summary>
public abstract class RedisFixture<TProvider> : ProviderFixture<TProvider>
    where TProvider : RedisTestProvider, new()
{
    protected static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    protected FakeTimeProvider Time { get; private set; } = null!;

    [SetUp]
    public void CreateClock() => Time = new FakeTimeProvider(Start);

    protected RedisStockStore Store(Action<RedisStockStoreOptions>? configure = null, string? prefix = null) =>
        DisposedAfterTest(Provider.CreateRedisStore(Time, configure, prefix));

    /// <summary>New SKUs whose items lie on different slots (on the cluster, on different masters' slot ranges).</summary>
    protected static StockKey[] OnDifferentSlots(RedisStockStore store, int count)
    {
        var keys = new List<StockKey>();
        var ranges = new HashSet<int>();
        while (keys.Count < count)
        {
            var key = new StockKey(NewSku());
            if (ranges.Add(store.Keys.Item(key).Slot * 3 / RedisKeys.SlotCount) || ranges.Count >= 3)
            {
                keys.Add(key);
            }
        }

        return [.. keys];
    }

    /// <summary>The sums of an item's movement stream: on-hand and reserved deltas.</summary>
    protected async Task<(long OnHand, long Reserved, int Count)> StreamAsync(RedisStockStore store, StockKey key)
    {
        var entries = await Provider.Redis.GetDatabase().StreamRangeAsync(store.Keys.Item(key).Movements);
        long onHand = 0, reserved = 0;
        foreach (var entry in entries)
        {
            onHand += long.Parse((string)entry["on"]!, CultureInfo.InvariantCulture);
            reserved += long.Parse((string)entry["rs"]!, CultureInfo.InvariantCulture);
        }

        return (onHand, reserved, entries.Length);
    }
}

/// <summary>What the Redis store owes beyond the contract suite, on a single Redis and on the cluster.</summary>
public abstract class RedisStoreTests<TProvider> : RedisFixture<TProvider>
    where TProvider : RedisTestProvider, new()
{
    [Test]
    public async Task Two_key_prefixes_on_one_server_never_see_each_other()
    {
        // The second prefix starts with the first: key patterns must not let one reach into the other.
        var first = Store(prefix: Provider.Prefix + "x");
        var second = Store(prefix: Provider.Prefix + "xb");
        var key = new StockKey(NewSku());
        var idempotencyKey = "order-" + Guid.NewGuid().ToString("N");

        await first.ReceiveAsync(new ReceiveRequest(new StockLine(key, 5)));
        (await second.GetLevelAsync(key)).Should().BeNull("the other prefix has no such item");
        await second.ReceiveAsync(new ReceiveRequest(new StockLine(key, 9)));
        (await first.DeductAsync(new DeductRequest(new StockLine(key, 2)) { IdempotencyKey = idempotencyKey })).IsReplay.Should().BeFalse();
        var other = await second.DeductAsync(new DeductRequest(new StockLine(key, 3)) { IdempotencyKey = idempotencyKey });
        other.Should().BeEquivalentTo(new { Succeeded = true, IsReplay = false }, "a key of one prefix is unknown to the other");
        var hold = (await first.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 1)))).Hold!;
        (await second.GetHoldAsync(hold.Id)).Should().BeNull();
        await FluentActions.Awaiting(() => second.ConfirmAsync(hold.Id)).Should().ThrowAsync<HoldNotFoundException>();

        // The first prefix's sweep expires and purges its own holds and keys only.
        var secondHold = (await second.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 1)))).Hold!;
        var secondKeys = await Provider.KeysAsync(Provider.Prefix + "xb");
        Time.Advance(TimeSpan.FromDays(2));
        var swept = await first.SweepAsync();
        swept.Should().Be(new SweepResult(1, 0, 1));
        (await Provider.KeysAsync(Provider.Prefix + "xb")).Should().BeEquivalentTo(secondKeys, "nothing of the second prefix was touched");
        (await second.GetHoldAsync(secondHold.Id))!.State.Should().Be(HoldState.Expired, "its own clock says so, though no sweep of its own ran");
        (await first.GetLevelAsync(key))!.Should().BeEquivalentTo(new { OnHand = 3L, Reserved = 0L });
        (await second.GetLevelAsync(key))!.Should().BeEquivalentTo(new { OnHand = 6L, Reserved = 0L });
    }

    [TestCase("{brace}")]
    [TestCase("}{")]
    [TestCase("a:b")]
    [TestCase("*?[glob]")]
    [TestCase("hold:*")]
    [TestCase("back\\slash")]
    [TestCase("ünïcödé-日本語-😀")]
    public async Task Hostile_SKUs_locations_and_keys_stay_exact_and_apart(string text)
    {
        var store = Store();
        var sku = text + Guid.NewGuid().ToString("N")[..6];
        var key = new StockKey(sku, "loc." + text);
        var lookalike = new StockKey(sku + ".loc", text);
        await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 5), new StockLine(lookalike, 1)) { Reference = text + " ref" });
        var idempotencyKey = text + Guid.NewGuid().ToString("N");

        (await store.DeductAsync(new DeductRequest(new StockLine(key, 2)) { IdempotencyKey = idempotencyKey })).Succeeded.Should().BeTrue();
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 2)) { IdempotencyKey = idempotencyKey })).IsReplay.Should().BeTrue();
        var hold = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(key, 1), new StockLine(lookalike, 1)) { Reference = text })).Hold!;

        (await store.GetLevelsAsync([key, lookalike])).Select(l => (l.Key, l.OnHand, l.Reserved)).Should().Equal((key, 3L, 1L), (lookalike, 1L, 1L));
        (await store.GetHoldAsync(hold.Id))!.Should().BeEquivalentTo(new { Reference = text, Lines = new[] { new StockLine(key, 1), new StockLine(lookalike, 1) } });
        (await store.ConfirmAsync(hold.Id)).Outcome.Should().Be(HoldOutcome.Confirmed);
        (await store.GetLevelAsync(new StockKey(sku, "loc"))).Should().BeNull();
        var stream = await StreamAsync(store, key);
        stream.OnHand.Should().Be(2);
    }

    [Test]
    public async Task The_movement_stream_of_each_item_rebuilds_its_counters()
    {
        var store = Store();
        var keys = OnDifferentSlots(store, 3);
        await store.ReceiveAsync(new ReceiveRequest(keys.Select(k => new StockLine(k, 20))));
        await store.DeductAsync(new DeductRequest(new StockLine(keys[0], 3)));
        await store.DeductAsync(new DeductRequest(keys.Select(k => new StockLine(k, 2))));
        await store.AdjustAsync(new AdjustRequest(keys[1], -4, "broken"));
        await store.AdjustAsync(new AdjustRequest(keys[2], 6, "found"));
        var confirmed = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), keys.Select(k => new StockLine(k, 1))))).Hold!;
        var released = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(10), new StockLine(keys[0], 2)))).Hold!;
        await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(keys[1], 3)));
        await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(30), new StockLine(keys[2], 2)));
        await store.ConfirmAsync(new ConfirmRequest(confirmed.Id, new StockLine(keys[0], 1), new StockLine(keys[2], 1)));
        await store.ReleaseAsync(released.Id);
        await store.ReturnAsync(new HoldReturnRequest(confirmed.Id, NewSku("rma"), new StockLine(keys[2], 1)));
        Time.Advance(TimeSpan.FromMinutes(2));
        await store.SweepAsync();

        foreach (var key in keys)
        {
            var level = (await store.GetLevelAsync(key))!;
            var stream = await StreamAsync(store, key);
            (stream.OnHand, stream.Reserved).Should().Be((level.OnHand, level.Reserved), "the movements of {0} add up to its counters", key);
        }

        (await store.GetLevelsAsync(keys)).Select(l => (l.OnHand, l.Reserved)).Should().Equal((14L, 0L), (14L, 0L), (24L, 2L));
    }

    [TestCase(ConcurrencyStrategy.Pessimistic)]
    [TestCase(ConcurrencyStrategy.Optimistic)]
    [TestCase(ConcurrencyStrategy.Coalescing)]
    public async Task Every_strategy_but_atomic_is_refused_at_configuration_and_per_request(ConcurrencyStrategy strategy)
    {
        var configure = () => Provider.CreateRedisStore(Time, o => o.Strategy = strategy);
        configure.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("Strategy").And.Contain(strategy.ToString());

        var store = Store();
        var key = await StockedAsync(store, 5);
        var before = await store.GetLevelAsync(key);
        await FluentActions.Awaiting(() => store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { Strategy = strategy }))
            .Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*Atomic*");
        await FluentActions.Awaiting(() => store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(1), new StockLine(key, 1)) { Strategy = strategy }))
            .Should().ThrowAsync<ArgumentOutOfRangeException>();
        (await store.GetLevelAsync(key)).Should().Be(before);
        (await store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { Strategy = ConcurrencyStrategy.Atomic })).Succeeded.Should().BeTrue();
    }

    [Test]
    public async Task Orders_over_items_on_different_slots_sell_exactly_the_stock_under_contention()
    {
        const int stock = 60, buyers = 24, ordersEach = 5;
        var store = Store();
        var keys = OnDifferentSlots(store, 3);
        await store.ReceiveAsync(new ReceiveRequest(keys.Select(k => new StockLine(k, stock))));

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, buyers).Select(buyer => Task.Run(async () =>
        {
            await gate.Task;
            var mine = 0;
            for (var i = 0; i < ordersEach; i++)
            {
                var lines = (buyer % 3) switch
                {
                    0 => new[] { new StockLine(keys[0], 1), new StockLine(keys[1], 1), new StockLine(keys[2], 1) },
                    1 => [new StockLine(keys[2], 1), new StockLine(keys[1], 1), new StockLine(keys[0], 1)],
                    _ => [new StockLine(keys[1], 1), new StockLine(keys[2], 2)],
                };
                mine += (await store.DeductAsync(new DeductRequest(lines))).Succeeded ? lines.Sum(l => l.Quantity) : 0;
            }

            return mine;
        })).ToArray();
        gate.SetResult();
        var sold = (await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromMinutes(2))).Sum();

        var levels = await store.GetLevelsAsync(keys);
        levels.Should().OnlyContain(l => l.Reserved == 0 && l.OnHand >= 0, "no order is left half held, none oversold");
        (sold + levels.Sum(l => l.OnHand)).Should().Be(3 * stock, "every unit sold once or still on hand");
        foreach (var key in keys)
        {
            var level = levels.Single(l => l.Key == key);
            var stream = await StreamAsync(store, key);
            (stream.OnHand, stream.Reserved).Should().Be((level.OnHand, level.Reserved));
        }
    }

    [Test]
    public async Task The_same_key_sent_in_parallel_for_orders_and_holds_over_several_slots_applies_once()
    {
        var store = Store();
        var keys = OnDifferentSlots(store, 2);
        await store.ReceiveAsync(new ReceiveRequest(keys.Select(k => new StockLine(k, 50))));
        var order = "order-" + Guid.NewGuid().ToString("N");
        var cart = "cart-" + Guid.NewGuid().ToString("N");

        var orders = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() =>
            store.DeductAsync(new DeductRequest(new StockLine(keys[0], 2), new StockLine(keys[1], 3)) { IdempotencyKey = order })))).WaitAsync(TimeSpan.FromMinutes(1));
        var holds = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() =>
            store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(keys[0], 1), new StockLine(keys[1], 1)) { IdempotencyKey = cart })))).WaitAsync(TimeSpan.FromMinutes(1));

        orders.Should().OnlyContain(r => r.Succeeded);
        orders.Count(r => !r.IsReplay).Should().Be(1, "one caller applied the order; every other one replays it");
        holds.Should().OnlyContain(r => r.Succeeded && r.Hold!.Id == holds[0].Hold!.Id);
        holds.Count(r => !r.IsReplay).Should().Be(1);
        (await store.GetLevelsAsync(keys)).Select(l => (l.OnHand, l.Reserved)).Should().Equal((48L, 1L), (47L, 1L));
    }

    [Test]
    public async Task WaitForReplicas_reports_a_write_no_replica_acknowledged_and_the_write_stands()
    {
        var key = new StockKey(NewSku());
        var server = Provider.Redis.GetServer(Store().Keys.Item(key).Counters);
        var replicas = (await server.InfoAsync("replication")).SelectMany(g => g).Single(p => p.Key == "connected_slaves").Value;

        // Without replicas the wait times out at once; with one, a busy machine gets time enough to answer.
        var store = Store(o =>
        {
            o.WaitForReplicas = 1;
            o.ReplicaTimeout = replicas == "0" ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(20);
        });

        if (replicas == "0")
        {
            var act = () => store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 4)));
            var error = (await act.Should().ThrowAsync<RedisReplicationException>()).Which;
            error.Should().BeEquivalentTo(new { Required = 1, Acknowledged = 0L, OutcomeUnknown = true, IsTransient = true });
            (await store.GetLevelAsync(key))!.OnHand.Should().Be(4, "the master applied it; only its survival of a failover is unknown");

            // With an idempotency key, the key's claim must be on a replica before any stock changes: refused, nothing sold.
            var keyed = (await FluentActions.Awaiting(() => store.DeductAsync(new DeductRequest(new StockLine(key, 1)) { IdempotencyKey = "sale-" + Guid.NewGuid().ToString("N") }))
                .Should().ThrowAsync<RedisReplicationException>()).Which;
            keyed.OutcomeUnknown.Should().BeFalse();
            (await store.GetLevelAsync(key))!.OnHand.Should().Be(4, "a keyed sale whose claim no replica has changes nothing");
        }
        else
        {
            (await store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 4)))).Succeeded.Should().BeTrue("a replica of this master acknowledged the write");
            (await store.DeductAsync(new DeductRequest(new StockLine(key, 1)))).Succeeded.Should().BeTrue();
        }
    }

    [Test]
    public async Task UseRedis_registers_the_store_and_a_bad_setting_stops_it_naming_the_setting()
    {
        var services = new ServiceCollection();
        services.AddStockGuard().UseRedis(Provider.Configuration, o => o.KeyPrefix = Provider.Prefix);
        await using (var provider = services.BuildServiceProvider())
        {
            var store = provider.GetRequiredService<IStockStore>();
            store.Should().BeOfType<RedisStockStore>();
            var key = await StockedAsync(store, 3);
            (await store.GetLevelAsync(key))!.OnHand.Should().Be(3);
        }

        var disposedSync = new ServiceCollection();
        disposedSync.AddStockGuard().UseRedis(Provider.Configuration, o => o.KeyPrefix = Provider.Prefix);
        using (var provider = disposedSync.BuildServiceProvider())
        {
            await StockedAsync(provider.GetRequiredService<IStockStore>(), 1);
        }

        var shared = new ServiceCollection().AddSingleton(Provider.Redis);
        shared.AddStockGuard().UseRedis(o => o.KeyPrefix = Provider.Prefix);
        await using (var provider = shared.BuildServiceProvider())
        {
            var key = await StockedAsync(provider.GetRequiredService<IStockStore>(), 2);
            (await Store().GetLevelAsync(key))!.OnHand.Should().Be(2, "the store over the registered connection uses the same prefix");
        }

        var bad = new ServiceCollection();
        bad.AddStockGuard().UseRedis(Provider.Configuration, o => o.KeyPrefix = "tenant:{eu}");
        await using (var provider = bad.BuildServiceProvider())
        {
            var act = () => provider.GetRequiredService<IStockStore>();
            act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("KeyPrefix");
        }
    }

    [Test]
    public async Task UseRedis_refuses_backorders_and_waitlists_with_a_typed_error_that_says_the_store_keeps_none()
    {
        var services = new ServiceCollection();
        services.AddStockGuard().UseRedis(Provider.Configuration, o => o.KeyPrefix = Provider.Prefix);
        await using (var provider = services.BuildServiceProvider())
        {
            provider.GetRequiredService<IStockStore>().Should().NotBeAssignableTo<IStockBackorders>().And.NotBeAssignableTo<IStockWaitlist>();
            FluentActions.Invoking(() => provider.GetRequiredService<IStockBackorders>()).Should().Throw<NotSupportedException>()
                .WithMessage("The Redis store keeps no backorders*");
            FluentActions.Invoking(() => provider.GetRequiredService<IStockWaitlist>()).Should().Throw<NotSupportedException>()
                .WithMessage("The Redis store keeps no waitlists*");
        }

        var shared = new ServiceCollection().AddSingleton(Provider.Redis);
        shared.AddStockGuard().UseRedis(o => o.KeyPrefix = Provider.Prefix);
        await using (var provider = shared.BuildServiceProvider())
        {
            FluentActions.Invoking(() => provider.GetRequiredService<IStockWaitlist>()).Should().Throw<NotSupportedException>();
        }

        // A store registered after the Redis store replaces it, backorders and waitlists included.
        var replaced = new ServiceCollection();
        replaced.AddStockGuard().UseRedis(Provider.Configuration, o => o.KeyPrefix = Provider.Prefix).UseInMemory();
        await using (var provider = replaced.BuildServiceProvider())
        {
            provider.GetRequiredService<IStockBackorders>().Should().BeSameAs(provider.GetRequiredService<IStockStore>());
            provider.GetRequiredService<IStockWaitlist>().Should().BeSameAs(provider.GetRequiredService<IStockStore>());
        }
    }

    [Test]
    public async Task A_policy_with_a_pre_order_limit_or_an_expected_restock_is_refused_and_changes_nothing()
    {
        var store = Store();
        var key = await StockedAsync(store, 5);
        var before = await store.GetLevelAsync(key);

        await FluentActions.Awaiting(() => store.SetPolicyAsync(key, new StockPolicy(1, 2, 3) { PreOrderLimit = 10 }))
            .Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*PreOrderLimit*");
        await FluentActions.Awaiting(() => store.SetPolicyAsync(key, new StockPolicy(1, 2, 3) { ExpectedRestock = Start.AddDays(7) }))
            .Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*ExpectedRestock*");
        (await store.GetLevelAsync(key)).Should().Be(before, "a refused policy changes nothing, not even the version");

        (await store.SetPolicyAsync(key, new StockPolicy(1, 2, 3))).Should().BeEquivalentTo(new { SafetyStock = 1L, BackorderLimit = 2L, LowStockThreshold = 3L, PreOrderLimit = 0L, ExpectedRestock = (DateTimeOffset?)null });
    }

    [Test]
    public async Task An_unreachable_server_is_a_transient_typed_error()
    {
        var options = ConfigurationOptions.Parse("127.0.0.1:1");
        options.ConnectTimeout = 200;
        options.AsyncTimeout = 500;
        options.AbortOnConnectFail = false;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        var store = DisposedAfterTest(new RedisStockStore(redis, new RedisStockStoreOptions { KeyPrefix = Provider.Prefix }, Time));

        var error = (await FluentActions.Awaiting(() => store.GetLevelAsync(new StockKey(NewSku()))).Should().ThrowAsync<StockStoreException>()).Which;
        error.IsTransient.Should().BeTrue();
        error.Message.Should().NotContain("127.0.0.1:1", "connection details stay out of the message");
        Exception? thrown = null;
        try
        {
            await store.ReceiveAsync(new ReceiveRequest(new StockLine(NewSku(), 1), new StockLine(NewSku(), 1)) { Kind = StockMovementKind.Return });
        }
        catch (Exception ex)
        {
            thrown = ex;
        }

        thrown.Should().BeOfType<StockStoreException>("a write over several items fails as typed as one over one item, never wrapped")
            .Which.IsTransient.Should().BeTrue();
    }

    [Test]
    public async Task Purging_a_finished_hold_also_forgets_its_lines_on_the_items()
    {
        var store = Store(prefix: Provider.Prefix + "p");   // a prefix of its own: the sweep counts only this test's holds
        var keys = OnDifferentSlots(store, 2);
        await store.ReceiveAsync(new ReceiveRequest(keys.Select(k => new StockLine(k, 10))));
        var one = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(keys[0], 1)))).Hold!;
        var two = (await store.ReserveAsync(new ReserveRequest(TimeSpan.FromMinutes(5), new StockLine(keys[0], 1), new StockLine(keys[1], 1)))).Hold!;
        await store.DeductAsync(new DeductRequest(new StockLine(keys[0], 1), new StockLine(keys[1], 1)));
        await store.ConfirmAsync(one.Id);
        await store.ReleaseAsync(two.Id);
        var database = Provider.Redis.GetDatabase();
        (await database.HashLengthAsync(store.Keys.Item(keys[0]).Lines)).Should().Be(3, "a one-item hold, a two-item hold and an order held lines here");

        Time.Advance(TimeSpan.FromHours(25));
        (await store.SweepAsync()).PurgedHolds.Should().Be(3);

        foreach (var key in keys)
        {
            (await database.HashLengthAsync(store.Keys.Item(key).Lines)).Should().Be(0, "the lines of purged holds are forgotten too");
        }

        (await store.GetLevelsAsync(keys)).Select(l => (l.OnHand, l.Reserved)).Should().Equal((8L, 0L), (9L, 0L));
    }
}

public sealed class RedisStoreTests : RedisStoreTests<SingleRedisTestProvider>;

public sealed class RedisClusterStoreTests : RedisStoreTests<ClusterRedisTestProvider>;
