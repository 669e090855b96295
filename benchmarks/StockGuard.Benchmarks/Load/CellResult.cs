namespace StockGuard.Benchmarks.Load;

/// <summary>What one cell (target × workload × clients) measured.</summary>
internal sealed record CellResult
{
    public required string Target { get; init; }

    public required string Workload { get; init; }

    public required int Clients { get; init; }

    public required bool ExpectedToOversell { get; init; }

    /// <summary>Wall time from the end of the warm-up to the last client stopping.</summary>
    public required double Seconds { get; init; }

    /// <summary>Deducts granted (committed decrements) in the measured window, after the warm-up.</summary>
    public required long Granted { get; init; }

    /// <summary>Deducts refused for lack of stock in the measured window.</summary>
    public required long Refused { get; init; }

    /// <summary>Deducts that threw (timeouts, conflicts after the retry bound, lost connections).</summary>
    public required long Errors { get; init; }

    public string? FirstError { get; init; }

    /// <summary>Retries reported by the store, or null when the target has no way to report them.</summary>
    public long? Retries { get; init; }

    /// <summary>Requests per coalesced batch, on average; null when the target coalesced nothing.</summary>
    public double? MeanBatch { get; init; }

    public required double P50Milliseconds { get; init; }

    public required double P99Milliseconds { get; init; }

    public required long UnitsReceived { get; init; }

    public required long UnitsGranted { get; init; }

    public required long UnitsLeft { get; init; }

    /// <summary>Units promised beyond what the stock covered: Σ max(0, granted − (received − max(left, 0))) per item.</summary>
    public required long Oversold { get; init; }

    /// <summary>Refused requests that the final level of their item could still have served; null for carts, whose released holds raise availability again.</summary>
    public required long? Undersold { get; init; }

    /// <summary>Holds granted in the measured window (<c>+hold</c> cells; null otherwise). <see cref="Granted"/> counts their confirms.</summary>
    public long? Holds { get; init; }

    /// <summary>Holds released in the measured window (<c>+hold</c> cells).</summary>
    public long? Releases { get; init; }

    /// <summary>Holds abandoned to expire in the measured window (<c>+hold</c> cells).</summary>
    public long? Abandons { get; init; }

    /// <summary>Confirms that found their hold already expired, warm-up included (<c>+hold</c> cells): nothing was sold.</summary>
    public long? LateConfirms { get; init; }

    /// <summary>Answered requests in the measured window when they are not one per order (<c>+hold</c> cells: holds, confirms and releases).</summary>
    public long? Requests { get; init; }

    /// <summary>Expired holds the sweep at the end of the cell gave back (<c>+hold</c> cells).</summary>
    public long? SweptHolds { get; init; }

    /// <summary>Units still reserved on the cell's items after the sweep at its end (<c>+hold</c> cells): must be zero.</summary>
    public long? ReservedAfterSweep { get; init; }

    /// <summary>The carts' mix, think time and time-to-live (<c>+hold</c> cells).</summary>
    public string? HoldMix { get; init; }

    /// <summary>Holds granted per second (<c>+hold</c> cells).</summary>
    public double? HoldsPerSecond => Holds is { } holds && Seconds > 0 ? holds / Seconds : null;

    /// <summary>Units that left stock with no grant seen by a client (an error after commit): Σ max(0, received − left − granted).</summary>
    public required long Unaccounted { get; init; }

    /// <summary>Whether the cell stopped at its time cap before its request budget was spent.</summary>
    public bool HitTimeCap { get; init; }

    /// <summary>CPU time this process (clients and library) spent during the cell; null when another process ran the clients.</summary>
    public TimeSpan? ClientCpu { get; init; }

    /// <summary>CPU time the whole machine spent during the cell (with loopback servers, client plus server); null where unknown.</summary>
    public TimeSpan? MachineCpu { get; init; }

    /// <summary>Client CPU microseconds per answered request; null when unknown.</summary>
    public double? ClientCpuPerRequest => ClientCpu?.TotalMicroseconds / Math.Max(1, Requests ?? (Granted + Refused));

    /// <summary>Machine CPU microseconds per answered request; null where unknown.</summary>
    public double? MachineCpuPerRequest => MachineCpu?.TotalMicroseconds / Math.Max(1, Requests ?? (Granted + Refused));

    public double GrantedPerSecond => Seconds > 0 ? Granted / Seconds : 0;

    public double? RetriesPerGrant => Retries is { } retries ? (double)retries / Math.Max(1, Granted) : null;

    /// <summary>Which pass of the grid measured the cell (<c>--repeat</c>), from 1.</summary>
    public int Round { get; init; } = 1;

    /// <summary>Whether child processes ran the clients (<c>--processes</c>), even a single one.</summary>
    public bool Fleet { get; init; }

    /// <summary>OS processes that ran the clients, each with its own store (1 unless the cell ran a fleet, <c>--processes</c>).</summary>
    public int Processes { get; init; } = 1;

    /// <summary>What each process's clients measured, in process order.</summary>
    public IReadOnlyList<ProcessShare> Shares { get; init; } = [];

    /// <summary>What the database showed while a fleet ran (<c>--processes</c>): its backends' waits and its commits.</summary>
    public ServerSample? Server { get; init; }

    /// <summary>Requests per batch of two or more, over every process; null when there was none.</summary>
    public double? MeanMultiBatch =>
        Shares.Sum(s => s.Batches - s.SingleBatches) is var multi and > 0 ? (double)Shares.Sum(s => s.BatchedRequests - s.SingleBatches) / multi : null;

    /// <summary>Requests that ran in a transaction of their own (idle item, or a batch of one), over every process.</summary>
    public long AloneRequests => Shares.Sum(s => s.AloneRequests);

    /// <summary>Transactions the deducts ran per second, over every process (batches of two or more, and requests alone).</summary>
    public double TransactionsPerSecond => Seconds > 0 ? Shares.Sum(s => s.Transactions) / Seconds : 0;

    /// <summary>An oversell by a target that must never oversell, or units still reserved after the closing sweep.</summary>
    public bool Failed => (Oversold > 0 && !ExpectedToOversell) || ReservedAfterSweep > 0;
}
