namespace StockGuard;

/// <summary>
/// What reconciliation compares for one item: its stored counters, the sums of its movement ledger and the units of its
/// live hold lines, read together. Stores build it; <see cref="Drifts"/> says which counters disagree.
/// </summary>
/// <param name="Key">The item.</param>
/// <param name="OnHand">The stored on-hand units.</param>
/// <param name="Reserved">The stored reserved units: every hold line not yet given back, expired or not.</param>
/// <param name="LedgerOnHand">The sum of the on-hand deltas of the item's movements.</param>
/// <param name="LedgerReserved">The sum of the reserved deltas of the item's movements.</param>
/// <param name="HeldReserved">The units of the item's live hold lines.</param>
public sealed record StockBalance(StockKey Key, long OnHand, long Reserved, long LedgerOnHand, long LedgerReserved, long HeldReserved)
{
    /// <summary>The drifts, on-hand first, then reserved against the ledger, then reserved against the holds; empty when the item is consistent.</summary>
    public IReadOnlyList<StockDrift> Drifts
    {
        get
        {
            if (OnHand == LedgerOnHand && Reserved == LedgerReserved && Reserved == HeldReserved)
            {
                return [];
            }

            var drifts = new List<StockDrift>(3);
            if (OnHand != LedgerOnHand)
            {
                drifts.Add(new StockDrift(Key, StockCounter.OnHand, ReconciliationBasis.Ledger, LedgerOnHand, OnHand));
            }

            if (Reserved != LedgerReserved)
            {
                drifts.Add(new StockDrift(Key, StockCounter.Reserved, ReconciliationBasis.Ledger, LedgerReserved, Reserved));
            }

            if (Reserved != HeldReserved)
            {
                drifts.Add(new StockDrift(Key, StockCounter.Reserved, ReconciliationBasis.Holds, HeldReserved, Reserved));
            }

            return drifts;
        }
    }

    /// <summary>
    /// The repair that puts this item right: the on-hand counter to the ledger's sum, the reserved counter to the live hold
    /// lines, and a movement whose reserved delta brings the ledger's reserved sum to them too (its on-hand delta is 0).
    /// </summary>
    /// <param name="level">The level after the repair; <see langword="null"/> for a planned one.</param>
    public StockRepair Repair(StockLevel? level) =>
        new(Key, Drifts, LedgerOnHand - OnHand, HeldReserved - Reserved, HeldReserved - LedgerReserved, level);

    /// <summary>The note of the repair movement: <c>reconciliation</c>, then the counters before and after.</summary>
    public string RepairNote =>
        $"reconciliation: on_hand {OnHand} -> {LedgerOnHand} (ledger), reserved {Reserved} -> {HeldReserved} (holds; ledger {LedgerReserved})";
}
