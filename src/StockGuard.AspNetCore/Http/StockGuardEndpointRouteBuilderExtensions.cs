using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using StockGuard;
using StockGuard.AspNetCore;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// The two families of stock endpoints every shop has and none needs to write: catalog reads and cart holds. Each returns
/// its route group, so the shop adds authorization, rate limits or output caching there. Buy-now, receipts and corrections
/// stay the shop's own endpoints (their bodies and rights are the shop's), built with <see cref="StockResults"/> and
/// <c>WithIdempotencyKey()</c>.
/// </summary>
public static class StockGuardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>GET {prefix}/{key}</c> (one level, with <c>ETag</c> from its version and 304 on <c>If-None-Match</c>; the key is
    /// <c>SKU</c> or <c>SKU@location</c>, URL-encoded) and <c>GET {prefix}?key=A&amp;key=B@berlin</c> (the levels of the items
    /// that exist, in the order asked).
    /// </summary>
    /// <param name="endpoints">The app or a group.</param>
    /// <param name="prefix">The route prefix. Default: <c>/stock/levels</c>.</param>
    /// <returns>The group of the mapped endpoints.</returns>
    public static RouteGroupBuilder MapStockLevels(this IEndpointRouteBuilder endpoints, string prefix = "/stock/levels")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup(prefix);
        group.MapGet("/{key}", async (string key, IStockStore stock, CancellationToken cancellationToken) =>
        {
            var stockKey = StockHttp.ParseKey(key);
            return StockResults.Level(stockKey, await stock.GetLevelAsync(stockKey, cancellationToken).ConfigureAwait(false));
        });
        group.MapGet("/", async ([Microsoft.AspNetCore.Mvc.FromQuery(Name = "key")] string[] keys, IStockStore stock, CancellationToken cancellationToken) =>
            TypedResults.Ok(await stock.GetLevelsAsync(keys.Select(StockHttp.ParseKey).ToList(), cancellationToken).ConfigureAwait(false)));
        return group;
    }

    /// <summary>
    /// Maps the cart-hold endpoints under <paramref name="prefix"/>: <c>POST /</c> (a <see cref="StockHoldRequest"/>; 201 with
    /// the hold and its <c>Location</c>, 409 with the short lines; an optional <c>Idempotency-Key</c>), <c>GET /{id}</c>,
    /// <c>POST /{id}/confirm</c> (409 when the hold expired: nothing sold), <c>POST /{id}/release</c> and
    /// <c>POST /{id}/extend</c> (a <see cref="StockHoldExtension"/>). Unknown holds are 404, a hold in the wrong state 409.
    /// </summary>
    /// <param name="endpoints">The app or a group.</param>
    /// <param name="prefix">The route prefix. Default: <c>/stock/holds</c>.</param>
    /// <returns>The group of the mapped endpoints.</returns>
    public static RouteGroupBuilder MapStockHolds(this IEndpointRouteBuilder endpoints, string prefix = "/stock/holds")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup(prefix);
        group.MapPost("/", async (StockHoldRequest body, HttpContext http, IStockStore stock, CancellationToken cancellationToken) =>
        {
            ArgumentNullException.ThrowIfNull(body);
            var request = new ReserveRequest(body.TimeToLive, body.Lines ?? []) { Reference = body.Reference, IdempotencyKey = http.GetIdempotencyKey() };
            var result = await stock.ReserveAsync(request, cancellationToken).ConfigureAwait(false);
            var path = http.Request.Path.Value?.TrimEnd('/') ?? string.Empty;
            return StockResults.Reserved(result, id => $"{http.Request.PathBase}{path}/{id}");
        }).WithIdempotencyKey(required: false);
        group.MapGet("/{id:guid}", async (Guid id, IStockStore stock, CancellationToken cancellationToken) =>
            StockResults.Hold(id, await stock.GetHoldAsync(id, cancellationToken).ConfigureAwait(false)));
        group.MapPost("/{id:guid}/confirm", async (Guid id, IStockStore stock, CancellationToken cancellationToken) =>
            StockResults.Hold(await stock.ConfirmAsync(id, cancellationToken).ConfigureAwait(false)));
        group.MapPost("/{id:guid}/release", async (Guid id, IStockStore stock, CancellationToken cancellationToken) =>
            TypedResults.Ok(await stock.ReleaseAsync(id, cancellationToken).ConfigureAwait(false)));
        group.MapPost("/{id:guid}/extend", async (Guid id, StockHoldExtension body, IStockStore stock, CancellationToken cancellationToken) =>
        {
            ArgumentNullException.ThrowIfNull(body);
            return StockResults.Hold(await stock.ExtendAsync(id, body.TimeToLive, cancellationToken).ConfigureAwait(false));
        });
        return group;
    }
}
