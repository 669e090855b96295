namespace StockGuard.InMemory;

/// <summary>One item's waitlist, in queue order. Every member is used under the item's lock.</summary>
internal sealed class InMemoryWaitQueue(InMemoryWaitlists owner)
{
    private readonly Dictionary<string, Entry> _byReference = new(StringComparer.Ordinal);
    private readonly List<Entry> _waiting = [];

    public int WaitingCount => _waiting.Count;

    /// <summary>The customer's place, or a new one at the end of the queue.</summary>
    public (Entry Entry, bool Added) Join(string reference, DateTimeOffset now)
    {
        if (_byReference.TryGetValue(reference, out var existing))
        {
            return (existing, false);
        }

        var entry = new Entry(reference, now);
        _byReference.Add(reference, entry);
        _waiting.Add(entry);
        return (entry, true);
    }

    public Entry? Find(string reference) => _byReference.GetValueOrDefault(reference);

    /// <summary>1 for the head of the queue; 0 when the entry no longer waits.</summary>
    public int PositionOf(Entry entry) => _waiting.IndexOf(entry) + 1;

    public void Leave(Entry entry)
    {
        if (entry.State == WaitlistState.Waiting)
        {
            _waiting.Remove(entry);
            entry.State = WaitlistState.Left;
        }
    }

    /// <summary>Turns the head of the queue into one-unit claim holds while the item has units available.</summary>
    public void Serve(InMemoryItem item, DateTimeOffset now)
    {
        var served = 0;
        while (served < _waiting.Count && item.OnHand - item.Reserved - item.SafetyStock >= 1)
        {
            var entry = _waiting[served++];
            var hold = owner.Holds.PlaceLocked([new StockLine(item.Key, 1)], [item], now, owner.ClaimWindow, entry.Reference);
            entry.State = WaitlistState.Claimed;
            entry.HoldId = hold.Id;
        }

        _waiting.RemoveRange(0, served);
    }

    /// <summary>A place. <see cref="State"/> is Waiting, Claimed or Left; what became of a claim is its hold's state.</summary>
    internal sealed class Entry(string reference, DateTimeOffset joinedAt)
    {
        public string Reference { get; } = reference;

        public DateTimeOffset JoinedAt { get; } = joinedAt;

        public WaitlistState State { get; set; } = WaitlistState.Waiting;

        public Guid? HoldId { get; set; }
    }
}
