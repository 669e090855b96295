namespace StockGuard.AspNetCore;

/// <summary>The body of <c>POST …/holds/{id}/extend</c>.</summary>
/// <param name="TimeToLive">The new time-to-live, counted from now, e.g. <c>"00:05:00"</c>.</param>
public sealed record StockHoldExtension(TimeSpan TimeToLive);
