using System.Text;

namespace StockGuard;

/// <summary>Land the units of a transfer sent in transit at a location: they leave the transfer's transit item and become available there.</summary>
public sealed class ReceiveTransferRequest : StockRequest
{
    /// <summary>Creates the request.</summary>
    /// <param name="transferId">The id <see cref="TransferResult.TransferId"/> reported at dispatch.</param>
    /// <param name="sku">The SKU transferred.</param>
    /// <param name="to">Where the units arrived: the transfer's destination, or another location when the shipment was redirected.</param>
    /// <exception cref="ArgumentException">The id is empty, or the SKU or location is invalid or a transit location.</exception>
    public ReceiveTransferRequest(Guid transferId, string sku, string to)
    {
        if (transferId == Guid.Empty)
        {
            throw new ArgumentException("The transfer id is empty.", nameof(transferId));
        }

        TransferId = transferId;
        To = TransferRequest.CheckLocation(sku, to, nameof(to));
    }

    /// <summary>The transfer.</summary>
    public Guid TransferId { get; }

    /// <summary>The item the units land on.</summary>
    public StockKey To { get; }

    /// <summary>The transfer's transit item.</summary>
    public StockKey Transit => new(To.Sku, TransferRequest.TransitLocation(TransferId));

    /// <inheritdoc/>
    public override StockOperation Operation => StockOperation.ReceiveTransfer;

    private protected override void AppendFingerprint(StringBuilder text) =>
        text.Append(TransferId.ToString("N")).Append(To.Sku.Length).Append(':').Append(To.Sku).Append(To.Location.Length).Append(':').Append(To.Location);
}
