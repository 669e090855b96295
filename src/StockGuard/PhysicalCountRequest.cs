using System.Globalization;
using System.Text;

namespace StockGuard;

/// <summary>
/// A physical count of one item: its on-hand units are set to <see cref="CountedOnHand"/>, recorded as one adjustment
/// movement by the difference (<see cref="IStockReconciler.CountAsync"/>). With <see cref="ExpectedVersion"/>, the
/// count applies only if nothing changed the item since the counter read its level.
/// </summary>
public sealed class PhysicalCountRequest : StockRequest
{
    /// <summary>Creates a count of <paramref name="countedOnHand"/> units of <paramref name="key"/>.</summary>
    /// <param name="key">The stock item, which must exist.</param>
    /// <param name="countedOnHand">The units found: 0 to <see cref="StockLimits.MaxStock"/>.</param>
    /// <param name="reason">Why, written to the movement's note: "cycle count", "year-end stocktake". Required, up to 200 characters.</param>
    /// <exception cref="ArgumentException"><paramref name="key"/> is <c>default</c> or <paramref name="reason"/> is missing or not well-formed text.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="countedOnHand"/> is negative or above <see cref="StockLimits.MaxStock"/>.</exception>
    public PhysicalCountRequest(StockKey key, long countedOnHand, string reason)
    {
        if (!key.IsValid)
        {
            throw new ArgumentException("The count names no stock item: default(StockKey) is not a key.", nameof(key));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(countedOnHand);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(countedOnHand, StockLimits.MaxStock);
        Key = key;
        CountedOnHand = countedOnHand;
        Reason = Guard.Identifier(reason, Guard.MaxReasonLength, nameof(reason), "reason");
    }

    /// <summary>The stock item.</summary>
    public StockKey Key { get; }

    /// <summary>The units found.</summary>
    public long CountedOnHand { get; }

    /// <summary>Why the count was made.</summary>
    public string Reason { get; }

    /// <summary>
    /// The item's <see cref="StockLevel.Version"/> when the count began, or <see langword="null"/> (the default) to count
    /// whatever happened since. A different version refuses the count with <see cref="StockVersionConflictException"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The version is below 1.</exception>
    public long? ExpectedVersion
    {
        get;
        init
        {
            if (value is < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(ExpectedVersion), value, "A stored item's version is at least 1.");
            }

            field = value;
        }
    }

    /// <inheritdoc/>
    public override StockOperation Operation => StockOperation.Count;

    private protected override void AppendFingerprint(StringBuilder text) =>
        text.Append(Key.Sku.Length).Append(':').Append(Key.Sku).Append(Key.Location.Length).Append(':').Append(Key.Location)
            .Append('=').Append(CountedOnHand.ToString(CultureInfo.InvariantCulture)).Append('@')
            .Append(ExpectedVersion?.ToString(CultureInfo.InvariantCulture)).Append('\n').Append(Reason);
}
