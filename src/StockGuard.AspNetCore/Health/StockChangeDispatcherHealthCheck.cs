using System.Globalization;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StockGuard.Changes;

namespace StockGuard.AspNetCore;

/// <summary>
/// Every change handler registered in this instance has a dispatcher that keeps up: one holding its consumer's lease has
/// not let changes wait longer than <see cref="StockGuardHealthCheckOptions.ChangeDispatcherMaxLag"/> (a handler stuck in
/// retries, a backlog it cannot work off), and every dispatcher on standby has heard from the store about its lease
/// within that time. A dispatcher that is not active asks for the lease every poll interval and takes it when it is free, so one that
/// cannot reach the store means the lease may be held by nobody and the consumer's changes wait.
/// </summary>
internal sealed class StockChangeDispatcherHealthCheck(
    IEnumerable<StockChangeDispatcher> dispatchers, IOptions<StockGuardHealthCheckOptions> options, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var all = dispatchers.ToList();
        if (all.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy("No change handlers are registered."));
        }

        var maxLag = options.Value.ChangeDispatcherMaxLag;
        var now = time.GetUtcNow();
        var problems = new StringBuilder();
        var starting = new List<string>();
        var data = new Dictionary<string, object>();
        foreach (var dispatcher in all)
        {
            var consumer = dispatcher.Consumer;
            if (dispatcher.StartedAt is not { } started)
            {
                starting.Add(consumer);
                data[consumer] = "not started";
                continue;
            }

            var heard = now - (dispatcher.LeaseCheckedAt ?? started);
            var waiting = dispatcher.IsActive && dispatcher.PendingSince is { } pending ? now - pending : TimeSpan.Zero;
            data[consumer] = string.Create(CultureInfo.InvariantCulture, $"{(dispatcher.IsActive ? "active" : "standby")}, changes waiting {waiting.TotalSeconds:F0} s, lease checked {heard.TotalSeconds:F0} s ago");
            // An active dispatcher talks to the store between handler calls only; its lag is what counts.
            if (!dispatcher.IsActive && heard > maxLag)
            {
                problems.Append(CultureInfo.InvariantCulture, $"Change consumer '{consumer}': the store has not answered about its lease for {heard.TotalSeconds:F0} s; unless another instance delivers, nobody holds the lease and its changes wait. ");
            }
            else if (waiting > maxLag)
            {
                problems.Append(CultureInfo.InvariantCulture, $"Change consumer '{consumer}': changes have waited {waiting.TotalSeconds:F0} s for its handler (more than {maxLag.TotalSeconds:F0} s); it lags behind the feed. ");
            }
        }

        if (problems.Length > 0)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, problems.ToString().TrimEnd(), data: data));
        }

        return Task.FromResult(starting.Count > 0
            ? HealthCheckResult.Degraded($"Change dispatchers not started yet: {string.Join(", ", starting)}.", data: data)
            : HealthCheckResult.Healthy($"{all.Count} change dispatcher(s) keep up.", data));
    }
}
