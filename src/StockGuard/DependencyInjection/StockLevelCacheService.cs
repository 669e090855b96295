using Microsoft.Extensions.Hosting;
using StockGuard.Caching;

namespace StockGuard.DependencyInjection;

/// <summary>Runs the <see cref="StockLevelCache"/>'s feed follower for the host's lifetime.</summary>
internal sealed class StockLevelCacheService(StockLevelCache cache) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => cache.RunAsync(stoppingToken);
}
