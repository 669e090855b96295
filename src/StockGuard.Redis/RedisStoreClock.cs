using Microsoft.Extensions.Logging;
using StockGuard.Clocks;

namespace StockGuard.Redis;

/// <summary>
/// The store's time: with <see cref="RedisClock.Server"/> the Redis server's clock (see <see cref="ServerClock"/>), so that
/// hosts whose clocks disagree still agree on when a hold expires; with <see cref="RedisClock.TimeProvider"/> the store's
/// <see cref="TimeProvider"/>.
/// </summary>
internal sealed class RedisStoreClock : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ServerClock? _server;

    public RedisStoreClock(TimeProvider time, RedisStockStoreOptions options, ILogger logger)
    {
        _time = time;
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

    public void Dispose() => _server?.Dispose();

    private Task ReadAsync(ServerClock clock, Func<Task<DateTimeOffset>> readServerTime) =>
        clock.RefreshAsync(c => c.ReadAsync(readServerTime), "Redis server's", _logger, "Redis", "TIME commands", CancellationToken.None);
}
