namespace StockGuard.Benchmarks.Load;

/// <summary>A system the harness puts under load: a StockGuard store, or a baseline written without the library.</summary>
internal interface ILoadTarget : IAsyncDisposable
{
    /// <summary>The target's key, as given to <c>--targets</c>: <c>store[/strategy][+idem]</c>.</summary>
    string Name { get; }

    /// <summary>Whether the target is known to oversell (the naive baseline): its oversell is reported, not failed.</summary>
    bool ExpectedToOversell { get; }

    /// <summary>Whether retries are observable (library stores report them on the StockGuard meter).</summary>
    bool ReportsRetries { get; }

    /// <summary>The server the target talks to, e.g. "PostgreSQL 15.18", or null in process.</summary>
    string? Server { get; }

    /// <summary>Creates <paramref name="skuCount"/> fresh items holding <paramref name="stockPerSku"/> units each.</summary>
    Task PrepareAsync(string cellId, int skuCount, int stockPerSku, CancellationToken cancellationToken);

    /// <summary>Opens one client's session: its own connection for a baseline, a handle on the shared store for the library.</summary>
    Task<ILoadClient> ConnectAsync(CancellationToken cancellationToken);

    /// <summary>The on-hand units of every item, by item index, after the cell.</summary>
    Task<long[]> ReadLevelsAsync(CancellationToken cancellationToken);
}

/// <summary>One client's session with a target.</summary>
internal interface ILoadClient : IAsyncDisposable
{
    /// <summary>Takes <paramref name="quantity"/> units of item <paramref name="sku"/>.</summary>
    /// <returns>Whether the units were granted; false when refused for lack of stock.</returns>
    Task<bool> DeductAsync(int sku, int quantity, CancellationToken cancellationToken);
}

/// <summary>A target whose clients can hold stock (<c>+hold</c>): it sweeps expired holds at the end of a cell.</summary>
internal interface IHoldTarget : ILoadTarget
{
    /// <summary>Sweeps until no expired hold is left, then sums the units still reserved over every item.</summary>
    /// <returns>The holds the sweep gave back, and the units still reserved after it (zero when every hold was settled).</returns>
    Task<(long Swept, long ReservedLeft)> SweepAsync(CancellationToken cancellationToken);
}

/// <summary>One client's session with a target whose orders are carts: hold, then confirm or release.</summary>
internal interface IHoldClient : ILoadClient
{
    /// <summary>Holds <paramref name="quantity"/> units of item <paramref name="sku"/> for <paramref name="timeToLive"/>.</summary>
    /// <returns>The hold, or null when refused for lack of stock.</returns>
    Task<Guid?> ReserveAsync(int sku, int quantity, TimeSpan timeToLive, CancellationToken cancellationToken);

    /// <summary>Sells a held order.</summary>
    /// <returns>True when sold; false when the hold had expired first (nothing sold).</returns>
    Task<bool> ConfirmAsync(Guid hold, CancellationToken cancellationToken);

    /// <summary>Gives a hold's units back.</summary>
    Task ReleaseAsync(Guid hold, CancellationToken cancellationToken);
}
