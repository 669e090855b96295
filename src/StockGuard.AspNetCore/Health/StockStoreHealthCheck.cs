using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace StockGuard.AspNetCore;

/// <summary>The store answers: one level read, timed.</summary>
internal sealed class StockStoreHealthCheck(IStockStore store, IOptions<StockGuardHealthCheckOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await store.GetLevelAsync(new StockKey(options.Value.ProbeSku), cancellationToken).ConfigureAwait(false);
        }
        catch (StockGuardException ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The stock store did not answer: {ex.Message}", ex);
        }

        var data = new Dictionary<string, object> { ["elapsedMs"] = watch.Elapsed.TotalMilliseconds };
        return HealthCheckResult.Healthy($"The stock store answered in {watch.Elapsed.TotalMilliseconds:F0} ms.", data);
    }
}
