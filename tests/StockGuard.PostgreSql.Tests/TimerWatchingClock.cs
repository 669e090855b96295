using Microsoft.Extensions.Time.Testing;

namespace StockGuard.PostgreSql.Tests;

/// <summary>The fake clock, telling when the store first starts a timer (the batch's max wait).</summary>
internal sealed class TimerWatchingClock(FakeTimeProvider time) : TimeProvider
{
    private readonly TaskCompletionSource _firstTimer = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task FirstTimer => _firstTimer.Task;

    public override DateTimeOffset GetUtcNow() => time.GetUtcNow();

    public override long GetTimestamp() => time.GetTimestamp();

    public override long TimestampFrequency => time.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = time.CreateTimer(callback, state, dueTime, period);
        _firstTimer.TrySetResult();
        return timer;
    }
}
