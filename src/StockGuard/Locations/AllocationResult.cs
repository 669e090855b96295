namespace StockGuard;

/// <summary>A line of a refused allocation that the candidate locations together could not serve.</summary>
/// <param name="Sku">The SKU.</param>
/// <param name="Requested">Units asked for.</param>
/// <param name="Sellable">Units all candidate locations together could give at the decision.</param>
public readonly record struct AllocationShortLine(string Sku, int Requested, long Sellable);

/// <summary>What an allocation did: where each line's units came from, or why the order was refused.</summary>
public sealed record AllocationResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="parts">The units taken, one per SKU and location; empty when refused.</param>
    /// <param name="levels">The levels of the items written, after the change, in the order of <paramref name="parts"/>; empty when refused.</param>
    /// <param name="shortLines">The lines the candidates together could not serve.</param>
    /// <param name="hold">The hold placed, for an allocation with <see cref="AllocateRequest.HoldFor"/>.</param>
    public AllocationResult(IReadOnlyList<StockLine> parts, IReadOnlyList<StockLevel> levels, IReadOnlyList<AllocationShortLine> shortLines, StockHold? hold)
    {
        Parts = parts;
        Levels = levels;
        ShortLines = shortLines;
        Hold = hold;
    }

    /// <summary>Whether the order was allocated: all lines, or none when this is false.</summary>
    public bool Succeeded => Parts.Count > 0;

    /// <summary>
    /// The units taken: one line per SKU and location, in the order's line order, and within a line in the candidates'
    /// priority order. A line served by two locations has two parts.
    /// </summary>
    public IReadOnlyList<StockLine> Parts { get; }

    /// <summary>The levels of the items in <see cref="Parts"/> right after the change.</summary>
    public IReadOnlyList<StockLevel> Levels { get; }

    /// <summary>
    /// When refused: the lines the candidate locations together could not serve. Empty on a refusal means the stock was
    /// there but the policy would not use it (e.g. <see cref="AllocationPolicy.ShipComplete"/> without a single location).
    /// </summary>
    public IReadOnlyList<AllocationShortLine> ShortLines { get; }

    /// <summary>The hold, when the allocation placed one.</summary>
    public StockHold? Hold { get; }

    /// <summary>Whether this result is the stored first result of an earlier request with the same idempotency key.</summary>
    public bool IsReplay { get; init; }

    /// <summary>The parts of the line of <paramref name="sku"/>.</summary>
    /// <param name="sku">The SKU.</param>
    public IEnumerable<StockLine> PartsOf(string sku) => Parts.Where(p => string.Equals(p.Key.Sku, sku, StringComparison.Ordinal));
}
