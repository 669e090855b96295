using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StockGuard;
using StockGuard.DependencyInjection;
using StockGuard.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the <see cref="RedisStockStore"/> as StockGuard's store. The Redis store keeps no backorders and no waitlists:
/// resolving <see cref="IStockBackorders"/> or <see cref="IStockWaitlist"/> from the container throws
/// <see cref="NotSupportedException"/>, saying so, while the Redis store is the registered one.
/// </summary>
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
        return WithoutBackordersOrWaitlists(builder.UseStore(configure, (sp, options) => new RedisStockStore(configuration, options, sp.GetService<TimeProvider>(), sp.GetService<ILogger<RedisStockStore>>())));
    }

    /// <summary>
    /// Uses a <see cref="RedisStockStore"/> over the <see cref="IConnectionMultiplexer"/> registered in the container (which
    /// the container owns and disposes). Options are validated at start-up. Replaces any store registered before.
    /// </summary>
    /// <param name="builder">The builder <c>AddStockGuard</c> returned.</param>
    /// <param name="configure">Sets <see cref="RedisStockStoreOptions"/>; optional.</param>
    /// <returns>The builder.</returns>
    public static IStockGuardBuilder UseRedis(this IStockGuardBuilder builder, Action<RedisStockStoreOptions>? configure = null) =>
        WithoutBackordersOrWaitlists(builder.UseStore(configure, static (sp, options) => new RedisStockStore(sp.GetRequiredService<IConnectionMultiplexer>(), options, sp.GetService<TimeProvider>(), sp.GetService<ILogger<RedisStockStore>>())));

    /// <summary>
    /// Backorders and waitlists are the registered store itself when it keeps them (a store registered after this one may);
    /// the Redis store does not, and resolving either says so with a <see cref="NotSupportedException"/>.
    /// </summary>
    private static IStockGuardBuilder WithoutBackordersOrWaitlists(IStockGuardBuilder builder)
    {
        builder.Services.Replace(ServiceDescriptor.Singleton<IStockBackorders>(static sp => sp.GetRequiredService<IStockStore>() as IStockBackorders
            ?? throw new NotSupportedException("The Redis store keeps no backorders: it sells below zero up to an item's BackorderLimit but records no backorder to fill when stock arrives, so it has no IStockBackorders. Use a SQL or the in-memory store for backorders and pre-orders.")));
        builder.Services.Replace(ServiceDescriptor.Singleton<IStockWaitlist>(static sp => sp.GetRequiredService<IStockStore>() as IStockWaitlist
            ?? throw new NotSupportedException("The Redis store keeps no waitlists, so it has no IStockWaitlist. Use a SQL or the in-memory store for waitlists.")));
        return builder;
    }
}
