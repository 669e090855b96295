namespace StockGuard.InMemory;

/// <summary>One stock item's state. Every member is used under <c>lock (item)</c>.</summary>
internal sealed partial class InMemoryItem
{
    /// <summary>
    /// Size of a block allocated just before each item (88 B with its array header). Every buyer of an item writes
    /// its lock word (the object header) and its counters; what lies just before it in memory, the previous item
    /// or that item's dictionary node, is used by the buyers of another item. Without the block, items received
    /// together lie 104 to 160 B apart and share cache lines, which then bounce between cores serving different items.
    /// </summary>
    private const int SpacerBytes = 64;

    // The live holds on this item: hold id → (units, expiry, the hold's reference). Reserved is their sum, kept incrementally.
    private Dictionary<Guid, (int Quantity, DateTimeOffset ExpiresAt, string? Reference)>? _holds;
    private DateTimeOffset _nextExpiry = DateTimeOffset.MaxValue;

    // Never read: it keeps the block before this item alive, and the collector keeps live objects in order.
    private readonly byte[] _spacer;

    private InMemoryItem(StockKey key, byte[] spacer)
    {
        Key = key;
        _spacer = spacer;
    }

    public StockKey Key { get; }

    public long OnHand { get; set; }

    public long Reserved { get; private set; }

    public long SafetyStock { get; set; }

    public long BackorderLimit { get; set; }

    public long LowStockThreshold { get; set; }

    public long Version { get; set; }

    public long PreOrderLimit { get; set; }

    public DateTimeOffset? ExpectedRestock { get; set; }

    /// <summary>Whether the item has been received once: it is no longer on pre-order.</summary>
    public bool Released { get; set; }

    public bool IsPreOrder => PreOrderLimit > 0 && !Released;

    /// <summary>The item's waiting backorders, oldest first; <see langword="null"/> until it has one.</summary>
    public List<InMemoryBackorder>? Backorders { get; set; }

    public long Sellable => OnHand - Reserved - SafetyStock + (IsPreOrder ? PreOrderLimit : BackorderLimit);

    /// <summary>Creates an item, its spacer first so that the spacer lies just before it in memory.</summary>
    public static InMemoryItem Create(StockKey key)
    {
        // A separate statement: allocated as an argument of the constructor, the block came after the item.
        var spacer = new byte[SpacerBytes];
        return new InMemoryItem(key, spacer);
    }

    public StockLevel Snapshot() => new(Key, OnHand, Reserved, SafetyStock, BackorderLimit, LowStockThreshold, Version)
    {
        PreOrderLimit = PreOrderLimit,
        ExpectedRestock = ExpectedRestock,
        IsReleased = Released,
    };

    public bool HasHold(Guid id) => _holds is not null && _holds.ContainsKey(id);

    public void AddHold(Guid id, int quantity, DateTimeOffset expiresAt, string? reference, InMemoryLedger ledger)
    {
        (_holds ??= []).Add(id, (quantity, expiresAt, reference));
        Reserved += quantity;
        LedgerReserved += quantity;
        Version++;
        ledger.Record(this, StockMovementKind.HoldPlaced, 0, quantity, id, reference, null);
        if (expiresAt < _nextExpiry)
        {
            _nextExpiry = expiresAt;
        }
    }

    /// <summary>Drops a hold's entry; returns its units, or 0 when the item had already dropped it.</summary>
    public int RemoveHold(Guid id)
    {
        if (_holds is not null && _holds.Remove(id, out var entry))
        {
            Reserved -= entry.Quantity;
            LedgerReserved -= entry.Quantity;
            Version++;
            return entry.Quantity;
        }

        return 0;
    }

    public void ExtendHold(Guid id, DateTimeOffset expiresAt)
    {
        var entry = _holds![id];
        _holds[id] = (entry.Quantity, expiresAt, entry.Reference);
        Version++;

        // _nextExpiry may now be earlier than any real expiry; the next Prune recomputes it.
    }

    /// <summary>
    /// Whether <see cref="Prune"/> could find anything to drop: false while the item has no live holds, so that a
    /// caller can skip reading the clock.
    /// </summary>
    public bool MayHaveExpiredHolds => _nextExpiry != DateTimeOffset.MaxValue;

    /// <summary>
    /// Drops the entries of holds past their expiry, so an expired hold never blocks a buyer even before
    /// the sweep reaches it. Costs one comparison unless a hold has expired.
    /// </summary>
    public void Prune(DateTimeOffset now, InMemoryLedger ledger)
    {
        if (now < _nextExpiry || _holds is null)
        {
            return;
        }

        var next = DateTimeOffset.MaxValue;
        List<Guid>? expired = null;
        foreach (var (id, entry) in _holds)
        {
            if (now >= entry.ExpiresAt)
            {
                (expired ??= []).Add(id);
            }
            else if (entry.ExpiresAt < next)
            {
                next = entry.ExpiresAt;
            }
        }

        if (expired is not null)
        {
            // One version per expired line, as a database store counts them: a reader sees each expiry as a change.
            foreach (var id in expired)
            {
                _holds.Remove(id, out var entry);
                Reserved -= entry.Quantity;
                LedgerReserved -= entry.Quantity;
                Version++;
                ledger.Record(this, StockMovementKind.HoldExpired, 0, -entry.Quantity, id, entry.Reference, null, now);
            }
        }

        _nextExpiry = next;
        if (expired is not null)
        {
            ServeWaitlist(now);
        }
    }
}
