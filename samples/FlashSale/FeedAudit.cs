using StockGuard;
using StockGuard.Changes;

namespace FlashSale;

/// <summary>
/// Follows the store's change feed while the sale runs, as a shop's ERP or search index would, and checks afterwards
/// that what it saw rebuilds every item: the on-hand deltas it read add up to the level the store reports, and the
/// last change of each item carries that level.
/// </summary>
internal sealed class FeedAudit
{
    private readonly IStockChangeFeed _feed;
    private readonly HashSet<StockKey> _skus;
    private readonly Dictionary<StockKey, (long OnHand, StockLevel? Last)> _items = [];
    private StockChangePosition _position;

    private FeedAudit(IStockChangeFeed feed, IEnumerable<StockKey> skus, StockChangePosition start)
    {
        _feed = feed;
        _skus = [.. skus];
        _position = start;
    }

    /// <summary>Changes of the sale's items that the reader saw.</summary>
    public long Changes { get; private set; }

    /// <summary>Of those, the ones that sold units (a deduct, or a confirmed hold).</summary>
    public long Sales { get; private set; }

    /// <summary>Status changes to out of stock that rode on those changes (what a storefront cache must hear).</summary>
    public long SoldOutEvents { get; private set; }

    /// <summary>Starts reading after the feed's current end, before the opening stock is received.</summary>
    public static async Task<FeedAudit> StartAsync(IStockChangeFeed feed, IEnumerable<StockKey> skus, CancellationToken cancellationToken) =>
        new(feed, skus, await feed.GetLastPositionAsync(cancellationToken));

    /// <summary>Reads the feed until <paramref name="selling"/> ends, then to the end of what has been committed.</summary>
    public async Task FollowAsync(Task selling, CancellationToken cancellationToken)
    {
        while (!selling.IsCompleted)
        {
            if (!await ReadPageAsync(cancellationToken))
            {
                // A sample may poll; a shop registers .AddChangeHandler<T>() and is woken (LISTEN/NOTIFY on PostgreSQL).
                await Task.WhenAny(selling, Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken));
            }
        }

        await CatchUpAsync(cancellationToken);
    }

    /// <summary>Reads until the reader has passed every change committed so far.</summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        var end = await _feed.GetLastPositionAsync(cancellationToken);
        while (_position < end)
        {
            if (!await ReadPageAsync(cancellationToken))
            {
                // Held back behind a transaction still running elsewhere on the server (docs/changes.md).
                await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
            }
        }
    }

    /// <summary>What the feed says of each item against the store's levels; empty when they agree.</summary>
    public IEnumerable<string> Check(IReadOnlyList<StockLevel> levels)
    {
        foreach (var level in levels)
        {
            var (onHand, last) = _items.GetValueOrDefault(level.Key);
            if (onHand != level.OnHand)
            {
                yield return $"{level.Key}: the feed's on-hand deltas add up to {onHand:N0}, the store holds {level.OnHand:N0}";
            }

            if (last is null || last.OnHand != level.OnHand || last.Reserved != level.Reserved || last.Version != level.Version)
            {
                yield return $"{level.Key}: the feed's last change left {Describe(last)}, the store holds {Describe(level)}";
            }
        }
    }

    private static string Describe(StockLevel? level) =>
        level is null ? "nothing" : $"{level.OnHand:N0} on hand, {level.Reserved:N0} reserved (version {level.Version:N0})";

    private async Task<bool> ReadPageAsync(CancellationToken cancellationToken)
    {
        var page = await _feed.ReadChangesAsync(_position, maxCount: 1000, cancellationToken);
        foreach (var change in page.Changes)
        {
            if (!_skus.Contains(change.Key))
            {
                continue;
            }

            Changes++;
            if (change.Kind is StockMovementKind.Sale || (change.Kind is StockMovementKind.HoldConfirmed && change.OnHandDelta < 0))
            {
                Sales++;
            }

            if (change.StatusChange?.Kind == StockStatusChangeKind.OutOfStock)
            {
                SoldOutEvents++;
            }

            var (onHand, _) = _items.GetValueOrDefault(change.Key);
            _items[change.Key] = (onHand + change.OnHandDelta, change.LevelAfter);
        }

        _position = page.Next;
        return page.Changes.Count > 0;
    }
}
