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
    /// Maps <c>GET {pattern}</c> (the pattern has a <c>{key}</c> parameter: <c>SKU</c> or <c>SKU@location</c>, URL-encoded), a
    /// Server-Sent Events stream of one item's level: first the level now, then the level after each change of the item,
    /// one <c>data:</c> event each (the level's JSON, as <c>GET /stock/levels/{key}</c> answers it) whose <c>id:</c> is the
    /// change's feed position; a comment line every <see cref="StockGuardHttpOptions.StreamHeartbeat"/> while nothing
    /// happens. A client that reconnects with <c>Last-Event-ID</c> gets the changes after that position only (no first
    /// level); an unknown item is 404, a <c>Last-Event-ID</c> that is not a position 400. The stream follows the store's
    /// change feed, woken as change dispatchers are, and ends when the client goes away.
    /// </summary>
    /// <param name="endpoints">The app or a group.</param>
    /// <param name="pattern">The route pattern, with a <c>{key}</c> parameter. Default: <c>/stock/levels/{key}/events</c>.</param>
    /// <returns>The endpoint's builder, for authorization or rate limits.</returns>
    /// <exception cref="ArgumentException"><paramref name="pattern"/> has no <c>{key}</c> parameter.</exception>
    public static RouteHandlerBuilder MapStockLevelStream(this IEndpointRouteBuilder endpoints, string pattern = "/stock/levels/{key}/events")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        if (!pattern.Contains("{key}", StringComparison.Ordinal))
        {
            throw new ArgumentException($"The pattern '{pattern}' has no {{key}} parameter.", nameof(pattern));
        }

        return endpoints.MapGet(pattern, async (string key, HttpContext http, CancellationToken cancellationToken) =>
            await StockLevelStream.StartAsync(http, [key], single: true, cancellationToken).ConfigureAwait(false) ?? Results.Empty);
    }

    /// <summary>
    /// Maps <c>GET {pattern}?key=A&amp;key=B@berlin</c>, one Server-Sent Events stream of the levels of up to 100 items, for a
    /// catalog page (a browser keeps at most six HTTP/1.1 connections to a site: one stream per item would take them all).
    /// As <see cref="MapStockLevelStream"/>: first the level now of each item that exists (all with the same <c>id:</c>),
    /// then the level after each change of one of them, resumed after <c>Last-Event-ID</c>. No key, or more than 100, is 400.
    /// </summary>
    /// <param name="endpoints">The app or a group.</param>
    /// <param name="pattern">The route pattern. Default: <c>/stock/events</c>.</param>
    /// <returns>The endpoint's builder, for authorization or rate limits.</returns>
    public static RouteHandlerBuilder MapStockLevelsStream(this IEndpointRouteBuilder endpoints, string pattern = "/stock/events")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        return endpoints.MapGet(pattern, async ([Microsoft.AspNetCore.Mvc.FromQuery(Name = "key")] string[] keys, HttpContext http, CancellationToken cancellationToken) =>
            await StockLevelStream.StartAsync(http, keys, single: false, cancellationToken).ConfigureAwait(false) ?? Results.Empty);
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
