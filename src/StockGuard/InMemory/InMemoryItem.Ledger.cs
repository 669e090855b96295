namespace StockGuard.InMemory;

/// <summary>
/// The item's ledger totals: the sums of the deltas a database store writes as movement rows, kept beside the counters
/// so that reconciliation can rebuild them. Every member is used under <c>lock (item)</c>.
/// </summary>
internal sealed partial class InMemoryItem
{
    /// <summary>Units received and returned.</summary>
    public long LedgerReceived { get; set; }

    /// <summary>Units sold, by deducts and confirmed holds.</summary>
    public long LedgerSold { get; set; }

    /// <summary>The sum of corrections, counts and transfers, signed.</summary>
    public long LedgerAdjusted { get; set; }

    /// <summary>The sum of reserved deltas: holds placed, less holds confirmed, released and expired, plus reconciliation.</summary>
    public long LedgerReserved { get; set; }

    /// <summary>Compares the counters with the ledger totals and the live holds. No pruning: the comparison changes nothing.</summary>
    public StockBalance Balance()
    {
        long held = 0;
        if (_holds is not null)
        {
            foreach (var (_, entry) in _holds)
            {
                held += entry.Quantity;
            }
        }

        return new StockBalance(Key, OnHand, Reserved, LedgerReceived - LedgerSold + LedgerAdjusted, LedgerReserved, held);
    }

    /// <summary>Puts the counters right as <see cref="StockBalance.Repair"/> says, as one change (one version).</summary>
    public void Repair(StockBalance balance, InMemoryLedger ledger, string? reference)
    {
        var ledgerReservedDelta = balance.HeldReserved - LedgerReserved;
        OnHand = balance.LedgerOnHand;
        Reserved = balance.HeldReserved;
        LedgerReserved = balance.HeldReserved;
        Version++;
        ledger.Record(this, StockMovementKind.Adjustment, 0, ledgerReservedDelta, null, reference, balance.RepairNote);
    }

    /// <summary>For tests: moves a counter, or a live hold's units, without a movement, as a hand-written <c>UPDATE</c> would.</summary>
    public void Corrupt(StockCounter counter, long delta, Guid? holdId)
    {
        if (holdId is { } id)
        {
            var entry = _holds![id];
            _holds[id] = (checked((int)(entry.Quantity + delta)), entry.ExpiresAt, entry.Reference);
        }
        else if (counter == StockCounter.OnHand)
        {
            OnHand += delta;
        }
        else
        {
            Reserved += delta;
        }
    }
}
