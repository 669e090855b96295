using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace StockGuard.AspNetCore;

/// <summary>The schema is at the version this library needs; read, never created.</summary>
internal sealed class StockSchemaHealthCheck(IStockSchema? schema = null) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (schema is null)
        {
            return HealthCheckResult.Healthy("The stock store keeps no schema.");
        }

        int? version;
        try
        {
            version = await schema.GetSchemaVersionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (StockGuardException ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The stock schema's version could not be read: {ex.Message}", ex);
        }

        var data = new Dictionary<string, object> { ["requiredVersion"] = schema.RequiredVersion };
        if (version is { } v)
        {
            data["version"] = v;
        }

        return version >= schema.RequiredVersion
            ? HealthCheckResult.Healthy(
                version == schema.RequiredVersion
                    ? string.Create(CultureInfo.InvariantCulture, $"The stock schema is at version {version}.")
                    : string.Create(CultureInfo.InvariantCulture, $"The stock schema is at version {version}, newer than this library's {schema.RequiredVersion}, which it keeps serving."),
                data)
            : new HealthCheckResult(
                context.Registration.FailureStatus,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"The stock schema is at version {(version is null ? "none (not created)" : version)}; this library needs version {schema.RequiredVersion}. Use EnsureSchemaOnStartup() or apply the store package's sql/ script."),
                data: data);
    }
}
