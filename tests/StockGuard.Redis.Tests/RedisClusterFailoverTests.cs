using System.Diagnostics;
using System.Net;
using FluentAssertions;
using NUnit.Framework;
using StockGuard.Testing;

namespace StockGuard.Redis.Tests;

/// <summary>
/// A master of the Redis Cluster crashes (SIGKILL) while buyers are paying: the store keeps selling once the replica is
/// promoted, every failed call is a typed StockGuard error that returns in bounded time, and nothing is sold beyond what
/// was acknowledged or left unknown. Each test then starts the killed node again (it rejoins as a replica) and hands its
/// slots back, so the cluster is whole, with its masters where they were, for the next test. The fixture runs alone: a
/// failover would fail the calls of any test running beside it on the same slots.
/// </summary>
[TestFixture]
[NonParallelizable]
[Category("Failover")]
public sealed class RedisClusterFailoverTests
{
    /// <summary>Well past the cluster's failure detection (cluster-node-timeout 2000 ms) and a replica's election.</summary>
    private static readonly TimeSpan Promotion = TimeSpan.FromSeconds(30);

    /// <summary>The longest a call may take, however the failover goes: the multiplexer's own timeout is 5 s.</summary>
    private static readonly TimeSpan LongestCall = TimeSpan.FromSeconds(12);

    private const int SalesBetweenSteps = 50;

    private ClusterRedisTestProvider _provider = null!;
    private RedisClusterControl _control = null!;

    [OneTimeSetUp]
    public async Task Connect()
    {
        _provider = new ClusterRedisTestProvider();
        await _provider.InitializeAsync();
        _control = await RedisClusterControl.ConnectAsync(_provider.Configuration);
        if ((await _control.NodesAsync()).FirstOrDefault(n => !IPAddress.IsLoopback(((IPEndPoint)n.EndPoint).Address)) is { } remote)
        {
            Assert.Ignore($"The failover tests kill and restart the cluster's processes, so they need its nodes on this machine; {remote.EndPoint} is not.");
        }

        await _control.WaitUntilWholeAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Each test starts from a whole cluster that every node and the store's multiplexer see alike: a test that picks a
    /// master and stops its replica must not find the client still writing to that replica from before the last hand-back.
    /// </summary>
    [SetUp]
    public async Task ClusterSeenAlike()
    {
        await _control.WaitUntilWholeAsync(TimeSpan.FromSeconds(60));
        await _control.WaitUntilClientAgreesAsync(_provider.Redis, TimeSpan.FromSeconds(30));
    }

    [OneTimeTearDown]
    public async Task Disconnect()
    {
        if (_control is not null)
        {
            await _control.DisposeAsync();
        }

        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }
    }

    [Test]
    public async Task The_store_keeps_selling_after_its_master_crashes_and_the_replica_is_promoted_with_typed_errors_in_between()
    {
        await using var store = _provider.CreateRedisStore(TimeProvider.System);
        var sale = await SaleAsync.StartAsync(store, _control, sellers: 8);
        try
        {
            await sale.SoldAtLeastAsync(SalesBetweenSteps);
            await sale.KillMasterAsync();
            await sale.WaitForPromotionAsync();
            var atPromotion = sale.Acknowledged;

            // Selling again on the promoted replica, before the killed node is back.
            await sale.SoldAtLeastAsync(atPromotion + SalesBetweenSteps);
            await sale.RestoreAsync();
            await sale.SoldAtLeastAsync(sale.Acknowledged + SalesBetweenSteps);
        }
        finally
        {
            await sale.StopAndRestoreAsync();
        }

        sale.Untyped.Should().BeEmpty("every failure reaches the caller as a StockGuard exception");
        sale.Longest.Should().BeLessThan(LongestCall, "no call hangs through the failover");
        var level = (await store.GetLevelAsync(sale.Item))!;
        var sold = SaleAsync.Stock - level.OnHand;
        sold.Should().BeLessThanOrEqualTo(sale.Acknowledged + sale.Unknown, "a call refused without an unknown outcome sold nothing");
        level.Reserved.Should().Be(0);
        TestContext.Out.WriteLine($"acknowledged {sale.Acknowledged}, unknown {sale.Unknown}, sold {sold}: at least {Math.Max(0, sale.Acknowledged - sold)} acknowledged units lost without WAIT; errors: {sale.ErrorSummary}");
    }

    [Test]
    public async Task With_WaitForReplicas_no_acknowledged_sale_is_lost_when_the_master_crashes_ahead_of_its_replica()
    {
        await using var store = _provider.CreateRedisStore(TimeProvider.System, o =>
        {
            o.WaitForReplicas = 1;
            o.ReplicaTimeout = TimeSpan.FromMilliseconds(500);
        });
        var sale = await SaleAsync.StartAsync(store, _control, sellers: 8);
        try
        {
            await sale.SoldAtLeastAsync(SalesBetweenSteps);

            // The replica's link breaks (a stalled host, a partition) while the master goes on taking sales; the master then
            // crashes and the replica, running again, is promoted without them. Without the wait those sales had been
            // acknowledged and are lost; with it they were never acknowledged (their calls fail, outcome unknown).
            await sale.PauseReplicaAsync();
            await sale.MasterAheadAsync(bytes: 4096);
            await sale.KillMasterAsync();
            await sale.ResumeReplicaAsync();
            await sale.WaitForPromotionAsync();

            // The promoted master has no replica until the killed node is back: its writes are reported unreplicated
            // (RedisReplicationException, outcome unknown). Once the node has rejoined, sales are acknowledged again.
            await sale.RestoreAsync();
            await sale.SoldAtLeastAsync(sale.Acknowledged + SalesBetweenSteps);
        }
        finally
        {
            await sale.StopAndRestoreAsync();
        }

        sale.Untyped.Should().BeEmpty("every failure reaches the caller as a StockGuard exception");
        sale.Longest.Should().BeLessThan(LongestCall, "no call hangs through the failover");
        var level = (await store.GetLevelAsync(sale.Item))!;
        var sold = SaleAsync.Stock - level.OnHand;
        sold.Should().BeGreaterThanOrEqualTo(sale.Acknowledged, "a sale acknowledged after its replica had it survives the master's crash");
        sold.Should().BeLessThanOrEqualTo(sale.Acknowledged + sale.Unknown, "a call refused without an unknown outcome sold nothing");
        TestContext.Out.WriteLine($"acknowledged {sale.Acknowledged}, unknown {sale.Unknown}, sold {sold}; errors: {sale.ErrorSummary}");
    }

    [Test]
    public async Task With_WaitForReplicas_a_keyed_order_waits_for_the_master_of_its_idempotency_record_and_a_retry_after_its_failover_applies_it_once()
    {
        await using var store = _provider.CreateRedisStore(TimeProvider.System, o =>
        {
            o.WaitForReplicas = 1;
            o.ReplicaTimeout = TimeSpan.FromMilliseconds(500);
        });

        // The idempotency records of both orders live on one master; their items on the other masters, which stay healthy.
        var recordMaster = (await _control.NodesAsync()).First(n => n.IsMaster);
        var orderKey = KeyOnMaster(store, recordMaster, "order-");
        var saleKey = KeyOnMaster(store, recordMaster, "sale-");
        var items = ItemsOffMaster(store, recordMaster, 2);
        await store.ReceiveAsync(new ReceiveRequest(items.Select(k => new StockLine(k, 100))));
        DeductRequest Order() => new(new StockLine(items[0], 2), new StockLine(items[1], 3)) { IdempotencyKey = orderKey };
        DeductRequest Sale() => new(new StockLine(items[0], 1)) { IdempotencyKey = saleKey };

        var replica = await _control.ReplicaOfAsync(recordMaster);
        var replicaProcess = await _control.ProcessIdAsync(replica.EndPoint);
        var paused = false;
        var killed = false;
        try
        {
            // The replica of the records' master falls behind (stopped, its link cut); the items' masters are in sync.
            await RedisClusterControl.SignalAsync(replicaProcess, stop: true);
            paused = true;
            await _control.DisconnectReplicasAsync(recordMaster.EndPoint);

            foreach (var request in new[] { Order(), Sale() })
            {
                var refused = (await FluentActions.Awaiting(() => store.DeductAsync(request)).Should().ThrowAsync<RedisReplicationException>(
                    "an order is acknowledged only once every master it wrote has it on a replica, its idempotency record's too")).Which;
                refused.OutcomeUnknown.Should().BeFalse("the claim of the key is replicated before any stock changes");
            }

            (await store.GetLevelsAsync(items)).Select(l => (l.OnHand, l.Reserved)).Should().Equal(new[] { (100L, 0L), (100L, 0L) }, "nothing was sold while the key's claim was not replicated");

            // The records' master dies; its replica, without the claims, is promoted.
            await _control.KillAsync(recordMaster.EndPoint);
            killed = true;
            await RedisClusterControl.SignalAsync(replicaProcess, stop: false);
            paused = false;
            await _control.WaitForPromotionAsync(recordMaster.Slots[0].From, recordMaster.EndPoint, Promotion);
            await _control.RestoreAsync(recordMaster.EndPoint, TimeSpan.FromSeconds(90));
            killed = false;

            // The buyer retries with the same keys: each order applies once.
            (await store.DeductAsync(Order())).Should().BeEquivalentTo(new { Succeeded = true, IsReplay = false });
            (await store.DeductAsync(Sale())).Should().BeEquivalentTo(new { Succeeded = true, IsReplay = false });
            (await store.DeductAsync(Order())).IsReplay.Should().BeTrue();
            (await store.DeductAsync(Sale())).IsReplay.Should().BeTrue();
            (await store.GetLevelsAsync(items)).Select(l => (l.OnHand, l.Reserved)).Should().Equal(new[] { (97L, 0L), (97L, 0L) }, "each order sold once");
        }
        finally
        {
            if (paused)
            {
                await RedisClusterControl.SignalAsync(replicaProcess, stop: false);
            }

            if (killed)
            {
                await _control.RestoreAsync(recordMaster.EndPoint, TimeSpan.FromSeconds(90));
            }

            await _control.WaitUntilWholeAsync(TimeSpan.FromSeconds(90));
        }
    }

    /// <summary>A new idempotency key whose record lives on <paramref name="master"/>.</summary>
    private static string KeyOnMaster(RedisStockStore store, ClusterNodeInfo master, string prefix)
    {
        while (true)
        {
            var key = prefix + Guid.NewGuid().ToString("N");
            if (master.Serves(RedisKeys.Slot((string)store.Keys.Idempotency(key)!)))
            {
                return key;
            }
        }
    }

    /// <summary>New items on masters other than <paramref name="master"/>, each on a master of its own where there are enough.</summary>
    private static StockKey[] ItemsOffMaster(RedisStockStore store, ClusterNodeInfo master, int count)
    {
        var items = new List<StockKey>();
        var slots = new List<int>();
        while (items.Count < count)
        {
            var key = new StockKey("failover-" + Guid.NewGuid().ToString("N")[..12]);
            var slot = store.Keys.Item(key).Slot;
            if (!master.Serves(slot) && !slots.Any(s => s * 3 / RedisKeys.SlotCount == slot * 3 / RedisKeys.SlotCount))
            {
                items.Add(key);
                slots.Add(slot);
            }
        }

        return [.. items.OrderBy(k => k)];
    }

    /// <summary>Sellers of one unit each, looping on one item until stopped, and the failover of that item's master.</summary>
    private sealed class SaleAsync
    {
        public const int Stock = 10_000_000;

        private readonly RedisStockStore _store;
        private readonly RedisClusterControl _control;
        private readonly List<Task> _sellers = [];
        private readonly List<Exception> _untyped = [];
        private readonly Dictionary<string, int> _errors = [];
        private int _stop;
        private long _acknowledged;
        private long _unknown;
        private long _longestTicks;
        private ClusterNodeInfo _master = null!;
        private int? _pausedReplica;
        private bool _killed;
        private bool _restored;

        private SaleAsync(RedisStockStore store, RedisClusterControl control, StockKey item)
        {
            _store = store;
            _control = control;
            Item = item;
        }

        public StockKey Item { get; }

        public int Slot => _store.Keys.Item(Item).Slot;

        public long Acknowledged => Interlocked.Read(ref _acknowledged);

        public long Unknown => Interlocked.Read(ref _unknown);

        public TimeSpan Longest => TimeSpan.FromTicks(Interlocked.Read(ref _longestTicks));

        public IReadOnlyList<Exception> Untyped
        {
            get
            {
                lock (_untyped)
                {
                    return [.. _untyped];
                }
            }
        }

        public string ErrorSummary
        {
            get
            {
                lock (_errors)
                {
                    return _errors.Count == 0 ? "none" : string.Join(", ", _errors.Select(e => $"{e.Value} × {e.Key}"));
                }
            }
        }

        public static async Task<SaleAsync> StartAsync(RedisStockStore store, RedisClusterControl control, int sellers)
        {
            var item = new StockKey("failover-" + Guid.NewGuid().ToString("N")[..12]);
            await store.ReceiveAsync(new ReceiveRequest(new StockLine(item, Stock)));
            var sale = new SaleAsync(store, control, item);
            sale._master = await control.MasterOfAsync(sale.Slot);
            for (var i = 0; i < sellers; i++)
            {
                sale._sellers.Add(Task.Run(sale.SellAsync));
            }

            return sale;
        }

        public Task SoldAtLeastAsync(long units) =>
            RedisClusterControl.WaitUntilAsync($"{units} units acknowledged (now {Acknowledged}; errors: {ErrorSummary})", Promotion, () => Task.FromResult(Acknowledged >= units));

        public async Task KillMasterAsync()
        {
            _killed = true;
            await _control.KillAsync(_master.EndPoint);
        }

        /// <summary>Stops the master's replica (SIGSTOP) and cuts its link: the master goes on without it.</summary>
        public async Task PauseReplicaAsync()
        {
            var replica = await _control.ReplicaOfAsync(_master);
            var pid = await _control.ProcessIdAsync(replica.EndPoint);
            await RedisClusterControl.SignalAsync(pid, stop: true);
            _pausedReplica = pid;
            await _control.DisconnectReplicasAsync(_master.EndPoint);
        }

        public async Task ResumeReplicaAsync()
        {
            if (_pausedReplica is { } pid)
            {
                _pausedReplica = null;
                await RedisClusterControl.SignalAsync(pid, stop: false);
            }
        }

        /// <summary>Waits until the master has applied writes its (paused) replica has not received.</summary>
        public async Task MasterAheadAsync(long bytes)
        {
            var from = await _control.ReplicationOffsetAsync(_master.EndPoint);
            await RedisClusterControl.WaitUntilAsync($"the master {bytes} bytes ahead of its replica", Promotion, async () =>
                await _control.ReplicationOffsetAsync(_master.EndPoint) >= from + bytes);
        }

        public Task WaitForPromotionAsync() => _control.WaitForPromotionAsync(Slot, _master.EndPoint, Promotion);

        public async Task RestoreAsync()
        {
            _restored = true;
            await _control.RestoreAsync(_master.EndPoint, TimeSpan.FromSeconds(90));
        }

        /// <summary>Stops the sellers and, if the test stopped before it, brings the cluster back whole.</summary>
        public async Task StopAndRestoreAsync()
        {
            Volatile.Write(ref _stop, 1);
            await ResumeReplicaAsync();
            await Task.WhenAll(_sellers);
            if (_killed && !_restored)
            {
                await _control.RestoreAsync(_master.EndPoint, TimeSpan.FromSeconds(90));
            }
        }

        private async Task SellAsync()
        {
            while (Volatile.Read(ref _stop) == 0)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var result = await _store.DeductAsync(new DeductRequest(new StockLine(Item, 1)));
                    result.Succeeded.Should().BeTrue("the item holds far more than the test sells");
                    Interlocked.Increment(ref _acknowledged);
                }
                catch (StockGuardException ex)
                {
                    // Only a call whose outcome the store says is unknown may have sold; any other error changed nothing.
                    if (ex is StockStoreException { OutcomeUnknown: true })
                    {
                        Interlocked.Increment(ref _unknown);
                    }

                    lock (_errors)
                    {
                        var name = ex.GetType().Name + (ex is StockStoreException { OutcomeUnknown: true } ? " (outcome unknown)" : string.Empty);
                        _errors[name] = _errors.GetValueOrDefault(name) + 1;
                    }

                    // A caller backs off before trying again, rather than spinning on a slot that has no master yet.
                    await Task.Delay(20);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Interlocked.Increment(ref _unknown);
                    lock (_untyped)
                    {
                        _untyped.Add(ex);
                    }
                }

                var elapsed = Stopwatch.GetElapsedTime(started).Ticks;
                long seen;
                while (elapsed > (seen = Interlocked.Read(ref _longestTicks)) && Interlocked.CompareExchange(ref _longestTicks, elapsed, seen) != seen)
                {
                }
            }
        }
    }
}
