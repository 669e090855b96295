using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StockGuard.DependencyInjection;
using StockGuard.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <see cref="RedisStockStore"/> as StockGuard's store.</summary>
public static class RedisStockGuardBuilderExtensions
{
    /// <summary>
    /// Uses a <see cref="RedisStockStore"/> that connects with a StackExchange.Redis configuration string (one server, or the
    /// seed nodes of a cluster) and owns the connection. Options are validated at start-up. Replaces any store registered before.
    /// </summary>
    /// <param name="builder">The builder <c>AddStockGuard</c> returned.</param>
    /// <param name="configuration">E.g. <c>127.0.0.1:6379</c>, or <c>host1:7000,host2:7001,host3:7002</c> for a cluster.</param>
    /// <param name="configure">Sets <see cref="RedisStockStoreOptions"/>; optional.</param>
    /// <returns>The builder.</returns>
    public static IStockGuardBuilder UseRedis(this IStockGuardBuilder builder, string configuration, Action<RedisStockStoreOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        return builder.UseStore(configure, (sp, options) => new RedisStockStore(configuration, options, sp.GetService<TimeProvider>(), sp.GetService<ILogger<RedisStockStore>>()));
    }

    /// <summary>
    /// Uses a <see cref="RedisStockStore"/> over the <see cref="IConnectionMultiplexer"/> registered in the container (which
    /// the container owns and disposes). Options are validated at start-up. Replaces any store registered before.
    /// </summary>
    /// <param name="builder">The builder <c>AddStockGuard</c> returned.</param>
    /// <param name="configure">Sets <see cref="RedisStockStoreOptions"/>; optional.</param>
    /// <returns>The builder.</returns>
    public static IStockGuardBuilder UseRedis(this IStockGuardBuilder builder, Action<RedisStockStoreOptions>? configure = null) =>
        builder.UseStore(configure, static (sp, options) => new RedisStockStore(sp.GetRequiredService<IConnectionMultiplexer>(), options, sp.GetService<TimeProvider>(), sp.GetService<ILogger<RedisStockStore>>()));
}
