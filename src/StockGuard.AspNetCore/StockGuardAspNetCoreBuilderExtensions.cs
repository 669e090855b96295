using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StockGuard.AspNetCore;
using StockGuard.DependencyInjection;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers StockGuard's ASP.NET Core integration.</summary>
public static class StockGuardAspNetCoreBuilderExtensions
{
    /// <summary>
    /// Answers StockGuard's exceptions with RFC 9457 problem details (an <c>IExceptionHandler</c> over
    /// <c>IProblemDetailsService</c>: call <c>app.UseExceptionHandler()</c>), puts <see cref="StockGuardJson.Resolver"/> first in
    /// the HTTP JSON options, and registers what <c>WithIdempotencyKey()</c> needs. Options are validated at start-up.
    /// </summary>
    /// <param name="builder">The builder <c>AddStockGuard</c> returned.</param>
    /// <param name="configure">Sets <see cref="StockGuardHttpOptions"/>; optional.</param>
    /// <returns>The builder.</returns>
    public static IStockGuardBuilder AddAspNetCore(this IStockGuardBuilder builder, Action<StockGuardHttpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<StockGuardHttpOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddProblemDetails();
        if (!services.Any(d => d.ServiceType == typeof(Microsoft.AspNetCore.Diagnostics.IExceptionHandler) && d.ImplementationType == typeof(StockGuardExceptionHandler)))
        {
            services.AddExceptionHandler<StockGuardExceptionHandler>();
        }

        services.TryAddSingleton<IdempotencyKeysInFlight>();
        services.Configure<JsonOptions>(json =>
        {
            if (!json.SerializerOptions.TypeInfoResolverChain.Contains(StockGuardJson.Resolver))
            {
                json.SerializerOptions.TypeInfoResolverChain.Insert(0, StockGuardJson.Resolver);
            }
        });
        return builder;
    }
}
