using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace StockGuard.DependencyInjection;

/// <summary>Calls <see cref="IStockStore.SweepAsync"/> every <see cref="StockGuardOptions.SweepInterval"/>.</summary>
internal sealed partial class StockSweeper(IServiceProvider services, IOptions<StockGuardOptions> options, TimeProvider time, StockSweepStatus status, ILogger<StockSweeper> logger)
    : BackgroundService
{
    private PeriodicTimer? _timer;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // The timer starts with the host, not when ExecuteAsync first runs on the thread pool, so the first
        // sweep comes one interval after start whatever the scheduling.
        if (options.Value.EnableSweeper)
        {
            _timer = new PeriodicTimer(options.Value.SweepInterval, time);
            status.Started(time.GetUtcNow());
        }

        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _timer?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_timer is null)
        {
            return;
        }

        var store = services.GetService<IStockStore>()
            ?? throw new InvalidOperationException("AddStockGuard() registered no stock store: chain a store, e.g. .UseInMemory() or .UseSqlite(…).");
        try
        {
            while (await _timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await store.SweepAsync(stoppingToken).ConfigureAwait(false);
                    status.Succeeded(time.GetUtcNow());
                }
                catch (Exception ex) when (ex is StockGuardException or InvalidOperationException or TimeoutException or System.Data.Common.DbException)
                {
                    // A failed sweep is retried at the next interval; expired holds never block buyers meanwhile.
                    status.Failed(time.GetUtcNow(), ex);
                    LogSweepFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    [LoggerMessage(2, LogLevel.Warning, "The stock sweep failed; it runs again at the next interval.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
