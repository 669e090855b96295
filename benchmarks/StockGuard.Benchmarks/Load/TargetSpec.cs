using StockGuard;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// A target as named on the command line: <c>store[/strategy][+idem][+feed][+cache]</c>, e.g. <c>postgres/atomic+idem</c>.
/// <c>+feed</c> runs a change dispatcher that consumes the feed during the cell and reports its delivery latency;
/// <c>+cache</c> runs the level cache's follower, probes how long a cached read takes to see a sale, and compares cached
/// reads with the database's after the cell.
/// </summary>
internal sealed record TargetSpec(string Store, ConcurrencyStrategy? Strategy, bool Idempotency, bool Feed = false, bool Cache = false)
{
    public string Name =>
        Store + (Strategy is { } strategy ? "/" + strategy.ToString().ToLowerInvariant() : string.Empty) + (Idempotency ? "+idem" : string.Empty)
        + (Feed ? "+feed" : string.Empty) + (Cache ? "+cache" : string.Empty);

    public static TargetSpec Parse(string text)
    {
        bool idempotency = false, feed = false, cache = false;
        while (true)
        {
            if (text.EndsWith("+idem", StringComparison.OrdinalIgnoreCase))
            {
                idempotency = true;
            }
            else if (text.EndsWith("+feed", StringComparison.OrdinalIgnoreCase))
            {
                feed = true;
            }
            else if (text.EndsWith("+cache", StringComparison.OrdinalIgnoreCase))
            {
                cache = true;
                text = text[..^"+cache".Length];
                continue;
            }
            else
            {
                break;
            }

            text = text[..^"+idem".Length];
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return slash < 0
            ? new TargetSpec(text.ToLowerInvariant(), null, idempotency, feed, cache)
            : new TargetSpec(text[..slash].ToLowerInvariant(), ParseStrategy(text[(slash + 1)..]), idempotency, feed, cache);
    }

    public static ConcurrencyStrategy ParseStrategy(string text) =>
        Enum.TryParse<ConcurrencyStrategy>(text, ignoreCase: true, out var strategy) && Enum.IsDefined(strategy)
            ? strategy
            : throw new ArgumentException($"Unknown strategy '{text}': use atomic, pessimistic, optimistic or coalescing.");

    public override string ToString() => Name;
}

/// <summary>What a no-library baseline sends per order.</summary>
internal enum BaselineKind
{
    /// <summary>The conditional decrement alone, autocommitted.</summary>
    Raw,

    /// <summary>The conditional decrement and a movement-ledger row, in one transaction.</summary>
    Ledger,

    /// <summary>Read, then write the new level: the check-then-write that oversells.</summary>
    Naive,
}
