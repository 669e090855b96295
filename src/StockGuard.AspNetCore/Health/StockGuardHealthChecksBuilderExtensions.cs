using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StockGuard.DependencyInjection;
using StockGuard.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds StockGuard's health checks.</summary>
public static class StockGuardHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds four checks, each tagged <see cref="StockGuardHealthChecks.Tag"/>: <see cref="StockGuardHealthChecks.Store"/> (the
    /// store answers a read), <see cref="StockGuardHealthChecks.Schema"/> (the schema is at the version this library needs; read,
    /// never created), <see cref="StockGuardHealthChecks.Sweeper"/> (a sweep of expired holds succeeded lately) and
    /// <see cref="StockGuardHealthChecks.ChangeDispatchers"/> (every change handler's dispatcher reaches its lease and keeps up).
    /// </summary>
    /// <param name="builder">The health checks builder (<c>services.AddHealthChecks()</c>).</param>
    /// <param name="configure">Sets <see cref="StockGuardHealthCheckOptions"/>; optional.</param>
    /// <param name="failureStatus">What a failing check reports. Default: <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">More tags for the four checks (e.g. <c>ready</c>); optional.</param>
    /// <returns>The builder, for more checks.</returns>
    public static IHealthChecksBuilder AddStockGuard(
        this IHealthChecksBuilder builder, Action<StockGuardHealthCheckOptions>? configure = null, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<StockGuardHealthCheckOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<StockSweepStatus>();
        string[] allTags = [StockGuardHealthChecks.Tag, .. tags ?? []];
        return builder
            .AddCheck<StockStoreHealthCheck>(StockGuardHealthChecks.Store, failureStatus, allTags)
            .AddCheck<StockSchemaHealthCheck>(StockGuardHealthChecks.Schema, failureStatus, allTags)
            .AddCheck<StockSweeperHealthCheck>(StockGuardHealthChecks.Sweeper, failureStatus, allTags)
            .AddCheck<StockChangeDispatcherHealthCheck>(StockGuardHealthChecks.ChangeDispatchers, failureStatus, allTags);
    }
}
