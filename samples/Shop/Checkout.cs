using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using StockGuard;

namespace Shop;

/// <summary>How a checkout ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CheckoutOutcome>))]
internal enum CheckoutOutcome
{
    /// <summary>Paid and sold: every hold of the cart was confirmed.</summary>
    Paid,

    /// <summary>Paid for what was still held: some holds expired before the payment arrived and were not charged.</summary>
    PartlyPaid,

    /// <summary>The provider declined the card. The holds are kept until they expire, so the buyer can try again.</summary>
    Declined,

    /// <summary>The payment arrived after every hold had expired: nothing was sold and the payment was voided.</summary>
    TooLate,

    /// <summary>Some holds had expired before the payment started: nothing was charged; the live holds are kept.</summary>
    HoldsExpired,
}

/// <summary>What a checkout did.</summary>
internal sealed record CheckoutResult(CheckoutOutcome Outcome, Order? Order, IReadOnlyList<Guid> ExpiredHolds, long ChargedCents, long VoidedCents);

/// <summary>
/// The checkout of a cart of holds: extend the holds over the payment window (so no hold runs out while the card is
/// charged, and a hold that already ran out stops the checkout before any money moves), authorise the payment,
/// confirm the holds, and capture only what was sold. A hold that a late payment finds expired is not sold:
/// <see cref="IStockStore.ConfirmAsync"/> says <see cref="HoldOutcome.Expired"/> and the shop gives that money back.
/// No stock lock is held while the payment is in flight; the holds keep the units.
/// </summary>
internal sealed class Checkout(IStockStore store, PaymentGateway payments, Catalog catalog, OrderBook orders, IOptions<ShopOptions> options, TimeProvider time)
{
    // A double click on "Pay" joins the checkout already running for the same holds instead of charging twice.
    private readonly ConcurrentDictionary<string, Lazy<Task<CheckoutResult>>> _running = new(StringComparer.Ordinal);

    public async Task<CheckoutResult> RunAsync(IReadOnlyCollection<Guid> holdIds, CancellationToken cancellationToken)
    {
        var holds = holdIds.Distinct().Order().ToArray();
        var cart = string.Join(',', holds);
        var run = _running.GetOrAdd(cart, _ => new Lazy<Task<CheckoutResult>>(() => PayAsync(holds, CancellationToken.None)));
        try
        {
            return await run.Value.WaitAsync(cancellationToken);
        }
        finally
        {
            if (run.Value.IsCompleted)
            {
                _running.TryRemove(new KeyValuePair<string, Lazy<Task<CheckoutResult>>>(cart, run));
            }
        }
    }

    private async Task<CheckoutResult> PayAsync(Guid[] holdIds, CancellationToken cancellationToken)
    {
        var window = options.Value.PaymentWindow;
        var held = new List<StockHold>(holdIds.Length);
        var expired = new List<Guid>();
        foreach (var id in holdIds)
        {
            // Extended to cover the payment, never shortened: a declined card leaves the buyer the time they had.
            var hold = await store.GetHoldAsync(id, cancellationToken) ?? throw new HoldNotFoundException(id);
            var left = hold.ExpiresAt - time.GetUtcNow();
            var extended = await store.ExtendAsync(id, left > window ? left : window, cancellationToken);
            if (extended.Outcome == HoldOutcome.Expired)
            {
                expired.Add(id);
            }
            else
            {
                held.Add(extended.Hold);
            }
        }

        if (expired.Count > 0)
        {
            return new CheckoutResult(CheckoutOutcome.HoldsExpired, null, expired, 0, 0);
        }

        var amount = catalog.PriceOf(held.SelectMany(h => h.Lines));
        var payment = await payments.AuthorizeAsync(amount, held.Min(h => h.ExpiresAt), cancellationToken);
        if (payment.Answer == PaymentAnswer.Declined)
        {
            return new CheckoutResult(CheckoutOutcome.Declined, null, [], 0, 0);
        }

        // Whatever happens from here, the authorization is settled: captured for what was sold, the rest given back.
        var sold = new List<StockHold>(held.Count);
        try
        {
            foreach (var hold in held)
            {
                HoldResult confirmed;
                try
                {
                    confirmed = await store.ConfirmAsync(hold.Id, cancellationToken);
                }
                catch (Exception ex) when (ex is HoldStateException or HoldNotFoundException)
                {
                    // Released meanwhile (another tab emptied the cart) or long gone: not sold, not charged.
                    expired.Add(hold.Id);
                    continue;
                }

                if (confirmed.Outcome == HoldOutcome.Confirmed)
                {
                    sold.Add(confirmed.Hold);
                }
                else
                {
                    expired.Add(hold.Id);
                }
            }
        }
        finally
        {
            payments.Capture(payment, catalog.PriceOf(sold.SelectMany(h => h.Lines)));
        }

        var charged = catalog.PriceOf(sold.SelectMany(h => h.Lines));
        if (sold.Count == 0)
        {
            return new CheckoutResult(CheckoutOutcome.TooLate, null, expired, 0, amount);
        }

        var lines = sold.SelectMany(h => h.Lines)
            .Select(l => catalog.Get(l.Key.Sku) is var p ? new OrderLine(p.Sku, p.Name, l.Quantity, p.PriceCents) : null!)
            .ToArray();
        var order = orders.Add(new Order($"C-{sold[0].Id.ToString("N")[..8].ToUpperInvariant()}", OrderKind.Checkout, lines, charged, time.GetUtcNow()));
        return new CheckoutResult(expired.Count == 0 ? CheckoutOutcome.Paid : CheckoutOutcome.PartlyPaid, order, expired, charged, amount - charged);
    }
}
