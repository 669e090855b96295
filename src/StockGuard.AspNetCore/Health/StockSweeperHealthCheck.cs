using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StockGuard.DependencyInjection;

namespace StockGuard.AspNetCore;

/// <summary>
/// The hold sweeper is not lagging: a sweep succeeded within <see cref="StockGuardHealthCheckOptions.SweeperMissedIntervals"/>
/// intervals. Buyers never wait on a lagging sweeper (an expired hold never blocks one), but stored reserved counts and the
/// availability that reads report stay understated until it catches up.
/// </summary>
internal sealed class StockSweeperHealthCheck(
    StockSweepStatus status, IOptions<StockGuardOptions> sweeper, IOptions<StockGuardHealthCheckOptions> options, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!sweeper.Value.EnableSweeper)
        {
            return Task.FromResult(HealthCheckResult.Healthy("The hold sweeper is disabled (StockGuardOptions.EnableSweeper)."));
        }

        if (status.StartedAt is not { } started)
        {
            return Task.FromResult(HealthCheckResult.Degraded("The hold sweeper has not started."));
        }

        var interval = sweeper.Value.SweepInterval;
        var since = status.LastSuccessAt ?? started;
        var lag = time.GetUtcNow() - since;
        var allowed = interval * options.Value.SweeperMissedIntervals;
        var data = new Dictionary<string, object>
        {
            ["sinceLastSuccessSeconds"] = lag.TotalSeconds,
            ["intervalSeconds"] = interval.TotalSeconds,
            ["consecutiveFailures"] = status.ConsecutiveFailures,
        };
        var failure = status.LastFailure is { } message ? $" Last failure: {message}" : string.Empty;
        if (lag > allowed)
        {
            var what = status.LastSuccessAt is null ? "No sweep has succeeded since the sweeper started" : "No sweep has succeeded";
            return Task.FromResult(new HealthCheckResult(
                context.Registration.FailureStatus, $"{what} {lag.TotalSeconds:F0} s ago; it sweeps every {interval.TotalSeconds:F1} s.{failure}", data: data));
        }

        return Task.FromResult(status.ConsecutiveFailures > 0
            ? HealthCheckResult.Degraded($"The last {status.ConsecutiveFailures} sweep(s) failed; the last success was {lag.TotalSeconds:F0} s ago.{failure}", data: data)
            : HealthCheckResult.Healthy($"The last sweep succeeded {lag.TotalSeconds:F0} s ago.", data));
    }
}
