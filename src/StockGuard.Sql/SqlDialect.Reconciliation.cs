namespace StockGuard.Sql;

/// <summary>The statements of reconciliation: an item's counters beside its ledger sums and its live hold lines.</summary>
internal abstract partial class SqlDialect
{
    /// <summary>
    /// The item columns of the row aliased <c>i</c> (<see cref="SqlEngine.ItemColumns"/>) and, as <c>LedgerOnHand</c>,
    /// <c>LedgerReserved</c> and <c>HeldReserved</c>, the sums of its movements' deltas and the units of its unreleased
    /// hold lines: the select list of <see cref="BalanceRow"/>. Each sum is read through the index on (sku, location).
    /// </summary>
    protected string BalanceColumns =>
        field ??= $"{ItemColumns}, " +
        $"COALESCE((SELECT SUM(m.on_hand_delta) FROM {Movements} m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerOnHand, " +
        $"COALESCE((SELECT SUM(m.reserved_delta) FROM {Movements} m WHERE m.sku = i.sku AND m.location = i.location), 0) AS LedgerReserved, " +
        $"COALESCE((SELECT SUM(l.quantity) FROM {HoldLines} l WHERE l.sku = i.sku AND l.location = i.location AND l.released = FALSE), 0) AS HeldReserved";

    /// <summary>
    /// (<c>@afterSku, @afterLocation, @limit</c>) → up to <c>@limit</c> <see cref="BalanceRow"/>s of the items after
    /// (<c>@afterSku</c>, <c>@afterLocation</c>) in the key's index order, without locks: one statement, so the counters
    /// and the sums come from one snapshot (SQLite: one transaction). Empty texts start at the first item (a SKU is never empty).
    /// </summary>
    public virtual string SelectBalancesPage =>
        field ??= $"SELECT {BalanceColumns} FROM {Items} i WHERE i.sku >= @afterSku AND (i.sku > @afterSku OR i.location > @afterLocation) " +
        "ORDER BY i.sku, i.location LIMIT @limit";

    /// <summary>
    /// (<c>@sku, @location</c>) → zero or one <see cref="BalanceRow"/>, without a lock. A repair sends it after
    /// <see cref="LockItem"/>, as a statement of its own: under READ COMMITTED a locking read that waited would compute the
    /// sums from the snapshot it took before the wait, and miss the movement of the change it waited for.
    /// </summary>
    public virtual string SelectBalance => field ??= $"SELECT {BalanceColumns} FROM {Items} i WHERE i.sku = @sku AND i.location = @location";
}
