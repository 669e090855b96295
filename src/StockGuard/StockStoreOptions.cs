using Microsoft.Extensions.Options;

namespace StockGuard;

/// <summary>Settings every store shares. Each store's options class derives from this one.</summary>
public abstract class StockStoreOptions
{
    /// <summary>
    /// How long an idempotency key is remembered; a retry after that is applied as a new request.
    /// Default: 24 hours. Range: 1 minute to 365 days.
    /// </summary>
    public TimeSpan IdempotencyKeyRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a confirmed, released or expired hold is kept so that retried confirms and releases get a
    /// truthful answer. Default: 24 hours. Range: 1 minute to 365 days.
    /// </summary>
    public TimeSpan FinishedHoldRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The longest time-to-live a hold may be given. Default: 1 day. Range: 1 second to 365 days.</summary>
    public TimeSpan MaxHoldTimeToLive { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// How long a waitlist claim holds its unit for the customer before it lapses and passes to the next in line
    /// (<see cref="IStockWaitlist"/>). Default: 15 minutes. Range: 1 second to 1 day, and at most <see cref="MaxHoldTimeToLive"/>.
    /// </summary>
    public TimeSpan WaitlistClaimWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How many holds or keys one sweep batch releases or purges. Default: 500. Range: 1 to 100,000.</summary>
    public int SweepBatchSize { get; set; } = 500;

    /// <summary>Adds one message per setting out of range, naming the setting.</summary>
    /// <param name="failures">Where to add the messages.</param>
    protected virtual void Validate(ICollection<string> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        var name = GetType().Name;
        CheckRange(failures, name, nameof(IdempotencyKeyRetention), IdempotencyKeyRetention, TimeSpan.FromMinutes(1), TimeSpan.FromDays(365));
        CheckRange(failures, name, nameof(FinishedHoldRetention), FinishedHoldRetention, TimeSpan.FromMinutes(1), TimeSpan.FromDays(365));
        CheckRange(failures, name, nameof(MaxHoldTimeToLive), MaxHoldTimeToLive, TimeSpan.FromSeconds(1), TimeSpan.FromDays(365));
        CheckRange(failures, name, nameof(SweepBatchSize), SweepBatchSize, 1, 100_000);
        CheckRange(failures, name, nameof(WaitlistClaimWindow), WaitlistClaimWindow, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        if (WaitlistClaimWindow > MaxHoldTimeToLive)
        {
            failures.Add($"{name}.{nameof(WaitlistClaimWindow)} is {WaitlistClaimWindow}; it must not exceed {nameof(MaxHoldTimeToLive)} ({MaxHoldTimeToLive}).");
        }
    }

    /// <summary>Adds a message to <paramref name="failures"/> unless <paramref name="value"/> lies in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <typeparam name="T">The setting's type.</typeparam>
    /// <param name="failures">Where to add the message.</param>
    /// <param name="options">The options class's name.</param>
    /// <param name="setting">The setting's name.</param>
    /// <param name="value">The value.</param>
    /// <param name="min">The least value allowed.</param>
    /// <param name="max">The greatest value allowed.</param>
    protected static void CheckRange<T>(ICollection<string> failures, string options, string setting, T value, T min, T max)
        where T : IComparable<T>
    {
        ArgumentNullException.ThrowIfNull(failures);
        if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
        {
            failures.Add($"{options}.{setting} is {value}; it must lie between {min} and {max}.");
        }
    }

    internal List<string> GetValidationFailures()
    {
        var failures = new List<string>();
        Validate(failures);
        return failures;
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> naming every setting out of range.</summary>
    /// <exception cref="OptionsValidationException">A setting is out of range.</exception>
    public void ThrowIfInvalid()
    {
        var failures = GetValidationFailures();
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(GetType().Name, GetType(), failures);
        }
    }
}
