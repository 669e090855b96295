namespace StockGuard;

/// <summary>One SKU's levels summed over locations: what a storefront shows.</summary>
/// <param name="Sku">The SKU.</param>
/// <param name="OnHand">Units on hand at the locations summed (transit items excluded).</param>
/// <param name="Reserved">Units held by live holds there.</param>
/// <param name="Available">The sum of each location's <see cref="StockLevel.Available"/> where positive: a location short of its safety stock takes nothing from another.</param>
/// <param name="Sellable">The sum of each location's <see cref="StockLevel.Sellable"/> where positive: the most one allocation over these locations could take.</param>
/// <param name="InTransit">Units on their way between locations (on the SKU's transit items); counted only when every location is summed, else 0.</param>
/// <param name="Locations">The levels summed, one per location that stocks the SKU, in location order.</param>
public sealed record StockTotal(string Sku, long OnHand, long Reserved, long Available, long Sellable, long InTransit, IReadOnlyList<StockLevel> Locations)
{
    /// <summary>Sums <paramref name="levels"/> of <paramref name="sku"/>: transit items count in <see cref="InTransit"/> only.</summary>
    /// <param name="sku">The SKU.</param>
    /// <param name="levels">Its levels at the locations to sum.</param>
    /// <returns>The totals.</returns>
    public static StockTotal Sum(string sku, IEnumerable<StockLevel> levels)
    {
        ArgumentNullException.ThrowIfNull(levels);
        var sorted = levels.OrderBy(l => l.Key).ToList();
        var real = sorted.Where(l => !TransferRequest.IsTransitLocation(l.Key.Location)).ToList();
        return new StockTotal(
            sku,
            real.Sum(l => l.OnHand),
            real.Sum(l => l.Reserved),
            real.Sum(l => Math.Max(0, l.Available)),
            real.Sum(l => Math.Max(0, l.Sellable)),
            sorted.Where(l => TransferRequest.IsTransitLocation(l.Key.Location)).Sum(l => l.OnHand),
            real);
    }

    /// <summary>Checks the arguments of <see cref="IStockAllocator.GetTotalAsync"/>: the distinct items to sum, or <see langword="null"/> for every location.</summary>
    /// <param name="sku">The SKU.</param>
    /// <param name="locations">The locations, or <see langword="null"/>.</param>
    /// <returns>The items, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentException">The SKU or a location is invalid.</exception>
    public static IReadOnlyList<StockKey>? KeysOf(string sku, IEnumerable<string>? locations)
    {
        var valid = new StockKey(sku).Sku;
        if (locations is null)
        {
            return null;
        }

        var keys = new List<StockKey>();
        foreach (var location in locations)
        {
            var key = new StockKey(valid, location ?? throw new ArgumentException("A location is null.", nameof(locations)));
            if (!keys.Contains(key))
            {
                keys.Add(key);
            }
        }

        return keys;
    }
}
