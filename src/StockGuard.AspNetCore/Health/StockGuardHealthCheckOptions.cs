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
}
