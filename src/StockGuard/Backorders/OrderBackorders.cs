namespace StockGuard;

/// <summary>What one order waits for: its backorders in arrival order.</summary>
/// <param name="OrderReference">The order's reference.</param>
/// <param name="Backorders">Its backorders, lowest sequence first; empty when it never waited for a unit.</param>
public sealed record OrderBackorders(string OrderReference, IReadOnlyList<Backorder> Backorders)
{
    /// <summary>Units backordered over all its lines.</summary>
    public long Quantity => Backorders.Sum(b => (long)b.Quantity);

    /// <summary>Units that arrived for it.</summary>
    public long Filled => Backorders.Sum(b => (long)b.Filled);

    /// <summary>Units it still waits for.</summary>
    public long Waiting => Backorders.Sum(b => (long)b.Waiting);

    /// <summary>
    /// The order's state: <see cref="BackorderState.Filled"/> when nothing waits and some unit was filled (or it has no
    /// backorders), <see cref="BackorderState.Cancelled"/> when nothing waits and every backorder was cancelled,
    /// <see cref="BackorderState.PartlyFilled"/> when some units arrived and some still wait, else <see cref="BackorderState.Waiting"/>.
    /// </summary>
    public BackorderState State =>
        Waiting > 0
            ? Filled > 0 ? BackorderState.PartlyFilled : BackorderState.Waiting
            : Backorders.Count > 0 && Backorders.All(b => b.State == BackorderState.Cancelled) ? BackorderState.Cancelled : BackorderState.Filled;
}

/// <summary>What cancelling an order's backorders did.</summary>
/// <param name="Order">The order's backorders after the cancel.</param>
/// <param name="ReturnedUnits">Units given back to availability by this cancel; 0 when repeated.</param>
/// <param name="Levels">The levels of the items that got units back, in key order; empty when repeated.</param>
public sealed record BackorderCancellation(OrderBackorders Order, long ReturnedUnits, IReadOnlyList<StockLevel> Levels)
{
    /// <summary>Whether nothing waited any more, so nothing changed (a repeated cancel, or an order already filled).</summary>
    public bool WasAlreadyDone { get; init; }
}
