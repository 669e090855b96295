using System.Diagnostics;
using System.Globalization;
using System.Net;
using StackExchange.Redis;

namespace StockGuard.Redis.Tests;

/// <summary>
/// Drives the loopback Redis Cluster of eng/servers.sh through a failover: finds the master of a slot, kills it (SIGKILL,
/// as a crash), waits for its replica's promotion, starts the killed node again (it rejoins as a replica of the promoted
/// one), and hands the slot back to it with <c>CLUSTER FAILOVER</c>, so that the cluster ends as it started. Also pauses a
/// node (SIGSTOP) to make a replica lag. The nodes must be processes of this machine: their pid comes from <c>INFO</c>.
/// Shared by the failover tests and the load harness's failover measurement.
/// </summary>
internal sealed class RedisClusterControl : IAsyncDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    private readonly ConnectionMultiplexer _admin;

    private RedisClusterControl(ConnectionMultiplexer admin) => _admin = admin;

    /// <summary>Opens an admin connection to the cluster through its seeds (e.g. <c>127.0.0.1:7000,127.0.0.1:7001</c>).</summary>
    public static async Task<RedisClusterControl> ConnectAsync(string seeds)
    {
        var options = ConfigurationOptions.Parse(seeds);
        options.AllowAdmin = true;
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 5_000;
        options.ClientName = "stockguard-failover";
        return new RedisClusterControl(await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false));
    }

    /// <summary>The nodes as one live node sees them.</summary>
    public async Task<IReadOnlyList<ClusterNodeInfo>> NodesAsync(EndPoint? except = null)
    {
        Exception? last = null;
        foreach (var server in _admin.GetServers())
        {
            if (Equals(server.EndPoint, except) || !server.IsConnected)
            {
                continue;
            }

            try
            {
                var text = Text(await server.ExecuteAsync("CLUSTER", "NODES").ConfigureAwait(false));
                return ClusterNodeInfo.Parse(text);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                last = ex;
            }
        }

        throw new InvalidOperationException("No cluster node answered CLUSTER NODES.", last);
    }

    /// <summary>The master that serves <paramref name="slot"/> now.</summary>
    public async Task<ClusterNodeInfo> MasterOfAsync(int slot, EndPoint? except = null) =>
        (await NodesAsync(except).ConfigureAwait(false)).Single(n => n.IsMaster && !n.IsFailed && n.Serves(slot));

    /// <summary>The replica of <paramref name="master"/> (the cluster of eng/servers.sh gives each master one).</summary>
    public async Task<ClusterNodeInfo> ReplicaOfAsync(ClusterNodeInfo master) =>
        (await NodesAsync().ConfigureAwait(false)).Single(n => n.MasterId == master.Id);

    /// <summary>The operating-system process of a node.</summary>
    public async Task<int> ProcessIdAsync(EndPoint node)
    {
        var info = Text(await _admin.GetServer(node).ExecuteAsync("INFO", "server").ConfigureAwait(false));
        return int.Parse(Field(info, "process_id"), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Closes a master's connections to its replicas (<c>CLIENT KILL TYPE replica</c>). A replica that is stopped cannot
    /// reconnect: what the master writes from then on stays in the master's backlog, as behind a broken link. (Stopping
    /// the replica alone is not enough: the kernel keeps taking the stream into the socket's buffer and hands it over
    /// when the replica runs again, even after the master's death.)
    /// </summary>
    public async Task DisconnectReplicasAsync(EndPoint master) =>
        await _admin.GetServer(master).ExecuteAsync("CLIENT", "KILL", "TYPE", "replica").ConfigureAwait(false);

    /// <summary>How far a master's replication stream has gone (<c>master_repl_offset</c>), in bytes.</summary>
    public async Task<long> ReplicationOffsetAsync(EndPoint master) =>
        long.Parse(Field(await InfoAsync(_admin.GetServer(master), "replication").ConfigureAwait(false), "master_repl_offset"), CultureInfo.InvariantCulture);

    /// <summary>Kills a node with SIGKILL, as a crash would, and waits for its process to be gone.</summary>
    public async Task KillAsync(EndPoint node)
    {
        using var process = Process.GetProcessById(await ProcessIdAsync(node).ConfigureAwait(false));
        process.Kill();
        await process.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>Stops (SIGSTOP) or continues (SIGCONT) a node's process: a stopped replica falls behind its master.</summary>
    public static async Task SignalAsync(int processId, bool stop)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [stop ? "-STOP" : "-CONT", processId.ToString(CultureInfo.InvariantCulture)]))
            ?? throw new InvalidOperationException("kill did not start.");
        await kill.WaitForExitAsync().ConfigureAwait(false);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill {(stop ? "-STOP" : "-CONT")} {processId} exited with {kill.ExitCode}.");
        }
    }

    /// <summary>Waits until a node other than <paramref name="killed"/> serves <paramref name="slot"/> as a master that is not failed.</summary>
    public async Task<ClusterNodeInfo> WaitForPromotionAsync(int slot, EndPoint killed, TimeSpan timeout)
    {
        ClusterNodeInfo? promoted = null;
        await WaitUntilAsync($"a replica promoted for slot {slot}", timeout, async () =>
        {
            var nodes = await NodesAsync(except: killed).ConfigureAwait(false);
            promoted = nodes.FirstOrDefault(n => n.IsMaster && !n.IsFailed && n.Serves(slot) && !Equals(n.EndPoint, killed));
            return promoted is not null;
        }).ConfigureAwait(false);
        return promoted!;
    }

    /// <summary>
    /// Starts every stopped node again with <c>eng/servers.sh redis</c> (the killed one rejoins as a replica), then, when
    /// <paramref name="formerMaster"/> is given, waits for it to catch up with its new master and hands the slots back to it
    /// with <c>CLUSTER FAILOVER</c>, and waits until the cluster is whole: every master with a linked replica, state ok.
    /// </summary>
    public async Task RestoreAsync(EndPoint? formerMaster, TimeSpan timeout)
    {
        await RunServersScriptAsync(timeout).ConfigureAwait(false);
        if (formerMaster is not null)
        {
            var server = _admin.GetServer(formerMaster);
            await WaitUntilAsync($"{formerMaster} in sync as a replica", timeout, async () =>
            {
                var replication = await InfoAsync(server, "replication").ConfigureAwait(false);
                return Field(replication, "role") == "slave" && Field(replication, "master_link_status") == "up"
                    && Field(replication, "master_sync_in_progress") == "0";
            }).ConfigureAwait(false);
            // Its view of its new master may still carry the failure flag it gossiped while it was down; the failover is
            // refused until that clears.
            await WaitUntilAsync($"{formerMaster} accepting CLUSTER FAILOVER", timeout, async () =>
            {
                try
                {
                    await server.ExecuteAsync("CLUSTER", "FAILOVER").ConfigureAwait(false);
                    return true;
                }
                catch (RedisServerException ex) when (ex.Message.Contains("Master is down or failed", StringComparison.Ordinal))
                {
                    return false;
                }
            }).ConfigureAwait(false);
            await WaitUntilAsync($"{formerMaster} master again", timeout, async () =>
                Field(await InfoAsync(server, "replication").ConfigureAwait(false), "role") == "master").ConfigureAwait(false);
        }

        await WaitUntilWholeAsync(timeout).ConfigureAwait(false);
    }

    /// <summary>Whether every node answers, the state is ok everywhere, and every master has a replica whose link is up.</summary>
    public async Task<bool> IsWholeAsync() => await WhyNotWholeAsync().ConfigureAwait(false) is null;

    /// <summary>Null when the cluster is whole (see <see cref="IsWholeAsync"/>), else what is missing.</summary>
    public async Task<string?> WhyNotWholeAsync()
    {
        var nodes = await NodesAsync().ConfigureAwait(false);
        if (nodes.FirstOrDefault(n => n.IsFailed || !n.Connected) is { } down)
        {
            return $"{down.EndPoint} is failed or disconnected";
        }

        if (nodes.Where(n => n.IsMaster).FirstOrDefault(m => !nodes.Any(r => r.MasterId == m.Id)) is { } alone)
        {
            return $"master {alone.EndPoint} has no replica";
        }

        var agreed = Layout(nodes);
        foreach (var node in nodes)
        {
            var server = _admin.GetServer(node.EndPoint);
            if (!server.IsConnected)
            {
                return $"{node.EndPoint} is not connected";
            }

            // Gossip spreads a failover node by node: until every node tells the same masters, replicas and slots, a
            // client (or a test) that asks one of them may be sent to a node that no longer serves the slot.
            var view = Layout(ClusterNodeInfo.Parse(Text(await server.ExecuteAsync("CLUSTER", "NODES").ConfigureAwait(false))));
            if (view != agreed)
            {
                return $"{node.EndPoint} sees the cluster otherwise ({view}) than another node ({agreed})";
            }

            var info = Text(await server.ExecuteAsync("CLUSTER", "INFO").ConfigureAwait(false));
            if (Field(info, "cluster_state") != "ok")
            {
                return $"{node.EndPoint} has cluster_state {Field(info, "cluster_state")}";
            }

            if (!node.IsMaster && Field(await InfoAsync(server, "replication").ConfigureAwait(false), "master_link_status") != "up")
            {
                return $"replica {node.EndPoint} has no link to its master";
            }
        }

        return null;
    }

    /// <summary>
    /// Has <paramref name="client"/> read the cluster's layout again and waits until it sends each slot to the master that
    /// serves it now. A multiplexer learns of a failover only when a node redirects it: after a master was handed its slots
    /// back, a client that has not written to them since still takes the replica for the master.
    /// </summary>
    public async Task WaitUntilClientAgreesAsync(IConnectionMultiplexer client, TimeSpan timeout)
    {
        var nodes = await NodesAsync().ConfigureAwait(false);
        string? wrong = "not asked yet";
        await WaitUntilAsync("the client to see the cluster's masters", timeout, async () =>
        {
            await client.ConfigureAsync().ConfigureAwait(false);
            wrong = nodes.FirstOrDefault(n => client.GetServer(n.EndPoint) is var server && (!server.IsConnected || server.IsReplica == n.IsMaster)) is { } node
                ? $"{node.EndPoint} is a {(node.IsMaster ? "master" : "replica")} to the cluster, not to the client"
                : null;
            return wrong is null;
        }, () => wrong).ConfigureAwait(false);
    }

    /// <summary>One node's view in one line: every node's role and slots, or its master, in a fixed order.</summary>
    private static string Layout(IReadOnlyList<ClusterNodeInfo> nodes)
    {
        var byId = nodes.ToDictionary(n => n.Id);
        return string.Join("; ", nodes
            .Select(n => n.IsMaster
                ? $"{n.EndPoint} master {string.Join(",", n.Slots.Select(r => $"{r.From}-{r.To}"))}"
                : $"{n.EndPoint} replica of {(n.MasterId is { } id && byId.TryGetValue(id, out var master) ? master.EndPoint.ToString() : n.MasterId)}")
            .Order(StringComparer.Ordinal));
    }

    public async ValueTask DisposeAsync() => await _admin.DisposeAsync().ConfigureAwait(false);

    /// <summary>Waits until the cluster is whole (<see cref="IsWholeAsync"/>); the timeout names what was still missing.</summary>
    public async Task WaitUntilWholeAsync(TimeSpan timeout)
    {
        string? missing = "not asked yet";
        await WaitUntilAsync("the cluster whole", timeout, async () => (missing = await WhyNotWholeAsync().ConfigureAwait(false)) is null, () => missing).ConfigureAwait(false);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, or throws <see cref="TimeoutException"/> naming <paramref name="what"/>.</summary>
    public static async Task WaitUntilAsync(string what, TimeSpan timeout, Func<Task<bool>> condition, Func<string?>? state = null)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        Exception? last = null;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            try
            {
                if (await condition().ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidOperationException)
            {
                last = ex; // a node that is restarting refuses for a moment
            }

            await Task.Delay(Poll).ConfigureAwait(false);
        }

        throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what}{(state?.Invoke() is { } now ? $" ({now})" : string.Empty)}.", last);
    }

    private static async Task<string> InfoAsync(IServer server, string section) =>
        Text(await server.ExecuteAsync("INFO", section).ConfigureAwait(false));

    /// <summary>A text reply; over RESP3 a verbatim string carries its format ("txt:") first.</summary>
    private static string Text(RedisResult result)
    {
        var text = (string?)result ?? string.Empty;
        return text.StartsWith("txt:", StringComparison.Ordinal) ? text[4..] : text;
    }

    private static string Field(string info, string name)
    {
        foreach (var line in info.Split('\n'))
        {
            var trimmed = line.TrimEnd('\r');
            if (trimmed.StartsWith(name + ":", StringComparison.Ordinal))
            {
                return trimmed[(name.Length + 1)..];
            }
        }

        return string.Empty;
    }

    private static async Task RunServersScriptAsync(TimeSpan timeout)
    {
        var script = FindServersScript();
        using var process = Process.Start(new ProcessStartInfo("bash", [script, "redis"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(Path.GetDirectoryName(script))!,
        }) ?? throw new InvalidOperationException("bash did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"eng/servers.sh redis exited with {process.ExitCode}: {await output.ConfigureAwait(false)}{await error.ConfigureAwait(false)}");
        }
    }

    private static string FindServersScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "eng", "servers.sh");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("eng/servers.sh not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>One line of <c>CLUSTER NODES</c>.</summary>
internal sealed record ClusterNodeInfo(string Id, EndPoint EndPoint, bool IsMaster, bool IsFailed, string? MasterId, bool Connected, IReadOnlyList<(int From, int To)> Slots)
{
    public bool Serves(int slot) => Slots.Any(r => r.From <= slot && slot <= r.To);

    public static IReadOnlyList<ClusterNodeInfo> Parse(string text)
    {
        var nodes = new List<ClusterNodeInfo>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // <id> <ip:port@cport> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot> <slot> ...
            var parts = line.Split(' ');
            var address = parts[1].Split('@')[0];
            var colon = address.LastIndexOf(':');
            var endPoint = new IPEndPoint(IPAddress.Parse(address[..colon]), int.Parse(address[(colon + 1)..], CultureInfo.InvariantCulture));
            var flags = parts[2].Split(',');
            var slots = new List<(int, int)>();
            foreach (var range in parts.Skip(8).Where(p => !p.StartsWith('[')))
            {
                var dash = range.IndexOf('-', StringComparison.Ordinal);
                slots.Add(dash < 0
                    ? (int.Parse(range, CultureInfo.InvariantCulture), int.Parse(range, CultureInfo.InvariantCulture))
                    : (int.Parse(range[..dash], CultureInfo.InvariantCulture), int.Parse(range[(dash + 1)..], CultureInfo.InvariantCulture)));
            }

            nodes.Add(new ClusterNodeInfo(
                parts[0],
                endPoint,
                flags.Contains("master"),
                flags.Contains("fail") || flags.Contains("fail?"),
                parts[3] == "-" ? null : parts[3],
                parts[7] == "connected",
                slots));
        }

        return nodes;
    }
}
