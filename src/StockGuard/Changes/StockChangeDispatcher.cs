using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StockGuard.Diagnostics;

namespace StockGuard.Changes;

/// <summary>
/// Delivers a store's change feed to one consumer's <see cref="IStockChangeHandler"/>: at least once, in feed position
/// order, from the consumer's durable checkpoint, while this dispatcher holds the consumer's lease. Run one per consumer
/// in every application instance: one of them holds the lease and delivers, the others wait to take over when it
/// stops renewing. <c>.AddChangeHandler&lt;T&gt;("name")</c> runs it as a hosted service.
/// </summary>
/// <remarks>
/// <para>
/// The dispatcher reads a page, hands each change to the handler, and moves the checkpoint past the page (and, on a
/// long page, every third of the lease). Every checkpoint write renews the lease and is fenced by it: a dispatcher that
/// lost its lease (paused past its expiry, cut off from the database) finds its write refused, stops delivering and
/// goes back to waiting for the lease. Changes it handed over after the last checkpoint are delivered again by the
/// next holder: duplicates only across a restart or a take-over.
/// </para>
/// <para>
/// A handler that throws is called again after <see cref="StockChangeDispatcherOptions.RetryDelay"/>, doubling up to
/// <see cref="StockChangeDispatcherOptions.MaxRetryDelay"/>; the consumer waits meanwhile, so later changes of the
/// item are never handed over first. After <see cref="StockChangeDispatcherOptions.MaxAttempts"/> calls the change is
/// parked (<see cref="IStockChangeConsumerStore.ParkAsync"/>), logged and counted, and the consumer goes on with the
/// next change: one bad change does not stop a shop's ERP feed; an operator reads the parked changes and replays them.
/// </para>
/// </remarks>
public sealed partial class StockChangeDispatcher
{
    private readonly string _consumer;
    private readonly IStockChangeHandler _handler;
    private readonly IStockChangeFeed _feed;
    private readonly IStockChangeConsumerStore _consumers;
    private readonly StockChangeDispatcherOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates a dispatcher; <see cref="RunAsync"/> runs it.</summary>
    /// <param name="consumer">The consumer's name: 1 to 100 ASCII letters, digits, '.', '-' or '_'.</param>
    /// <param name="handler">The consumer's handler.</param>
    /// <param name="feed">The store's change feed.</param>
    /// <param name="consumers">The store's consumer state (the store itself, for StockGuard's stores).</param>
    /// <param name="options">The settings; the defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">Times the waits and back-off; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">Logs failures and parked changes.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The name, or a setting, is not valid.</exception>
    public StockChangeDispatcher(
        string consumer,
        IStockChangeHandler handler,
        IStockChangeFeed feed,
        IStockChangeConsumerStore consumers,
        StockChangeDispatcherOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger? logger = null)
    {
        StockChangeConsumerNames.ThrowIfInvalid(consumer);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(feed);
        ArgumentNullException.ThrowIfNull(consumers);
        options ??= new StockChangeDispatcherOptions();
        options.ThrowIfInvalid();
        _consumer = consumer;
        _handler = handler;
        _feed = feed;
        _consumers = consumers;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The consumer's name.</summary>
    public string Consumer => _consumer;

    /// <summary>This dispatcher's lease owner token.</summary>
    public string Owner => _options.Owner;

    /// <summary>Whether this dispatcher holds the lease now, as far as it knows (its last acquisition or renewal succeeded).</summary>
    public bool IsActive { get; private set; }

    /// <summary>When <see cref="RunAsync"/> began, by the dispatcher's clock; <see langword="null"/> before.</summary>
    public DateTimeOffset? StartedAt { get; private set; }

    /// <summary>
    /// When the store last answered this dispatcher about the consumer's lease: it took or renewed it, found another
    /// owner's unexpired lease, or learnt it had lost it. A dispatcher that is not active asks every poll interval (at
    /// most a third of the lease), so a time far behind means it cannot reach the consumer state, and a free lease then
    /// stays free.
    /// </summary>
    public DateTimeOffset? LeaseCheckedAt { get; private set; }

    /// <summary>
    /// While this dispatcher holds the lease: since when changes have waited for it (from when it took the lease, or
    /// from the read that found changes after it had delivered every one visible); <see langword="null"/> when it has
    /// delivered every change visible at its last read, and when it is not active.
    /// </summary>
    public DateTimeOffset? PendingSince { get; private set; }

    /// <summary>
    /// Runs until <paramref name="cancellationToken"/> is cancelled: waits for the lease, delivers while it holds it,
    /// and gives it up on the way out. A failure of the store is logged and tried again after the poll interval.
    /// </summary>
    /// <param name="cancellationToken">Stops the dispatcher.</param>
    /// <returns>A task that completes when the dispatcher has stopped.</returns>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        StartedAt = _time.GetUtcNow();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    var lease = await _consumers.TryAcquireLeaseAsync(_consumer, Owner, _options.LeaseDuration, cancellationToken).ConfigureAwait(false);
                    LeaseCheckedAt = _time.GetUtcNow();
                    if (lease is null)
                    {
                        // Another instance delivers; try again before its lease could have run out unrenewed.
                        await WaitAsync(Min(_options.PollInterval, _options.LeaseDuration / 3), cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    IsActive = true;
                    PendingSince = LeaseCheckedAt;
                    LogLeaseTaken(_logger, _consumer, Owner, lease.Checkpoint.ToString());
                    await DeliverWhileLeasedAsync(lease.Checkpoint, cancellationToken).ConfigureAwait(false);
                    IsActive = false;
                    PendingSince = null;
                    LogLeaseLost(_logger, _consumer, Owner);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
                {
                    IsActive = false;
                    PendingSince = null;
                    LogDispatchFailed(_logger, _consumer, ex);
                    await WaitAsync(_options.PollInterval, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            if (IsActive)
            {
                IsActive = false;
                try
                {
                    await _consumers.ReleaseLeaseAsync(_consumer, Owner, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is StockGuardException or InvalidOperationException or TimeoutException or System.Data.Common.DbException)
                {
                    // The lease then runs out by itself.
                    LogDispatchFailed(_logger, _consumer, ex);
                }
            }
        }
    }

    /// <summary>Delivers from <paramref name="checkpoint"/> until the lease is lost (returns) or the run is cancelled (throws).</summary>
    private async Task DeliverWhileLeasedAsync(StockChangePosition checkpoint, CancellationToken cancellationToken)
    {
        var renewEvery = _options.LeaseDuration / 3;
        var saved = checkpoint;
        var savedAt = _time.GetTimestamp();
        var position = checkpoint;
        while (true)
        {
            // Taken before the read: a change committed while this page is read and handled ends the wait after it at once.
            var signals = _consumers.ChangeSignals;
            StockChangePage page;
            try
            {
                page = await _feed.ReadChangesAsync(position, _options.BatchSize, cancellationToken).ConfigureAwait(false);
            }
            catch (StockChangePositionExpiredException expired)
            {
                // The store no longer keeps what came after the checkpoint (the in-memory store's bounded retention):
                // those changes are lost to this consumer. Say so loudly and go on from the oldest change kept, rather
                // than stop the consumer for good.
                LogChangesLost(_logger, _consumer, position.ToString(), expired.OldestRetained.ToString());
                var oldest = expired.OldestRetained;
                position = new StockChangePosition(oldest.Transaction, Math.Max(0, oldest.Sequence - 1));
                continue;
            }

            if (page.Changes.Count > 0)
            {
                PendingSince ??= _time.GetUtcNow();
            }

            foreach (var change in page.Changes)
            {
                if (!await DeliverAsync(change, position, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                position = change.Position;
                if (_time.GetElapsedTime(savedAt) >= renewEvery)
                {
                    if (!await SaveAsync(position, cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }

                    (saved, savedAt) = (position, _time.GetTimestamp());
                }
            }

            position = page.Next > position ? page.Next : position;
            if (position != saved || _time.GetElapsedTime(savedAt) >= renewEvery)
            {
                if (!await SaveAsync(position, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                (saved, savedAt) = (position, _time.GetTimestamp());
            }

            if (!page.HasMore)
            {
                PendingSince = null;
                var untilRenewal = renewEvery - _time.GetElapsedTime(savedAt);
                await _consumers.WaitForChangesAsync(signals, Max(Min(_options.PollInterval, untilRenewal), TimeSpan.Zero), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Hands one change to the handler, with retries; parks it after the last attempt. <see langword="false"/> when the
    /// lease was found lost (while renewing it between retries, or when parking).
    /// </summary>
    private async Task<bool> DeliverAsync(StockChange change, StockChangePosition handled, CancellationToken cancellationToken)
    {
        var delay = _options.RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _handler.HandleAsync(change, cancellationToken).ConfigureAwait(false);
                StockGuardTelemetry.RecordChangeDelivered(_consumer);
                return true;
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                if (attempt >= _options.MaxAttempts)
                {
                    var error = $"{ex.GetType().FullName}: {ex.Message}";
                    if (error.Length > 4000)
                    {
                        error = error[..4000];
                    }

                    if (!await _consumers.ParkAsync(_consumer, Owner, change, attempt, error, cancellationToken).ConfigureAwait(false))
                    {
                        return false;
                    }

                    StockGuardTelemetry.RecordChangeParked(_consumer);
                    LogParked(_logger, _consumer, change.Position.ToString(), change.Key.ToString(), attempt, ex);
                    return true;
                }

                StockGuardTelemetry.RecordChangeRetried(_consumer);
                LogHandlerFailed(_logger, _consumer, change.Position.ToString(), attempt, ex);

                // The wait renews the lease first, so that a long back-off does not let it run out.
                if (!await SaveAsync(handled, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                await WaitAsync(delay, cancellationToken).ConfigureAwait(false);
                delay = Min(delay * 2, _options.MaxRetryDelay);
            }
        }
    }

    private async Task<bool> SaveAsync(StockChangePosition position, CancellationToken cancellationToken)
    {
        var saved = await _consumers.SaveCheckpointAsync(_consumer, Owner, position, _options.LeaseDuration, cancellationToken).ConfigureAwait(false);
        LeaseCheckedAt = _time.GetUtcNow();
        IsActive = saved;
        return saved;
    }

    private Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, _time, cancellationToken);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    [LoggerMessage(20, LogLevel.Information, "Change consumer {Consumer}: {Owner} took the lease and delivers after position {Checkpoint}.")]
    private static partial void LogLeaseTaken(ILogger logger, string consumer, string owner, string checkpoint);

    [LoggerMessage(21, LogLevel.Warning, "Change consumer {Consumer}: {Owner} lost its lease; another dispatcher delivers, and this one waits to take over.")]
    private static partial void LogLeaseLost(ILogger logger, string consumer, string owner);

    [LoggerMessage(22, LogLevel.Warning, "Change consumer {Consumer}: the handler failed on the change at {Position} (attempt {Attempt}); it is tried again after a back-off.")]
    private static partial void LogHandlerFailed(ILogger logger, string consumer, string position, int attempt, Exception exception);

    [LoggerMessage(23, LogLevel.Error, "Change consumer {Consumer}: parked the change at {Position} of {Key} after {Attempts} failed attempts; the consumer goes on with the next change.")]
    private static partial void LogParked(ILogger logger, string consumer, string position, string key, int attempts, Exception exception);

    [LoggerMessage(26, LogLevel.Error, "Change consumer {Consumer}: the store no longer keeps the changes after its checkpoint {Checkpoint}; the consumer goes on from the oldest change kept, {Oldest}, and the changes between are not delivered.")]
    private static partial void LogChangesLost(ILogger logger, string consumer, string checkpoint, string oldest);

    [LoggerMessage(24, LogLevel.Warning, "Change consumer {Consumer}: reading the feed or writing the checkpoint failed; trying again after the poll interval.")]
    private static partial void LogDispatchFailed(ILogger logger, string consumer, Exception exception);
}
