using Microsoft.Extensions.DependencyInjection;

namespace StockGuard.DependencyInjection;

/// <summary>Returned by <c>AddStockGuard</c>; store packages extend it with <c>Use…</c> methods that register the store.</summary>
public interface IStockGuardBuilder
{
    /// <summary>The service collection StockGuard registers into.</summary>
    IServiceCollection Services { get; }
}
