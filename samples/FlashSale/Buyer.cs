using StockGuard;

namespace FlashSale;

/// <summary>One buyer's visit: buy now, or hold then pay then confirm, or hold and walk away.</summary>
internal static class Buyer
{
    public static async Task ShopAsync(IStockStore store, StockKey[] skus, string buyer, TimeSpan holdTimeToLive, SaleTally tally, CancellationToken ct)
    {
        try
        {
            await VisitAsync(store, skus, buyer, holdTimeToLive, tally, ct);
        }
        catch (Exception ex) when (ex is ConcurrencyConflictException or StockStoreBusyException)
        {
            // The store was too contended to decide in time and changed nothing: a shop asks the buyer to try again.
            tally.GaveUp();
        }
    }

    private static async Task VisitAsync(IStockStore store, StockKey[] skus, string buyer, TimeSpan holdTimeToLive, SaleTally tally, CancellationToken ct)
    {
        var random = new Random(buyer.GetHashCode(StringComparison.Ordinal));
        var hot = skus[0];
        var lines = random.Next(4) == 0
            ? new[] { new StockLine(hot, 1), new StockLine(skus[1 + random.Next(skus.Length - 1)], 1 + random.Next(2)) }
            : [new StockLine(hot, 1 + random.Next(2))];

        switch (random.Next(10))
        {
            case < 6:
                // Buy now, with an idempotency key so that a retried click cannot buy twice.
                var order = $"order-{buyer}";
                tally.Called();
                var bought = await store.DeductAsync(new DeductRequest(lines) { IdempotencyKey = order, Reference = order }, ct);
                if (bought.Succeeded)
                {
                    tally.Sold(lines);
                }
                else
                {
                    tally.Refused();
                }

                break;

            case < 9:
                // Cart → payment → confirm. A payment slower than the hold loses the hold, truthfully.
                tally.Called();
                var held = await store.ReserveAsync(new ReserveRequest(holdTimeToLive, lines) { Reference = $"cart-{buyer}" }, ct);
                if (!held.Succeeded)
                {
                    tally.Refused();
                    break;
                }

                await Task.Yield(); // the payment provider's round trip
                tally.Called();
                var confirmed = await store.ConfirmAsync(held.Hold!.Id, ct);
                if (confirmed.Outcome == HoldOutcome.Confirmed)
                {
                    tally.Sold(lines);
                }
                else
                {
                    tally.Expired();
                }

                break;

            default:
                // The buyer holds stock and walks away; the hold expires.
                tally.Called();
                var abandoned = await store.ReserveAsync(new ReserveRequest(holdTimeToLive, lines) { Reference = $"cart-{buyer}" }, ct);
                if (abandoned.Succeeded)
                {
                    tally.Abandoned();
                }
                else
                {
                    tally.Refused();
                }

                break;
        }
    }
}
