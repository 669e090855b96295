using System.Collections.Concurrent;

namespace StockGuard.Sql.Strategies.Coalescing;

/// <summary>
/// The requests waiting for one stock item, and whether a request or batch for it is in flight. At most one is in
/// flight per item: the first request of an idle item runs alone; those that arrive meanwhile wait here and are
/// taken as the next batch. An idle queue retires itself from the store's map, so the map holds only busy items.
/// </summary>
internal sealed class CoalescingQueue(StockKey key, ConcurrentDictionary<StockKey, CoalescingQueue> owner)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<PendingDeduct> _waiting = new();
    private bool _busy;
    private bool _retired;

    public StockKey Key { get; } = key;

    /// <summary>Admits <paramref name="pending"/>: to run alone now, to wait for a batch, or not at all (this queue retired; look it up again).</summary>
    /// <exception cref="StockStoreBusyException"><paramref name="maxQueueLength"/> requests already wait.</exception>
    public Admission Enter(PendingDeduct pending, int maxQueueLength)
    {
        lock (_gate)
        {
            if (_retired)
            {
                return Admission.Retired;
            }

            if (!_busy)
            {
                _busy = true;
                return Admission.RunAlone;
            }

            if (_waiting.Count >= maxQueueLength)
            {
                throw new StockStoreBusyException(Key, maxQueueLength);
            }

            pending.Node = _waiting.AddLast(pending);
            return Admission.Queued;
        }
    }

    /// <summary>Puts <paramref name="pending"/>, admitted to run alone, in the queue instead: the caller stays in flight and serves it with the others.</summary>
    public void Wait(PendingDeduct pending)
    {
        lock (_gate)
        {
            pending.Node = _waiting.AddFirst(pending);
        }
    }

    /// <summary>Removes a request that is still waiting; false when a batch already took it.</summary>
    public bool TryRemove(PendingDeduct pending)
    {
        lock (_gate)
        {
            if (pending.Node is not { } node)
            {
                return false;
            }

            _waiting.Remove(node);
            pending.Node = null;
            return true;
        }
    }

    /// <summary>The number of requests waiting now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Takes up to <paramref name="max"/> waiting requests in arrival order.</summary>
    public List<PendingDeduct> Take(int max)
    {
        var batch = new List<PendingDeduct>(Math.Min(max, 64));
        lock (_gate)
        {
            while (batch.Count < max && _waiting.First is { } node)
            {
                _waiting.RemoveFirst();
                node.Value.Node = null;
                batch.Add(node.Value);
            }
        }

        return batch;
    }

    /// <summary>
    /// Called by whoever was in flight when it finishes: true when requests wait (the caller stays in flight and
    /// serves them); false when none do, in which case the item is idle and this queue retires.
    /// </summary>
    public bool ContinueOrRetire()
    {
        lock (_gate)
        {
            if (_waiting.Count > 0)
            {
                return true;
            }

            _busy = false;
            _retired = true;
            owner.TryRemove(new KeyValuePair<StockKey, CoalescingQueue>(Key, this));
            return false;
        }
    }

    public enum Admission
    {
        RunAlone,
        Queued,
        Retired,
    }
}
