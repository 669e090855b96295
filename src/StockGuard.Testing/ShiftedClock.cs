namespace StockGuard.Testing;

/// <summary>
/// A host clock that runs <paramref name="shift"/> away from the real one, as a host whose clock drifted would: the
/// wall clock is shifted, while the monotonic timestamps and timers are the real ones.
/// </summary>
/// <param name="shift">How far ahead (positive) or behind (negative) the wall clock runs.</param>
public sealed class ShiftedClock(TimeSpan shift) : TimeProvider
{
    /// <summary>How far ahead (positive) or behind (negative) the wall clock runs.</summary>
    public TimeSpan Shift => shift;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
}
