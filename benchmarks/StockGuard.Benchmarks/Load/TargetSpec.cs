using StockGuard;

namespace StockGuard.Benchmarks.Load;

/// <summary>
/// A target as named on the command line: <c>store[/strategy][+idem][+feed][+cache][+alloc][+hold][+notify]</c>, e.g. <c>postgres/atomic+idem</c>.
/// <c>+feed</c> runs a change dispatcher that consumes the feed during the cell and reports its delivery latency;
/// <c>+cache</c> runs the level cache's follower, probes how long a cached read takes to see a sale, and compares cached
/// reads with the database's after the cell; <c>+alloc</c> turns each order into an allocation of three lines over three
/// locations; <c>+hold</c> turns each order into a cart: a hold (<see cref="IStockStore.ReserveAsync"/>) that is then
/// confirmed, released or abandoned to expire (<see cref="HoldMix"/>, <see cref="StockStoreTarget"/>); <c>+notify</c>
/// (PostgreSQL stores) sets <c>ChangeNotifications = Always</c>: the store sends <c>NOTIFY</c> after its changes though
/// nothing in its process follows the feed, as a writer whose dispatchers run elsewhere does.
/// </summary>
internal sealed record TargetSpec(string Store, ConcurrencyStrategy? Strategy, bool Idempotency, bool Feed = false, bool Cache = false, bool Allocation = false, bool Hold = false, bool Notify = false)
{
    private static readonly string[] Suffixes = ["+idem", "+feed", "+cache", "+alloc", "+hold", "+notify"];

    public string Name =>
        Store + (Strategy is { } strategy ? "/" + strategy.ToString().ToLowerInvariant() : string.Empty) + (Idempotency ? "+idem" : string.Empty)
        + (Feed ? "+feed" : string.Empty) + (Cache ? "+cache" : string.Empty) + (Allocation ? "+alloc" : string.Empty) + (Hold ? "+hold" : string.Empty)
        + (Notify ? "+notify" : string.Empty);

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
        var spec = new TargetSpec(store, strategy, found.Contains("+idem"), found.Contains("+feed"), found.Contains("+cache"), found.Contains("+alloc"), found.Contains("+hold"), found.Contains("+notify"));
        return spec.Hold && (spec.Feed || spec.Cache || spec.Allocation)
            ? throw new ArgumentException($"{spec.Name}: +hold runs alone; it does not combine with +feed, +cache or +alloc.")
            : spec;
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

/// <summary>
/// What a <c>+hold</c> client does with each cart: it holds the order's units for <see cref="TimeToLive"/>, waits
/// <see cref="ThinkTime"/>, then confirms the hold (a sale), releases it, or abandons it to expire and be swept, drawn
/// with the given shares.
/// </summary>
/// <param name="ConfirmShare">Share of granted holds confirmed.</param>
/// <param name="ReleaseShare">Share of granted holds released; the rest are abandoned.</param>
/// <param name="ThinkTime">Time between the hold and its confirm or release; zero for none.</param>
/// <param name="TimeToLive">The holds' time-to-live; the end of a cell waits this long, then sweeps.</param>
internal sealed record HoldMix(double ConfirmShare, double ReleaseShare, TimeSpan ThinkTime, TimeSpan TimeToLive)
{
    /// <summary>80 % confirmed, 15 % released, 5 % abandoned; no think time; holds live 2 s.</summary>
    public static HoldMix Default { get; } = new(0.80, 0.15, TimeSpan.Zero, TimeSpan.FromSeconds(2));

    public double AbandonShare => Math.Max(0, 1 - ConfirmShare - ReleaseShare);

    /// <summary>Parses <c>confirm,release,abandon</c> shares, e.g. <c>0.8,0.15,0.05</c>, which must add up to 1.</summary>
    public static (double Confirm, double Release) ParseShares(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var shares = parts.Length == 3
            ? parts.Select(p => double.TryParse(p, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && v >= 0 && v <= 1 ? v : double.NaN).ToArray()
            : [];
        return shares.Length == 3 && !shares.Any(double.IsNaN) && Math.Abs(shares.Sum() - 1) < 1e-9
            ? (shares[0], shares[1])
            : throw new ArgumentException($"--hold-mix needs three shares confirm,release,abandon between 0 and 1 that add up to 1, e.g. 0.8,0.15,0.05, not '{text}'.");
    }

    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{ConfirmShare:0.##} confirmed, {ReleaseShare:0.##} released, {AbandonShare:0.##} abandoned; think {ThinkTime.TotalMilliseconds:0.#} ms; TTL {TimeToLive.TotalSeconds:0.###} s");
}
