using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using StackExchange.Redis;
using StockGuard.Benchmarks.Load;
using StockGuard.Redis;
using StockGuard.Redis.Tests;

namespace StockGuard.Benchmarks.Failover;

/// <summary>
/// The <c>failover</c> command: how many acknowledged units a Redis Cluster failover loses, with and without
/// <see cref="RedisStockStoreOptions.WaitForReplicas"/>. Each run sells one item from many clients, kills the item's master
/// with SIGKILL mid-sale (optionally after stopping its replica and cutting their link, so that the replica lags), lets the clients finish what
/// they had in flight, waits for the replica's promotion, and compares the units the clients were told were sold with the
/// units the promoted replica shows sold. Then it restarts the killed node and hands its slots back, so that the next run
/// starts from the same cluster.
/// </summary>
internal static class FailoverCommand
{
    public const string Usage = """
        dotnet run -c Release --project benchmarks/StockGuard.Benchmarks -- failover [options]

        Kills the master of a Redis Cluster slot during a sale (SIGKILL; the nodes must run on this machine, as root or
        as their user), with the store's WaitForReplicas = 0 and = 1, and reports the acknowledged units the promoted
        replica does not have. The cluster is the test suites' one (STOCKGUARD_REDIS_CLUSTER, default
        127.0.0.1:7000-7002 as seeds; eng/servers.sh redis); every run ends with it whole again.

          --runs N          runs per scenario and setting (default: 3)
          --clients N       concurrent sellers (default: 16)
          --sell TIME       selling before the kill (default: 1s)
          --scenario S,...  kill: kill the master; lag: stop its replica (SIGSTOP) and cut their link for --lag, kill the
                            master, then let the replica go on (default: kill,lag)
          --lag TIME        how long the replica is paused in the lag scenario (default: 500ms)
          --wait N,...      the WaitForReplicas settings to compare (default: 0,1)
          --out FILE.md     also write the Markdown report
        """;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly TimeSpan Step = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string[] args)
    {
        var runs = 3;
        var clients = 16;
        var sell = TimeSpan.FromSeconds(1);
        var lag = TimeSpan.FromMilliseconds(500);
        string[] scenarios = ["kill", "lag"];
        int[] waits = [0, 1];
        string? output = null;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                var arg = args[i];
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{arg} needs a value.");
                switch (arg)
                {
                    case "--runs": runs = int.Parse(Value(), Invariant); break;
                    case "--clients": clients = int.Parse(Value(), Invariant); break;
                    case "--sell": sell = LoadOptions.ParseTime(arg, Value()); break;
                    case "--lag": lag = LoadOptions.ParseTime(arg, Value()); break;
                    case "--scenario" or "--scenarios":
                        scenarios = Value().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                        if (scenarios.Any(s => s is not ("kill" or "lag")))
                        {
                            throw new ArgumentException("--scenario takes kill, lag or both.");
                        }

                        break;
                    case "--wait": waits = [.. Value().Split(',').Select(v => int.Parse(v, Invariant))]; break;
                    case "--out": output = Value(); break;
                    case "-h" or "--help":
                        Console.WriteLine(Usage);
                        return 0;
                    default: throw new ArgumentException($"Unknown option '{arg}'.");
                }
            }

            if (runs < 1 || clients < 1)
            {
                throw new ArgumentException("--runs and --clients must be at least 1.");
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
        {
            await Console.Error.WriteLineAsync($"failover: {ex.Message}\n\n{Usage}");
            return 2;
        }

        var seeds = RedisSettings.Cluster.Endpoints;
        if (await RedisSettings.ProbeAsync(RedisSettings.Cluster, CancellationToken.None) is { } reason)
        {
            await Console.Error.WriteLineAsync($"failover: {reason}");
            return 2;
        }

        await using var control = await RedisClusterControl.ConnectAsync(seeds);
        await control.WaitUntilWholeAsync(Step);
        var results = new List<FailoverRun>();
        var runId = Random.Shared.Next(0x1000, 0xFFFF).ToString("x4", Invariant);
        foreach (var scenario in scenarios)
        {
            foreach (var wait in waits)
            {
                for (var run = 1; run <= runs; run++)
                {
                    var result = await RunOnceAsync(control, seeds, scenario, wait, clients, sell, lag, $"sgfail-{runId}-{scenario}-w{wait}-{run}");
                    results.Add(result);
                    await Console.Error.WriteLineAsync(string.Create(Invariant,
                        $"[failover] {scenario,-4} wait {wait}  run {run}: acknowledged {result.Acknowledged,6}  failed {result.Failed,3} (sold anyway {result.FailedButSold})  sold on the promoted replica {result.SoldOnPromoted,6}  acknowledged lost {result.LostText,-6}  promoted after {result.Promotion.TotalSeconds:0.0} s  first error {result.FirstError ?? "-"}"));
                }
            }
        }

        var report = Report(args, results, clients, sell, lag);
        Console.WriteLine(report);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, report);
        }

        return 0;
    }

    private static async Task<FailoverRun> RunOnceAsync(RedisClusterControl control, string seeds, string scenario, int wait, int clients, TimeSpan sell, TimeSpan lag, string prefix)
    {
        const int Stock = 100_000_000;
        var options = ConfigurationOptions.Parse(seeds);
        options.AbortOnConnectFail = false;
        options.ClientName = "stockguard-failover-sellers";
        await using var multiplexer = await ConnectionMultiplexer.ConnectAsync(options);
        await using var store = new RedisStockStore(multiplexer, new RedisStockStoreOptions { KeyPrefix = prefix, WaitForReplicas = wait });
        var item = new StockKey("failover-item");
        await store.ReceiveAsync(new ReceiveRequest(new StockLine(item, Stock)));

        // The item's master: the node whose keyspace holds the item's keys.
        var slot = await SlotOfAsync(multiplexer, prefix);
        var master = await control.MasterOfAsync(slot);
        var replica = await control.ReplicaOfAsync(master);
        var replicaPid = await control.ProcessIdAsync(replica.EndPoint);

        var stop = 0;
        var sellers = new Seller[clients];
        var tasks = new Task[clients];
        for (var i = 0; i < clients; i++)
        {
            var seller = sellers[i] = new Seller();
            tasks[i] = Task.Run(async () =>
            {
                while (Volatile.Read(ref stop) == 0)
                {
                    // Every sale carries an idempotency key: its record lives on the item's slot and replicates with the
                    // sale, so a retry after the failover tells whether a call whose outcome was unknown had sold.
                    var request = new DeductRequest(new StockLine(item, 1)) { IdempotencyKey = Guid.NewGuid().ToString("N") };
                    try
                    {
                        var result = await store.DeductAsync(request);
                        if (result.Succeeded)
                        {
                            seller.Acknowledged++;
                        }
                    }
                    catch (Exception ex) when (ex is StockGuardException or RedisException or TimeoutException)
                    {
                        // No answer, or an answer that says the outcome is unknown: the unit may or may not be sold.
                        seller.Failed.Add(request);
                        seller.FirstError ??= ex.GetType().Name;
                        await Task.Delay(10);
                    }
                }
            });
        }

        await Task.Delay(sell);
        var paused = false;
        if (scenario == "lag")
        {
            // Stopped, and its link cut, the replica receives nothing more: the master's writes from here on stay in its
            // backlog, as behind a broken link.
            await RedisClusterControl.SignalAsync(replicaPid, stop: true);
            paused = true;
            await control.DisconnectReplicasAsync(master.EndPoint);
            await Task.Delay(lag);
        }

        var killedAt = Stopwatch.GetTimestamp();
        try
        {
            await control.KillAsync(master.EndPoint);
            var promotion = Task.Run(async () =>
            {
                var node = await control.WaitForPromotionAsync(slot, master.EndPoint, Step);
                return (Node: node, After: Stopwatch.GetElapsedTime(killedAt));
            });

            // The clients stop once the answers to what they had in flight are in: every unit acknowledged from here on
            // was sold before the kill.
            Volatile.Write(ref stop, 1);
            if (paused)
            {
                await RedisClusterControl.SignalAsync(replicaPid, stop: false);
                paused = false;
            }

            await Task.WhenAll(tasks);
            var (promoted, promotedAfter) = await promotion;

            // The level as the promoted replica has it (the multiplexer follows the slot's move).
            StockLevel? level = null;
            await RedisClusterControl.WaitUntilAsync("the level readable on the promoted master", Step, async () =>
            {
                try
                {
                    level = await store.GetLevelAsync(item);
                    return level is not null;
                }
                catch (StockGuardException)
                {
                    return false;
                }
            });

            // Each failed call again, with its key, on a store that does not wait for replicas (the promoted master has
            // none until the killed node is back): a replay means the sale had survived; anything else sells it now,
            // after the level above was read.
            await using var resolver = new RedisStockStore(multiplexer, new RedisStockStoreOptions { KeyPrefix = prefix });
            long survived = 0;
            var failed = sellers.SelectMany(s => s.Failed).ToList();
            foreach (var request in failed)
            {
                StockChangeResult? retried = null;
                await RedisClusterControl.WaitUntilAsync("a failed sale retried", Step, async () =>
                {
                    try
                    {
                        retried = await resolver.DeductAsync(request);
                        return true;
                    }
                    catch (StockGuardException)
                    {
                        return false;
                    }
                });
                survived += retried!.IsReplay ? 1 : 0;
            }

            var acknowledged = sellers.Sum(s => s.Acknowledged);
            return new FailoverRun(scenario, wait, acknowledged, failed.Count, survived, Stock - level!.OnHand, promotedAfter, $"{master.EndPoint} → {promoted.EndPoint}",
                sellers.Select(s => s.FirstError).FirstOrDefault(e => e is not null));
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            if (paused)
            {
                await RedisClusterControl.SignalAsync(replicaPid, stop: false);
            }

            await control.RestoreAsync(master.EndPoint, Step);

            // A new connection sees the masters as they are now: the sellers' one may still hold the roles of the failover.
            await using var cleaner = await ConnectionMultiplexer.ConnectAsync(options);
            await DeleteKeysAsync(cleaner, prefix);
        }
    }

    /// <summary>The slot of the run's item: its keys are the only ones under the run's prefix when the sale starts.</summary>
    private static async Task<int> SlotOfAsync(ConnectionMultiplexer multiplexer, string prefix)
    {
        foreach (var server in multiplexer.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: $"*{prefix}*", pageSize: 1000))
            {
                return multiplexer.HashSlot(key);
            }
        }

        throw new InvalidOperationException($"No key under the prefix {prefix} was found on any master.");
    }

    private static async Task DeleteKeysAsync(ConnectionMultiplexer multiplexer, string prefix)
    {
        var database = multiplexer.GetDatabase();
        foreach (var server in multiplexer.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: $"*{prefix}*", pageSize: 1000))
            {
                await database.KeyDeleteAsync(key);
            }
        }
    }

    private static string Report(string[] args, List<FailoverRun> results, int clients, TimeSpan sell, TimeSpan lag)
    {
        var text = new StringBuilder();
        text.AppendLine("### Acknowledged units lost at a Redis Cluster failover").AppendLine();
        text.Append("Command: `dotnet run -c Release --project benchmarks/StockGuard.Benchmarks -- failover ").Append(string.Join(' ', args)).AppendLine("`  ");
        text.Append(Invariant, $"Run: {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} logical cores; {clients} sellers of one unit each, {sell.TotalSeconds:0.###} s of selling before the kill; lag scenario: replica cut off {lag.TotalMilliseconds:0} ms before the kill.").AppendLine().AppendLine();
        text.AppendLine("| scenario | WaitForReplicas | run | acknowledged units | failed calls (sold anyway) | sold on the promoted replica | acknowledged units lost | promotion after | failover |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var r in results)
        {
            text.AppendLine(string.Create(Invariant, $"| {r.Scenario} | {r.Wait} | {results.Where(x => x.Scenario == r.Scenario && x.Wait == r.Wait).ToList().IndexOf(r) + 1} | {r.Acknowledged:N0} | {r.Failed:N0} ({r.FailedButSold:N0}) | {r.SoldOnPromoted:N0} | {(r.Lost > 0 ? $"**{r.LostText}**" : r.LostText)} | {r.Promotion.TotalSeconds:0.0} s | {r.Failover} |"));
        }

        text.AppendLine().AppendLine("Each sale is one unit with its own idempotency key. A failed call (no answer, a refusal, or the store's RedisReplicationException) is retried with its key once the replica is promoted: a replay means the promoted replica had that sale. Acknowledged units lost = acknowledged − (sold on the promoted replica − failed calls it had): exact, since the key's record and the sale are written by one script on one slot and replicate together.");
        return text.ToString();
    }

    private sealed class Seller
    {
        public long Acknowledged;
        public readonly List<DeductRequest> Failed = [];
        public string? FirstError;
    }

    /// <summary>One run: what the sellers were told, and what the promoted replica had.</summary>
    /// <param name="Failed">Calls that failed (their outcome unknown to the seller).</param>
    /// <param name="FailedButSold">Failed calls whose sale the promoted replica had (their retry was a replay).</param>
    private sealed record FailoverRun(string Scenario, int Wait, long Acknowledged, long Failed, long FailedButSold, long SoldOnPromoted, TimeSpan Promotion, string Failover, string? FirstError)
    {
        /// <summary>Acknowledged units the promoted replica lacks: the units it shows sold, less the failed calls it had, short of those acknowledged.</summary>
        public long Lost => Acknowledged - (SoldOnPromoted - FailedButSold);

        public string LostText => Lost.ToString("N0", Invariant);
    }
}
