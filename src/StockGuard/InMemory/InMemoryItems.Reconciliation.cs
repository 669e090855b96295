namespace StockGuard.InMemory;

/// <summary>The items' side of reconciliation: pages in key order and physical counts.</summary>
internal sealed partial class InMemoryItems
{
    /// <summary>
    /// The items of a reconciliation request: those named (each must exist), or the page after <c>After</c> in key order.
    /// The second element is where the next page starts, if any.
    /// </summary>
    public (List<InMemoryItem> Items, StockKey? NextAfter) Select(ReconciliationRequest request)
    {
        if (request.Keys is { } keys)
        {
            return ([.. keys.Select(k => Find(k, create: false))], null);
        }

        // The dictionary keeps no order: the page is chosen from a sorted copy of the keys, which is what memory costs here.
        var after = request.After;
        var page = _items.Keys.Where(k => after is not { } a || k.CompareTo(a) > 0).Order().Take(request.PageSize + 1).ToList();
        var more = page.Count > request.PageSize;
        if (more)
        {
            page.RemoveAt(page.Count - 1);
        }

        var items = page.Select(k => _items[k]).ToList();
        return (items, more ? page[^1] : (StockKey?)null);
    }

    public StockChangeResult Count(PhysicalCountRequest request)
    {
        var item = Find(request.Key, create: false);
        lock (item)
        {
            item.Prune(_time.GetUtcNow());
            if (request.ExpectedVersion is { } expected && item.Version != expected)
            {
                throw new StockVersionConflictException(item.Key, expected, item.Version);
            }

            var delta = request.CountedOnHand - item.OnHand;
            if (delta == 0)
            {
                return StockChangeResult.Applied([item.Snapshot()]);
            }

            if (delta < 0 && item.Sellable < -delta)
            {
                Diagnostics.StockGuardTelemetry.RecordRefused(InMemoryStockStore.StoreName, StockOperation.Count);
                return StockChangeResult.Refused([item.Snapshot()], [new ShortLine(item.Key, (int)Math.Min(-delta, int.MaxValue), item.Sellable)]);
            }

            item.OnHand = request.CountedOnHand;
            item.LedgerAdjusted += delta;
            item.Version++;
            return StockChangeResult.Applied([item.Snapshot()]);
        }
    }
}
