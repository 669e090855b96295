namespace StockGuard;

/// <summary>The limits every store enforces on quantities.</summary>
public static class StockLimits
{
    /// <summary>
    /// The largest quantity a stock item may hold in any of its counts: 2^53, so that sums of many lines never overflow
    /// a 64-bit integer and every value survives a round trip through JSON and doubles.
    /// </summary>
    public const long MaxStock = 1L << 53;
}
