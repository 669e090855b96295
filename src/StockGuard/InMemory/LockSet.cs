namespace StockGuard.InMemory;

/// <summary>Locks the items of an order in key order, so that two orders over the same items never deadlock.</summary>
internal readonly struct LockSet : IDisposable
{
    private readonly InMemoryItem? _single;
    private readonly InMemoryItem[]? _ordered;

    private LockSet(InMemoryItem? single, InMemoryItem[]? ordered)
    {
        _single = single;
        _ordered = ordered;
    }

    public static LockSet Enter(ItemSet items)
    {
        if (items.Count == 1)
        {
            Monitor.Enter(items[0]);
            return new LockSet(items[0], null);
        }

        var ordered = new InMemoryItem[items.Count];
        for (var i = 0; i < ordered.Length; i++)
        {
            ordered[i] = items[i];
        }

        Array.Sort(ordered, static (a, b) => a.Key.CompareTo(b.Key));
        var taken = 0;
        try
        {
            for (; taken < ordered.Length; taken++)
            {
                Monitor.Enter(ordered[taken]);
            }
        }
        catch
        {
            Exit(ordered, taken);
            throw;
        }

        return new LockSet(null, ordered);
    }

    public void Dispose()
    {
        if (_ordered is null)
        {
            Monitor.Exit(_single!);
        }
        else
        {
            Exit(_ordered, _ordered.Length);
        }
    }

    private static void Exit(InMemoryItem[] ordered, int count)
    {
        for (var i = count - 1; i >= 0; i--)
        {
            Monitor.Exit(ordered[i]);
        }
    }
}
