using System.Text;

namespace StockGuard;

/// <summary>
/// Confirm part of a hold: sell <see cref="Lines"/> and give the rest of the hold back, in one transaction. For a line
/// or part of a line cancelled while the payment was taken. Lines of the hold not named here are released whole.
/// </summary>
/// <remarks>
/// A confirm is its own idempotency key: the hold. Sending the same confirm again reports success with
/// <see cref="HoldResult.WasAlreadyDone"/>; a confirm of a confirmed hold with other quantities is a
/// <see cref="HoldStateException"/> that changes nothing.
/// </remarks>
public sealed class ConfirmRequest
{
    /// <summary>Creates a confirm of <paramref name="lines"/> of the hold <paramref name="holdId"/>.</summary>
    /// <param name="holdId">The hold.</param>
    /// <param name="lines">The units to sell, each of an item the hold holds and at most the units it holds of it; lines of the same item are merged. To sell nothing, release the hold.</param>
    /// <exception cref="ArgumentException">There are no lines, or a line is <c>default</c>.</exception>
    public ConfirmRequest(Guid holdId, IEnumerable<StockLine> lines)
    {
        HoldId = holdId;
        Lines = Guard.Lines(lines);
    }

    /// <summary>Creates a confirm of <paramref name="lines"/> of the hold <paramref name="holdId"/>.</summary>
    /// <param name="holdId">The hold.</param>
    /// <param name="lines">The units to sell; at least one line.</param>
    public ConfirmRequest(Guid holdId, params StockLine[] lines)
        : this(holdId, (IEnumerable<StockLine>)lines)
    {
    }

    /// <summary>The hold.</summary>
    public Guid HoldId { get; }

    /// <summary>The units to sell, duplicates merged, in the order first seen.</summary>
    public IReadOnlyList<StockLine> Lines { get; }
}

/// <summary>
/// A customer return of units sold by a confirmed hold: the compensation of a confirmed sale. The units go back on
/// hand with a <see cref="StockMovementKind.Return"/> movement that names the hold; no more units of an item can come
/// back than the hold sold of it, counting the returns before. The idempotency key is required, so a retried return
/// is counted once.
/// </summary>
public sealed class HoldReturnRequest : StockRequest
{
    /// <summary>Creates a return of <paramref name="lines"/> against the hold <paramref name="holdId"/>.</summary>
    /// <param name="holdId">The confirmed hold whose sale the units came from.</param>
    /// <param name="idempotencyKey">The return's own key (a return number): a retry with it returns the first result.</param>
    /// <param name="lines">At least one line; lines of the same item are merged.</param>
    /// <exception cref="ArgumentNullException"><paramref name="idempotencyKey"/> is null.</exception>
    /// <exception cref="ArgumentException">The key is not a valid idempotency key, there are no lines, or a line is <c>default</c>.</exception>
    public HoldReturnRequest(Guid holdId, string idempotencyKey, IEnumerable<StockLine> lines)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        HoldId = holdId;
        IdempotencyKey = idempotencyKey;
        Lines = Guard.Lines(lines);
    }

    /// <summary>Creates a return of <paramref name="lines"/> against the hold <paramref name="holdId"/>.</summary>
    /// <param name="holdId">The confirmed hold.</param>
    /// <param name="idempotencyKey">The return's own key.</param>
    /// <param name="lines">At least one line.</param>
    public HoldReturnRequest(Guid holdId, string idempotencyKey, params StockLine[] lines)
        : this(holdId, idempotencyKey, (IEnumerable<StockLine>)lines)
    {
    }

    /// <summary>The confirmed hold whose sale the units came from.</summary>
    public Guid HoldId { get; }

    /// <summary>The returned units, duplicates merged, in the order first seen.</summary>
    public IReadOnlyList<StockLine> Lines { get; }

    /// <inheritdoc/>
    public override StockOperation Operation => StockOperation.Return;

    private protected override void AppendFingerprint(StringBuilder text)
    {
        text.Append("hold:").Append(HoldId.ToString("N")).Append('\n');
        AppendLines(text, Lines);
    }
}
