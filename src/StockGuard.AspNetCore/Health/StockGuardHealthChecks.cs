namespace StockGuard.AspNetCore;

/// <summary>
/// The names and tag of StockGuard's health checks. Every StockGuard check carries <see cref="Tag"/>, so
/// <c>app.MapHealthChecks("/health/stock", new() { Predicate = c => c.Tags.Contains(StockGuardHealthChecks.Tag) })</c> serves
/// them all. A further StockGuard component (such as a change-feed dispatcher) adds its own check the same way:
/// <c>healthChecks.AddCheck&lt;TCheck&gt;("stockguard-…", tags: [StockGuardHealthChecks.Tag])</c>.
/// </summary>
public static class StockGuardHealthChecks
{
    /// <summary>The tag on every StockGuard check: <c>stockguard</c>.</summary>
    public const string Tag = "stockguard";

    /// <summary>The store answers a read: <c>stockguard-store</c>.</summary>
    public const string Store = "stockguard-store";

    /// <summary>The schema is at the version this library needs: <c>stockguard-schema</c>.</summary>
    public const string Schema = "stockguard-schema";

    /// <summary>The hold sweeper is not lagging: <c>stockguard-sweeper</c>.</summary>
    public const string Sweeper = "stockguard-sweeper";

    /// <summary>Every change-feed dispatcher of this instance reaches its lease and keeps up with the feed: <c>stockguard-change-dispatchers</c>.</summary>
    public const string ChangeDispatchers = "stockguard-change-dispatchers";
}
