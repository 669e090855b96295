namespace StockGuard;

/// <summary>
/// What an <see cref="AllocationPolicy"/> decides from: the order's lines, the candidate locations in priority order,
/// and the level of every candidate item, read under the items' locks in the transaction that will apply the decision.
/// Nothing in it can change before the decision is applied.
/// </summary>
public sealed class AllocationSnapshot
{
    private readonly Dictionary<StockKey, StockLevel> _levels;

    /// <summary>Creates a snapshot: stores build it from the locked items; tests of a custom policy build their own.</summary>
    /// <param name="lines">The order's lines.</param>
    /// <param name="locations">The candidate locations, the preferred first.</param>
    /// <param name="levels">The levels of the candidate items that exist.</param>
    /// <param name="now">The store's clock.</param>
    public AllocationSnapshot(IReadOnlyList<AllocationLine> lines, IReadOnlyList<string> locations, IEnumerable<StockLevel> levels, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(locations);
        ArgumentNullException.ThrowIfNull(levels);
        Lines = lines;
        Locations = locations;
        Now = now;
        _levels = levels.ToDictionary(l => l.Key);
    }

    /// <summary>The order's lines, one per SKU.</summary>
    public IReadOnlyList<AllocationLine> Lines { get; }

    /// <summary>The candidate locations, the preferred first.</summary>
    public IReadOnlyList<string> Locations { get; }

    /// <summary>The store's clock when the snapshot was taken.</summary>
    public DateTimeOffset Now { get; }

    /// <summary>The level of <paramref name="sku"/> at <paramref name="location"/>, or <see langword="null"/> when the location does not stock it.</summary>
    /// <param name="sku">The SKU.</param>
    /// <param name="location">A candidate location.</param>
    public StockLevel? Level(string sku, string location) => _levels.TryGetValue(new StockKey(sku, location), out var level) ? level : null;

    /// <summary>
    /// The units of <paramref name="sku"/> that <paramref name="location"/> can give: its <see cref="StockLevel.Sellable"/>
    /// (safety stock kept back, backorder limit allowed), never below 0; 0 when the location does not stock it.
    /// </summary>
    /// <param name="sku">The SKU.</param>
    /// <param name="location">A candidate location.</param>
    public long Sellable(string sku, string location) => Level(sku, location) is { } level ? Math.Max(0, level.Sellable) : 0;

    /// <summary>The units of <paramref name="sku"/> all candidate locations together can give.</summary>
    /// <param name="sku">The SKU.</param>
    public long TotalSellable(string sku) => Locations.Sum(l => Sellable(sku, l));
}
