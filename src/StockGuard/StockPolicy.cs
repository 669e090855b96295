namespace StockGuard;

/// <summary>The settings of one stock item that are not movements of stock.</summary>
/// <param name="SafetyStock">A buffer never offered for sale, at least 0.</param>
/// <param name="BackorderLimit">How far availability may go below zero for backorders, once the item has been received, at least 0.</param>
/// <param name="LowStockThreshold">At or below this many available units the status is <see cref="StockStatus.Low"/>, at least 0.</param>
public sealed record StockPolicy(long SafetyStock = 0, long BackorderLimit = 0, long LowStockThreshold = 0)
{
    /// <summary>No safety stock, no backorders, no low-stock threshold.</summary>
    public static StockPolicy Default { get; } = new();

    /// <summary>
    /// How far availability may go below zero while the item is on pre-order (<see cref="StockLevel.IsPreOrder"/>: it has
    /// a pre-order limit and has never been received), in place of <see cref="BackorderLimit"/>; at least 0, 0 (the
    /// default) for no pre-orders. The first receipt releases the item: from then on <see cref="BackorderLimit"/> applies.
    /// </summary>
    public long PreOrderLimit { get; init; }

    /// <summary>When stock is expected to arrive, shown to buyers of a pre-order or backorder; <see langword="null"/> (the default) when unknown. Stored as UTC, to the microsecond.</summary>
    public DateTimeOffset? ExpectedRestock { get; init; }

    /// <summary>
    /// Checks every setting: each count at least 0 and at most <see cref="StockLimits.MaxStock"/>; an expected restock date
    /// between 1970-01-01 and 9999-01-01 UTC.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(SafetyStock);
        ArgumentOutOfRangeException.ThrowIfNegative(BackorderLimit);
        ArgumentOutOfRangeException.ThrowIfNegative(LowStockThreshold);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SafetyStock, StockLimits.MaxStock);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BackorderLimit, StockLimits.MaxStock);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(LowStockThreshold, StockLimits.MaxStock);
        ArgumentOutOfRangeException.ThrowIfNegative(PreOrderLimit);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(PreOrderLimit, StockLimits.MaxStock);
        if (ExpectedRestock is { } expected && (expected < EarliestRestock || expected > LatestRestock))
        {
            throw new ArgumentOutOfRangeException(nameof(ExpectedRestock), expected, "The expected restock date must lie between 1970-01-01 and 9999-01-01 UTC.");
        }
    }

    private static readonly DateTimeOffset EarliestRestock = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly DateTimeOffset LatestRestock = new(9999, 1, 1, 0, 0, 0, TimeSpan.Zero);
}
