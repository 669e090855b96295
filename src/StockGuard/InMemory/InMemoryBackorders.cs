using System.Collections.Concurrent;
using System.Globalization;

namespace StockGuard.InMemory;

/// <summary>
/// The in-memory store's backorders. Each entry belongs to one item and changes only under that item's lock; the
/// item keeps its waiting entries in arrival order. The index by order reference is only read to find entries.
/// </summary>
internal sealed class InMemoryBackorders
{
    private readonly ConcurrentDictionary<string, List<InMemoryBackorder>> _byReference = new(StringComparer.Ordinal);
    private long _sequence;

    /// <summary>
    /// Records the units of <paramref name="quantity"/> that took <paramref name="item"/> below zero, after its counts
    /// include them. The caller holds the item's lock. Returns the backordered line, or none when every unit was in stock.
    /// </summary>
    public BackorderedLine? Record(InMemoryItem item, int quantity, string? reference, Guid? holdId)
    {
        var below = -(item.OnHand - item.Reserved - item.SafetyStock);
        if (below <= 0)
        {
            return null;
        }

        var units = (int)Math.Min(quantity, below);
        var kind = item.IsPreOrder ? BackorderKind.PreOrder : BackorderKind.Backorder;

        // Taken under the item's lock, so an item's entries are numbered in the order its sales committed.
        var entry = new InMemoryBackorder(Interlocked.Increment(ref _sequence), reference, item, kind, units, holdId);
        (item.Backorders ??= []).Add(entry);
        if (reference is not null)
        {
            var list = _byReference.GetOrAdd(reference, static _ => []);
            lock (list)
            {
                list.Add(entry);
            }
        }

        return new BackorderedLine(item.Key, units, kind);
    }

    /// <summary>
    /// The receipt step: gives the units now free on <paramref name="item"/> to its waiting backorders, oldest first, one
    /// <see cref="StockMovementKind.BackorderFilled"/> movement (and version) per fill. Free units are the available ones
    /// plus those the waiting backorders already own (they were taken from on hand when sold). Entries of holds that
    /// ended without a sale are cancelled on the way. The caller holds the item's lock and has pruned its expired holds.
    /// </summary>
    public static void Fill(InMemoryItem item, InMemoryLedger ledger, DateTimeOffset now)
    {
        if (item.Backorders is not { Count: > 0 } queue)
        {
            return;
        }

        queue.RemoveAll(e => e.EndIfHoldGone(item));
        long owned = 0;
        foreach (var entry in queue)
        {
            owned += entry.Quantity - entry.Filled;
        }

        var free = item.OnHand - item.Reserved - item.SafetyStock + owned;
        var filled = 0;
        for (var i = 0; i < queue.Count && free > 0; i++)
        {
            var entry = queue[i];
            var units = (int)Math.Min(entry.Quantity - entry.Filled, free);
            entry.Filled += units;
            free -= units;
            if (entry.Filled == entry.Quantity)
            {
                entry.State = BackorderState.Filled;
                filled++;
            }

            item.Version++;
            ledger.Record(item, StockMovementKind.BackorderFilled, 0, 0, entry.HoldId, entry.Reference, FillNote(entry.Sequence, units), now);
        }

        queue.RemoveRange(0, filled);
    }

    /// <summary>
    /// A confirmed hold's entries on <paramref name="item"/> become sales' backorders. Units the confirm gave back
    /// (<paramref name="givenBack"/>: held but not sold) come off the units below zero first; an entry left with no more
    /// than its filled units is finished. The caller holds the item's lock.
    /// </summary>
    public static void HoldConfirmed(InMemoryItem item, Guid holdId, int givenBack)
    {
        if (item.Backorders is not { Count: > 0 } queue)
        {
            return;
        }

        foreach (var entry in queue)
        {
            if (entry.HoldId == holdId)
            {
                // As the SQL stores' ConfirmHoldBackorders.
                entry.HoldId = null;
                if (entry.Quantity - givenBack > entry.Filled)
                {
                    entry.Quantity -= givenBack;
                }
                else if (entry.Filled > 0)
                {
                    entry.Quantity = entry.Filled;
                    entry.State = BackorderState.Filled;
                }
                else
                {
                    entry.State = BackorderState.Cancelled;
                }
            }
        }

        queue.RemoveAll(e => e.State is BackorderState.Filled or BackorderState.Cancelled);
    }

    public Task<OrderBackorders> GetAsync(string orderReference, InMemoryLedger ledger, TimeProvider time, CancellationToken cancellationToken)
    {
        var reference = CheckReference(orderReference);
        cancellationToken.ThrowIfCancellationRequested();
        var entries = Entries(reference);
        var now = time.GetUtcNow();
        var backorders = new List<Backorder>(entries.Length);
        foreach (var entry in entries)
        {
            lock (entry.Item)
            {
                entry.Item.Prune(now, ledger);
                backorders.Add(entry.Snapshot());
            }
        }

        return Task.FromResult(new OrderBackorders(reference, backorders));
    }

    public BackorderCancellation Cancel(string reference, InMemoryLedger ledger, DateTimeOffset now)
    {
        var entries = Entries(reference);
        if (entries.Length == 0)
        {
            throw new BackorderNotFoundException(reference);
        }

        var items = entries.Select(e => e.Item).Distinct().OrderBy(i => i.Key).ToArray();
        using var locks = LockSet.Enter(new ItemSet(items));
        foreach (var item in items)
        {
            item.Prune(now, ledger);
        }

        // Checked before anything changes: the cancel is all or nothing.
        foreach (var entry in entries)
        {
            if (entry.Waiting > 0 && entry.HoldId is { } holdId && entry.Item.HasHold(holdId))
            {
                throw new HoldStateException(holdId, HoldState.Active, "cancel the backorders of");
            }
        }

        long returned = 0;
        var changed = new SortedDictionary<StockKey, InMemoryItem>();
        foreach (var entry in entries)
        {
            if (entry.Waiting == 0 || entry.EndIfHoldGone(entry.Item))
            {
                continue;
            }

            var units = entry.Quantity - entry.Filled;
            var item = entry.Item;
            item.OnHand += units;
            item.LedgerSold -= units;
            item.Version++;
            entry.State = BackorderState.Cancelled;
            ledger.Record(item, StockMovementKind.BackorderCancelled, units, 0, null, reference, CancelNote(entry.Sequence), now);
            returned += units;
            changed[item.Key] = item;
        }

        foreach (var item in items)
        {
            item.Backorders?.RemoveAll(e => e.State is BackorderState.Filled or BackorderState.Cancelled);
        }

        var order = new OrderBackorders(reference, [.. entries.Select(e => e.Snapshot())]);
        return new BackorderCancellation(order, returned, [.. changed.Values.Select(i => i.Snapshot())]) { WasAlreadyDone = changed.Count == 0 };
    }

    public static string CheckReference(string orderReference) =>
        Guard.Identifier(orderReference, Guard.MaxReferenceLength, nameof(orderReference), "order reference");

    /// <summary>The note of a fill movement: the backorder's sequence and the units it got.</summary>
    public static string FillNote(long sequence, long units) =>
        string.Create(CultureInfo.InvariantCulture, $"backorder {sequence}: {units} filled");

    /// <summary>The note of a cancel movement: the backorder's sequence.</summary>
    public static string CancelNote(long sequence) =>
        string.Create(CultureInfo.InvariantCulture, $"backorder {sequence}: cancelled");

    private InMemoryBackorder[] Entries(string reference)
    {
        if (!_byReference.TryGetValue(reference, out var list))
        {
            return [];
        }

        lock (list)
        {
            return [.. list];
        }
    }
}

/// <summary>One backorder. Every mutable member is used under <c>lock (Item)</c>.</summary>
internal sealed class InMemoryBackorder(long sequence, string? reference, InMemoryItem item, BackorderKind kind, int quantity, Guid? holdId)
{
    public long Sequence { get; } = sequence;

    public string? Reference { get; } = reference;

    public InMemoryItem Item { get; } = item;

    public BackorderKind Kind { get; } = kind;

    public int Quantity { get; set; } = quantity;

    public int Filled { get; set; }

    public BackorderState State { get; set; } = BackorderState.Waiting;

    /// <summary>The hold that recorded it while that hold is live; cleared when the hold is confirmed.</summary>
    public Guid? HoldId { get; set; } = holdId;

    public int Waiting => State is BackorderState.Waiting ? Quantity - Filled : 0;

    /// <summary>
    /// Cancels the entry when its hold ended without selling (released or expired: the item no longer holds it, and a
    /// confirm would have cleared <see cref="HoldId"/>). Returns whether it is finished.
    /// </summary>
    public bool EndIfHoldGone(InMemoryItem item)
    {
        if (State == BackorderState.Waiting && HoldId is { } id && !item.HasHold(id))
        {
            State = BackorderState.Cancelled;
        }

        return State != BackorderState.Waiting;
    }

    public Backorder Snapshot()
    {
        var ended = State == BackorderState.Waiting && HoldId is { } id && !Item.HasHold(id);
        var state = ended ? BackorderState.Cancelled
            : State == BackorderState.Waiting && Filled > 0 ? BackorderState.PartlyFilled
            : State;
        return new Backorder(Sequence, Reference, Item.Key, Kind, Quantity, Filled, state, HoldId);
    }
}
