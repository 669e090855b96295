using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace StockGuard.DependencyInjection;

/// <summary>Calls <see cref="IStockStore.SweepAsync"/> every <see cref="StockGuardOptions.SweepInterval"/>.</summary>
internal sealed partial class StockSweeper(IServiceProvider services, IOptions<StockGuardOptions> options, TimeProvider time, ILogger<StockSweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.EnableSweeper)
        {
            return;
        }

        var store = services.GetService<IStockStore>()
            ?? throw new InvalidOperationException("AddStockGuard() registered no stock store: chain a store, e.g. .UseInMemory() or .UseSqlite(…).");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.SweepInterval, time, stoppingToken).ConfigureAwait(false);
                await store.SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is StockGuardException or InvalidOperationException or TimeoutException or System.Data.Common.DbException)
            {
                // A failed sweep is retried at the next interval; expired holds never block buyers meanwhile.
                LogSweepFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(2, LogLevel.Warning, "The stock sweep failed; it runs again at the next interval.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
