using System.Globalization;
using StackExchange.Redis;
using StockGuard.Redis;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// The library's <see cref="RedisStockStore"/> under load, on a single Redis or a Redis Cluster, through the run's one
/// multiplexer for that deployment (as an application has one). Each cell gets a store with a key prefix of its own, so
/// that it starts from an empty keyspace, and its keys (items, movement streams, holds, idempotency records) are deleted
/// once its levels are read, so that no cell pays for the memory of the cells before it. The rest is
/// <see cref="StockStoreTarget"/>'s.
/// </summary>
internal sealed class RedisStoreTarget : IHoldTarget
{
    private static int s_stores;

    private readonly RedisDeployment _deployment;
    private readonly StockStoreTarget _inner;
    private readonly string _run = Random.Shared.Next(0x1000, 0xFFFF).ToString("x4", CultureInfo.InvariantCulture);
    private ConnectionMultiplexer? _multiplexer;
    private string? _prefix;
    private Dictionary<string, double> _cpuAtStart = [];
    private long _cellStarted;

    public RedisStoreTarget(TargetSpec spec, RedisDeployment deployment, int waitForReplicas = 0)
    {
        _deployment = deployment;
        _inner = new StockStoreTarget(spec, async cancellationToken =>
        {
            _multiplexer ??= await RedisSettings.ConnectAsync(deployment).WaitAsync(cancellationToken);
            Server = RedisSettings.Describe(deployment, _multiplexer) + (waitForReplicas > 0 ? $", WAIT {waitForReplicas}" : string.Empty);
            await DeleteKeysAsync();
            _prefix = string.Create(CultureInfo.InvariantCulture, $"sgload-{_run}-{Interlocked.Increment(ref s_stores)}");
            return new RedisStockStore(_multiplexer, new RedisStockStoreOptions { KeyPrefix = _prefix, WaitForReplicas = waitForReplicas });
        });
    }

    public string Name => _inner.Name;

    public bool ExpectedToOversell => false;

    public bool ReportsRetries => _inner.ReportsRetries;

    public string? Server { get; private set; }

    public async Task PrepareAsync(string cellId, int skuCount, int stockPerSku, CancellationToken cancellationToken)
    {
        await _inner.PrepareAsync(cellId, skuCount, stockPerSku, cancellationToken);
        _cpuAtStart = await MasterCpuAsync();
        _cellStarted = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    public Task<ILoadClient> ConnectAsync(CancellationToken cancellationToken) => _inner.ConnectAsync(cancellationToken);

    public Task<(long Swept, long ReservedLeft)> SweepAsync(CancellationToken cancellationToken) => _inner.SweepAsync(cancellationToken);

    public async Task<long[]> ReadLevelsAsync(CancellationToken cancellationToken)
    {
        // How busy each master was over the cell (its warm-up included), in % of one core: a master near 100 % is what
        // limits the cell; the same load spread over three masters leaves each of them room.
        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(_cellStarted).TotalSeconds;
        var cpu = await MasterCpuAsync();
        var busy = cpu.Where(c => _cpuAtStart.ContainsKey(c.Key))
            .OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {100 * (c.Value - _cpuAtStart[c.Key]) / seconds:0} %"));
        await Console.Error.WriteLineAsync($"[load] {Name}: Redis master CPU over the cell: {string.Join(", ", busy)}");
        var levels = await _inner.ReadLevelsAsync(cancellationToken);
        await DeleteKeysAsync();
        return levels;
    }

    public async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync();
        await DeleteKeysAsync();
    }

    /// <summary>CPU seconds (user + system) each master's process has used, by endpoint.</summary>
    private async Task<Dictionary<string, double>> MasterCpuAsync()
    {
        var cpu = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var server in _multiplexer!.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            var info = (await server.InfoAsync("cpu")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            cpu[server.EndPoint.ToString()!] = double.Parse(info["used_cpu_user"], CultureInfo.InvariantCulture) + double.Parse(info["used_cpu_sys"], CultureInfo.InvariantCulture);
        }

        return cpu;
    }

    /// <summary>Deletes every key under the last cell's prefix, on every master.</summary>
    private async Task DeleteKeysAsync()
    {
        if (_multiplexer is null || _prefix is null)
        {
            return;
        }

        var database = _multiplexer.GetDatabase();
        foreach (var server in _multiplexer.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            var batch = new List<Task>();
            await foreach (var key in server.KeysAsync(pattern: $"*{_prefix}*", pageSize: 1000))
            {
                batch.Add(database.KeyDeleteAsync(key, CommandFlags.FireAndForget));
                if (batch.Count == 1000)
                {
                    await Task.WhenAll(batch);
                    batch.Clear();
                }
            }

            await Task.WhenAll(batch);
        }

        _prefix = null;
    }
}
