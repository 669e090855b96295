using System.Diagnostics;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// Runs one cell as a closed loop: every client sends its next order as soon as the previous one is answered,
/// until the duration ends or the request budget is spent. Each client keeps its own counters, so clients share
/// nothing but the target (and the budget counter, when there is one).
/// </summary>
/// <remarks>
/// A timed cell first runs its clients for a warm-up that is not measured: the runtime compiles the hot paths to
/// their final tier, and a store's pool opens its connections (and prepares its statements on them), as the
/// baselines' clients have done before the cell starts. Throughput, latency, retries and CPU count from the end of
/// the warm-up; the correctness columns count every request, warm-up included. A cell with a request budget (the
/// sell-out) has no warm-up: its budget is the stock.
/// <para>
/// A <c>+hold</c> target's clients send carts instead (<see cref="HoldMix"/>): hold, think, then confirm, release or
/// abandon. A cell of carts ends by waiting out the holds' time-to-live and sweeping, so that every abandoned hold has
/// been given back before the levels are read: the units confirmed plus the units left are then the units received,
/// and nothing is reserved.
/// </para>
/// </remarks>
internal sealed class CellRunner(RetryCounter retries, HoldMix holdMix)
{
    /// <summary>How long in-flight requests may take to finish after the time is up before they are cancelled.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    public async Task<CellResult> RunAsync(ILoadTarget target, Workload workload, int clients, TimeSpan duration, long? requestBudget, int seed, string cellId, TimeSpan warmup)
    {
        using var setupTimeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await target.PrepareAsync(cellId, workload.SkuCount, workload.StockPerSku, setupTimeout.Token);
        var share = await RunClientsAsync(target, workload, clients, duration, requestBudget, seed, cellId, warmup, ready: null);
        return await FinishAsync(target, workload, [share], requestBudget);
    }

    /// <summary>
    /// Ends a cell whose clients have run (in this process or in several): sweeps a cart cell's expired holds, reads
    /// the levels, and sums every process's share against them.
    /// </summary>
    public async Task<CellResult> FinishAsync(ILoadTarget target, Workload workload, IReadOnlyList<ProcessShare> shares, long? requestBudget)
    {
        using var readTimeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        (long Swept, long ReservedLeft)? sweep = null;
        if (target is IHoldTarget holdTarget && shares.Any(s => s.Carts))
        {
            // Every hold was made before now: once its time-to-live has passed (and a tick more), it has expired.
            await Task.Delay(holdMix.TimeToLive + TimeSpan.FromMilliseconds(50));
            sweep = await holdTarget.SweepAsync(readTimeout.Token);
        }

        var left = await target.ReadLevelsAsync(readTimeout.Token);
        var hitTimeCap = requestBudget is not null && shares.Any(s => s.HitTimeCap);
        var result = Summarize(target, workload, shares, left, hitTimeCap, sweep is not null);
        return result with
        {
            SweptHolds = sweep?.Swept,
            ReservedAfterSweep = sweep?.ReservedLeft,
            HoldMix = sweep is null ? null : holdMix.ToString(),
        };
    }

    /// <summary>
    /// Runs <paramref name="clients"/> clients of an already prepared target and returns what they measured. When
    /// <paramref name="ready"/> is given, it is awaited once every client is connected and before any starts: a fleet's
    /// child process tells its parent it is ready there and waits for the word to go.
    /// </summary>
    public async Task<ProcessShare> RunClientsAsync(ILoadTarget target, Workload workload, int clients, TimeSpan duration, long? requestBudget, int seed, string cellId, TimeSpan warmup, Func<Task>? ready)
    {
        if (requestBudget is not null)
        {
            warmup = TimeSpan.Zero;
        }

        using var setupTimeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var sessions = new ILoadClient[clients];
        for (var i = 0; i < clients; i++)
        {
            sessions[i] = await target.ConnectAsync(setupTimeout.Token);
        }

        // Clients of a store that completes synchronously never yield their thread: give each one a thread at once
        // rather than waiting for the pool to grow, or "64 clients" would be a handful for the first seconds.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, clients + 4), io);
        if (ready is not null)
        {
            await ready();
        }

        var states = new ClientState[clients];
        var control = new CellControl(requestBudget ?? long.MaxValue);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var hardStop = new CancellationTokenSource(warmup + duration + Grace);
        var tasks = new Task[clients];
        for (var i = 0; i < clients; i++)
        {
            var session = sessions[i];
            var state = states[i] = new ClientState(workload.SkuCount);
            var random = new Random(HashCode.Combine(seed, cellId, i));
            tasks[i] = Task.Run(async () =>
            {
                await start.Task;
                await (session is IHoldClient cart
                    ? RunCartClientAsync(cart, holdMix, state, workload, random, control, hardStop.Token)
                    : RunClientAsync(session, state, workload, random, control, hardStop.Token));
            });
        }

        var warmupEnds = Stopwatch.GetTimestamp() + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        Volatile.Write(ref control.MeasuredFrom, warmupEnds);
        Volatile.Write(ref control.Deadline, warmupEnds + (long)(duration.TotalSeconds * Stopwatch.Frequency));
        start.SetResult();
        if (warmup > TimeSpan.Zero)
        {
            await Task.Delay(warmup);
        }

        _ = retries.TakeCount();
        _ = retries.TakeBatches();
        var cpu = CpuMeter.Start();
        var started = Math.Max(warmupEnds, Stopwatch.GetTimestamp());
        await Task.WhenAll(tasks);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var (clientCpu, machineCpu) = cpu.Elapsed();
        var retryCount = retries.TakeCount();
        var batches = retries.TakeBatches();

        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }

        return ProcessShare.From(
            states.Select(s => s.ToShare()).ToList(),
            seconds,
            target.ReportsRetries ? retryCount : null,
            batches,
            clientCpu,
            machineCpu,
            requestBudget is not null && Volatile.Read(ref control.Remaining) > 0,
            sessions.Any(s => s is IHoldClient));
    }

    private static async Task RunClientAsync(ILoadClient session, ClientState state, Workload workload, Random random, CellControl control, CancellationToken hardStop)
    {
        while (Stopwatch.GetTimestamp() < Volatile.Read(ref control.Deadline) && Interlocked.Decrement(ref control.Remaining) >= 0)
        {
            var sku = workload.NextSku(random);
            var quantity = Workload.NextQuantity(random);
            var sent = Stopwatch.GetTimestamp();
            try
            {
                var granted = await session.DeductAsync(sku, quantity, hardStop);
                var measured = sent >= control.MeasuredFrom;
                if (measured)
                {
                    state.Latency.Record((long)(Stopwatch.GetElapsedTime(sent).TotalMicroseconds * 1000));
                }

                if (granted)
                {
                    state.Grants += measured ? 1 : 0;
                    state.UnitsGranted[sku] += quantity;
                }
                else
                {
                    state.Refusals += measured ? 1 : 0;
                    state.Refused.Add((sku, quantity));
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A failed request is counted, not fatal: optimistic conflicts past the retry bound are a legitimate
                // answer under contention. Past the hard stop the client gives up.
                state.Errors++;
                state.FirstError ??= $"{ex.GetType().Name}: {ex.Message}";
                if (hardStop.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private static async Task RunCartClientAsync(IHoldClient session, HoldMix mix, ClientState state, Workload workload, Random random, CellControl control, CancellationToken hardStop)
    {
        while (Stopwatch.GetTimestamp() < Volatile.Read(ref control.Deadline) && Interlocked.Decrement(ref control.Remaining) >= 0)
        {
            var sku = workload.NextSku(random);
            var quantity = Workload.NextQuantity(random);
            var draw = random.NextDouble();
            var sent = Stopwatch.GetTimestamp();
            var measured = sent >= control.MeasuredFrom;
            try
            {
                var hold = await session.ReserveAsync(sku, quantity, mix.TimeToLive, hardStop);
                state.Record(measured, sent);
                if (hold is not { } id)
                {
                    state.Refusals += measured ? 1 : 0;
                    continue;
                }

                state.Holds += measured ? 1 : 0;
                if (mix.ThinkTime > TimeSpan.Zero)
                {
                    await Task.Delay(mix.ThinkTime, hardStop);
                }

                if (draw < mix.ConfirmShare)
                {
                    sent = Stopwatch.GetTimestamp();
                    var sold = await session.ConfirmAsync(id, hardStop);
                    state.Record(measured, sent);
                    if (sold)
                    {
                        state.Grants += measured ? 1 : 0;
                        state.UnitsGranted[sku] += quantity;
                    }
                    else
                    {
                        state.LateConfirms++;
                    }
                }
                else if (draw < mix.ConfirmShare + mix.ReleaseShare)
                {
                    sent = Stopwatch.GetTimestamp();
                    await session.ReleaseAsync(id, hardStop);
                    state.Record(measured, sent);
                    state.Releases += measured ? 1 : 0;
                }
                else
                {
                    state.Abandons += measured ? 1 : 0;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                state.Errors++;
                state.FirstError ??= $"{ex.GetType().Name}: {ex.Message}";
                if (hardStop.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private static CellResult Summarize(ILoadTarget target, Workload workload, IReadOnlyList<ProcessShare> shares, long[] left, bool hitTimeCap, bool carts)
    {
        var latency = new LatencyHistogram();
        var granted = new long[workload.SkuCount];
        long undersold = 0;
        foreach (var share in shares)
        {
            latency.Add(LatencyHistogram.FromSparse(share.Latency));
            for (var sku = 0; sku < granted.Length; sku++)
            {
                granted[sku] += share.UnitsGranted[sku];
            }

            foreach (var refused in share.Refused)
            {
                // Stock only falls during a cell, so a final level that covers the request covered it when refused.
                if (left[refused[0]] >= refused[1])
                {
                    undersold += refused[2];
                }
            }
        }

        long oversold = 0, unaccounted = 0;
        for (var sku = 0; sku < granted.Length; sku++)
        {
            var taken = workload.StockPerSku - left[sku];
            oversold += Math.Max(0, granted[sku] - (workload.StockPerSku - Math.Max(left[sku], 0)));
            unaccounted += Math.Max(0, taken - granted[sku]);
        }

        var batches = shares.Sum(s => s.Batches);
        var batched = shares.Sum(s => s.BatchedRequests);
        return new CellResult
        {
            Target = target.Name,
            Workload = workload.Name,
            Clients = shares.Sum(s => s.Clients),
            ExpectedToOversell = target.ExpectedToOversell,
            // The processes start together; the cell lasts until the last one stops.
            Seconds = shares.Max(s => s.Seconds),
            Granted = shares.Sum(s => s.Grants),
            Refused = shares.Sum(s => s.Refusals),
            Errors = shares.Sum(s => s.Errors),
            FirstError = shares.Select(s => s.FirstError).FirstOrDefault(e => e is not null),
            Retries = shares.All(s => s.Retries is not null) ? shares.Sum(s => s.Retries) : null,
            MeanBatch = batches == 0 ? null : (double)batched / batches,
            P50Milliseconds = latency.QuantileMilliseconds(0.50),
            P99Milliseconds = latency.QuantileMilliseconds(0.99),
            UnitsReceived = (long)workload.StockPerSku * workload.SkuCount,
            UnitsGranted = granted.Sum(),
            UnitsLeft = left.Sum(),
            Oversold = oversold,
            // Holds given back raise availability again, so a refused hold's item may end with units to spare
            // without any refusal having been wrong: undersold is judged for deducts only.
            Undersold = carts ? null : undersold,
            Holds = carts ? shares.Sum(s => s.Holds) : null,
            Releases = carts ? shares.Sum(s => s.Releases) : null,
            Abandons = carts ? shares.Sum(s => s.Abandons) : null,
            LateConfirms = carts ? shares.Sum(s => s.LateConfirms) : null,
            Requests = carts ? shares.Sum(s => s.Requests) : null,
            Unaccounted = unaccounted,
            HitTimeCap = hitTimeCap,
            ClientCpu = TimeSpan.FromMilliseconds(shares.Sum(s => s.ClientCpuMilliseconds)),
            // Every process measures the whole machine over the same window: one of them is the machine's figure.
            MachineCpu = shares.All(s => s.MachineCpuMilliseconds is not null) ? TimeSpan.FromMilliseconds(shares.Average(s => s.MachineCpuMilliseconds!.Value)) : null,
            Processes = shares.Count,
            Shares = shares,
        };
    }

    /// <summary>What every client of a cell reads to know when to stop.</summary>
    private sealed class CellControl(long budget)
    {
        /// <summary>Stopwatch timestamp after which no client sends another request; 0 until the start.</summary>
        public long Deadline = long.MaxValue;

        /// <summary>Stopwatch timestamp from which requests are measured (the end of the warm-up).</summary>
        public long MeasuredFrom;

        /// <summary>Requests left in the budget; each client claims one before sending it.</summary>
        public long Remaining = budget;
    }

    /// <summary>One client's counters, touched by that client only until the cell ends.</summary>
    private sealed class ClientState(int skuCount)
    {
        public LatencyHistogram Latency { get; } = new();

        public long[] UnitsGranted { get; } = new long[skuCount];

        public List<(int Sku, int Quantity)> Refused { get; } = [];

        public long Grants { get; set; }

        public long Refusals { get; set; }

        /// <summary>Holds granted in the measured window (carts only).</summary>
        public long Holds { get; set; }

        /// <summary>Holds released in the measured window (carts only).</summary>
        public long Releases { get; set; }

        /// <summary>Holds left to expire in the measured window (carts only).</summary>
        public long Abandons { get; set; }

        /// <summary>Confirms that found their hold expired, warm-up included (carts only).</summary>
        public long LateConfirms { get; set; }

        /// <summary>Answered requests in the measured window (carts only: holds, confirms and releases).</summary>
        public long Requests { get; set; }

        /// <summary>Records one answered request of a cart sent at <paramref name="sent"/>, if the cart is measured.</summary>
        public void Record(bool measured, long sent)
        {
            if (measured)
            {
                Latency.Record((long)(Stopwatch.GetElapsedTime(sent).TotalMicroseconds * 1000));
                Requests++;
            }
        }

        public long Errors { get; set; }

        public string? FirstError { get; set; }

        public ClientShare ToShare() => new(Latency, UnitsGranted, Refused, Grants, Refusals, Holds, Releases, Abandons, LateConfirms, Requests, Errors, FirstError);
    }
}
