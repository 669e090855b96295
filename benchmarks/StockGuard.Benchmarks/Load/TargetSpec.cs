using StockGuard;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// A target as named on the command line: <c>store[/strategy][+idem][+alloc]</c>, e.g. <c>postgres/atomic+idem</c>.
/// <c>+alloc</c> turns each order into an allocation of three lines over three locations (<see cref="StockStoreTarget"/>).
/// </summary>
internal sealed record TargetSpec(string Store, ConcurrencyStrategy? Strategy, bool Idempotency, bool Allocation = false)
{
    public string Name =>
        Store + (Strategy is { } strategy ? "/" + strategy.ToString().ToLowerInvariant() : string.Empty) + (Idempotency ? "+idem" : string.Empty)
        + (Allocation ? "+alloc" : string.Empty);

    public static TargetSpec Parse(string text)
    {
        var allocation = text.EndsWith("+alloc", StringComparison.OrdinalIgnoreCase);
        if (allocation)
        {
            text = text[..^"+alloc".Length];
        }

        return ParseStore(text) with { Allocation = allocation };
    }

    private static TargetSpec ParseStore(string text)
    {
        var idempotency = text.EndsWith("+idem", StringComparison.OrdinalIgnoreCase);
        if (idempotency)
        {
            text = text[..^"+idem".Length];
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return slash < 0
            ? new TargetSpec(text.ToLowerInvariant(), null, idempotency)
            : new TargetSpec(text[..slash].ToLowerInvariant(), ParseStrategy(text[(slash + 1)..]), idempotency);
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
