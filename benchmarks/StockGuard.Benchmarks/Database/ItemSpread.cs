namespace StockGuard.Benchmarks.Database;

/// <summary>Which items the callers of <see cref="DatabaseDeductBenchmarks"/> deduct from.</summary>
public enum ItemSpread
{
    /// <summary>Every deduct takes from one item: a flash sale, every caller behind one row lock.</summary>
    Hot,

    /// <summary>Each deduct takes from one of 1,000 items chosen uniformly: callers rarely meet on a row.</summary>
    Uniform,
}
