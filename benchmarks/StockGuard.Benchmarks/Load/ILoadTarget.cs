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
