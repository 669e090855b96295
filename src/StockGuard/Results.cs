namespace StockGuard;

/// <summary>A line that could not be served: what was asked and what could still be sold at that moment.</summary>
/// <param name="Key">The stock item.</param>
/// <param name="Requested">Units asked for.</param>
/// <param name="Sellable">Units that could be taken at the moment of the decision (<see cref="StockLevel.Sellable"/>).</param>
public readonly record struct ShortLine(StockKey Key, int Requested, long Sellable);

/// <summary>
/// What a deduct, receipt or correction did. A refusal for lack of stock is a result, not an exception:
/// <see cref="Succeeded"/> is <see langword="false"/> and <see cref="ShortLines"/> says which lines were short.
/// </summary>
public sealed record StockChangeResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="succeeded">Whether the change was applied.</param>
    /// <param name="levels">The levels after the change, one per line; the levels at the decision when refused.</param>
    /// <param name="shortLines">The lines that could not be served; empty on success.</param>
    public StockChangeResult(bool succeeded, IReadOnlyList<StockLevel> levels, IReadOnlyList<ShortLine> shortLines)
    {
        Succeeded = succeeded;
        Levels = levels;
        ShortLines = shortLines;
    }

    /// <summary>Whether the whole change was applied. All or nothing: no line was applied when this is false.</summary>
    public bool Succeeded { get; }

    /// <summary>One level per line of the request, after the change when it succeeded.</summary>
    public IReadOnlyList<StockLevel> Levels { get; }

    /// <summary>The lines that lacked stock; empty when <see cref="Succeeded"/>.</summary>
    public IReadOnlyList<ShortLine> ShortLines { get; }

    /// <summary>Whether this result is the stored first result of an earlier request with the same idempotency key.</summary>
    public bool IsReplay { get; init; }

    /// <summary>
    /// The lines whose units went below zero, with how many of their units are backordered or pre-ordered (each recorded
    /// as a <see cref="Backorder"/>, see <see cref="IStockBackorders"/>), in the request's line order; empty when every
    /// unit came from stock, or when refused.
    /// </summary>
    public IReadOnlyList<BackorderedLine> Backordered { get; init; } = [];

    /// <summary>A change that took effect: <paramref name="levels"/> are the items' levels right after it, in the request's line order.</summary>
    /// <param name="levels">The levels after the change.</param>
    public static StockChangeResult Applied(IReadOnlyList<StockLevel> levels) => new(true, levels, []);

    /// <summary>A change refused for lack of stock, which changed nothing.</summary>
    /// <param name="levels">The items' levels as they are, in the request's line order.</param>
    /// <param name="shortLines">The lines that lacked stock, with what could still be sold.</param>
    public static StockChangeResult Refused(IReadOnlyList<StockLevel> levels, IReadOnlyList<ShortLine> shortLines) => new(false, levels, shortLines);
}

/// <summary>What a reservation did: the hold it created, or the lines that lacked stock.</summary>
public sealed record ReserveResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="hold">The new hold, or <see langword="null"/> when refused.</param>
    /// <param name="levels">The levels after the hold, one per line; the levels at the decision when refused.</param>
    /// <param name="shortLines">The lines that could not be held; empty on success.</param>
    public ReserveResult(StockHold? hold, IReadOnlyList<StockLevel> levels, IReadOnlyList<ShortLine> shortLines)
    {
        Hold = hold;
        Levels = levels;
        ShortLines = shortLines;
    }

    /// <summary>Whether the hold was created.</summary>
    public bool Succeeded => Hold is not null;

    /// <summary>The hold, when created.</summary>
    public StockHold? Hold { get; }

    /// <summary>One level per line of the request.</summary>
    public IReadOnlyList<StockLevel> Levels { get; }

    /// <summary>The lines that lacked stock; empty when <see cref="Succeeded"/>.</summary>
    public IReadOnlyList<ShortLine> ShortLines { get; }

    /// <summary>Whether this result is the stored first result of an earlier request with the same idempotency key.</summary>
    public bool IsReplay { get; init; }

    /// <summary>
    /// The lines whose units went below zero, with how many of their units are backordered or pre-ordered (each recorded
    /// as a <see cref="Backorder"/>, see <see cref="IStockBackorders"/>), in the request's line order; empty when every
    /// unit came from stock, or when refused.
    /// </summary>
    public IReadOnlyList<BackorderedLine> Backordered { get; init; } = [];
}

/// <summary>What a confirm, release or extend found and did.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Hold">The hold as it is now.</param>
public sealed record HoldResult(HoldOutcome Outcome, StockHold Hold)
{
    /// <summary>Whether the hold was already in the asked-for state, so nothing changed (a retried confirm or release).</summary>
    public bool WasAlreadyDone { get; init; }

    /// <summary>
    /// When <see cref="Outcome"/> is <see cref="HoldOutcome.Confirmed"/>: the units the hold sold, one line per item that
    /// sold any, in the hold's line order (all of <see cref="StockHold.Lines"/> unless part of the hold was confirmed);
    /// also for a repeated confirm. Empty otherwise.
    /// </summary>
    public IReadOnlyList<StockLine> ConfirmedLines { get; init; } = [];
}

/// <summary>What a confirm, release or extend did to a hold.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<HoldOutcome>))]
public enum HoldOutcome
{
    /// <summary>The hold is a sale now: reserved and on-hand units both dropped.</summary>
    Confirmed,

    /// <summary>The hold's units are available again.</summary>
    Released,

    /// <summary>The hold lives longer.</summary>
    Extended,

    /// <summary>The hold had expired; its units were already given back. Nothing was sold or extended.</summary>
    Expired,
}

/// <summary>What one maintenance sweep did.</summary>
/// <param name="ExpiredHolds">Holds past their expiry that the sweep released.</param>
/// <param name="PurgedHolds">Finished holds older than the retention period that were deleted.</param>
/// <param name="PurgedIdempotencyKeys">Idempotency keys older than the retention period that were deleted.</param>
public readonly record struct SweepResult(int ExpiredHolds, int PurgedHolds, int PurgedIdempotencyKeys);
