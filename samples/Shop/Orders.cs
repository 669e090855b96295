using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace Shop;

/// <summary>How an order was paid.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OrderKind>))]
internal enum OrderKind
{
    /// <summary>Held in a cart, paid by card, then confirmed.</summary>
    Checkout,

    /// <summary>Bought at once, paid on invoice.</summary>
    BuyNow,
}

/// <summary>A sale, as the shop's back office sees it.</summary>
internal sealed record Order(string Id, OrderKind Kind, IReadOnlyList<OrderLine> Lines, long TotalCents, DateTimeOffset PlacedAt);

/// <summary>A line of an order.</summary>
internal sealed record OrderLine(string Sku, string Name, int Quantity, long PriceCents);

/// <summary>The orders of this shop process, newest first (a real shop keeps them in its database).</summary>
internal sealed class OrderBook
{
    private readonly ConcurrentDictionary<string, Order> _orders = new(StringComparer.Ordinal);

    /// <summary>Adds <paramref name="order"/>, or returns the order already recorded under its id.</summary>
    public Order Add(Order order) => _orders.GetOrAdd(order.Id, order);

    public IReadOnlyList<Order> Recent(int count) => [.. _orders.Values.OrderByDescending(o => o.PlacedAt).ThenBy(o => o.Id, StringComparer.Ordinal).Take(count)];
}
