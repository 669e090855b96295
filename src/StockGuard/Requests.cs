using System.Text;

namespace StockGuard;

/// <summary>
/// Take whole order lines from stock at once, all or nothing: the "buy now" path. Duplicate lines of one item
/// are merged into one line and checked together.
/// </summary>
public sealed class DeductRequest : StockRequest
{
    /// <summary>Creates a request for <paramref name="lines"/>.</summary>
    /// <param name="lines">At least one line; lines of the same item are merged.</param>
    /// <exception cref="ArgumentException">There are no lines, or a line is <c>default</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Merged lines of one item add up to more than <see cref="int.MaxValue"/>.</exception>
    public DeductRequest(IEnumerable<StockLine> lines) => Lines = Guard.Lines(lines);

    /// <summary>Creates a request for <paramref name="lines"/>.</summary>
    /// <param name="lines">At least one line; lines of the same item are merged.</param>
    public DeductRequest(params StockLine[] lines) => Lines = Guard.Lines(lines);

    /// <summary>The lines, duplicates merged, in the order first seen.</summary>
    public IReadOnlyList<StockLine> Lines { get; }

    /// <inheritdoc/>
    public override StockOperation Operation => StockOperation.Deduct;

    private protected override void AppendFingerprint(StringBuilder text) => AppendLines(text, Lines);
}

/// <summary>Hold lines for a time-to-live: the hold lowers availability at once and is confirmed, released or left to expire.</summary>
public sealed class ReserveRequest : StockRequest
{
    /// <summary>Creates a hold request for <paramref name="lines"/> that expires after <paramref name="timeToLive"/>.</summary>
    /// <param name="timeToLive">How long the hold lives unless confirmed, released or extended; positive.</param>
    /// <param name="lines">At least one line; lines of the same item are merged.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeToLive"/> is zero or negative.</exception>
    public ReserveRequest(TimeSpan timeToLive, IEnumerable<StockLine> lines)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        TimeToLive = timeToLive;
        Lines = Guard.Lines(lines);
    }

    /// <summary>Creates a hold request for <paramref name="lines"/> that expires after <paramref name="timeToLive"/>.</summary>
    /// <param name="timeToLive">How long the hold lives; positive.</param>
    /// <param name="lines">At least one line.</param>
    public ReserveRequest(TimeSpan timeToLive, params StockLine[] lines)
        : this(timeToLive, (IEnumerable<StockLine>)lines)
    {
    }

    /// <summary>The lines, duplicates merged, in the order first seen.</summary>
    public IReadOnlyList<StockLine> Lines { get; }

    /// <summary>How long the hold lives unless confirmed, released or extended.</summary>
    public TimeSpan TimeToLive { get; }

    /// <inheritdoc/>
    public override StockOperation Operation => StockOperation.Reserve;

    private protected override void AppendFingerprint(StringBuilder text)
    {
        text.Append(TimeToLive.Ticks).Append('\n');
        AppendLines(text, Lines);
    }
}

/// <summary>Add units to stock: a delivery (<see cref="StockMovementKind.Receipt"/>) or a customer return (<see cref="StockMovementKind.Return"/>).</summary>
public sealed class ReceiveRequest : StockRequest
{
    /// <summary>Creates a receipt of <paramref name="lines"/>. An item never seen before is created.</summary>
    /// <param name="lines">At least one line; lines of the same item are merged.</param>
    public ReceiveRequest(IEnumerable<StockLine> lines) => Lines = Guard.Lines(lines);

    /// <summary>Creates a receipt of <paramref name="lines"/>.</summary>
    /// <param name="lines">At least one line.</param>
    public ReceiveRequest(params StockLine[] lines) => Lines = Guard.Lines(lines);

    /// <summary>The lines, duplicates merged, in the order first seen.</summary>
    public IReadOnlyList<StockLine> Lines { get; }

    /// <summary>Whether this is a delivery (the default) or a customer return. A return needs the item to exist.</summary>
    public StockMovementKind Kind
    {
        get;
        init
        {
            if (value is not (StockMovementKind.Receipt or StockMovementKind.Return))
            {
                throw new ArgumentOutOfRangeException(nameof(Kind), value, "A receive request is a Receipt or a Return.");
            }

            field = value;
        }
    } = StockMovementKind.Receipt;

    /// <inheritdoc/>
    public override StockOperation Operation => Kind == StockMovementKind.Return ? StockOperation.Return : StockOperation.Receive;

    private protected override void AppendFingerprint(StringBuilder text) => AppendLines(text, Lines);
}

/// <summary>
/// A counted correction of one item's on-hand units, with a reason. A negative correction takes units from
/// availability like a sale and is refused when they are not there (release or confirm holds first).
/// </summary>
public sealed class AdjustRequest : StockRequest
{
    /// <summary>Creates a correction of <paramref name="delta"/> units of <paramref name="key"/>.</summary>
    /// <param name="key">The stock item, which must exist.</param>
    /// <param name="delta">Units to add (positive) or remove (negative); not zero.</param>
    /// <param name="reason">Why: a stock count, damage, shrinkage. Required, up to 200 characters.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is zero or <see cref="int.MinValue"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is <c>default</c> or <paramref name="reason"/> is missing.</exception>
    public AdjustRequest(StockKey key, int delta, string reason)
    {
        if (!key.IsValid)
        {
            throw new ArgumentException("The correction names no stock item: default(StockKey) is not a key.", nameof(key));
        }

        if (delta is 0 or int.MinValue)
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "A correction moves at least one unit and at most int.MaxValue units either way.");
        }

        Key = key;
        Delta = delta;
        Reason = Guard.Identifier(reason, Guard.MaxReasonLength, nameof(reason), "reason");
    }

    /// <summary>The stock item.</summary>
    public StockKey Key { get; }

    /// <summary>Units added (positive) or removed (negative).</summary>
    public int Delta { get; }

    /// <summary>Why the correction was made.</summary>
    public string Reason { get; }

    /// <inheritdoc/>
    public override StockOperation Operation => StockOperation.Adjust;

    private protected override void AppendFingerprint(StringBuilder text) =>
        text.Append(Key.Sku.Length).Append(':').Append(Key.Sku).Append(Key.Location.Length).Append(':').Append(Key.Location)
            .Append('=').Append(Delta).Append('\n').Append(Reason);
}
