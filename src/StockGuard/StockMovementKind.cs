namespace StockGuard;

/// <summary>
/// What a movement in a store's ledger records: why on-hand or reserved stock changed. Every store's ledger and
/// its change feed (<see cref="Changes.IStockChangeFeed"/>) use these kinds; a receipt or return request names
/// <see cref="Receipt"/> or <see cref="Return"/>.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<StockMovementKind>))]
public enum StockMovementKind
{
    /// <summary>Units received from a supplier: on hand up (a transfer between locations records <see cref="TransferIn"/>).</summary>
    Receipt,

    /// <summary>Units a customer sent back: on hand up.</summary>
    Return,

    /// <summary>Units sold directly by a deduct: on hand down.</summary>
    Sale,

    /// <summary>A counted correction, with its reason as the note: on hand up or down.</summary>
    Adjustment,

    /// <summary>A hold's units sold on confirm: reserved and on hand down.</summary>
    HoldConfirmed,

    /// <summary>Units put on hold: reserved up.</summary>
    HoldPlaced,

    /// <summary>A hold's units given back by its owner: reserved down.</summary>
    HoldReleased,

    /// <summary>An expired hold's units given back, by the sweep or lazily by the next write: reserved down.</summary>
    HoldExpired,

    /// <summary>Units sent from this location to another by a transfer: on hand down (the note names the transfer).</summary>
    TransferOut,

    /// <summary>Units that arrived at this location by a transfer: on hand up (the note names the transfer).</summary>
    TransferIn,

    /// <summary>
    /// Units a receipt gave to a waiting backorder or pre-order (<see cref="IStockBackorders"/>): no counter moves (the
    /// sale already took them); the reference is the order's, the note says which backorder and how many units.
    /// </summary>
    BackorderFilled,

    /// <summary>A backorder's unfilled units given back by its cancel: on hand up; the reference is the order's, the note names the backorder.</summary>
    BackorderCancelled,
}
