namespace StockGuard;

/// <summary>
/// Which items <see cref="IStockReconciler.VerifyAsync"/> or <see cref="IStockReconciler.RepairAsync"/> look at: one page
/// of the catalogue in key order (<see cref="After"/>, <see cref="PageSize"/>), or the items named. A page is read in
/// one short statement without locks, so a large catalogue is walked page by page, each call starting after the
/// <see cref="ReconciliationReport.NextAfter"/> of the one before.
/// </summary>
public sealed class ReconciliationRequest
{
    /// <summary>The default page size: 500 items.</summary>
    public const int DefaultPageSize = 500;

    /// <summary>The largest page size: 10,000 items.</summary>
    public const int MaxPageSize = 10_000;

    /// <summary>The most items one request may name: 1,000.</summary>
    public const int MaxKeys = 1_000;

    /// <summary>A page of the catalogue: the first one, or the one after <see cref="After"/>.</summary>
    public ReconciliationRequest()
    {
    }

    /// <summary>The items of <paramref name="keys"/>, duplicates looked at once.</summary>
    /// <param name="keys">At least one and at most <see cref="MaxKeys"/> items.</param>
    /// <exception cref="ArgumentNullException"><paramref name="keys"/> is null.</exception>
    /// <exception cref="ArgumentException">There is no key, a key is <c>default</c>, or there are more than <see cref="MaxKeys"/>.</exception>
    public ReconciliationRequest(IEnumerable<StockKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var distinct = new List<StockKey>();
        var seen = new HashSet<StockKey>();
        foreach (var key in keys)
        {
            if (!key.IsValid)
            {
                throw new ArgumentException("A key is default(StockKey): it names no item.", nameof(keys));
            }

            if (seen.Add(key))
            {
                distinct.Add(key);
            }
        }

        if (distinct.Count == 0)
        {
            throw new ArgumentException("The request names no items; use the parameterless constructor for a page of the catalogue.", nameof(keys));
        }

        if (distinct.Count > MaxKeys)
        {
            throw new ArgumentException($"The request names {distinct.Count} items; at most {MaxKeys} are accepted. Page through the catalogue instead.", nameof(keys));
        }

        distinct.Sort();
        Keys = distinct;
    }

    /// <summary>The items named, in key order; <see langword="null"/> for a page of the catalogue.</summary>
    public IReadOnlyList<StockKey>? Keys { get; }

    /// <summary>
    /// The page starts after this item (exclusive), in the store's key order; <see langword="null"/> (the default) for the
    /// first page. Pass the <see cref="ReconciliationReport.NextAfter"/> of the previous page. Not with <see cref="Keys"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The key is <c>default</c>, or the request names its items.</exception>
    public StockKey? After
    {
        get;
        init
        {
            if (value is { IsValid: false })
            {
                throw new ArgumentException("After is default(StockKey): it names no item. Use null for the first page.", nameof(After));
            }

            if (value is not null && Keys is not null)
            {
                throw new ArgumentException("A request that names its items has no page to start after.", nameof(After));
            }

            field = value;
        }
    }

    /// <summary>How many items one page holds: 1 to <see cref="MaxPageSize"/>, <see cref="DefaultPageSize"/> by default. Not with <see cref="Keys"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is out of range.</exception>
    public int PageSize
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxPageSize);
            field = value;
        }
    } = DefaultPageSize;

    /// <summary>For a repair: report what would be repaired, and lock and write nothing. Ignored by a verify.</summary>
    public bool DryRun { get; init; }

    /// <summary>Written to each repair movement's reference: an incident or ticket number. Up to 200 characters.</summary>
    /// <exception cref="ArgumentException">The reference is empty, white space, too long, or not well-formed text.</exception>
    public string? Reference
    {
        get;
        init => field = Guard.OptionalText(value, Guard.MaxReferenceLength, nameof(Reference), "reference");
    }
}
