using System.Globalization;
using Microsoft.Extensions.Logging;
using StockGuard.Clocks;

namespace StockGuard.Sql.Execution;

/// <summary>
/// The store's time: with <see cref="SqlClock.Database"/> the database server's clock (see <see cref="ServerClock"/>),
/// so that hosts whose clocks disagree still agree on when a hold expires and stamp the ledger in order; with
/// <see cref="SqlClock.TimeProvider"/> the store's <see cref="TimeProvider"/>.
/// </summary>
internal sealed partial class StoreClock : IDisposable
{
    private readonly TimeProvider _time;
    private readonly SqlDialect _dialect;
    private readonly TimeSpan _maxError;
    private readonly ILogger _logger;
    private readonly ServerClock? _database;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <exception cref="ArgumentException">The database clock is asked for and the dialect cannot read one.</exception>
    public StoreClock(TimeProvider time, SqlDialect dialect, SqlStockStoreOptions options, ILogger logger)
    {
        _time = time;
        _dialect = dialect;
        _maxError = options.MaxClockError;
        _logger = logger;
        if (options.Clock == SqlClock.Database)
        {
            if (dialect.SelectServerTime is null)
            {
                throw new ArgumentException($"The {dialect.StoreName} store has no database clock: set {nameof(SqlStockStoreOptions.Clock)} to {nameof(SqlClock.TimeProvider)}.", nameof(options));
            }

            _database = new ServerClock(time, options.ClockReadInterval, options.MaxClockError);
        }
    }

    /// <summary>The time of the operation about to run, cut to what the database stores.</summary>
    public DateTimeOffset Now() => _dialect.Truncate(_database?.GetUtcNow() ?? _time.GetUtcNow());

    /// <summary>Reads the database's clock before an operation when a reading is due; one caller reads, the others wait for it.</summary>
    public Task EnsureReadAsync(SqlExecutor executor, CancellationToken cancellationToken) =>
        _database is { NeedsReading: true } ? ReadAsync(executor, _database, cancellationToken) : Task.CompletedTask;

    public void Dispose() => _gate.Dispose();

    private async Task ReadAsync(SqlExecutor executor, ServerClock clock, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!clock.NeedsReading)
            {
                return;
            }

            ClockReadOutcome outcome;
            try
            {
                outcome = await executor.RunAsync(s => clock.ReadAsync(() => ReadServerTimeAsync(s)), cancellationToken, ensureReady: false).ConfigureAwait(false);
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
                        $"The {_dialect.StoreName} store could not read the database's clock to within {nameof(SqlStockStoreOptions.MaxClockError)} ({_maxError.TotalMilliseconds} ms): the quickest of {ServerClock.MaxSamples} queries took {outcome.Uncertainty.TotalMilliseconds * 2:0.###} ms there and back, and a reading is trusted only when half its round trip is at most half the bound. Nothing was changed."),
                    null,
                    isTransient: true);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<DateTimeOffset> ReadServerTimeAsync(SqlSession s)
    {
        var microseconds = await s.QueryRowAsync<long>(_dialect.SelectServerTime!, new { }).ConfigureAwait(false);
        return DateTimeOffset.UnixEpoch.AddTicks(microseconds * 10);
    }

    [LoggerMessage(3, LogLevel.Debug, "Read the database clock: {OffsetMs} ms ahead of this host's clock, to within {UncertaintyMs} ms.")]
    private static partial void LogClockRead(ILogger logger, double offsetMs, double uncertaintyMs);

    [LoggerMessage(4, LogLevel.Warning, "This host's monotonic clock drifted {GapMs} ms from the database clock between two readings, faster than the reading allowed for; the store now reads the database clock more often.")]
    private static partial void LogClockDrifted(ILogger logger, double gapMs);

    [LoggerMessage(5, LogLevel.Debug, "Reading the database clock failed; the previous reading still holds.")]
    private static partial void LogClockReadFailed(ILogger logger, Exception exception);
}
