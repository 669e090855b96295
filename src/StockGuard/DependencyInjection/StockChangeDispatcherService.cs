using Microsoft.Extensions.Hosting;
using StockGuard.Changes;

namespace StockGuard.DependencyInjection;

/// <summary>Runs one consumer's <see cref="StockChangeDispatcher"/> for the host's lifetime.</summary>
internal sealed class StockChangeDispatcherService(StockChangeDispatcher dispatcher) : BackgroundService
{
    public StockChangeDispatcher Dispatcher => dispatcher;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => dispatcher.RunAsync(stoppingToken);
}
