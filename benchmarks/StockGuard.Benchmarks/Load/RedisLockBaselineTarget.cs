using System.Globalization;
using Medallion.Threading.Redis;
using StackExchange.Redis;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// Redis without the library, the way a shop guards stock with a distributed lock: lock the SKU with
/// DistributedLock.Redis (<see cref="RedisDistributedLock"/>, its default options: a 30 s lease extended while held, and
/// a busy wait of 10–800 ms between attempts to take a lock someone else holds), read the level, check it, write the new
/// level, unlock. Three round trips and a lock per order, against the store's one script.
/// <para>
/// The level and its lock live under the item's hash tag (<c>stockguard-bench:{sku}:…</c>), so that on a cluster both
/// keys are served by one master. The write is not fenced: a holder that pauses past its lease could still write a stale
/// level; the lease is long here, and the cell's conservation check would show the oversell.
/// </para>
/// </summary>
internal sealed class RedisLockBaselineTarget(string name, RedisDeployment deployment) : ILoadTarget
{
    /// <summary>How long a client waits for a lock before the order fails with a timeout (counted as an error).</summary>
    private static readonly TimeSpan AcquireTimeout = TimeSpan.FromSeconds(30);

    private const int Pipeline = 1_000;

    private ConnectionMultiplexer? _multiplexer;
    private RedisKey[] _levels = [];
    private RedisKey[] _locks = [];

    public string Name => name;

    public bool ExpectedToOversell => false;

    public bool ReportsRetries => false;

    public string? Server { get; private set; }

    public async Task PrepareAsync(string cellId, int skuCount, int stockPerSku, CancellationToken cancellationToken)
    {
        _multiplexer ??= await RedisSettings.ConnectAsync(deployment);
        Server = RedisSettings.Describe(deployment, _multiplexer);
        _levels = new RedisKey[skuCount];
        _locks = new RedisKey[skuCount];
        for (var i = 0; i < skuCount; i++)
        {
            var tag = string.Create(CultureInfo.InvariantCulture, $"stockguard-bench:{{{cellId}-{i:D5}}}");
            _levels[i] = tag + ":level";
            _locks[i] = tag + ":lock";
        }

        var database = _multiplexer.GetDatabase();
        foreach (var chunk in _levels.Chunk(Pipeline))
        {
            await Task.WhenAll(chunk.Select(key => database.StringSetAsync(key, stockPerSku))).WaitAsync(cancellationToken);
        }
    }

    public Task<ILoadClient> ConnectAsync(CancellationToken cancellationToken) =>
        Task.FromResult<ILoadClient>(new Client(
            (_multiplexer ?? throw new InvalidOperationException("Prepare the target first.")).GetDatabase(), _levels, _locks));

    public async Task<long[]> ReadLevelsAsync(CancellationToken cancellationToken)
    {
        var database = (_multiplexer ?? throw new InvalidOperationException("Prepare the target first.")).GetDatabase();
        var levels = new long[_levels.Length];
        for (var start = 0; start < _levels.Length; start += Pipeline)
        {
            var chunk = _levels.AsMemory(start, Math.Min(Pipeline, _levels.Length - start)).ToArray();
            var values = await Task.WhenAll(chunk.Select(key => database.StringGetAsync(key))).WaitAsync(cancellationToken);
            for (var i = 0; i < values.Length; i++)
            {
                levels[start + i] = (long)values[i];
            }

            // The cell is over: its keys go, so that the cells after it start from an empty keyspace.
            await Task.WhenAll(chunk.Select(key => database.KeyDeleteAsync(key))).WaitAsync(cancellationToken);
        }

        return levels;
    }

    // The multiplexer belongs to the run (RedisSettings), not to the target.
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Client(IDatabase database, RedisKey[] levels, RedisKey[] locks) : ILoadClient
    {
        public async Task<bool> DeductAsync(int sku, int quantity, CancellationToken cancellationToken)
        {
            var gate = new RedisDistributedLock(locks[sku], database);
            await using (await gate.AcquireAsync(AcquireTimeout, cancellationToken))
            {
                var level = (long)await database.StringGetAsync(levels[sku]);
                if (level < quantity)
                {
                    return false;
                }

                await database.StringSetAsync(levels[sku], level - quantity);
                return true;
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
