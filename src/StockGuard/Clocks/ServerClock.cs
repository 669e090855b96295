using System.Globalization;
using Microsoft.Extensions.Logging;

namespace StockGuard.Clocks;

/// <summary>
/// A database or cache server's clock as this process sees it: a reading of it (the server's time and the local monotonic
/// timestamp it belongs to), moved on by the monotonic clock. A reading's error is half the round trip of its query
/// (the server read its clock somewhere within it), plus the drift of the monotonic clock since. A reading is taken
/// only when that error starts within half of <c>maxError</c>, and is replaced before the drift, at the rate assumed or
/// measured, can use up the other half.
/// </summary>
/// <remarks>
/// The monotonic clock neither steps nor follows the host's wall clock, so a host whose wall clock is minutes off, or
/// is set while the store runs, still agrees with the server. NTP may slew it (at most 0.05 %); a faster slew is seen
/// as the gap between a reading and what the previous one predicted, and shortens the time to the next reading. It
/// stands still while the host is suspended: a wall clock that moved on further than the monotonic one since the
/// reading (by more than half the bound) makes the reading untrusted until it is taken again.
/// </remarks>
internal sealed partial class ServerClock : IDisposable
{
    /// <summary>The drift assumed until one is measured: 0.05 %, the fastest an NTP daemon slews a clock by default.</summary>
    public const double AssumedDriftRate = 0.0005;

    /// <summary>How many queries one reading may take to find one whose round trip fits the bound.</summary>
    public const int MaxSamples = 5;

    /// <summary>After a failed reading while the previous one still holds, the next try waits this long.</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _local;
    private readonly TimeSpan _readInterval;
    private readonly TimeSpan _maxError;
    private volatile Reading? _reading;
    private long _retryAt;
    private long _latestTicks;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Creates a clock with no reading yet.</summary>
    /// <param name="local">Gives the monotonic timestamps (<see cref="TimeProvider.GetTimestamp"/>); its wall clock only tells a suspended host.</param>
    /// <param name="readInterval">The longest time between two readings.</param>
    /// <param name="maxError">How far this clock may be from the server's.</param>
    public ServerClock(TimeProvider local, TimeSpan readInterval, TimeSpan maxError)
    {
        _local = local;
        _readInterval = readInterval;
        _maxError = maxError;
    }

    /// <summary>Whether a reading is due: there is none, it is older than it should be, or it no longer holds.</summary>
    public bool NeedsReading
    {
        get
        {
            var reading = _reading;
            if (reading is null)
            {
                return true;
            }

            var age = _local.GetElapsedTime(reading.Timestamp);
            return age >= reading.ValidFor || Stalled(reading) || (age >= reading.RefreshAfter && _local.GetTimestamp() >= Interlocked.Read(ref _retryAt));
        }
    }

    /// <summary>Whether the current reading still keeps this clock within the bound.</summary>
    public bool IsWithinBound => _reading is { } reading && _local.GetElapsedTime(reading.Timestamp) < reading.ValidFor && !Stalled(reading);

    /// <summary>
    /// Whether the monotonic clock and the host's wall clock disagree, since the reading, by more than half the bound:
    /// the monotonic clock stood still while the host was suspended (a paused VM, a laptop's sleep), or the wall clock
    /// was set. Either way the reading is not trusted until it is taken again; the wall clock itself never gives the time.
    /// </summary>
    private bool Stalled(Reading reading) =>
        ((_local.GetUtcNow() - reading.WallAt) - _local.GetElapsedTime(reading.Timestamp)).Duration() * 2 > _maxError;

    /// <summary>The current reading's error now: half its round trip plus the drift allowed since; <see cref="TimeSpan.MaxValue"/> with no reading.</summary>
    public TimeSpan Error => _reading is { } reading ? reading.ErrorAfter(_local.GetElapsedTime(reading.Timestamp)) : TimeSpan.MaxValue;

    /// <summary>
    /// The server's time now: the reading moved on by the monotonic clock. A new reading may correct the time backwards
    /// by up to twice the bound; this clock then holds the latest time it gave until the reading catches up, so that
    /// its times never go backwards. A larger step back is the server's clock being set back, and is followed.
    /// </summary>
    /// <exception cref="InvalidOperationException">No reading was taken yet.</exception>
    public DateTimeOffset GetUtcNow()
    {
        var reading = _reading ?? throw new InvalidOperationException("The server clock has not been read yet.");
        var ticks = (reading.At + _local.GetElapsedTime(reading.Timestamp)).UtcTicks;
        var latest = Interlocked.Read(ref _latestTicks);
        while (true)
        {
            if (ticks < latest && latest - ticks <= 2 * _maxError.Ticks)
            {
                return new DateTimeOffset(latest, TimeSpan.Zero);
            }

            var seen = Interlocked.CompareExchange(ref _latestTicks, ticks, latest);
            if (seen == latest)
            {
                return new DateTimeOffset(ticks, TimeSpan.Zero);
            }

            latest = seen;
        }
    }

    /// <summary>
    /// Takes a reading with <paramref name="readServerTime"/> (one query for the server's time each), up to
    /// <see cref="MaxSamples"/> queries until one's round trip fits the bound. Returns the outcome; when no query fit,
    /// the previous reading stays and the next try waits <see cref="RetryAfterFailure"/>.
    /// </summary>
    public async Task<ClockReadOutcome> ReadAsync(Func<Task<DateTimeOffset>> readServerTime)
    {
        (DateTimeOffset At, long Timestamp, TimeSpan Uncertainty, DateTimeOffset WallAt)? best = null;
        for (var i = 0; i < MaxSamples && (best is null || best.Value.Uncertainty * 2 > _maxError); i++)
        {
            var sent = _local.GetTimestamp();
            var serverTime = await readServerTime().ConfigureAwait(false);
            var received = _local.GetTimestamp();
            var wallAt = _local.GetUtcNow();
            var uncertainty = _local.GetElapsedTime(sent, received) / 2;

            // The server read its clock somewhere within the round trip: its middle is the best guess.
            var sample = (serverTime + uncertainty, received, uncertainty, wallAt);
            if (best is null || uncertainty < best.Value.Uncertainty)
            {
                best = sample;
            }
        }

        var (at, timestamp, error, wall) = best!.Value;
        if (error * 2 > _maxError)
        {
            PostponeReading();
            return new ClockReadOutcome(false, error, TimeSpan.Zero, TimeSpan.Zero, false);
        }

        var rate = AssumedDriftRate;
        var gap = TimeSpan.Zero;
        var beyondAllowance = false;
        if (_reading is { } previous)
        {
            // How far the previous reading, moved on by the monotonic clock, was from this one beyond both uncertainties.
            var elapsed = _local.GetElapsedTime(previous.Timestamp, timestamp);
            gap = (previous.At + elapsed - at).Duration() - previous.Uncertainty - error;
            if (gap > TimeSpan.Zero && elapsed > TimeSpan.Zero)
            {
                rate = Math.Max(rate, 2 * gap.TotalSeconds / elapsed.TotalSeconds);
                beyondAllowance = gap.TotalSeconds > previous.DriftRate * elapsed.TotalSeconds;
            }
        }

        _reading = new Reading(at, timestamp, wall, error, rate, _maxError, _readInterval);
        return new ClockReadOutcome(true, error, at - _local.GetUtcNow(), gap > TimeSpan.Zero ? gap : TimeSpan.Zero, beyondAllowance);
    }

    /// <summary>
    /// Takes a reading when one is due, one caller at a time (the others wait, then use it): <paramref name="read"/> runs
    /// <see cref="ReadAsync"/> with the server's own query. A failure while the previous reading still holds is logged and
    /// postpones the next try; the operation goes on with that reading. A reading whose round trips did not fit the bound,
    /// with no reading left that holds, throws.
    /// </summary>
    /// <param name="read">Runs <see cref="ReadAsync"/> on a session of the server; throws <see cref="StockStoreException"/> when the server fails.</param>
    /// <param name="clockName">The clock in the log's words, e.g. <c>database</c>.</param>
    /// <param name="logger">The store's logger.</param>
    /// <param name="storeName">The store in the error's words, e.g. <c>postgresql</c>.</param>
    /// <param name="query">One query of the server's time in the error's words, e.g. <c>queries</c>.</param>
    /// <param name="cancellationToken">Cancels the wait for another caller's reading.</param>
    /// <exception cref="StockStoreException">No reading within the bound holds (transient; nothing was changed).</exception>
    public async Task RefreshAsync(Func<ServerClock, Task<ClockReadOutcome>> read, string clockName, ILogger logger, string storeName, string query, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!NeedsReading)
            {
                return;
            }

            ClockReadOutcome outcome;
            try
            {
                outcome = await read(this).ConfigureAwait(false);
            }
            catch (StockStoreException ex) when (IsWithinBound)
            {
                // The previous reading still holds: the operation goes on with it, and a later one reads again.
                PostponeReading();
                LogClockReadFailed(logger, clockName, ex);
                return;
            }

            if (outcome.Accepted)
            {
                LogClockRead(logger, clockName, outcome.Offset.TotalMilliseconds, outcome.Uncertainty.TotalMilliseconds);
                if (outcome.GapBeyondAllowance)
                {
                    LogClockDrifted(logger, outcome.Gap.TotalMilliseconds, clockName);
                }
            }
            else if (!IsWithinBound)
            {
                throw new StockStoreException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"The {storeName} store could not read the {clockName} clock to within MaxClockError ({_maxError.TotalMilliseconds} ms): the quickest of {MaxSamples} {query} took {outcome.Uncertainty.TotalMilliseconds * 2:0.###} ms there and back, and a reading is trusted only when half its round trip is at most half the bound. Nothing was changed."),
                    null,
                    isTransient: true);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>After a failed reading: the next is due no sooner than <see cref="RetryAfterFailure"/> from now, unless the current reading runs out first.</summary>
    public void PostponeReading() =>
        Interlocked.Exchange(ref _retryAt, _local.GetTimestamp() + (long)(RetryAfterFailure.TotalSeconds * _local.TimestampFrequency));

    [LoggerMessage(3, LogLevel.Debug, "Read the {Clock} clock: {OffsetMs} ms ahead of this host's clock, to within {UncertaintyMs} ms.")]
    private static partial void LogClockRead(ILogger logger, string clock, double offsetMs, double uncertaintyMs);

    [LoggerMessage(4, LogLevel.Warning, "This host's monotonic clock drifted {GapMs} ms from the {Clock} clock between two readings, faster than the reading allowed for; the store now reads that clock more often.")]
    private static partial void LogClockDrifted(ILogger logger, double gapMs, string clock);

    [LoggerMessage(5, LogLevel.Debug, "Reading the {Clock} clock failed; the previous reading still holds.")]
    private static partial void LogClockReadFailed(ILogger logger, string clock, Exception exception);

    private sealed class Reading(DateTimeOffset at, long timestamp, DateTimeOffset wallAt, TimeSpan uncertainty, double driftRate, TimeSpan maxError, TimeSpan readInterval)
    {
        public DateTimeOffset At { get; } = at;

        public long Timestamp { get; } = timestamp;

        /// <summary>The host's wall clock when the reading was taken: only to notice a suspended host (<see cref="Stalled"/>).</summary>
        public DateTimeOffset WallAt { get; } = wallAt;

        public TimeSpan Uncertainty { get; } = uncertainty;

        public double DriftRate { get; } = driftRate;

        /// <summary>How long the reading keeps the clock within the bound: until the drift has used up what the uncertainty left.</summary>
        public TimeSpan ValidFor { get; } = TimeSpan.FromSeconds((maxError - uncertainty).TotalSeconds / driftRate);

        /// <summary>When the next reading is due: at the interval, or halfway to the end of the reading's validity.</summary>
        public TimeSpan RefreshAfter { get; } = TimeSpan.FromSeconds(Math.Min(readInterval.TotalSeconds, (maxError - uncertainty).TotalSeconds / driftRate / 2));

        public TimeSpan ErrorAfter(TimeSpan age) => Uncertainty + TimeSpan.FromSeconds(age.TotalSeconds * DriftRate);
    }
}

/// <summary>What one reading of the server clock found.</summary>
/// <param name="Accepted">Whether a query's round trip fitted the bound, so that the reading replaced the previous one.</param>
/// <param name="Uncertainty">Half the round trip of the best query.</param>
/// <param name="Offset">How far the server's clock is ahead of the host's wall clock (behind when negative).</param>
/// <param name="Gap">How far the previous reading had drifted beyond its uncertainty and this one's.</param>
/// <param name="GapBeyondAllowance">Whether that drift was more than the previous reading allowed for the time between them, so that the bound may not have held.</param>
internal readonly record struct ClockReadOutcome(bool Accepted, TimeSpan Uncertainty, TimeSpan Offset, TimeSpan Gap, bool GapBeyondAllowance);
