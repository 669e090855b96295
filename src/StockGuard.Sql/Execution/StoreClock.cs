using Microsoft.Extensions.Logging;
using StockGuard.Clocks;

namespace StockGuard.Sql.Execution;

/// <summary>
/// The store's time: with <see cref="SqlClock.Database"/> the database server's clock (see <see cref="ServerClock"/>),
/// so that hosts whose clocks disagree still agree on when a hold expires and stamp the ledger in order; with
/// <see cref="SqlClock.TimeProvider"/> the store's <see cref="TimeProvider"/>.
/// </summary>
internal sealed class StoreClock : IDisposable
{
    private readonly TimeProvider _time;
    private readonly SqlDialect _dialect;
    private readonly ILogger _logger;
    private readonly ServerClock? _database;

    /// <exception cref="ArgumentException">The database clock is asked for and the dialect cannot read one.</exception>
    public StoreClock(TimeProvider time, SqlDialect dialect, SqlStockStoreOptions options, ILogger logger)
    {
        _time = time;
        _dialect = dialect;
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

    public void Dispose() => _database?.Dispose();

    private Task ReadAsync(SqlExecutor executor, ServerClock clock, CancellationToken cancellationToken) =>
        clock.RefreshAsync(
            c => executor.RunAsync(s => c.ReadAsync(() => ReadServerTimeAsync(s)), cancellationToken, ensureReady: false),
            "database",
            _logger,
            _dialect.StoreName,
            "queries",
            cancellationToken);

    private async Task<DateTimeOffset> ReadServerTimeAsync(SqlSession s)
    {
        var microseconds = await s.QueryRowAsync<long>(_dialect.SelectServerTime!, new { }).ConfigureAwait(false);
        return DateTimeOffset.UnixEpoch.AddTicks(microseconds * 10);
    }
}
