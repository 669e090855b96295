namespace StockGuard.Testing;

/// <summary>
/// Reads the time from the suite's FakeTimeProvider (holds, expiry, retention) but runs timers in real time, so the
/// optimistic strategy's jittered back-off really spreads the retries. With zero back-off a hot row's lock queue lets
/// one buyer in 64 win each round, and on two busy cores a buyer can lose 100 rounds in a row.
/// </summary>
/// <param name="now">Where the time is read.</param>
public sealed class RealTimersClock(TimeProvider now) : TimeProvider
{
    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => now.GetUtcNow();

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(callback, state, dueTime, period);
}
