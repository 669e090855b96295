namespace StockGuard.InMemory;

/// <summary>Settings of the <see cref="InMemoryStockStore"/>.</summary>
public sealed class InMemoryStockStoreOptions : StockStoreOptions
{
    /// <summary>
    /// How many of the latest movements the store keeps for its change feed and item histories; older ones are
    /// discarded, and a feed reader that asks for changes after a discarded position gets a
    /// <see cref="Changes.StockChangePositionExpiredException"/> instead of a silent skip. Default: 100,000.
    /// Range: 1 to 100,000,000.
    /// </summary>
    public int ChangeRetention { get; set; } = 100_000;

    /// <inheritdoc/>
    protected override void Validate(ICollection<string> failures)
    {
        base.Validate(failures);
        CheckRange(failures, nameof(InMemoryStockStoreOptions), nameof(ChangeRetention), ChangeRetention, 1, 100_000_000);
    }
}
