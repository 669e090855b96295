namespace StockGuard.Testing;

/// <summary>
/// A host on which every round trip seems to take a second: its monotonic clock jumps a second each time it is read, so
/// that no reading of a server's clock can be taken within a store's <c>MaxClockError</c>.
/// </summary>
public sealed class SlowRoundTripsClock : TimeProvider
{
    private long _jumps;

    /// <inheritdoc/>
    public override long GetTimestamp() => base.GetTimestamp() + (Interlocked.Increment(ref _jumps) * TimestampFrequency);
}
