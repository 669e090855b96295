using FluentAssertions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using StackExchange.Redis;
using StockGuard.Testing;

namespace StockGuard.Redis.Tests;

/// <summary>
/// Two application hosts on one Redis whose clocks are minutes apart (one 11 minutes fast, one 7 minutes slow), both on
/// the default clock, the Redis server's: a fresh hold placed by the slow host is live, confirmable and left alone by the
/// fast host, and the times the stores write come from the server's clock within the bound.
/// </summary>
/// <typeparam name="TProvider">The Redis topology.</typeparam>
public abstract class RedisClockSkewTests<TProvider> : RedisFixture<TProvider>
    where TProvider : RedisTestProvider, new()
{
    private static readonly TimeSpan TimeToLive = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan Bound = new RedisStockStoreOptions().MaxClockError;

    private RedisStockStore HostStore(TimeProvider host, Action<RedisStockStoreOptions>? configure = null) =>
        DisposedAfterTest(Provider.CreateRedisStore(host, configure));

    private RedisStockStore Fast() => HostStore(new ShiftedClock(TimeSpan.FromMinutes(11)));

    private RedisStockStore Slow() => HostStore(new ShiftedClock(TimeSpan.FromMinutes(-7)));

    /// <summary>Ten units of each key, four of each held for ten minutes by <paramref name="owner"/>.</summary>
    private static async Task<StockHold> HeldAsync(IStockStore owner, IStockStore other, params StockKey[] keys)
    {
        await other.ReceiveAsync(new ReceiveRequest(keys.Select(k => new StockLine(k, 10))));
        var placed = await owner.ReserveAsync(new ReserveRequest(TimeToLive, keys.Select(k => new StockLine(k, 4))) { Reference = "cart-1" });
        placed.Succeeded.Should().BeTrue();
        return placed.Hold!;
    }

    /// <summary>The Redis server's clock, read on the master the store reads it from.</summary>
    private async Task<DateTimeOffset> ServerNowAsync(RedisStockStore store)
    {
        var time = (RedisValue[])(await Provider.Redis.GetDatabase().ScriptEvaluateAsync("return redis.call('TIME')", [store.Keys.Clock]))!;
        return DateTimeOffset.UnixEpoch.AddTicks(((long)time[0] * TimeSpan.TicksPerSecond) + ((long)time[1] * TimeSpan.TicksPerMicrosecond));
    }

    [Test]
    public async Task A_fresh_hold_placed_by_the_slow_host_is_live_and_confirmable_for_the_fast_host()
    {
        var (fast, slow) = (Fast(), Slow());
        var key = new StockKey(NewSku());
        var hold = await HeldAsync(slow, fast, key);

        (await fast.GetHoldAsync(hold.Id)).Should().BeEquivalentTo(new { State = HoldState.Active, hold.ExpiresAt });
        (await fast.GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 10L, Reserved = 4L, Available = 6L });
        var confirmed = await fast.ConfirmAsync(hold.Id);

        confirmed.Should().BeEquivalentTo(new { Outcome = HoldOutcome.Confirmed, WasAlreadyDone = false });
        (await slow.GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 6L, Reserved = 0L, Available = 6L });
    }

    [Test]
    public async Task A_fresh_hold_over_several_slots_placed_by_the_slow_host_is_confirmable_for_the_fast_host()
    {
        var (fast, slow) = (Fast(), Slow());
        var keys = OnDifferentSlots(fast, 2);
        var hold = await HeldAsync(slow, fast, keys);

        var confirmed = await fast.ConfirmAsync(hold.Id);

        confirmed.Should().BeEquivalentTo(new { Outcome = HoldOutcome.Confirmed, WasAlreadyDone = false });
        (await slow.GetLevelsAsync(keys)).Select(l => (l.OnHand, l.Reserved)).Should().Equal((6L, 0L), (6L, 0L));
    }

    [Test]
    public async Task A_short_buyer_on_the_fast_host_does_not_give_back_a_fresh_hold()
    {
        var (fast, slow) = (Fast(), Slow());
        var key = new StockKey(NewSku());
        var hold = await HeldAsync(slow, fast, key);

        var bought = await fast.DeductAsync(new DeductRequest(new StockLine(key, 7)));

        bought.Succeeded.Should().BeFalse();
        bought.ShortLines.Should().Equal(new ShortLine(key, 7, 6));
        (await slow.GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 10L, Reserved = 4L, Available = 6L });
        (await slow.GetHoldAsync(hold.Id))!.State.Should().Be(HoldState.Active);
    }

    [Test]
    public async Task The_fast_hosts_sweep_leaves_a_fresh_hold_alone_and_its_owner_confirms_it()
    {
        var fast = HostStore(new ShiftedClock(TimeSpan.FromMinutes(11)), o => o.KeyPrefix = Provider.Prefix + "s");
        var slow = HostStore(new ShiftedClock(TimeSpan.FromMinutes(-7)), o => o.KeyPrefix = Provider.Prefix + "s");
        var keys = OnDifferentSlots(fast, 2);
        var one = await HeldAsync(slow, fast, keys[0]);
        var two = await HeldAsync(slow, fast, keys);

        (await fast.SweepAsync()).ExpiredHolds.Should().Be(0);

        (await slow.GetLevelsAsync(keys)).Select(l => (l.OnHand, l.Reserved)).Should().Equal((20L, 8L), (10L, 4L));
        (await slow.ConfirmAsync(one.Id)).Outcome.Should().Be(HoldOutcome.Confirmed);
        (await slow.ConfirmAsync(two.Id)).Outcome.Should().Be(HoldOutcome.Confirmed);
        (await fast.GetLevelsAsync(keys)).Select(l => (l.OnHand, l.Reserved)).Should().Equal((12L, 0L), (6L, 0L));
    }

    [Test]
    public async Task A_hold_is_stamped_by_the_servers_clock_whichever_host_places_it()
    {
        var (fast, slow) = (Fast(), Slow());
        var key = await StockedAsync(fast, 10);

        var before = await ServerNowAsync(fast);
        var fromSlow = (await slow.ReserveAsync(new ReserveRequest(TimeToLive, new StockLine(key, 1)))).Hold!;
        var fromFast = (await fast.ReserveAsync(new ReserveRequest(TimeToLive, new StockLine(key, 1)))).Hold!;
        var after = await ServerNowAsync(fast);

        foreach (var hold in new[] { fromSlow, fromFast })
        {
            hold.CreatedAt.Should().BeOnOrAfter(before - Bound).And.BeOnOrBefore(after + Bound);
            hold.ExpiresAt.Should().Be(hold.CreatedAt + TimeToLive);
        }
    }

    [Test]
    public async Task A_hold_over_several_slots_takes_its_ids_time_from_the_servers_clock_whichever_host_places_it()
    {
        var (fast, slow) = (Fast(), Slow());
        var keys = OnDifferentSlots(fast, 2);
        await fast.ReceiveAsync(new ReceiveRequest(keys.Select(k => new StockLine(k, 10))));

        var before = await ServerNowAsync(fast);
        var fromSlow = (await slow.ReserveAsync(new ReserveRequest(TimeToLive, keys.Select(k => new StockLine(k, 1))))).Hold!;
        var fromFast = (await fast.ReserveAsync(new ReserveRequest(TimeToLive, keys.Select(k => new StockLine(k, 1))))).Hold!;
        var after = await ServerNowAsync(fast);

        foreach (var id in new[] { fromSlow.Id, fromFast.Id })
        {
            // A version-7 id: its first 48 bits are the Unix time in milliseconds it was made at.
            var made = DateTimeOffset.FromUnixTimeMilliseconds((long)(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(id.ToByteArray(bigEndian: true)) >> 16));
            made.Should().BeOnOrAfter(before - Bound - TimeSpan.FromMilliseconds(1)).And.BeOnOrBefore(after + Bound);
        }
    }

    [Test]
    public async Task A_store_that_cannot_read_the_servers_clock_within_its_bound_fails_and_changes_nothing()
    {
        var store = HostStore(new SlowRoundTripsClock());
        var key = new StockKey(NewSku());

        var receive = () => store.ReceiveAsync(new ReceiveRequest(new StockLine(key, 5)));

        var failure = (await receive.Should().ThrowAsync<StockStoreException>()).Which;
        failure.Should().BeEquivalentTo(new { IsTransient = true, OutcomeUnknown = false });
        failure.Message.Should().Contain("MaxClockError").And.EndWith("Nothing was changed.");
        (await Slow().GetLevelAsync(key)).Should().BeNull();
    }

    [Test]
    public async Task A_failed_reading_while_the_last_one_holds_is_logged_and_the_store_goes_on_until_the_reading_runs_out()
    {
        // A Redis user that may run every command but TIME: the store's reads of the clock fail, its scripts do not.
        var user = "sg-clock-" + Guid.NewGuid().ToString("N")[..12];
        var password = Guid.NewGuid().ToString("N");
        var nodes = Provider.Redis.GetServers().Where(s => s.IsConnected).ToList();
        await AclAsync(nodes, "SETUSER", user, "on", ">" + password, "~*", "&*", "+@all");
        try
        {
            var configuration = ConfigurationOptions.Parse(Provider.Configuration);
            configuration.User = user;
            configuration.Password = password;
            await using var redis = await ConnectionMultiplexer.ConnectAsync(configuration);
            var host = new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromMinutes(7));
            var log = new ListLogger();
            var store = DisposedAfterTest(new RedisStockStore(redis, new RedisStockStoreOptions { KeyPrefix = Provider.Prefix }, host, log));
            var key = await StockedAsync(store, 10);
            await AclAsync(nodes, "SETUSER", user, "-time");

            // Due for a reading after ClockReadInterval (30 s); the last one keeps the 100 ms bound for 200 s.
            host.Advance(TimeSpan.FromSeconds(31));
            var held = await store.ReserveAsync(new ReserveRequest(TimeToLive, new StockLine(key, 4)));

            held.Succeeded.Should().BeTrue();
            log.Messages.Should().Contain("Reading the Redis server's clock failed; the previous reading still holds.");

            host.Advance(TimeSpan.FromMinutes(4));
            var bought = () => store.DeductAsync(new DeductRequest(new StockLine(key, 1)));

            var failure = (await bought.Should().ThrowAsync<StockStoreException>()).Which;
            failure.Should().BeEquivalentTo(new { IsTransient = true, OutcomeUnknown = false });
            failure.Message.Should().Contain("clock").And.Contain("Nothing was changed");
            (await Slow().GetLevelAsync(key)).Should().BeEquivalentTo(new { OnHand = 10L, Reserved = 4L, Version = 2L });
        }
        finally
        {
            await AclAsync(nodes, "DELUSER", user);
        }
    }

    private static async Task AclAsync(IEnumerable<IServer> nodes, params object[] args)
    {
        foreach (var node in nodes)
        {
            await node.ExecuteAsync("ACL", args);
        }
    }

    /// <summary>Keeps the messages a store logs.</summary>
    private sealed class ListLogger : ILogger<RedisStockStore>
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

        public IEnumerable<string> Messages => _messages;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _messages.Enqueue(formatter(state, exception));
    }
}

public sealed class RedisClockSkewTests : RedisClockSkewTests<SingleRedisTestProvider>;

public sealed class RedisClusterClockSkewTests : RedisClockSkewTests<ClusterRedisTestProvider>;
