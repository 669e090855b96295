using System.Diagnostics;

namespace StockGuard.InMemory;

/// <summary>
/// The items of a request's lines, in line order. A single line, the common "buy now" case, keeps its item in a
/// field, so resolving and locking it allocates nothing; several lines keep an array.
/// </summary>
internal readonly struct ItemSet
{
    private readonly InMemoryItem? _single;
    private readonly InMemoryItem[]? _many;

    public ItemSet(InMemoryItem single) => _single = single;

    public ItemSet(InMemoryItem[] many) => _many = many;

    public int Count => _many?.Length ?? 1;

    public InMemoryItem this[int index]
    {
        get
        {
            Debug.Assert(_many is not null || index == 0, "A single-item set has index 0 only.");
            return _many is null ? _single! : _many[index];
        }
    }
}
