using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using StockGuard;
using StockGuard.AspNetCore;

namespace Shop;

internal sealed record ProductView(string Sku, string Name, string Description, long PriceCents, string Colour);

internal sealed record StockView(string Sku, long Available, StockStatus Status);

internal sealed record AdminStockView(string Sku, string Name, long OnHand, long Reserved, long Available, StockStatus Status, long Version);

internal sealed record LineView(string Sku, string Name, int Quantity, long PriceCents);

internal sealed record HoldView(Guid Id, HoldState State, DateTimeOffset ExpiresAt, long RemainingMs, IReadOnlyList<LineView> Lines);

internal sealed record CartLineRequest(string Sku, int Quantity);

internal sealed record CheckoutRequest(Guid[] Holds);

internal sealed record ReceiptRequest(string Sku, int Quantity, string DeliveryNote);

internal sealed record BuyNowView(string OrderId, bool Replayed, IReadOnlyList<LineView> Lines, long TotalCents);

internal sealed record ReceiptView(string Sku, long OnHand, long Available, bool Replayed);

internal sealed record PaymentsView(long CapturedCents, long VoidedCents, IReadOnlyList<Order> Orders);

/// <summary>The shop's HTTP API, under <c>/api</c>; the pages in wwwroot call it.</summary>
internal static class ShopEndpoints
{
    private const int MaxQuantity = 10;

    public static void MapShop(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");

        api.MapGet("/config", (IOptions<ShopOptions> options) => new
        {
            PollIntervalMs = (long)options.Value.PollInterval.TotalMilliseconds,
            HoldSeconds = (long)options.Value.HoldTime.TotalSeconds,
        });

        api.MapGet("/catalog", (Catalog catalog) =>
            catalog.Products.Select(p => new ProductView(p.Sku, p.Name, p.Description, p.PriceCents, p.Colour)));

        // Polled by every open storefront: 304 while nothing changed.
        api.MapGet("/stock", async (HttpContext context, Catalog catalog, IStockStore store, IOptions<JsonOptions> json, CancellationToken ct) =>
        {
            var levels = await store.GetLevelsAsync(catalog.Keys, ct);
            var body = levels.Select(l => new StockView(l.Key.Sku, Math.Max(0, l.Available), l.Status)).ToArray();
            return StockETag.Conditional(context, body, json.Value.SerializerOptions);
        });

        // Add to cart: the units are held for the buyer at once, and come back by themselves if the cart is left.
        api.MapPost("/cart/holds", async (CartLineRequest line, Catalog catalog, IStockStore store, IOptions<ShopOptions> options, TimeProvider time, CancellationToken ct) =>
        {
            if (Invalid(line, catalog, out var product) is { } invalid)
            {
                return invalid;
            }

            var result = await store.ReserveAsync(
                new ReserveRequest(options.Value.HoldTime, new StockLine(product.Sku, line.Quantity)) { Reference = "cart" }, ct);
            return result.Hold is { } hold
                ? Results.Created($"/api/cart/holds/{hold.Id}", View(hold, catalog, time))
                : StockResults.Refused(result.ShortLines);
        });

        api.MapGet("/cart/holds/{id:guid}", async (Guid id, Catalog catalog, IStockStore store, TimeProvider time, CancellationToken ct) =>
            await store.GetHoldAsync(id, ct) is { } hold ? Results.Ok(View(hold, catalog, time)) : Results.NotFound());

        api.MapDelete("/cart/holds/{id:guid}", async (Guid id, Catalog catalog, IStockStore store, TimeProvider time, CancellationToken ct) =>
            Results.Ok(View((await store.ReleaseAsync(id, ct)).Hold, catalog, time)));

        api.MapPost("/checkout", async (CheckoutRequest request, Checkout checkout, CancellationToken ct) =>
        {
            if (request.Holds is not { Length: > 0 } holds)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The cart is empty", detail: "A checkout names at least one hold.");
            }

            var result = await checkout.RunAsync(holds, ct);
            return result.Outcome switch
            {
                CheckoutOutcome.Paid or CheckoutOutcome.PartlyPaid => Results.Ok(result),
                CheckoutOutcome.Declined => Results.Json(result, statusCode: StatusCodes.Status402PaymentRequired),
                _ => Results.Json(result, statusCode: StatusCodes.Status409Conflict),
            };
        });

        // Buy now, paid on invoice: one deduct, applied once however often the buyer's browser retries the request.
        api.MapPost("/orders", async (HttpContext context, CartLineRequest line, Catalog catalog, IStockStore store, OrderBook orders, TimeProvider time, CancellationToken ct) =>
        {
            if (Invalid(line, catalog, out var product) is { } invalid)
            {
                return invalid;
            }

            // WithIdempotencyKey() below has checked the header and keeps a second request with the same key out meanwhile.
            var key = context.GetIdempotencyKey()!;
            var orderId = $"B-{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..8]}";
            var result = await store.DeductAsync(
                new DeductRequest(new StockLine(product.Sku, line.Quantity)) { IdempotencyKey = key, Reference = orderId }, ct);
            if (!result.Succeeded)
            {
                return StockResults.Refused(result.ShortLines);
            }

            var lines = new[] { new OrderLine(product.Sku, product.Name, line.Quantity, product.PriceCents) };
            orders.Add(new Order(orderId, OrderKind.BuyNow, lines, product.PriceCents * line.Quantity, time.GetUtcNow()));
            return Results.Ok(new BuyNowView(orderId, result.IsReplay, [.. lines.Select(l => new LineView(l.Sku, l.Name, l.Quantity, l.PriceCents))], product.PriceCents * line.Quantity));
        }).WithIdempotencyKey();

        var admin = api.MapGroup("/admin");

        admin.MapGet("/stock", async (HttpContext context, Catalog catalog, IStockStore store, IOptions<JsonOptions> json, CancellationToken ct) =>
        {
            var levels = await store.GetLevelsAsync(catalog.Keys, ct);
            var body = levels.Select(l => new AdminStockView(l.Key.Sku, catalog.Get(l.Key.Sku).Name, l.OnHand, l.Reserved, l.Available, l.Status, l.Version)).ToArray();
            return StockETag.Conditional(context, body, json.Value.SerializerOptions);
        });

        // A delivery is received once per delivery note, however often the form is sent.
        admin.MapPost("/receipts", async (HttpContext context, ReceiptRequest receipt, Catalog catalog, IStockStore store, CancellationToken ct) =>
        {
            if (catalog.Find(receipt.Sku) is not { } product)
            {
                return UnknownProduct(receipt.Sku);
            }

            if (string.IsNullOrWhiteSpace(receipt.DeliveryNote))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["deliveryNote"] = ["A delivery is received against its delivery note."] });
            }

            // A quantity of 0 or less is StockGuard's to refuse: its ArgumentException becomes a 400 problem.
            var note = receipt.DeliveryNote.Trim();
            var result = await store.ReceiveAsync(
                new ReceiveRequest(new StockLine(product.Sku, receipt.Quantity))
                {
                    IdempotencyKey = context.GetIdempotencyKey() ?? $"delivery-note:{note}:{product.Sku}",
                    Reference = $"delivery note {note}",
                },
                ct);
            var level = result.Levels[0];
            return Results.Ok(new ReceiptView(product.Sku, level.OnHand, level.Available, result.IsReplay));
        }).WithIdempotencyKey(required: false);

        admin.MapGet("/orders", (OrderBook orders, PaymentGateway payments) =>
            new PaymentsView(payments.CapturedCents, payments.VoidedCents, orders.Recent(20)));
    }

    /// <summary>A problem for a line that names no product of the catalog or a quantity a cart does not take; else <see langword="null"/>.</summary>
    private static IResult? Invalid(CartLineRequest line, Catalog catalog, out Product product)
    {
        product = catalog.Find(line.Sku)!;
        if (product is null)
        {
            return UnknownProduct(line.Sku);
        }

        return line.Quantity is < 1 or > MaxQuantity
            ? Results.ValidationProblem(new Dictionary<string, string[]> { ["quantity"] = [$"A line takes 1 to {MaxQuantity} units (was {line.Quantity})."] })
            : null;
    }

    private static IResult UnknownProduct(string? sku) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown product", detail: $"The catalog has no product '{sku}'.");

    private static HoldView View(StockHold hold, Catalog catalog, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var live = hold.IsLiveAt(now);
        return new HoldView(
            hold.Id,
            hold.State == HoldState.Active && !live ? HoldState.Expired : hold.State,
            hold.ExpiresAt,
            live ? (long)(hold.ExpiresAt - now).TotalMilliseconds : 0,
            [.. hold.Lines.Select(l => catalog.Get(l.Key.Sku) is var p ? new LineView(p.Sku, p.Name, l.Quantity, p.PriceCents) : null!)]);
    }
}
