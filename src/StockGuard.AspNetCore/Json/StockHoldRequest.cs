namespace StockGuard.AspNetCore;

/// <summary>The body of <c>POST …/holds</c>: the cart's lines and how long to hold them.</summary>
/// <param name="Lines">The lines, e.g. <c>[{"key":"TSHIRT-M","quantity":2}]</c>; a key is <c>"SKU"</c> or <c>"SKU@location"</c>.</param>
/// <param name="TimeToLive">How long the hold lives unless confirmed, released or extended, e.g. <c>"00:10:00"</c>.</param>
/// <param name="Reference">Written to the movement ledger (a cart or order id); optional.</param>
public sealed record StockHoldRequest(IReadOnlyList<StockLine> Lines, TimeSpan TimeToLive, string? Reference = null);
