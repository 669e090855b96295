using System.Diagnostics;
using System.Globalization;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// A cell run by several OS processes (<c>--processes N</c>), as a fleet of application servers behind a load balancer
/// sells: the harness prepares the items, then starts itself N times as child processes (<c>load --fleet-child</c>),
/// each with its own store (its own pool, its own coalescing queues) and its share of the clients and of the request
/// budget. The children connect, say <c>ready</c>, and start together when the parent writes <c>go</c>; each ends by
/// writing its <see cref="ProcessShare"/> as one line of JSON. The parent then reads the levels once and checks them
/// against the units all processes were granted, so an oversell by any mix of processes shows.
/// </summary>
internal static class Fleet
{
    public const string ChildOption = "--fleet-child";
    private const string ReadyLine = "ready";
    private const string GoLine = "go";
    private const string ResultPrefix = "result ";

    /// <summary>The <c>application_name</c> a fleet's PostgreSQL connections carry, so that the sampler sees them and nobody else's.</summary>
    public static string ApplicationName(string cellId) => "stockguard-fleet-" + cellId;

    /// <summary>Whether the fleet can run <paramref name="target"/>: a library store's plain deducts.</summary>
    public static bool Supports(ILoadTarget target, TargetSpec spec) =>
        target is StockStoreTarget && !spec.Feed && !spec.Cache && !spec.Allocation && !spec.Hold;

    public static async Task<CellResult> RunCellAsync(
        CellRunner runner, ILoadTarget target, TargetSpec spec, Workload workload, int clients, int processes, LoadOptions options, TimeSpan duration, long? budget, TimeSpan warmup, string cellId)
    {
        if (processes > clients)
        {
            throw new ArgumentException($"{processes} processes need at least as many clients, not {clients}.");
        }

        if (budget is not null)
        {
            warmup = TimeSpan.Zero;
        }

        using var setupTimeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await target.PrepareAsync(cellId, workload.SkuCount, workload.StockPerSku, setupTimeout.Token);
        var children = new List<Child>(processes);
        try
        {
            for (var i = 0; i < processes; i++)
            {
                var share = clients / processes + (i < clients % processes ? 1 : 0);
                var shareBudget = budget is { } total ? total / processes + (i < total % processes ? 1 : 0) : (long?)null;
                List<string> arguments =
                [
                    "load", ChildOption, cellId, "--targets", spec.Name, "--workload", workload.Name,
                    "--clients", share.ToString(CultureInfo.InvariantCulture),
                    "--duration", Seconds(duration), "--warmup", warmup > TimeSpan.Zero ? Seconds(warmup) : "0",
                    "--seed", (options.Seed + i * 7919).ToString(CultureInfo.InvariantCulture),
                    "--skus", options.CatalogSize.ToString(CultureInfo.InvariantCulture),
                    "--sellout-stock", workload.StockPerSku.ToString(CultureInfo.InvariantCulture),
                ];
                if (shareBudget is { } b)
                {
                    arguments.AddRange(["--ops", b.ToString(CultureInfo.InvariantCulture)]);
                }

                children.Add(Child.Start(arguments, i));
            }

            using var readyTimeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await Task.WhenAll(children.Select(c => c.WaitForAsync(ReadyLine, readyTimeout.Token)));

            using var stopSampling = new CancellationTokenSource();
            var sampler = ServerSampler.For(spec, ApplicationName(cellId))?.RunAsync(warmup, stopSampling.Token);
            foreach (var child in children)
            {
                await child.SendAsync(GoLine);
            }

            using var runTimeout = new CancellationTokenSource(warmup + (budget is null ? duration : options.MaxDuration) + TimeSpan.FromMinutes(2));
            var shares = await Task.WhenAll(children.Select(c => c.ReadResultAsync(runTimeout.Token)));
            await stopSampling.CancelAsync();
            var sample = sampler is null ? null : await sampler;
            var result = await runner.FinishAsync(target, workload, shares, budget);
            return result with { Server = sample, Fleet = true };
        }
        finally
        {
            foreach (var child in children)
            {
                child.Dispose();
            }
        }
    }

    /// <summary>The child's side: attach to the parent's items, run this process's clients, report.</summary>
    public static async Task<int> RunChildAsync(LoadOptions options)
    {
        var cellId = options.FleetChildCell!;
        ServerSettings.AttachOnly = true;
        ServerSettings.ApplicationName = ApplicationName(cellId);
        var spec = options.Targets.Single();
        var workload = new Workload(options.Workloads.Single(), options.CatalogSize, options.SelloutStock ?? 1_000);
        if (LoadTargets.Find(spec).Create(spec) is not StockStoreTarget target)
        {
            await Console.Error.WriteLineAsync($"load: {spec.Name} cannot run in a fleet: only the library's stores can.");
            return 2;
        }

        await using (target)
        {
            using var setupTimeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await target.AttachAsync(cellId, workload.SkuCount, setupTimeout.Token);
            using var retries = new RetryCounter();
            var runner = new CellRunner(retries, options.Hold);
            var budget = options.Operations;
            var warmup = options.Warmup ?? TimeSpan.Zero;
            ProcessShare? warmed = null;
            if (budget is null && warmup > TimeSpan.Zero)
            {
                // A new process compiles its paths and opens its pool on its first requests; on a busy machine N cold
                // processes starting together take longer than one. Each warms up on its own first, unmeasured,
                // then once more with the others after the word to go.
                warmed = await runner.RunClientsAsync(target, workload, options.Clients.Single(), warmup, null, options.Seed + 1, cellId, TimeSpan.Zero, ready: null);
            }

            var share = await runner.RunClientsAsync(
                target,
                workload,
                options.Clients.Single(),
                budget is null ? options.Duration ?? TimeSpan.FromSeconds(5) : options.MaxDuration,
                budget,
                options.Seed,
                cellId,
                warmup,
                ready: async () =>
                {
                    await Console.Out.WriteLineAsync(ReadyLine);
                    await Console.Out.FlushAsync();
                    var line = await Console.In.ReadLineAsync();
                    if (line != GoLine)
                    {
                        throw new InvalidOperationException($"The fleet's parent said '{line}' instead of '{GoLine}'.");
                    }
                });
            if (warmed is not null)
            {
                // The units its own warm-up was granted left stock too: the parent's conservation check counts them.
                for (var i = 0; i < share.UnitsGranted.Length; i++)
                {
                    share.UnitsGranted[i] += warmed.UnitsGranted[i];
                }

                share.Refused = [.. share.Refused, .. warmed.Refused];
            }

            await Console.Out.WriteLineAsync(ResultPrefix + share.ToJson());
            await Console.Out.FlushAsync();
        }

        return 0;
    }

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";

    /// <summary>One child process: its standard input for the word to go, its standard output for its lines.</summary>
    private sealed class Child : IDisposable
    {
        private readonly Process _process;
        private readonly int _index;

        private Child(Process process, int index)
        {
            _process = process;
            _index = index;
        }

        public static Child Start(IReadOnlyList<string> arguments, int index)
        {
            // The harness starts itself again: its own executable, or `dotnet the.dll` when dotnet runs it.
            var self = Environment.ProcessPath ?? throw new InvalidOperationException("The harness cannot tell its own executable.");
            var start = new ProcessStartInfo(self)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                start.ArgumentList.Add(typeof(Fleet).Assembly.Location);
            }

            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException("A fleet process did not start.");
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    Console.Error.WriteLine($"[fleet {index}] {line}");
                }
            };
            process.BeginErrorReadLine();
            return new Child(process, index);
        }

        public async Task WaitForAsync(string expected, CancellationToken cancellationToken)
        {
            var line = await _process.StandardOutput.ReadLineAsync(cancellationToken);
            if (line != expected)
            {
                throw new InvalidOperationException($"Fleet process {_index} said '{line ?? "(nothing: it exited)"}' instead of '{expected}'.");
            }
        }

        public async Task SendAsync(string line)
        {
            await _process.StandardInput.WriteLineAsync(line);
            await _process.StandardInput.FlushAsync();
        }

        public async Task<ProcessShare> ReadResultAsync(CancellationToken cancellationToken)
        {
            while (await _process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.StartsWith(ResultPrefix, StringComparison.Ordinal))
                {
                    await _process.WaitForExitAsync(cancellationToken);
                    return ProcessShare.FromJson(line[ResultPrefix.Length..]);
                }
            }

            await _process.WaitForExitAsync(cancellationToken);
            throw new InvalidOperationException($"Fleet process {_index} exited with {_process.ExitCode} without a result.");
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }
    }
}
