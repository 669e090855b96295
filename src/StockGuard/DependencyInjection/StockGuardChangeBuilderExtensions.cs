using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StockGuard;
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
    /// instance that registers the same name runs a dispatcher; one at a time delivers. The handler is a singleton.
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
        services.AddSingleton<IHostedService>(sp => new StockChangeDispatcherService(new StockChangeDispatcher(
            consumer,
            sp.GetRequiredKeyedService<IStockChangeHandler>(consumer),
            sp.GetRequiredService<IStockChangeFeed>(),
            sp.GetRequiredService<IStockChangeConsumerStore>(),
            sp.GetRequiredService<IOptionsMonitor<StockChangeDispatcherOptions>>().Get(consumer),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<StockChangeDispatcher>>())));
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
            var other => throw new InvalidOperationException($"The registered {nameof(IStockStore)} ({other.GetType().Name}) keeps no change consumers: it does not implement {nameof(IStockChangeConsumerStore)}. Register one yourself, or use a StockGuard store."),
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
