using StockGuard.Changes;

namespace StockGuard.InMemory;

/// <summary>
/// The in-memory store's movement ledger: the latest <see cref="InMemoryStockStoreOptions.ChangeRetention"/> movements in
/// a ring allocated once, each numbered under one lock. A change records its movements while it still holds its items'
/// locks, so numbers follow each item's order of changes, and a number is readable as soon as it is taken: the feed has
/// no gaps. A reader after a number the ring has already overwritten gets <see cref="StockChangePositionExpiredException"/>.
/// </summary>
internal sealed class InMemoryLedger(int retention, TimeProvider time)
{
    private readonly Lock _sync = new();
    private readonly Entry[] _ring = new Entry[retention];
    private long _last;

    /// <summary>Records one movement of <paramref name="item"/>, whose counters already include it. The caller holds the item's lock.</summary>
    public void Record(InMemoryItem item, StockMovementKind kind, long onHandDelta, long reservedDelta, Guid? holdId, string? reference, string? note, DateTimeOffset? at = null)
    {
        var entry = new Entry
        {
            Key = item.Key,
            Kind = kind,
            OnHandDelta = onHandDelta,
            ReservedDelta = reservedDelta,
            OnHand = item.OnHand,
            Reserved = item.Reserved,
            SafetyStock = item.SafetyStock,
            BackorderLimit = item.BackorderLimit,
            LowStockThreshold = item.LowStockThreshold,
            PreOrderLimit = item.PreOrderLimit,
            ExpectedRestock = item.ExpectedRestock,
            Released = item.Released,
            Version = item.Version,
            HoldId = holdId,
            Reference = reference,
            Note = note,
            At = at ?? time.GetUtcNow(),
        };
        lock (_sync)
        {
            entry.Sequence = ++_last;
            _ring[entry.Sequence % _ring.Length] = entry;
        }
    }

    public StockChangePosition LastPosition
    {
        get
        {
            lock (_sync)
            {
                return new StockChangePosition(0, _last);
            }
        }
    }

    public StockChangePage Read(StockChangePosition after, int maxCount)
    {
        Entry[] entries;
        bool hasMore;
        lock (_sync)
        {
            var oldest = Math.Max(1, _last - _ring.Length + 1);
            if (after.Sequence < oldest - 1)
            {
                throw new StockChangePositionExpiredException(after, new StockChangePosition(0, oldest));
            }

            var count = (int)Math.Clamp(_last - after.Sequence, 0, maxCount);
            entries = new Entry[count];
            for (var i = 0; i < count; i++)
            {
                entries[i] = _ring[(after.Sequence + 1 + i) % _ring.Length];
            }

            hasMore = after.Sequence + count < _last;
        }

        var changes = Array.ConvertAll(entries, ToChange);
        return new StockChangePage(changes, changes.Length > 0 ? changes[^1].Position : after, hasMore);
    }

    public StockChangePage History(StockKey key, bool newestFirst, StockChangePosition? after, int maxCount)
    {
        var found = new List<Entry>();
        lock (_sync)
        {
            var oldest = Math.Max(1, _last - _ring.Length + 1);
            var from = newestFirst ? Math.Min(_last, (after?.Sequence ?? long.MaxValue) - 1) : Math.Max(oldest, (after?.Sequence ?? 0) + 1);
            var step = newestFirst ? -1 : 1;
            for (var sequence = from; sequence >= oldest && sequence <= _last && found.Count <= maxCount; sequence += step)
            {
                ref var entry = ref _ring[sequence % _ring.Length];
                if (entry.Key == key)
                {
                    found.Add(entry);
                }
            }
        }

        var take = Math.Min(found.Count, maxCount);
        var changes = new StockChange[take];
        for (var i = 0; i < take; i++)
        {
            changes[i] = ToChange(found[i]);
        }

        return new StockChangePage(changes, take > 0 ? changes[^1].Position : after ?? StockChangePosition.Start, found.Count > take);
    }

    private static StockChange ToChange(Entry e) => new(
        new StockChangePosition(0, e.Sequence),
        e.Key,
        e.Kind,
        e.OnHandDelta,
        e.ReservedDelta,
        new StockLevel(e.Key, e.OnHand, e.Reserved, e.SafetyStock, e.BackorderLimit, e.LowStockThreshold, e.Version)
        {
            PreOrderLimit = e.PreOrderLimit,
            ExpectedRestock = e.ExpectedRestock,
            IsReleased = e.Released,
        },
        e.HoldId,
        e.Reference,
        e.Note,
        e.At);

    /// <summary>One movement, with its item's counters right after it. A struct in a ring allocated once: recording allocates nothing.</summary>
    private struct Entry
    {
        public long Sequence;
        public StockKey Key;
        public StockMovementKind Kind;
        public long OnHandDelta;
        public long ReservedDelta;
        public long OnHand;
        public long Reserved;
        public long SafetyStock;
        public long BackorderLimit;
        public long PreOrderLimit;
        public DateTimeOffset? ExpectedRestock;
        public bool Released;
        public long LowStockThreshold;
        public long Version;
        public Guid? HoldId;
        public string? Reference;
        public string? Note;
        public DateTimeOffset At;
    }
}
