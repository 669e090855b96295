using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using StockGuard.Testing;

namespace StockGuard.Redis.Tests;

/// <summary>
/// Stores on one Redis topology, each fixture under a key prefix of its own (deleted afterwards), so runs can share the
/// servers. Connection from STOCKGUARD_REDIS (a single server) or STOCKGUARD_REDIS_CLUSTER (cluster seed nodes).
/// </summary>
public abstract class RedisTestProvider : IStockStoreTestProvider
{
    private IConnectionMultiplexer? _redis;

    /// <summary>The strategy the contract suite runs (the only one the store supports).</summary>
    public ConcurrencyStrategy Strategy => ConcurrencyStrategy.Atomic;

    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <summary>The environment variable with the connection.</summary>
    protected abstract string Variable { get; }

    /// <summary>The loopback default.</summary>
    protected abstract string Default { get; }

    /// <summary>This fixture's key prefix.</summary>
    public string Prefix { get; } = "t" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>The connection, once initialised.</summary>
    public IConnectionMultiplexer Redis => _redis ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>The configuration string the provider connects with.</summary>
    public string Configuration => TestServers.ConnectionString(Variable, Default);

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        try
        {
            var options = ConfigurationOptions.Parse(Configuration);
            options.ConnectTimeout = 3000;
            options.AllowAdmin = true;   // INFO, for the tests that look at replication
            _redis = await ConnectionMultiplexer.ConnectAsync(options);
            await _redis.GetDatabase().PingAsync();
        }
        catch (RedisException ex)
        {
            // The endpoints only: a configuration string may carry a password.
            var endpoints = string.Join(",", ConfigurationOptions.Parse(Configuration).EndPoints.Select(e => e.ToString()));
            TestServers.Unavailable($"{Name} at {endpoints}", Variable, ex);
        }
    }

    /// <inheritdoc/>
    public IStockStore CreateStore(TimeProvider time, Action<StockStoreOptions>? configure = null) => CreateRedisStore(time, configure);

    /// <summary>
    /// Creates a store under this fixture's prefix. A store driven by a <see cref="FakeTimeProvider"/> takes its time from
    /// it (<see cref="RedisClock.TimeProvider"/>), so that tests can move holds past their expiry; any other store keeps the
    /// default, the Redis server's clock.
    /// </summary>
    public RedisStockStore CreateRedisStore(TimeProvider time, Action<RedisStockStoreOptions>? configure = null, string? prefix = null)
    {
        var options = new RedisStockStoreOptions
        {
            KeyPrefix = prefix ?? Prefix,
            Clock = time is FakeTimeProvider ? RedisClock.TimeProvider : RedisClock.Server,
        };
        configure?.Invoke(options);
        return new RedisStockStore(Redis, options, time);
    }

    /// <summary>Every key under <paramref name="prefix"/> on every master.</summary>
    public async Task<List<RedisKey>> KeysAsync(string prefix)
    {
        var keys = new List<RedisKey>();
        foreach (var server in Redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: prefix + "*", pageSize: 1000))
            {
                keys.Add(key);
            }

            await foreach (var key in server.KeysAsync(pattern: "{" + prefix + ":*", pageSize: 1000))
            {
                keys.Add(key);
            }
        }

        return keys;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            foreach (var key in await KeysAsync(Prefix))
            {
                await _redis.GetDatabase().KeyDeleteAsync(key);
            }

            await _redis.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>A single Redis server.</summary>
public sealed class SingleRedisTestProvider : RedisTestProvider
{
    /// <inheritdoc/>
    public override string Name => "Redis";

    /// <inheritdoc/>
    protected override string Variable => "STOCKGUARD_REDIS";

    /// <inheritdoc/>
    protected override string Default => "127.0.0.1:6379";
}

/// <summary>A Redis Cluster (three masters, three replicas on loopback by default).</summary>
public sealed class ClusterRedisTestProvider : RedisTestProvider
{
    /// <inheritdoc/>
    public override string Name => "Redis Cluster";

    /// <inheritdoc/>
    protected override string Variable => "STOCKGUARD_REDIS_CLUSTER";

    /// <inheritdoc/>
    protected override string Default => "127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002";
}
