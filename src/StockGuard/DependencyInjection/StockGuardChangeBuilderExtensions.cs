using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Caching.Hybrid;
using StockGuard;
using StockGuard.Caching;
using StockGuard.Changes;
using StockGuard.DependencyInjection;
using StockGuard.InMemory;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the delivery of the change feed to the shop's handlers.</summary>
public static class StockGuardChangeBuilderExtensions
{
    /// <summary>
    /// Delivers the store's change feed to <typeparamref name="THandler"/> under the consumer name
    /// <paramref name="consumer"/>: a hosted <see cref="StockChangeDispatcher"/> that takes the consumer's lease, reads
    /// after its checkpoint and hands each change over, at least once and in position order. Every application
    /// instance that registers the same name runs a dispatcher; one at a time delivers. The handler is a singleton; the
    /// dispatcher too, keyed by the consumer name and among <c>GetServices&lt;StockChangeDispatcher&gt;()</c> (what the
    /// change-dispatcher health check reads).
    /// </summary>
    /// <typeparam name="THandler">The handler.</typeparam>
    /// <param name="builder">The StockGuard builder.</param>
    /// <param name="consumer">The consumer's name, unique per handler: 1 to 100 ASCII letters, digits, '.', '-' or '_'.</param>
    /// <param name="configure">Sets the dispatcher's <see cref="StockChangeDispatcherOptions"/>; optional.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The name is not valid, or already registered.</exception>
    public static IStockGuardBuilder AddChangeHandler<THandler>(this IStockGuardBuilder builder, string consumer, Action<StockChangeDispatcherOptions>? configure = null)
        where THandler : class, IStockChangeHandler
    {
        ArgumentNullException.ThrowIfNull(builder);
        StockChangeConsumerNames.ThrowIfInvalid(consumer);
        var services = builder.Services;
        if (services.Any(d => d.IsKeyedService && d.ServiceType == typeof(IStockChangeHandler) && Equals(d.ServiceKey, consumer)))
        {
            throw new ArgumentException($"A change handler is already registered for the consumer '{consumer}': give each handler a name of its own.", nameof(consumer));
        }

        services.AddKeyedSingleton<IStockChangeHandler, THandler>(consumer);
        var options = services.AddOptions<StockChangeDispatcherOptions>(consumer).ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StockChangeDispatcherOptions>, StockChangeDispatcherOptionsValidator>());
        AddConsumerStore(services);
        services.AddKeyedSingleton(consumer, (sp, _) => new StockChangeDispatcher(
            consumer,
            sp.GetRequiredKeyedService<IStockChangeHandler>(consumer),
            sp.GetRequiredService<IStockChangeFeed>(),
            sp.GetRequiredService<IStockChangeConsumerStore>(),
            sp.GetRequiredService<IOptionsMonitor<StockChangeDispatcherOptions>>().Get(consumer),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<StockChangeDispatcher>>()));

        // Every consumer's dispatcher, for health checks: GetServices<StockChangeDispatcher>().
        services.AddSingleton(sp => sp.GetRequiredKeyedService<StockChangeDispatcher>(consumer));
        services.AddSingleton<IHostedService>(sp => new StockChangeDispatcherService(sp.GetRequiredKeyedService<StockChangeDispatcher>(consumer)));
        return builder;
    }

    /// <summary>
    /// Serves storefront reads from a <see cref="StockLevelCache"/>: register it, and run its feed follower as a hosted
    /// service that removes the entries of changed items. Inject <see cref="StockLevelCache"/> where the shop reads
    /// levels for display; writes go to <see cref="IStockStore"/> as before and never read the cache. Needs a
    /// <see cref="HybridCache"/>: call <c>services.AddHybridCache()</c> (package Microsoft.Extensions.Caching.Hybrid).
    /// </summary>
    /// <param name="builder">The StockGuard builder.</param>
    /// <param name="configure">Sets <see cref="StockLevelCacheOptions"/>; optional.</param>
    /// <returns>The builder.</returns>
    public static IStockGuardBuilder UseReadCache(this IStockGuardBuilder builder, Action<StockLevelCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<StockLevelCacheOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StockLevelCacheOptions>, StockLevelCacheOptionsValidator>());
        AddConsumerStore(services);
        services.TryAddSingleton(static sp => new StockLevelCache(
            sp.GetRequiredService<IStockStore>(),
            sp.GetRequiredService<IStockChangeFeed>(),
            sp.GetService<HybridCache>() ?? throw new InvalidOperationException($"UseReadCache() needs a {nameof(HybridCache)}: call services.AddHybridCache() (package Microsoft.Extensions.Caching.Hybrid)."),
            sp.GetRequiredService<IOptions<StockLevelCacheOptions>>().Value,
            sp.GetService<IStockChangeConsumerStore>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<StockLevelCache>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StockLevelCacheService>());
        return builder;
    }

    /// <summary>
    /// Registers <see cref="IStockChangeConsumerStore"/> as the store's own (SQL stores) or, for the in-memory store, an
    /// <see cref="InMemoryStockChangeConsumers"/>.
    /// </summary>
    internal static void AddConsumerStore(IServiceCollection services) =>
        services.TryAddSingleton<IStockChangeConsumerStore>(static sp => sp.GetRequiredService<IStockStore>() switch
        {
            IStockChangeConsumerStore own => own,
            InMemoryStockStore => new InMemoryStockChangeConsumers(sp.GetService<TimeProvider>()),
            var other => throw new InvalidOperationException($"The registered {nameof(IStockStore)} ({other.GetType().Name}) keeps no change consumers: it does not implement {nameof(IStockChangeConsumerStore)}. Register one yourself, or use a StockGuard SQL or in-memory store (the Redis store has none)."),
        });
}

/// <summary>Validates each consumer's <see cref="StockChangeDispatcherOptions"/> at start-up.</summary>
internal sealed class StockChangeDispatcherOptionsValidator : IValidateOptions<StockChangeDispatcherOptions>
{
    public ValidateOptionsResult Validate(string? name, StockChangeDispatcherOptions options)
    {
        var failures = options.Validate().ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Validates <see cref="StockLevelCacheOptions"/> at start-up.</summary>
internal sealed class StockLevelCacheOptionsValidator : IValidateOptions<StockLevelCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, StockLevelCacheOptions options)
    {
        var failures = options.Validate().ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
