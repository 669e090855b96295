using System.Numerics;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// Latencies in nanoseconds in log-linear buckets (64 per power of two, so within 1.6 %), fixed size whatever the
/// number of samples: a client records millions of in-memory operations without keeping them.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 6;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int Exact = 2 * SubBuckets;

    private readonly long[] _counts = new long[Exact + (64 - SubBucketBits) * SubBuckets];

    public long Count { get; private set; }

    public void Record(long nanoseconds)
    {
        _counts[Index(Math.Max(0, nanoseconds))]++;
        Count++;
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
    }

    /// <summary>The non-empty buckets as (index, count) pairs, for a process that reports its latencies to another.</summary>
    public long[][] ToSparse() =>
        [.. _counts.Select((count, index) => (count, index)).Where(b => b.count > 0).Select(b => new[] { b.index, b.count })];

    /// <summary>A histogram from <see cref="ToSparse"/>'s pairs.</summary>
    public static LatencyHistogram FromSparse(long[][] buckets)
    {
        var histogram = new LatencyHistogram();
        foreach (var bucket in buckets)
        {
            histogram._counts[bucket[0]] += bucket[1];
            histogram.Count += bucket[1];
        }

        return histogram;
    }

    /// <summary>The value at <paramref name="quantile"/> (0–1) in milliseconds, or NaN without samples.</summary>
    public double QuantileMilliseconds(double quantile)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        var rank = (long)Math.Ceiling(quantile * Count);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank && _counts[i] > 0)
            {
                return (Lower(i) + Lower(i + 1)) / 2.0 / 1_000_000.0;
            }
        }

        return double.NaN;
    }

    private static int Index(long value)
    {
        if (value < Exact)
        {
            return (int)value;
        }

        var shift = 63 - BitOperations.LeadingZeroCount((ulong)value) - SubBucketBits;
        return Exact + (shift - 1) * SubBuckets + (int)((value >> shift) - SubBuckets);
    }

    private static long Lower(int index)
    {
        if (index < Exact)
        {
            return index;
        }

        var shift = (index - Exact) / SubBuckets + 1;
        return ((long)((index - Exact) % SubBuckets) + SubBuckets) << shift;
    }
}
