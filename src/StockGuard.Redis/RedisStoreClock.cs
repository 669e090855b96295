using System.Globalization;
using Microsoft.Extensions.Logging;
using StockGuard.Clocks;

namespace StockGuard.Redis;

/// <summary>
/// The store's time: with <see cref="RedisClock.Server"/> the Redis server's clock (see <see cref="ServerClock"/>), so that
/// hosts whose clocks disagree still agree on when a hold expires; with <see cref="RedisClock.TimeProvider"/> the store's
/// <see cref="TimeProvider"/>.
/// </summary>
internal sealed partial class RedisStoreClock : IDisposable
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _maxError;
    private readonly ILogger _logger;
    private readonly ServerClock? _server;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public RedisStoreClock(TimeProvider time, RedisStockStoreOptions options, ILogger logger)
    {
        _time = time;
        _maxError = options.MaxClockError;
        _logger = logger;
        if (options.Clock == RedisClock.Server)
        {
            _server = new ServerClock(time, options.ClockReadInterval, options.MaxClockError);
        }
    }

    /// <summary>
    /// The time of the operation about to run. With the server's clock, reads it first when a reading is due: one caller
    /// reads, the others wait for it.
    /// </summary>
    /// <param name="readServerTime">One <c>TIME</c> on the server; throws <see cref="StockStoreException"/> when Redis fails.</param>
    /// <exception cref="StockStoreException">No reading within <see cref="RedisStockStoreOptions.MaxClockError"/> holds (transient; nothing was changed).</exception>
    public async ValueTask<DateTimeOffset> NowAsync(Func<Task<DateTimeOffset>> readServerTime)
    {
        if (_server is null)
        {
            return _time.GetUtcNow();
        }

        if (_server.NeedsReading)
        {
            await ReadAsync(_server, readServerTime).ConfigureAwait(false);
        }

        return _server.GetUtcNow();
    }

    public void Dispose() => _gate.Dispose();

    private async Task ReadAsync(ServerClock clock, Func<Task<DateTimeOffset>> readServerTime)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!clock.NeedsReading)
            {
                return;
            }

            ClockReadOutcome outcome;
            try
            {
                outcome = await clock.ReadAsync(readServerTime).ConfigureAwait(false);
            }
            catch (StockStoreException ex) when (clock.IsWithinBound)
            {
                // The previous reading still holds: the operation goes on with it, and a later one reads again.
                clock.PostponeReading();
                LogClockReadFailed(_logger, ex);
                return;
            }

            if (outcome.Accepted)
            {
                LogClockRead(_logger, outcome.Offset.TotalMilliseconds, outcome.Uncertainty.TotalMilliseconds);
                if (outcome.GapBeyondAllowance)
                {
                    LogClockDrifted(_logger, outcome.Gap.TotalMilliseconds);
                }
            }
            else if (!clock.IsWithinBound)
            {
                throw new StockStoreException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"The Redis store could not read the Redis server's clock to within {nameof(RedisStockStoreOptions.MaxClockError)} ({_maxError.TotalMilliseconds} ms): the quickest of {ServerClock.MaxSamples} TIME commands took {outcome.Uncertainty.TotalMilliseconds * 2:0.###} ms there and back, and a reading is trusted only when half its round trip is at most half the bound. Nothing was changed."),
                    null,
                    isTransient: true);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(3, LogLevel.Debug, "Read the Redis server's clock: {OffsetMs} ms ahead of this host's clock, to within {UncertaintyMs} ms.")]
    private static partial void LogClockRead(ILogger logger, double offsetMs, double uncertaintyMs);

    [LoggerMessage(4, LogLevel.Warning, "This host's monotonic clock drifted {GapMs} ms from the Redis server's clock between two readings, faster than the reading allowed for; the store now reads the server's clock more often.")]
    private static partial void LogClockDrifted(ILogger logger, double gapMs);

    [LoggerMessage(5, LogLevel.Debug, "Reading the Redis server's clock failed; the previous reading still holds.")]
    private static partial void LogClockReadFailed(ILogger logger, Exception exception);
}
