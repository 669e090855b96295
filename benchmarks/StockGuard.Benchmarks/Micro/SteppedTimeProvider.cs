namespace StockGuard.Benchmarks.Micro;

/// <summary>
/// The system clock plus an offset that a benchmark moves forward between iterations, so that a sweep can purge
/// the holds an iteration finished. Unlike FakeTimeProvider it takes no lock to read, so it adds no contention
/// between the threads it measures.
/// </summary>
public sealed class SteppedTimeProvider : TimeProvider
{
    private long _offsetTicks;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Volatile.Read(ref _offsetTicks));

    /// <summary>Moves the clock forward.</summary>
    /// <param name="by">How far.</param>
    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
