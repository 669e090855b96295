using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StockGuard.DependencyInjection;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Start-up options of the StockGuard builder.</summary>
public static class StockGuardBuilderExtensions
{
    private static readonly Func<IServiceProvider, object> StartupService = static sp => sp.GetRequiredService<StockSchemaStartup>();

    /// <summary>
    /// Creates the store's schema while the host starts (<see cref="StockGuard.IStockSchema.EnsureSchemaAsync"/>: tables and
    /// indexes if missing, safe from several processes at once), before hosted services start and before a web server takes
    /// requests. The store is built then too, so a bad connection string or option stops the host at once. A store without a
    /// schema (in memory) only gets built. Options are validated at start-up either way.
    /// </summary>
    /// <param name="builder">The builder <c>AddStockGuard</c> returned.</param>
    /// <returns>The builder.</returns>
    public static IStockGuardBuilder EnsureSchemaOnStartup(this IStockGuardBuilder builder) => AddSchemaStartup(builder, create: true);

    /// <summary>
    /// Like <see cref="EnsureSchemaOnStartup"/>, but creates nothing: the host does not start unless the schema is at the
    /// version this library needs or a newer one. For databases whose schema a DBA applies from the package's <c>sql/</c> script (set
    /// the store's <c>AutoCreateSchema</c> to <see langword="false"/> too).
    /// </summary>
    /// <param name="builder">The builder <c>AddStockGuard</c> returned.</param>
    /// <returns>The builder.</returns>
    public static IStockGuardBuilder VerifySchemaOnStartup(this IStockGuardBuilder builder) => AddSchemaStartup(builder, create: false);

    private static IStockGuardBuilder AddSchemaStartup(IStockGuardBuilder builder, bool create)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<StockSchemaStartup>();
        builder.Services.AddSingleton(sp => new StockSchemaStartup(sp, create, sp.GetService<ILogger<StockSchemaStartup>>() ?? NullLogger<StockSchemaStartup>.Instance));

        // Registered ahead of every other hosted service, so the schema exists before the sweeper's first tick.
        if (!builder.Services.Any(d => d.ServiceType == typeof(IHostedService) && ReferenceEquals(d.ImplementationFactory, StartupService)))
        {
            builder.Services.Insert(0, ServiceDescriptor.Singleton(typeof(IHostedService), StartupService));
        }

        return builder;
    }
}
