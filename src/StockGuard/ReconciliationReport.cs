namespace StockGuard;

/// <summary>A counter that reconciliation checks.</summary>
public enum StockCounter
{
    /// <summary>The on-hand units (<see cref="StockLevel.OnHand"/>).</summary>
    OnHand,

    /// <summary>The reserved units as stored: every hold line not yet given back, expired or not.</summary>
    Reserved,
}

/// <summary>What a counter was compared with.</summary>
public enum ReconciliationBasis
{
    /// <summary>The sum of the item's movements in the ledger.</summary>
    Ledger,

    /// <summary>The units of the item's live hold lines (not yet confirmed, released or given back after expiry).</summary>
    Holds,
}

/// <summary>One counter of one item that disagrees with what it must equal.</summary>
/// <param name="Key">The item.</param>
/// <param name="Counter">The counter.</param>
/// <param name="Basis">What it was compared with.</param>
/// <param name="Expected">What the basis says the counter must be.</param>
/// <param name="Actual">What the counter is.</param>
public readonly record struct StockDrift(StockKey Key, StockCounter Counter, ReconciliationBasis Basis, long Expected, long Actual)
{
    /// <summary>How far the counter is off: <c>Actual − Expected</c>.</summary>
    public long Difference => Actual - Expected;
}

/// <summary>The repair of one item: what was found under its lock and what was changed.</summary>
/// <param name="Key">The item.</param>
/// <param name="Drifts">The drifts found under the item's lock, which the repair removed.</param>
/// <param name="OnHandDelta">How far the on-hand counter moved (to the ledger's sum).</param>
/// <param name="ReservedDelta">How far the reserved counter moved (to the live hold lines).</param>
/// <param name="LedgerReservedDelta">The reserved delta of the repair movement, which brings the ledger's reserved sum to the live hold lines (its on-hand delta is 0: the ledger is the truth for on-hand).</param>
/// <param name="Level">The item's level after the repair; <see langword="null"/> in a dry run.</param>
public sealed record StockRepair(StockKey Key, IReadOnlyList<StockDrift> Drifts, long OnHandDelta, long ReservedDelta, long LedgerReservedDelta, StockLevel? Level);

/// <summary>What a verify or a repair found and did on one page (or list) of items.</summary>
/// <param name="ItemsChecked">How many items were compared.</param>
/// <param name="Drifts">Every drift found by the first look, in key order, on-hand before reserved, the ledger before the holds.</param>
/// <param name="Repairs">The items repaired (or, in a dry run, that would be): empty for a verify. An item whose drift was gone under its lock is not among them.</param>
/// <param name="NextAfter">Where the next page starts (<see cref="ReconciliationRequest.After"/>), or <see langword="null"/> when this page was the last, or the request named its items.</param>
public sealed record ReconciliationReport(int ItemsChecked, IReadOnlyList<StockDrift> Drifts, IReadOnlyList<StockRepair> Repairs, StockKey? NextAfter)
{
    /// <summary>Whether no drift was found.</summary>
    public bool IsClean => Drifts.Count == 0;

    /// <summary>Whether this was a repair's dry run, which locked and wrote nothing.</summary>
    public bool IsDryRun { get; init; }
}
