using System.Diagnostics;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using StockGuard.Caching;
using StockGuard.Changes;
using StockGuard.InMemory;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// What <c>+feed</c> and <c>+cache</c> run beside a cell's buyers, in the same process: a change dispatcher whose handler
/// records each sale's delivery latency (from the sale's return to its buyer, after its commit, to the handler's call;
/// 0 when the handler had it first), and a level cache whose staleness a probe measures (from a sale's return to the first cached read
/// showing its version). After the cell the cache's read throughput is compared with the database's. Reported on
/// standard error.
/// </summary>
internal sealed class FeedFollowers
{
    private const int ReadClients = 16;
    private static readonly TimeSpan ReadDuration = TimeSpan.FromSeconds(3);

    private readonly string _name;
    private readonly IStockStore _store;
    private readonly StockKey[] _keys;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];
    private readonly LatencyHistogram _delivery = new();
    private readonly LatencyHistogram _staleness = new();
    private readonly Lock _lock = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(StockKey, long), long> _returned = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(StockKey, long), long> _delivered = new();
    private bool _feed;
    private StockLevelCache? _cache;
    private (StockLevel Level, long At)? _lastSale;

    private FeedFollowers(string name, IStockStore store, StockKey[] keys)
    {
        _name = name;
        _store = store;
        _keys = keys;
    }

    public static async Task<FeedFollowers> StartAsync(string name, IStockStore store, StockKey[] keys, bool feed, bool cache, string cellId, CancellationToken cancellationToken)
    {
        var followers = new FeedFollowers(name, store, keys);
        var changes = (IStockChangeFeed)store;
        var consumers = store as IStockChangeConsumerStore ?? new InMemoryStockChangeConsumers();
        followers._feed = feed;
        if (feed)
        {
            var consumer = $"load-{cellId}";
            var end = await changes.GetLastPositionAsync(cancellationToken);
            await consumers.TryAcquireLeaseAsync(consumer, "load", TimeSpan.FromMinutes(1), cancellationToken);
            await consumers.SaveCheckpointAsync(consumer, "load", end, TimeSpan.FromMinutes(1), cancellationToken);
            await consumers.ReleaseLeaseAsync(consumer, "load", cancellationToken);
            var dispatcher = new StockChangeDispatcher(consumer, new LatencyHandler(followers), changes, consumers, new StockChangeDispatcherOptions { BatchSize = 1000 });
            followers._running.Add(Task.Run(() => dispatcher.RunAsync(followers._stop.Token), CancellationToken.None));
        }

        if (cache)
        {
            var services = new ServiceCollection();
            services.AddHybridCache();
            followers._cache = new StockLevelCache(store, changes, services.BuildServiceProvider().GetRequiredService<HybridCache>(), new StockLevelCacheOptions(), consumers);
            followers._running.Add(Task.Run(() => followers._cache.RunAsync(followers._stop.Token), CancellationToken.None));
            followers._running.Add(Task.Run(() => followers.ProbeAsync(followers._stop.Token), CancellationToken.None));
            var started = Stopwatch.StartNew();
            while (!followers._cache.IsFollowing && started.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
            }
        }

        return followers;
    }

    /// <summary>A buyer's sale has returned (it committed): the probe may time its arrival in the cache.</summary>
    public void Sold(StockLevel level)
    {
        if (_feed)
        {
            var now = Stopwatch.GetTimestamp();
            if (_delivered.TryRemove((level.Key, level.Version), out _))
            {
                RecordDelivery(0);
            }
            else
            {
                _returned[(level.Key, level.Version)] = now;
            }
        }

        if (_cache is not null)
        {
            lock (_lock)
            {
                _lastSale = (level, Stopwatch.GetTimestamp());
            }
        }
    }

    public async Task StopAndReportAsync(CancellationToken cancellationToken)
    {
        string? reads = null;
        if (_cache is not null)
        {
            var cached = await ReadThroughputAsync(key => _cache.GetLevelAsync(key, cancellationToken));
            var database = await ReadThroughputAsync(key => _store.GetLevelAsync(key, cancellationToken));
            reads = $"; reads x{ReadClients} (after the cell): cached {cached:0} /s, database {database:0} /s";
        }

        await _stop.CancelAsync();
        await Task.WhenAll(_running);
        var parts = new List<string>();
        if (_delivery.Count > 0)
        {
            parts.Add($"feed delivery {_delivery.Count} sales, latency after the sale returned p50 {_delivery.QuantileMilliseconds(0.5):0.0} ms p99 {_delivery.QuantileMilliseconds(0.99):0.0} ms");
        }

        if (_cache is not null)
        {
            parts.Add($"cache staleness {_staleness.Count} probes, p50 {_staleness.QuantileMilliseconds(0.5):0.0} ms p99 {_staleness.QuantileMilliseconds(0.99):0.0} ms max {_staleness.QuantileMilliseconds(1):0.0} ms" + reads);
        }

        await Console.Error.WriteLineAsync($"[load] {_name}: {string.Join("; ", parts)}");
    }

    /// <summary>Times, one sale at a time, how long after the sale returned a cached read first shows its version.</summary>
    private async Task ProbeAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                (StockLevel Level, long At)? sale;
                lock (_lock)
                {
                    sale = _lastSale;
                    _lastSale = null;
                }

                if (sale is not { } taken)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(1), stop);
                    continue;
                }

                while ((await _cache!.GetLevelAsync(taken.Level.Key, stop))!.Version < taken.Level.Version)
                {
                    await Task.Yield();
                }

                _staleness.Record((long)Stopwatch.GetElapsedTime(taken.At).TotalNanoseconds);
                await Task.Delay(TimeSpan.FromMilliseconds(5), stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task<double> ReadThroughputAsync(Func<StockKey, Task<StockLevel?>> read)
    {
        var reads = 0L;
        var started = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, ReadClients).Select(client => Task.Run(async () =>
        {
            var random = new Random(client);
            var count = 0L;
            while (started.Elapsed < ReadDuration)
            {
                await read(_keys[random.Next(_keys.Length)]);
                count++;
            }

            Interlocked.Add(ref reads, count);
        })));
        return reads / started.Elapsed.TotalSeconds;
    }

    private void RecordDelivery(long nanoseconds)
    {
        lock (_lock)
        {
            _delivery.Record(nanoseconds);
        }
    }

    private sealed class LatencyHandler(FeedFollowers followers) : IStockChangeHandler
    {
        public Task HandleAsync(StockChange change, CancellationToken cancellationToken)
        {
            if (change.LevelAfter is { } level && change.Kind == StockMovementKind.Sale)
            {
                var now = Stopwatch.GetTimestamp();
                if (followers._returned.TryRemove((change.Key, level.Version), out var returned))
                {
                    followers.RecordDelivery((long)Stopwatch.GetElapsedTime(returned, now).TotalNanoseconds);
                }
                else
                {
                    followers._delivered[(change.Key, level.Version)] = now;
                }
            }

            return Task.CompletedTask;
        }
    }
}
