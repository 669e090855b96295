using System.Net;
using StackExchange.Redis;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// Where the Redis servers are: the same environment variables and loopback defaults as the test suites (eng/servers.sh
/// starts them), plus the one-master cluster that only the load harness uses (<c>eng/servers.sh redis-cluster1</c>).
/// Each deployment has one multiplexer for the whole run, as an application has one.
/// </summary>
internal static class RedisSettings
{
    public const string RedisVariable = "STOCKGUARD_REDIS";
    public const string ClusterVariable = "STOCKGUARD_REDIS_CLUSTER";
    public const string ClusterOneVariable = "STOCKGUARD_REDIS_CLUSTER1";

    private static readonly Dictionary<string, Lazy<Task<ConnectionMultiplexer>>> Multiplexers = [];

    /// <summary>A single Redis: <c>127.0.0.1:6379</c> unless <see cref="RedisVariable"/> says otherwise.</summary>
    public static RedisDeployment Single { get; } = new("Redis", RedisVariable, "127.0.0.1:6379", Cluster: false);

    /// <summary>The six-node cluster of the test suites (three masters, three replicas): its seeds.</summary>
    public static RedisDeployment Cluster { get; } = new("Redis Cluster", ClusterVariable, "127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002", Cluster: true);

    /// <summary>A cluster of one master and its replica, to compare the three-master cluster with: the harness's own.</summary>
    public static RedisDeployment ClusterOne { get; } = new("Redis Cluster", ClusterOneVariable, "127.0.0.1:7100,127.0.0.1:7101", Cluster: true);

    /// <summary>The run's multiplexer for a deployment, connected on first use.</summary>
    public static Task<ConnectionMultiplexer> ConnectAsync(RedisDeployment deployment)
    {
        Lazy<Task<ConnectionMultiplexer>> lazy;
        lock (Multiplexers)
        {
            if (!Multiplexers.TryGetValue(deployment.Variable, out lazy!))
            {
                lazy = new Lazy<Task<ConnectionMultiplexer>>(() => ConnectionMultiplexer.ConnectAsync(Options(deployment, connectTimeout: 15_000, admin: true)));
                Multiplexers[deployment.Variable] = lazy;
            }
        }

        return lazy.Value;
    }

    /// <summary>Null when the deployment answers (and a cluster has every slot served), else why not.</summary>
    public static async Task<string?> ProbeAsync(RedisDeployment deployment, CancellationToken cancellationToken)
    {
        try
        {
            await using var probe = await ConnectionMultiplexer.ConnectAsync(Options(deployment, connectTimeout: 5_000, admin: true)).WaitAsync(cancellationToken);
            if (probe.GetServers().FirstOrDefault(s => s.IsConnected) is not { } server)
            {
                return $"{deployment.Name} at {deployment.Endpoints}: no server connected; run eng/servers.sh";
            }

            if (deployment.Cluster)
            {
                var info = (string?)await server.ExecuteAsync("CLUSTER", "INFO") ?? string.Empty;
                if (!info.Contains("cluster_state:ok", StringComparison.Ordinal))
                {
                    return $"{deployment.Name} at {deployment.Endpoints} is not in state ok; run eng/servers.sh";
                }
            }

            return null;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ArgumentException)
        {
            return $"{deployment.Name} is not reachable at {deployment.Endpoints} ({ex.GetType().Name}: {ex.Message}); set {deployment.Variable} or run eng/servers.sh";
        }
    }

    /// <summary>What the target talks to, for the report: the version and, on a cluster, how many masters serve it.</summary>
    public static string Describe(RedisDeployment deployment, IConnectionMultiplexer multiplexer)
    {
        var servers = multiplexer.GetServers();
        var version = servers.FirstOrDefault()?.Version.ToString() ?? "?";
        if (!deployment.Cluster)
        {
            return $"Redis {version}";
        }

        var masters = servers.Count(s => s.IsConnected && !s.IsReplica);
        var replicas = servers.Count(s => s.IsConnected && s.IsReplica);
        return $"Redis Cluster {version}, {masters} master{(masters == 1 ? string.Empty : "s")} + {replicas} replica{(replicas == 1 ? string.Empty : "s")}";
    }

    private static ConfigurationOptions Options(RedisDeployment deployment, int connectTimeout, bool admin = false)
    {
        var options = ConfigurationOptions.Parse(deployment.Endpoints);
        foreach (var endpoint in options.EndPoints)
        {
            var host = endpoint switch
            {
                IPEndPoint ip => ip.Address.ToString(),
                DnsEndPoint dns => dns.Host,
                _ => endpoint.ToString(),
            };
            var loopback = host is "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
            if (!loopback)
            {
                throw new ArgumentException($"{deployment.Variable} names '{host}': the load harness only runs against loopback servers (127.0.0.1, ::1 or localhost).");
            }
        }

        options.AbortOnConnectFail = true;
        options.ConnectTimeout = connectTimeout;
        options.AllowAdmin = admin;   // CLUSTER INFO for the probe, INFO cpu for the masters' load over a cell
        options.ClientName = "stockguard-load";
        return options;
    }
}

/// <summary>A Redis deployment the harness can load: its name, the variable that overrides its endpoints and their default.</summary>
internal sealed record RedisDeployment(string Name, string Variable, string Default, bool Cluster)
{
    /// <summary>The endpoints in force: the variable's value, or the loopback default.</summary>
    public string Endpoints => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : Default;
}
