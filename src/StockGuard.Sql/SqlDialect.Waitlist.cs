namespace StockGuard.Sql;

/// <summary>The waitlist's statements (schema version 5). A waitlist row changes only while its item's row is locked.</summary>
internal abstract partial class SqlDialect
{
    /// <summary>Waitlist places: one row per customer and item, in queue order by id (schema version 5).</summary>
    public string Waitlist => field ??= Table("stock_waitlist");

    /// <summary>A text column as the driver reads it back as a string: the column itself, or MySQL's conversion of its bytes.</summary>
    protected virtual string AsText(string column) => column;

    /// <summary>
    /// (<c>@sku, @location</c>) → a <see cref="WaiterRow"/> for each waiting customer the item's available units
    /// (<c>on_hand − reserved − safety_stock</c>, one each) go to, in queue order: the head of the queue, as many as there
    /// are units. The caller has locked the item row, so the count and the queue cannot change under it.
    /// </summary>
    public virtual string SelectWaitersToClaim =>
        field ??= $"SELECT t.id AS Id, t.customer_reference AS CustomerReference FROM (SELECT w.id, {AsText("w.customer_reference")} AS customer_reference, " +
        "ROW_NUMBER() OVER (ORDER BY w.id) AS n, i.on_hand - i.reserved - i.safety_stock AS free " +
        $"FROM {Waitlist} w JOIN {Items} i ON i.sku = w.sku AND i.location = w.location " +
        "WHERE w.sku = @sku AND w.location = @location AND w.state = 'waiting' AND i.on_hand - i.reserved - i.safety_stock > 0) t " +
        "WHERE t.n <= t.free ORDER BY t.id";

    /// <summary>(<c>@id, @holdId</c>): marks a waiting place claimed by the hold.</summary>
    public virtual string ClaimWaiter => field ??= $"UPDATE {Waitlist} SET state = 'claimed', hold_id = @holdId WHERE id = @id AND state = 'waiting'";

    /// <summary>(<c>@sku, @location, @reference, @joinedAt</c>): a new place at the end of the queue.</summary>
    public virtual string InsertWaiter =>
        field ??= $"INSERT INTO {Waitlist} (sku, location, customer_reference, state, joined_at, hold_id) VALUES (@sku, @location, @reference, 'waiting', @joinedAt, NULL)";

    /// <summary>(<c>@sku, @location, @reference</c>): takes a waiting place off the queue.</summary>
    public virtual string LeaveWaiter =>
        field ??= $"UPDATE {Waitlist} SET state = 'left' WHERE sku = @sku AND location = @location AND customer_reference = @reference AND state = 'waiting'";

    /// <summary>
    /// (<c>@sku, @location, @reference</c>) → zero or one <see cref="WaitlistRow"/>: the place, its claim's hold (state and
    /// expiry, none when unclaimed or purged) and, while it waits, the number of waiting places up to and including it.
    /// </summary>
    public virtual string SelectWaitlistPlace =>
        field ??= $"SELECT w.id AS Id, w.state AS State, w.joined_at AS JoinedAt, w.hold_id AS {HoldIdAlias}, h.state AS HoldState, h.expires_at AS ExpiresAt, " +
        $"CASE WHEN w.state = 'waiting' THEN (SELECT COUNT(*) FROM {Waitlist} e WHERE e.sku = w.sku AND e.location = w.location AND e.state = 'waiting' AND e.id <= w.id) ELSE 0 END AS Position " +
        $"FROM {Waitlist} w LEFT JOIN {Holds} h ON h.id = w.hold_id WHERE w.sku = @sku AND w.location = @location AND w.customer_reference = @reference";
}
