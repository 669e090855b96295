namespace StockGuard.InMemory;

/// <summary>Settings of the <see cref="InMemoryStockStore"/>.</summary>
public sealed class InMemoryStockStoreOptions : StockStoreOptions
{
    /// <summary>
    /// How many of the latest movements the store keeps for its change feed and item histories; older ones are
    /// discarded, and a feed reader that asks for changes after a discarded position gets a
    /// <see cref="Changes.StockChangePositionExpiredException"/> instead of a silent skip. The store allocates room for them at
    /// once (about 150 bytes each), so that recording a movement allocates nothing. Default: 10,000. Range: 1 to 10,000,000.
    /// </summary>
    public int ChangeRetention { get; set; } = 10_000;

    /// <inheritdoc/>
    protected override void Validate(ICollection<string> failures)
    {
        base.Validate(failures);
        CheckRange(failures, nameof(InMemoryStockStoreOptions), nameof(ChangeRetention), ChangeRetention, 1, 10_000_000);
    }
}
