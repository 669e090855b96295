using StockGuard.Sql;
using StockGuard.Testing;

namespace StockGuard.Tests.Shared;

/// <summary>How the server providers map what a shared suite asks of a store onto the options every SQL store shares.</summary>
internal static class SqlStoreSettingsExtensions
{
    /// <summary>Sets the strategy, retries, queue length and clock <paramref name="settings"/> name; returns the store's time provider.</summary>
    /// <param name="settings">What the suite asks.</param>
    /// <param name="options">The provider's options for its fixtures' stores, changed in place.</param>
    /// <param name="time">The suite's clock: a fake one whose timers run in real time, or a host's wall clock for the database clock.</param>
    public static TimeProvider ApplyTo(this SqlStoreSettings settings, SqlStockStoreOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(options);
        options.Strategy = settings.Strategy ?? options.Strategy;
        options.MaxTransientRetries = settings.MaxTransientRetries ?? options.MaxTransientRetries;
        options.Coalescing.MaxQueueLength = settings.MaxCoalescingQueueLength ?? options.Coalescing.MaxQueueLength;
        if (!settings.DatabaseClock)
        {
            return new RealTimersClock(time);
        }

        options.Clock = SqlClock.Database;
        return time;
    }

    /// <summary>Whether the store needs a pool of its own (its own endpoint, or a setting that lives in its connection string).</summary>
    public static bool NeedsOwnPool(this SqlStoreSettings settings, bool lockTimeoutInConnectionString) =>
        settings.OwnPool || settings.Endpoint is not null || (lockTimeoutInConnectionString && settings.LockTimeout is not null);

    /// <summary>Sets <paramref name="strategy"/> on a provider's options, then lets a test adjust them; returns them.</summary>
    /// <typeparam name="TOptions">The store's options type.</typeparam>
    public static TOptions With<TOptions>(this TOptions options, ConcurrencyStrategy strategy, Action<TOptions>? configure)
        where TOptions : SqlStockStoreOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Strategy = strategy;
        configure?.Invoke(options);
        return options;
    }
}
