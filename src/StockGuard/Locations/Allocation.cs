namespace StockGuard;

/// <summary>The store-independent half of an allocation: the keys to lock, the policy's decision, and its checks.</summary>
internal static class Allocation
{
    /// <summary>
    /// Lets the policy choose from <paramref name="snapshot"/>; returns the parts in line and priority order, or the
    /// refusal. Throws when the policy's choice is invalid, before anything is written.
    /// </summary>
    public static (StockLine[]? Parts, AllocationShortLine[] Short) Decide(AllocateRequest request, AllocationSnapshot snapshot)
    {
        var shortLines = request.Lines
            .Select(l => new AllocationShortLine(l.Sku, l.Quantity, snapshot.TotalSellable(l.Sku)))
            .Where(s => s.Sellable < s.Requested)
            .ToArray();
        var chosen = request.Policy.Choose(snapshot);
        if (chosen is null)
        {
            return (null, shortLines);
        }

        var name = request.Policy.Name;
        var merged = new Dictionary<StockKey, long>();
        foreach (var part in chosen)
        {
            if (!part.Key.IsValid)
            {
                throw new AllocationPolicyException(name, "a part is default(StockLine).");
            }

            if (!request.Locations.Contains(part.Key.Location, StringComparer.Ordinal))
            {
                throw new AllocationPolicyException(name, $"{part.Key.Location} is not a candidate location.");
            }

            if (!request.Lines.Any(l => string.Equals(l.Sku, part.Key.Sku, StringComparison.Ordinal)))
            {
                throw new AllocationPolicyException(name, $"the order has no line of {part.Key.Sku}.");
            }

            merged[part.Key] = merged.GetValueOrDefault(part.Key) + part.Quantity;
        }

        foreach (var line in request.Lines)
        {
            var sum = merged.Where(p => string.Equals(p.Key.Sku, line.Sku, StringComparison.Ordinal)).Sum(p => p.Value);
            if (sum != line.Quantity)
            {
                throw new AllocationPolicyException(name, $"it chose {sum} units of {line.Sku} for a line of {line.Quantity}.");
            }
        }

        foreach (var (key, quantity) in merged)
        {
            var sellable = snapshot.Sellable(key.Sku, key.Location);
            if (quantity > sellable)
            {
                throw new AllocationPolicyException(name, $"it chose {quantity} units of {key} where {sellable} can be taken.");
            }
        }

        var parts = merged
            .OrderBy(p => IndexOfSku(request, p.Key.Sku))
            .ThenBy(p => IndexOfLocation(request, p.Key.Location))
            .Select(p => new StockLine(p.Key, (int)p.Value))
            .ToArray();
        return (parts, []);
    }

    private static int IndexOfSku(AllocateRequest request, string sku)
    {
        for (var i = 0; i < request.Lines.Count; i++)
        {
            if (string.Equals(request.Lines[i].Sku, sku, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static int IndexOfLocation(AllocateRequest request, string location)
    {
        for (var i = 0; i < request.Locations.Count; i++)
        {
            if (string.Equals(request.Locations[i], location, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
