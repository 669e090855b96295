using StockGuard;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// A target as named on the command line: <c>store[/strategy][+idem][+feed][+cache][+alloc]</c>, e.g. <c>postgres/atomic+idem</c>.
/// <c>+feed</c> runs a change dispatcher that consumes the feed during the cell and reports its delivery latency;
/// <c>+cache</c> runs the level cache's follower, probes how long a cached read takes to see a sale, and compares cached
/// reads with the database's after the cell; <c>+alloc</c> turns each order into an allocation of three lines over three
/// locations (<see cref="StockStoreTarget"/>).
/// </summary>
internal sealed record TargetSpec(string Store, ConcurrencyStrategy? Strategy, bool Idempotency, bool Feed = false, bool Cache = false, bool Allocation = false)
{
    private static readonly string[] Suffixes = ["+idem", "+feed", "+cache", "+alloc"];

    public string Name =>
        Store + (Strategy is { } strategy ? "/" + strategy.ToString().ToLowerInvariant() : string.Empty) + (Idempotency ? "+idem" : string.Empty)
        + (Feed ? "+feed" : string.Empty) + (Cache ? "+cache" : string.Empty) + (Allocation ? "+alloc" : string.Empty);

    public static TargetSpec Parse(string text)
    {
        var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (Suffixes.FirstOrDefault(s => text.EndsWith(s, StringComparison.OrdinalIgnoreCase)) is { } suffix)
        {
            found.Add(suffix);
            text = text[..^suffix.Length];
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var store = (slash < 0 ? text : text[..slash]).ToLowerInvariant();
        var strategy = slash < 0 ? (ConcurrencyStrategy?)null : ParseStrategy(text[(slash + 1)..]);
        return new TargetSpec(store, strategy, found.Contains("+idem"), found.Contains("+feed"), found.Contains("+cache"), found.Contains("+alloc"));
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
