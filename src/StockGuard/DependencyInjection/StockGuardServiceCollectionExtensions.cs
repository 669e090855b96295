using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StockGuard;
using StockGuard.Changes;
using StockGuard.DependencyInjection;
using StockGuard.InMemory;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers StockGuard in a service collection.</summary>
public static class StockGuardServiceCollectionExtensions
{
    /// <summary>
    /// Registers StockGuard's shared services: <see cref="TimeProvider"/> (unless one is registered), option
    /// validation at start-up, the hosted sweeper of expired holds, and the registered store itself as
    /// <see cref="IStockReconciler"/>, <see cref="IStockChangeFeed"/> and <see cref="IStockAllocator"/> (every StockGuard store but the Redis store is all three). Chain a store:
    /// <c>.UseInMemory()</c>, <c>.UseSqlite(…)</c>, <c>.UsePostgreSql(…)</c>, <c>.UseMySql(…)</c>, <c>.UseRedis(…)</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets <see cref="StockGuardOptions"/>; optional.</param>
    /// <returns>A builder that store packages extend.</returns>
    public static IStockGuardBuilder AddStockGuard(this IServiceCollection services, Action<StockGuardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<StockGuardOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StockSweepStatus>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StockGuardOptions>, StockGuardOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StockSweeper>());
        services.TryAddSingleton<IStockReconciler>(static sp =>
        {
            var store = sp.GetRequiredService<IStockStore>();
            return store as IStockReconciler ?? throw new InvalidOperationException(
                $"The registered store ({store.GetType().Name}) does not implement IStockReconciler, so it cannot verify or repair its counters.");
        });
        services.TryAddSingleton<IStockChangeFeed>(static sp => sp.GetRequiredService<IStockStore>() as IStockChangeFeed
            ?? throw new InvalidOperationException($"The registered {nameof(IStockStore)} ({sp.GetRequiredService<IStockStore>().GetType().Name}) has no change feed: it does not implement {nameof(IStockChangeFeed)}. Register one yourself, or use a StockGuard SQL or in-memory store (the Redis store has none)."));

        // Every store allocates over locations; the allocator is the registered store itself.
        services.TryAddSingleton(static sp => sp.GetRequiredService<IStockStore>() as IStockAllocator
            ?? throw new InvalidOperationException($"The registered {sp.GetRequiredService<IStockStore>().GetType().Name} does not implement IStockAllocator."));

        // Every store records backorders; their reader is the registered store itself.
        services.TryAddSingleton(static sp => sp.GetRequiredService<IStockStore>() as IStockBackorders
            ?? throw new InvalidOperationException($"The registered {sp.GetRequiredService<IStockStore>().GetType().Name} does not implement IStockBackorders."));

        // Every store keeps waitlists; the waitlist is the registered store itself.
        services.TryAddSingleton(static sp => sp.GetRequiredService<IStockStore>() as IStockWaitlist
            ?? throw new InvalidOperationException($"The registered {sp.GetRequiredService<IStockStore>().GetType().Name} does not implement IStockWaitlist."));
        return new StockGuardBuilder(services);
    }

    /// <summary>Uses the <see cref="InMemoryStockStore"/>: for tests, benchmarks and single-process apps. Replaces any store registered before.</summary>
    /// <param name="builder">The StockGuard builder.</param>
    /// <param name="configure">Sets <see cref="InMemoryStockStoreOptions"/>; optional.</param>
    /// <returns>The builder.</returns>
    public static IStockGuardBuilder UseInMemory(this IStockGuardBuilder builder, Action<InMemoryStockStoreOptions>? configure = null) =>
        builder.UseStore(configure, static (sp, options) => new InMemoryStockStore(options, sp.GetService<TimeProvider>(), sp.GetService<ILogger<InMemoryStockStore>>()));

    /// <summary>
    /// Registers a store as the singleton <see cref="IStockStore"/>, with its options validated at start-up, in place of
    /// any store (and its <see cref="IStockSchema"/>) registered before. Store packages build their <c>Use…</c> methods on this.
    /// </summary>
    /// <typeparam name="TOptions">The store's options.</typeparam>
    /// <param name="builder">The StockGuard builder.</param>
    /// <param name="configure">Sets the options; optional.</param>
    /// <param name="factory">Creates the store from the service provider and the validated options.</param>
    /// <returns>The builder.</returns>
    public static IStockGuardBuilder UseStore<TOptions>(this IStockGuardBuilder builder, Action<TOptions>? configure, Func<IServiceProvider, TOptions, IStockStore> factory)
        where TOptions : StockStoreOptions
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        var options = builder.Services.AddOptions<TOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, StockStoreOptionsValidator<TOptions>>());
        builder.Services.RemoveAll<IStockStore>();
        builder.Services.RemoveAll<IStockSchema>();   // the schema of a store registered before, if it had one
        builder.Services.AddSingleton(sp => factory(sp, sp.GetRequiredService<IOptions<TOptions>>().Value));
        return builder;
    }
}
