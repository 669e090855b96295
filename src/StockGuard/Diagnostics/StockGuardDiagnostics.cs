namespace StockGuard.Diagnostics;

/// <summary>
/// The names under which StockGuard publishes telemetry: subscribe with
/// <c>.AddMeter(StockGuardDiagnostics.MeterName)</c> and <c>.AddSource(StockGuardDiagnostics.ActivitySourceName)</c>.
/// </summary>
/// <remarks>
/// Instruments: <c>stockguard.units.sold</c>, <c>stockguard.requests.refused</c>, <c>stockguard.conflicts</c>,
/// <c>stockguard.retries</c>, <c>stockguard.holds.expired</c>, <c>stockguard.changes.delivered</c>,
/// <c>stockguard.changes.retried</c>, <c>stockguard.changes.parked</c> (counters, the last three tagged with <c>stockguard.consumer</c>) and <c>stockguard.operation.duration</c>
/// (histogram, seconds), tagged with <c>stockguard.store</c>, <c>stockguard.operation</c> and <c>stockguard.outcome</c>.
/// </remarks>
public static class StockGuardDiagnostics
{
    /// <summary>The name of StockGuard's <see cref="System.Diagnostics.Metrics.Meter"/>: <c>StockGuard</c>.</summary>
    public const string MeterName = "StockGuard";

    /// <summary>The name of StockGuard's <see cref="System.Diagnostics.ActivitySource"/>: <c>StockGuard</c>.</summary>
    public const string ActivitySourceName = "StockGuard";
}
