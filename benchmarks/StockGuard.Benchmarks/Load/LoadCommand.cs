using System.Globalization;

namespace StockGuard.Benchmarks.Load;

/// <summary>The <c>load</c> command: runs a grid of cells and reports throughput, latency and correctness.</summary>
internal static class LoadCommand
{
    private static readonly int[] MatrixClients = [1, 16, 64];

    public static async Task<int> RunAsync(string[] args)
    {
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
            _ = ServerSettings.LoadSchema; // a bad STOCKGUARD_LOAD_SCHEMA is a usage error, before any cell runs
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"load: {ex.Message}\n\n{LoadOptions.Usage}");
            return 2;
        }

        if (options.Help)
        {
            Console.WriteLine(LoadOptions.Usage);
            return 0;
        }

        if (options.FleetChildCell is not null)
        {
            return await Fleet.RunChildAsync(options);
        }

        var grid = options.Smoke || options.Matrix;
        var specs = options.Targets.Count > 0 ? options.Targets : grid ? [.. LoadTargets.MatrixTargets()] : [new TargetSpec("inmemory", null, false)];
        var workloads = options.Workloads.Count > 0 ? options.Workloads
            : options.Smoke ? [WorkloadKind.Hot, WorkloadKind.Sellout]
            : options.Matrix ? [.. Enum.GetValues<WorkloadKind>()]
            : [WorkloadKind.Hot];
        var clients = options.Clients.Count > 0 ? options.Clients : options.Smoke ? [4] : options.Matrix ? [.. MatrixClients] : [16];
        var duration = options.Duration ?? (options.Smoke ? TimeSpan.FromSeconds(1) : options.Matrix ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(10));
        var selloutStock = options.SelloutStock ?? (options.Smoke ? 200 : 1_000);
        var warmup = options.Warmup ?? (options.Smoke ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(1));

        var targets = new List<(ILoadTarget Target, TargetSpec Spec)>();
        var skipped = new List<string>();
        try
        {
            foreach (var spec in specs)
            {
                var factory = LoadTargets.Find(spec);
                // Generous: a loaded machine can take seconds to accept a connection, and a run that requires its
                // servers fails when the probe gives up; an absent server refuses at once anyway.
                using var probeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                if (await factory.ProbeAsync(probeTimeout.Token) is { } reason)
                {
                    // A target named on its own must run; in a grid an absent server skips its targets.
                    if (ServerSettings.ServersRequired || !grid)
                    {
                        await Console.Error.WriteLineAsync($"load: {spec.Name}: {reason}");
                        return 2;
                    }

                    skipped.Add($"{spec.Name}: {reason}");
                    await Console.Error.WriteLineAsync($"[load] skipped {spec.Name}: {reason}");
                    continue;
                }

                var target = factory.Create(spec);
                if (spec.Hold && target is not IHoldTarget)
                {
                    await target.DisposeAsync();
                    throw new ArgumentException($"{spec.Name}: this target has no carts; +hold runs on the library's stores and the ledger baselines.");
                }

                targets.Add((target, spec));
            }
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"load: {ex.Message}");
            return 2;
        }

        var results = new List<CellResult>();
        var setupFailures = new List<string>();
        var runId = Random.Shared.Next(0x1000, 0xFFFF).ToString("x4", CultureInfo.InvariantCulture);
        using var retries = new RetryCounter();
        var runner = new CellRunner(retries, options.Hold);
        var cell = 0;
        var fleets = options.Processes.Count > 0 ? options.Processes : [0];
        try
        {
            for (var round = 0; round < options.Repeat; round++)
            {
                foreach (var kind in workloads)
                {
                    var workload = new Workload(kind, options.CatalogSize, selloutStock);
                    var budget = workload.RequestBudget ?? options.Operations;
                    // Each round starts one target further on, so that no target always runs right after the same
                    // one and the server work it leaves behind (purge, page flushing) falls on every target in turn.
                    foreach (var (target, spec) in targets.Skip(round % Math.Max(1, targets.Count)).Concat(targets.Take(round % Math.Max(1, targets.Count))))
                    {
                        foreach (var count in clients)
                        {
                            foreach (var processes in fleets)
                            {
                                // A target the fleet cannot run runs once, in this process.
                                var fleet = processes > 0 && Fleet.Supports(target, spec);
                                if (processes != fleets[0] && !fleet)
                                {
                                    continue;
                                }

                                var cellId = $"lt{runId}c{cell++:D3}";
                                try
                                {
                                    var result = fleet
                                        ? await Fleet.RunCellAsync(runner, target, spec, workload, count, processes, options, duration, budget, warmup, cellId)
                                        : target is IExternalCell external
                                            ? await external.RunCellAsync(workload, count, duration, cellId, CancellationToken.None)
                                            : await runner.RunAsync(target, workload, count, budget is null ? duration : options.MaxDuration, budget, options.Seed, cellId, warmup);
                                    if (result is null)
                                    {
                                        continue;
                                    }

                                    results.Add(result with { Round = round + 1 });
                                    await Console.Error.WriteLineAsync(Report.ProgressLine(result));
                                    if (result.Fleet)
                                    {
                                        await Console.Error.WriteLineAsync(Report.FleetLine(result));
                                    }
                                }
                                catch (Exception ex) when (ex is not OutOfMemoryException)
                                {
                                    var message = $"{target.Name} {workload.Name} x{count}{(fleet ? $" in {processes} processes" : "")}: {ex.GetType().Name}: {ex.Message}";
                                    setupFailures.Add(message);
                                    await Console.Error.WriteLineAsync($"[load] cell failed: {message}");
                                }
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            foreach (var (target, _) in targets)
            {
                await target.DisposeAsync();
            }
        }

        var report = new Report(args, results, [.. targets.Select(t => t.Target)], skipped, setupFailures, duration, warmup, options.Operations, selloutStock, options.CatalogSize);
        var markdown = report.ToMarkdown();
        Console.WriteLine(markdown);
        if (options.MarkdownPath is { } markdownPath)
        {
            await File.WriteAllTextAsync(markdownPath, markdown);
        }

        if (options.CsvPath is { } csvPath)
        {
            await File.WriteAllTextAsync(csvPath, report.ToCsv());
        }

        var oversold = results.Where(r => r.Failed).ToList();
        foreach (var result in oversold)
        {
            await Console.Error.WriteLineAsync(result.Oversold > 0
                ? $"load: OVERSOLD: {result.Target} {result.Workload} x{result.Clients} promised {result.Oversold} units beyond stock."
                : $"load: HELD: {result.Target} {result.Workload} x{result.Clients} left {result.ReservedAfterSweep} units reserved after the closing sweep.");
        }

        return oversold.Count > 0 ? 1 : setupFailures.Count > 0 ? 2 : 0;
    }
}
