using System.Collections.Concurrent;

namespace StockGuard.Sql.Strategies.Coalescing;

/// <summary>
/// The requests waiting for one stock item, and whether a request or batch for it is in flight. At most one is in
/// flight per item: those that arrive meanwhile wait here and are taken as the next batch. A queue is made only when a
/// request finds its item in flight (a request alone marks its item with <see cref="Alone"/>, no object of its own).
/// When the flight lands and nobody waits, the queue retires itself from the store's map, unless its item formed a
/// batch within the hot window: then it stays there idle, so that the item's next buyer finds it hot without a lookup
/// of its own.
/// </summary>
internal sealed class CoalescingQueue
{
    /// <summary>How long an item that formed a batch counts as hot: its lone deducts wait for the buyers arriving with them.</summary>
    public static readonly TimeSpan HotWindow = TimeSpan.FromSeconds(1);

    /// <summary>The map's value for an item whose one request runs alone and nobody waits: shared, never entered.</summary>
    public static readonly CoalescingQueue Alone = new(default, null!, TimeProvider.System, busy: true);

    private readonly Lock _gate = new();
    private readonly LinkedList<PendingDeduct> _waiting = new();
    private readonly ConcurrentDictionary<StockKey, CoalescingQueue> _owner;
    private readonly TimeProvider _time;
    private bool _busy;
    private bool _retired;

    /// <summary>When the item last formed a batch of two or more (a <see cref="TimeProvider"/> timestamp).</summary>
    private long? _lastBatch;

    /// <summary>A queue for <paramref name="key"/> in <paramref name="owner"/>; <paramref name="busy"/> when made for a flight already out (the flight serves it when it lands).</summary>
    public CoalescingQueue(StockKey key, ConcurrentDictionary<StockKey, CoalescingQueue> owner, TimeProvider time, bool busy)
    {
        Key = key;
        _owner = owner;
        _time = time;
        _busy = busy;
    }

    public StockKey Key { get; }

    /// <summary>
    /// Whether the item reserved units when a batch last saw its row, or a batch could not tell: the next batch is then
    /// sent with the statement that reports expired holds. Read and written only by the flight out, one at a time.
    /// </summary>
    public bool Reserving { get; set; }

    /// <summary>Whether the item formed a batch of two or more within the last <see cref="HotWindow"/>.</summary>
    public bool IsHot
    {
        get
        {
            lock (_gate)
            {
                return HotNow();
            }
        }
    }

    /// <summary>Admits <paramref name="pending"/>: to run alone now (the item was idle and hot), to wait for a batch, or not at all (this queue retired; look it up again).</summary>
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

    /// <summary>Takes up to <paramref name="max"/> waiting requests in arrival order; a batch of two or more makes the item hot.</summary>
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

            if (batch.Count > 1)
            {
                _lastBatch = _time.GetTimestamp();
            }
        }

        return batch;
    }

    /// <summary>
    /// Called by whoever was in flight when it finishes: true when requests wait (the caller stays in flight and
    /// serves them); false when none do: the item is idle, and this queue stays in the map while the item is hot, or
    /// retires.
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
            if (!HotNow())
            {
                Retire();
            }

            return false;
        }
    }

    /// <summary>Retires this queue if it is idle and its item is no longer hot (a queue left in the map by a hot item that no buyer came back to).</summary>
    public void RetireIfCold()
    {
        lock (_gate)
        {
            if (!_busy && !_retired && !HotNow())
            {
                Retire();
            }
        }
    }

    private bool HotNow() => _lastBatch is { } at && _time.GetElapsedTime(at) < HotWindow;

    private void Retire()
    {
        _retired = true;
        _owner.TryRemove(new KeyValuePair<StockKey, CoalescingQueue>(Key, this));
    }

    public enum Admission
    {
        RunAlone,
        Queued,
        Retired,
    }
}
