using System.ComponentModel.DataAnnotations;

namespace StockGuard.AspNetCore;

/// <summary>Settings of StockGuard's health checks.</summary>
public sealed class StockGuardHealthCheckOptions
{
    /// <summary>
    /// How many sweep intervals may pass without a successful sweep before the sweeper check is unhealthy (one failed sweep
    /// within that is degraded). Default: 3. Range: 1 to 1000.
    /// </summary>
    [Range(1, 1000)]
    public int SweeperMissedIntervals { get; set; } = 3;

    /// <summary>The SKU the store check reads (it need not exist). Default: <c>stockguard-health-probe</c>.</summary>
    [Required]
    public string ProbeSku { get; set; } = "stockguard-health-probe";

    /// <summary>
    /// How long changes may wait for a dispatcher that holds its consumer's lease, and how long a dispatcher may go without
    /// an answer from the store about its lease, before the change-dispatcher check is unhealthy. Default: 1 minute.
    /// Range: 1 second to 1 day.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ChangeDispatcherMaxLag { get; set; } = TimeSpan.FromMinutes(1);
}
