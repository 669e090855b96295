using System.Text;

namespace StockGuard;

/// <summary>
/// Move units of one SKU from one location to another. Immediately (the default): the source's on-hand goes down and the
/// destination's up in one transaction. In transit (<see cref="InTransit"/>): the units leave the source at dispatch and
/// wait on a transit item (<see cref="TransitLocation"/>) until <see cref="IStockAllocator.ReceiveTransferAsync"/> lands them.
/// </summary>
public sealed class TransferRequest : StockRequest
{
    /// <summary>The prefix of every transit location, <c>"transit/"</c>: reserved, never a real location.</summary>
    public const string TransitPrefix = "transit/";

    /// <summary>Creates a transfer of <paramref name="quantity"/> units of <paramref name="sku"/>.</summary>
    /// <param name="sku">The SKU.</param>
    /// <param name="from">The source location, which must stock the SKU.</param>
    /// <param name="to">The destination location; created if it does not stock the SKU yet.</param>
    /// <param name="quantity">The units, at least 1.</param>
    /// <exception cref="ArgumentException">The SKU or a location is invalid, a transit location, or the two locations are the same.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="quantity"/> is zero or negative.</exception>
    public TransferRequest(string sku, string from, string to, int quantity)
    {
        From = CheckLocation(sku, from, nameof(from));
        To = CheckLocation(sku, to, nameof(to));
        if (From == To)
        {
            throw new ArgumentException($"A transfer moves units between two locations; both are {From}.", nameof(to));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        Quantity = quantity;
    }

    /// <summary>The source item.</summary>
    public StockKey From { get; }

    /// <summary>The destination item.</summary>
    public StockKey To { get; }

    /// <summary>The units moved.</summary>
    public int Quantity { get; }

    /// <summary>
    /// Whether the units travel: they leave the source's on-hand at once and are counted, on hand but not at the
    /// destination, by the transfer's transit item until received. The destination is only where they are expected.
    /// </summary>
    public bool InTransit { get; init; }

    /// <inheritdoc/>
    public override StockOperation Operation => StockOperation.Transfer;

    /// <summary>The location of the transit item of transfer <paramref name="transferId"/>: <c>transit/</c> and the id's 32 hex digits.</summary>
    /// <param name="transferId">The transfer.</param>
    public static string TransitLocation(Guid transferId) => TransitPrefix + transferId.ToString("N");

    /// <summary>Whether <paramref name="location"/> is a transit location.</summary>
    /// <param name="location">A location.</param>
    public static bool IsTransitLocation(string location) => location is not null && location.StartsWith(TransitPrefix, StringComparison.Ordinal);

    private protected override void AppendFingerprint(StringBuilder text) =>
        text.Append(From.Sku.Length).Append(':').Append(From.Sku).Append(From.Location.Length).Append(':').Append(From.Location)
            .Append(To.Location.Length).Append(':').Append(To.Location).Append('=').Append(Quantity).Append(InTransit ? "/t" : "");

    internal static StockKey CheckLocation(string sku, string location, string paramName)
    {
        var key = new StockKey(sku, location ?? throw new ArgumentNullException(paramName));
        if (IsTransitLocation(key.Location))
        {
            throw new ArgumentException($"'{key.Location}' is a transit location; transfers name real locations.", paramName);
        }

        return key;
    }
}
