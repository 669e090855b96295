using Microsoft.Extensions.DependencyInjection;

namespace StockGuard.DependencyInjection;

internal sealed class StockGuardBuilder(IServiceCollection services) : IStockGuardBuilder
{
    public IServiceCollection Services { get; } = services;
}
