namespace StockGuard.DependencyInjection;

/// <summary>Settings of the StockGuard services that <c>AddStockGuard</c> registers, beside the store's own.</summary>
public sealed class StockGuardOptions
{
    /// <summary>Whether a hosted service sweeps expired holds and old idempotency keys. Default: <see langword="true"/>.</summary>
    public bool EnableSweeper { get; set; } = true;

    /// <summary>How often the sweeper runs. Default: 30 seconds. Range: 100 milliseconds to 1 day.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    internal IEnumerable<string> Validate()
    {
        if (SweepInterval < TimeSpan.FromMilliseconds(100) || SweepInterval > TimeSpan.FromDays(1))
        {
            yield return $"{nameof(StockGuardOptions)}.{nameof(SweepInterval)} is {SweepInterval}; it must lie between 00:00:00.1 and 1.00:00:00.";
        }
    }
}
