namespace StockGuard;

/// <summary>
/// What a confirm sells of a hold and what may come back against it: the rules every store applies alike, public for
/// any store (as results and fingerprints are), so that a confirm of part of a hold and a return against it are judged
/// the same way in memory, in SQL and in a store written elsewhere.
/// </summary>
public static class HoldSale
{
    /// <summary>
    /// The units a confirm sells: all of <paramref name="held"/> when <paramref name="sell"/> is null, else
    /// <paramref name="sell"/> checked against the hold, in the hold's line order, items that sell nothing left out.
    /// </summary>
    /// <param name="holdId">The hold, for the message.</param>
    /// <param name="held">The hold's lines (one per item).</param>
    /// <param name="sell">The units asked for, or null for the whole hold.</param>
    /// <returns>The lines sold.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A line names an item the hold does not hold, or more units than it holds. Nothing was changed.</exception>
    public static StockLine[] Sold(Guid holdId, IReadOnlyList<StockLine> held, IReadOnlyList<StockLine>? sell)
    {
        ArgumentNullException.ThrowIfNull(held);
        if (sell is null)
        {
            return [.. held];
        }

        foreach (var line in sell)
        {
            var holding = UnitsOf(held, line.Key);
            if (line.Quantity > holding)
            {
                throw new ArgumentOutOfRangeException(
                    "request",
                    line.Quantity,
                    holding == 0
                        ? $"The hold {holdId} holds no units of {line.Key}; a confirm sells only what the hold holds. Nothing was changed."
                        : $"The hold {holdId} holds {holding} units of {line.Key}, fewer than the {line.Quantity} to sell. Nothing was changed.");
            }
        }

        return [.. held.Select(h => new { h.Key, Quantity = UnitsOf(sell, h.Key) }).Where(l => l.Quantity > 0).Select(l => new StockLine(l.Key, (int)l.Quantity))];
    }

    /// <summary>Whether two sets of lines sell the same units of the same items, in any order.</summary>
    /// <param name="asked">The units a repeated confirm asks for.</param>
    /// <param name="sold">The units the first confirm sold.</param>
    public static bool SameUnits(IReadOnlyList<StockLine> asked, IReadOnlyList<StockLine> sold)
    {
        ArgumentNullException.ThrowIfNull(asked);
        ArgumentNullException.ThrowIfNull(sold);
        return asked.Count == sold.Count && asked.All(a => UnitsOf(sold, a.Key) == a.Quantity);
    }

    /// <summary>The units of <paramref name="key"/> in <paramref name="lines"/>; 0 when none names it.</summary>
    /// <param name="lines">Lines, at most one per item.</param>
    /// <param name="key">The item.</param>
    public static long UnitsOf(IReadOnlyList<StockLine> lines, StockKey key)
    {
        ArgumentNullException.ThrowIfNull(lines);
        foreach (var line in lines)
        {
            if (line.Key == key)
            {
                return line.Quantity;
            }
        }

        return 0;
    }

    /// <summary>Refuses a return line of more units than the hold sold of its item and did not take back yet.</summary>
    /// <param name="holdId">The hold.</param>
    /// <param name="line">The returned units.</param>
    /// <param name="sold">Units of the item the hold sold.</param>
    /// <param name="returned">Units of the item already returned against the hold.</param>
    /// <exception cref="ArgumentOutOfRangeException">More units than may come back. Nothing was changed.</exception>
    public static void CheckReturnable(Guid holdId, StockLine line, long sold, long returned)
    {
        if (line.Quantity > sold - returned)
        {
            throw new ArgumentOutOfRangeException(
                "request",
                line.Quantity,
                $"The hold {holdId} sold {sold} units of {line.Key} and {returned} came back already: at most {sold - returned} more can be returned against it. Nothing was changed.");
        }
    }
}
