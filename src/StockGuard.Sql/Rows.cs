namespace StockGuard.Sql;

/// <summary>One stock item row as the dialect's commands return it.</summary>
internal sealed class LevelRow
{
    public string Sku { get; set; } = "";

    public string Location { get; set; } = "";

    public long OnHand { get; set; }

    /// <summary>The stored reserved units: every unreleased hold line, expired or not.</summary>
    public long Reserved { get; set; }

    public long SafetyStock { get; set; }

    public long BackorderLimit { get; set; }

    public long LowStockThreshold { get; set; }

    public long PreOrderLimit { get; set; }

    public DateTime? ExpectedRestock { get; set; }

    /// <summary>1 once the item has been received (no longer on pre-order), else 0.</summary>
    public long Released { get; set; }

    /// <summary>Whether the item sells on pre-order now: a pre-order limit, and never received.</summary>
    public bool IsPreOrder => PreOrderLimit > 0 && Released == 0;

    /// <summary>How far availability may go below zero now: the pre-order limit while on pre-order, else the backorder limit.</summary>
    public long BelowZeroLimit => IsPreOrder ? PreOrderLimit : BackorderLimit;

    /// <summary>The stored version: what an optimistic change compares. A caller sees <see cref="ReportedVersion"/>.</summary>
    public long Version { get; set; }

    /// <summary>Units of unreleased lines of holds already expired; set only by reads that compute it.</summary>
    public long ExpiredReserved { get; set; }

    /// <summary>The number of unreleased lines of holds already expired; set only by reads that compute it.</summary>
    public long ExpiredLines { get; set; }

    public StockKey Key => new(Sku, Location);

    /// <summary>What can be sold by the stored counts, expired holds still counted.</summary>
    public long StoredSellable => OnHand - Reserved - SafetyStock + BelowZeroLimit;

    /// <summary>What can be sold once expired holds are given back.</summary>
    public long Sellable => StoredSellable + ExpiredReserved;

    /// <summary>
    /// The version a caller sees: the stored version plus one per expired line not yet released. An expiry raises it at
    /// once; the release that follows adds one per line to the stored version and leaves it unchanged.
    /// </summary>
    public long ReportedVersion => Version + ExpiredLines;

    /// <summary>The level a caller sees: expired holds are not reserved any more, released or not.</summary>
    public StockLevel ToLevel() => WithPreOrder(new(Key, OnHand, Reserved - ExpiredReserved, SafetyStock, BackorderLimit, LowStockThreshold, ReportedVersion));

    /// <summary><paramref name="level"/> with this row's pre-order settings and release flag.</summary>
    public StockLevel WithPreOrder(StockLevel level) => PreOrderLimit == 0 && ExpectedRestock is null && Released == 0
        ? level
        : level with
        {
            PreOrderLimit = PreOrderLimit,
            ExpectedRestock = ExpectedRestock is { } expected ? new DateTimeOffset(DateTime.SpecifyKind(expected, DateTimeKind.Utc)) : null,
            IsReleased = Released != 0,
        };
}

/// <summary>One item's counters beside its ledger sums and its live hold lines, for reconciliation.</summary>
internal sealed class BalanceRow
{
    public string Sku { get; set; } = "";

    public string Location { get; set; } = "";

    public long OnHand { get; set; }

    /// <summary>The stored reserved units: every unreleased hold line, expired or not.</summary>
    public long Reserved { get; set; }

    public long LedgerOnHand { get; set; }

    public long LedgerReserved { get; set; }

    public long HeldReserved { get; set; }

    public StockKey Key => new(Sku, Location);

    public StockBalance ToBalance() => new(Key, OnHand, Reserved, LedgerOnHand, LedgerReserved, HeldReserved);
}

/// <summary>One hold row.</summary>
internal sealed class HoldRow
{
    public Guid Id { get; set; }

    /// <summary>The id stored as text, for databases without a uuid type whose driver reads it as a string (SQLite): their dialect selects <c>id AS IdText</c>.</summary>
    public string IdText
    {
        get => Id.ToString();
        set => Id = Guid.Parse(value);
    }

    public string State { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    public string? Reference { get; set; }
}

/// <summary>One hold line row.</summary>
internal sealed class HoldLineRow
{
    public string Sku { get; set; } = "";

    public string Location { get; set; } = "";

    public int Quantity { get; set; }

    public bool Released { get; set; }

    public StockKey Key => new(Sku, Location);
}

/// <summary>A <c>hold_confirmed</c> or <c>return</c> movement of one item that names a hold.</summary>
internal sealed class HoldSaleMovementRow
{
    public string Kind { get; set; } = "";

    public long OnHandDelta { get; set; }
}

/// <summary>One idempotency key row.</summary>
internal sealed class IdempotencyRow
{
    public string Fingerprint { get; set; } = "";

    public string? Result { get; set; }
}

/// <summary>One unreleased line of an expired hold the sweep found, or (with no <see cref="Sku"/>) one hold id.</summary>
internal sealed class ExpiredHoldLineRow
{
    public Guid HoldId { get; set; }

    /// <summary>The hold id stored as text (SQLite): the dialect selects <c>h.id AS HoldIdText</c>.</summary>
    public string HoldIdText
    {
        get => HoldId.ToString();
        set => HoldId = Guid.Parse(value);
    }

    public string? Sku { get; set; }

    public string? Location { get; set; }
}

/// <summary>One sale of a coalesced batch as its movement records it: the delta, the reference and the item's on-hand units and stored version right after it.</summary>
internal readonly record struct SaleMovement(long OnHandDelta, string? Reference, long OnHandAfter, long VersionAfter);

/// <summary>One movement row as the change feed reads it.</summary>
internal sealed class ChangeRow
{
    public long Id { get; set; }

    /// <summary>The writing transaction's id on PostgreSQL; 0 elsewhere.</summary>
    public long Tx { get; set; }

    public DateTime OccurredAt { get; set; }

    public string Sku { get; set; } = "";

    public string Location { get; set; } = "";

    public string Kind { get; set; } = "";

    public long OnHandDelta { get; set; }

    public long ReservedDelta { get; set; }

    public Guid? HoldId { get; set; }

    /// <summary>The hold id stored as text (SQLite): the dialect selects <c>hold_id AS HoldIdText</c>.</summary>
    public string? HoldIdText
    {
        get => HoldId?.ToString();
        set => HoldId = value is null ? null : Guid.Parse(value);
    }

    public string? Reference { get; set; }

    public string? Note { get; set; }

    public long? OnHandAfter { get; set; }

    public long? ReservedAfter { get; set; }

    public long? SafetyStockAfter { get; set; }

    public long? BackorderLimitAfter { get; set; }

    public long? LowStockThresholdAfter { get; set; }

    public long? VersionAfter { get; set; }
}

/// <summary>One parked change as its row stores it.</summary>
internal sealed class ParkedRow
{
    public string Consumer { get; set; } = "";

    public long Tx { get; set; }

    public long Id { get; set; }

    public string Sku { get; set; } = "";

    public string Location { get; set; } = "";

    public string Kind { get; set; } = "";

    public int Attempts { get; set; }

    public string Error { get; set; } = "";

    /// <summary>A DateTime on PostgreSQL and MySQL, UTC text on SQLite.</summary>
    public object? ParkedAt { get; set; }

    public DateTimeOffset ParkedAtUtc => ParkedAt switch
    {
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        DateTimeOffset time => time,
        string text => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal),
        _ => default,
    };
}

/// <summary>One backorder row, with whether its hold is gone (<see cref="SqlDialect.SelectWaitingBackorders"/>).</summary>
internal sealed class BackorderRow
{
    public long Id { get; set; }

    public string Sku { get; set; } = "";

    public string Location { get; set; } = "";

    public string? OrderReference { get; set; }

    public Guid? HoldId { get; set; }

    /// <summary>The hold id stored as text (SQLite).</summary>
    public string? HoldIdText
    {
        get => HoldId?.ToString();
        set => HoldId = value is null ? null : Guid.Parse(value);
    }

    public string Kind { get; set; } = "";

    public int Quantity { get; set; }

    public int Filled { get; set; }

    public string State { get; set; } = "";

    /// <summary>1 when its hold ended without a sale (or expired): it owns no unit any more.</summary>
    public long HoldGone { get; set; }

    public StockKey Key => new(Sku, Location);

    /// <summary>Units it still waits for, while waiting and owned.</summary>
    public int Waiting => State == "waiting" && HoldGone == 0 ? Quantity - Filled : 0;
}

/// <summary>A waiting customer the waitlist step turns into a claim.</summary>
internal sealed class WaiterRow
{
    public long Id { get; set; }

    public string CustomerReference { get; set; } = "";
}

/// <summary>One waitlist row, with its claim's hold (when it still exists) and, while waiting, its position.</summary>
internal sealed class WaitlistRow
{
    public long Id { get; set; }

    public string State { get; set; } = "";

    public DateTime JoinedAt { get; set; }

    public Guid? HoldId { get; set; }

    /// <summary>The hold id stored as text (SQLite): the dialect selects it <c>AS HoldIdText</c>.</summary>
    public string? HoldIdText
    {
        get => HoldId?.ToString();
        set => HoldId = value is null ? null : Guid.Parse(value);
    }

    /// <summary>The claim's hold state; <see langword="null"/> when unclaimed or when the hold was purged.</summary>
    public string? HoldState { get; set; }

    public DateTime? ExpiresAt { get; set; }

    public long Position { get; set; }
}
