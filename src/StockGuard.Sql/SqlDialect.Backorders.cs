namespace StockGuard.Sql;

/// <summary>
/// The backorders' statements (schema version 4). A backorder row belongs to one item and changes only while that item's
/// row is locked (by the sale that records it, the receipt that fills it, the cancel or the confirm of its hold), so the
/// lock order stays items first, and a reader of an item's waiting backorders under the item's lock sees them stable.
/// </summary>
internal abstract partial class SqlDialect
{
    /// <summary>The backorder columns of the row aliased <c>b</c>, aliased to <see cref="BackorderRow"/>'s properties.</summary>
    protected virtual string BackorderColumns =>
        field ??= $"b.id AS Id, b.sku AS Sku, b.location AS Location, b.order_reference AS OrderReference, b.hold_id AS {HoldIdAlias}, " +
        "b.kind AS Kind, b.quantity AS Quantity, b.filled AS Filled, b.state AS State";

    /// <summary>
    /// 1 when the backorder aliased <c>b</c> belongs to a hold (aliased <c>h</c>, left-joined) that ended without a sale,
    /// expired at <c>@now</c>, had a line given back (by a host that saw it expired: the hold can no longer be confirmed,
    /// whatever this host's clock says) or was purged: it owns no unit any more. A confirm clears a backorder's hold id.
    /// </summary>
    private string BackorderHoldGone =>
        field ??= "CASE WHEN b.hold_id IS NULL OR (h.state = 'active' AND h.expires_at > @now " +
        $"AND NOT EXISTS (SELECT 1 FROM {HoldLines} g WHERE g.hold_id = b.hold_id AND g.released = TRUE)) THEN 0 ELSE 1 END AS HoldGone";

    /// <summary>(<c>@sku, @location, @reference, @holdId, @kind, @quantity, @now</c>): records a waiting backorder; its id is its arrival sequence.</summary>
    public virtual string InsertBackorder =>
        field ??= $"INSERT INTO {BackorderTable} (sku, location, order_reference, hold_id, kind, quantity, filled, state, created_at) " +
        "VALUES (@sku, @location, @reference, @holdId, @kind, @quantity, 0, 'waiting', @now)";

    /// <summary>(<c>@sku, @location, @now</c>) → the item's waiting <see cref="BackorderRow"/>s, oldest first, each with <c>HoldGone</c>. The caller holds the item's lock.</summary>
    public virtual string SelectWaitingBackorders =>
        field ??= $"SELECT {BackorderColumns}, {BackorderHoldGone} FROM {BackorderTable} b LEFT JOIN {Holds} h ON h.id = b.hold_id " +
        "WHERE b.sku = @sku AND b.location = @location AND b.state = 'waiting' ORDER BY b.id";

    /// <summary>(<c>@reference, @now</c>) → every <see cref="BackorderRow"/> of one order, oldest first, each with <c>HoldGone</c>.</summary>
    public virtual string SelectOrderBackorders =>
        field ??= $"SELECT {BackorderColumns}, {BackorderHoldGone} FROM {BackorderTable} b LEFT JOIN {Holds} h ON h.id = b.hold_id " +
        "WHERE b.order_reference = @reference ORDER BY b.id";

    /// <summary>(<c>@id, @filled, @state</c>): a backorder's filled units and state after a receipt gave it units.</summary>
    public virtual string FillBackorder => field ??= $"UPDATE {BackorderTable} SET filled = @filled, state = @state WHERE id = @id AND state = 'waiting'";

    /// <summary>(<c>@id</c>): cancels a waiting backorder.</summary>
    public virtual string CancelBackorder => field ??= $"UPDATE {BackorderTable} SET state = 'cancelled' WHERE id = @id AND state = 'waiting'";

    /// <summary>(<c>@sku, @location</c>): adds one to the item's version, for a change that moves no counter (a fill). The caller holds the item's lock.</summary>
    public virtual string BumpVersion => field ??= $"UPDATE {Items} SET version = version + 1 WHERE sku = @sku AND location = @location";

    /// <summary>
    /// (<c>@holdId, @sku, @location, @givenBack</c>): the confirmed hold's waiting backorders on the item become a sale's
    /// (no hold id). The units the confirm gave back (held but not sold) come off the units below zero first; a backorder
    /// left with no more than its filled units is finished (filled, or cancelled when nothing was). State is assigned
    /// before quantity, and each reads the row as it was (MySQL assigns in order, each seeing the ones before).
    /// </summary>
    public virtual string ConfirmHoldBackorders =>
        field ??= $"UPDATE {BackorderTable} SET " +
        "state = CASE WHEN quantity - @givenBack > filled THEN state WHEN filled > 0 THEN 'filled' ELSE 'cancelled' END, " +
        "quantity = CASE WHEN quantity - @givenBack > filled THEN quantity - @givenBack WHEN filled > 0 THEN filled ELSE quantity END, " +
        "hold_id = NULL " +
        "WHERE hold_id = @holdId AND sku = @sku AND location = @location AND state = 'waiting'";
}
