namespace StockGuard.InMemory;

/// <summary>
/// The in-memory store's waitlists: each item keeps its own queue under its lock, so a join, a leave and every arrival
/// that serves the queue are ordered by that lock. A claim's hold is read after the item's lock is let go (lock order:
/// a hold, then its items).
/// </summary>
internal sealed class InMemoryWaitlists(InMemoryItems items, InMemoryHolds holds, TimeProvider time, TimeSpan claimWindow)
{
    public InMemoryHolds Holds { get; } = holds;

    public TimeSpan ClaimWindow { get; } = claimWindow;

    public async Task<WaitlistJoinResult> JoinAsync(JoinWaitlistRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var item = items.Find(request.Key, create: false);
        InMemoryWaitQueue.Entry entry;
        bool added;
        StockLevel level;
        lock (item)
        {
            var now = time.GetUtcNow();
            item.Prune(now, items.Ledger);
            var existing = item.Waitlist?.Find(request.CustomerReference);
            if (existing is null && item.Sellable >= 1)
            {
                return new WaitlistJoinResult(WaitlistJoinOutcome.InStock, null, item.Snapshot());
            }

            item.Waitlist ??= new InMemoryWaitQueue(this);
            (entry, added) = item.Waitlist.Join(request.CustomerReference, now);
            level = item.Snapshot();
        }

        var place = await PlaceAsync(item, entry, cancellationToken).ConfigureAwait(false);
        return new WaitlistJoinResult(added ? WaitlistJoinOutcome.Joined : WaitlistJoinOutcome.AlreadyJoined, place, level);
    }

    public async Task<WaitlistPlace?> LeaveAsync(StockKey key, string customerReference, CancellationToken cancellationToken)
    {
        key = JoinWaitlistRequest.CheckKey(key, nameof(key));
        customerReference = JoinWaitlistRequest.CheckReference(customerReference, nameof(customerReference));
        cancellationToken.ThrowIfCancellationRequested();
        if (!items.TryGet(key, out var item))
        {
            return null;
        }

        InMemoryWaitQueue.Entry? entry;
        lock (item)
        {
            entry = item.Waitlist?.Find(customerReference);
            if (entry is not null)
            {
                item.Waitlist!.Leave(entry);
            }
        }

        return entry is null ? null : await PlaceAsync(item, entry, cancellationToken).ConfigureAwait(false);
    }

    public async Task<WaitlistPlace?> GetAsync(StockKey key, string customerReference, CancellationToken cancellationToken)
    {
        key = JoinWaitlistRequest.CheckKey(key, nameof(key));
        customerReference = JoinWaitlistRequest.CheckReference(customerReference, nameof(customerReference));
        cancellationToken.ThrowIfCancellationRequested();
        if (!items.TryGet(key, out var item))
        {
            return null;
        }

        InMemoryWaitQueue.Entry? entry;
        lock (item)
        {
            // An expired claim passes its unit on before the place is read.
            item.Prune(time.GetUtcNow(), items.Ledger);
            entry = item.Waitlist?.Find(customerReference);
        }

        return entry is null ? null : await PlaceAsync(item, entry, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The place of <paramref name="entry"/>: its position read under the item's lock, its claim from its hold after.</summary>
    private async Task<WaitlistPlace?> PlaceAsync(InMemoryItem item, InMemoryWaitQueue.Entry entry, CancellationToken cancellationToken)
    {
        WaitlistState state;
        Guid? holdId;
        long position;
        lock (item)
        {
            state = entry.State;
            holdId = entry.HoldId;
            position = state == WaitlistState.Waiting ? item.Waitlist!.PositionOf(entry) : 0;
        }

        if (state != WaitlistState.Claimed)
        {
            return new WaitlistPlace(item.Key, entry.Reference, state, state == WaitlistState.Waiting ? position : null, null, null, entry.JoinedAt);
        }

        var hold = await Holds.GetHoldAsync(holdId!.Value, cancellationToken).ConfigureAwait(false);
        return hold is null ? null : ClaimPlace(item.Key, entry.Reference, entry.JoinedAt, hold, time.GetUtcNow());
    }

    /// <summary>A claimed place as its hold tells it: live, bought, or lapsed.</summary>
    public static WaitlistPlace ClaimPlace(StockKey key, string reference, DateTimeOffset joinedAt, StockHold hold, DateTimeOffset now)
    {
        var state = hold.State switch
        {
            HoldState.Confirmed => WaitlistState.Fulfilled,
            HoldState.Active when hold.IsLiveAt(now) => WaitlistState.Claimed,
            _ => WaitlistState.Lapsed,
        };
        return new WaitlistPlace(key, reference, state, null, hold.Id, hold.ExpiresAt, joinedAt);
    }
}
