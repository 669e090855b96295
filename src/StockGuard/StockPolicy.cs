namespace StockGuard;

/// <summary>The settings of one stock item that are not movements of stock.</summary>
/// <param name="SafetyStock">A buffer never offered for sale, at least 0.</param>
/// <param name="BackorderLimit">How far availability may go below zero for backorders and pre-orders, at least 0.</param>
/// <param name="LowStockThreshold">At or below this many available units the status is <see cref="StockStatus.Low"/>, at least 0.</param>
public sealed record StockPolicy(long SafetyStock = 0, long BackorderLimit = 0, long LowStockThreshold = 0)
{
    /// <summary>No safety stock, no backorders, no low-stock threshold.</summary>
    public static StockPolicy Default { get; } = new();

    /// <summary>Checks every setting: each at least 0 and at most <see cref="StockLimits.MaxStock"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(SafetyStock);
        ArgumentOutOfRangeException.ThrowIfNegative(BackorderLimit);
        ArgumentOutOfRangeException.ThrowIfNegative(LowStockThreshold);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SafetyStock, StockLimits.MaxStock);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BackorderLimit, StockLimits.MaxStock);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(LowStockThreshold, StockLimits.MaxStock);
    }
}
