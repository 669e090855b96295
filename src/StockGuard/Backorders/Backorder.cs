namespace StockGuard;

/// <summary>One order line's units sold below zero, waiting for stock to arrive.</summary>
/// <param name="Sequence">The arrival sequence: receipts fill an item's backorders in this order, lowest first.</param>
/// <param name="OrderReference">The order's reference (the request's reference, else its idempotency key); <see langword="null"/> when the request had neither.</param>
/// <param name="Key">The stock item.</param>
/// <param name="Kind">Whether the units were sold on backorder or on pre-order.</param>
/// <param name="Quantity">The units that went below zero.</param>
/// <param name="Filled">The units receipts have given it so far, at most <paramref name="Quantity"/>.</param>
/// <param name="State">Where it stands.</param>
/// <param name="HoldId">The hold whose reservation recorded it, or <see langword="null"/> for a deduct.</param>
public sealed record Backorder(
    long Sequence,
    string? OrderReference,
    StockKey Key,
    BackorderKind Kind,
    int Quantity,
    int Filled,
    BackorderState State,
    Guid? HoldId)
{
    /// <summary>The units it still waits for: <c>Quantity − Filled</c> while waiting, 0 once filled or cancelled.</summary>
    public int Waiting => State is BackorderState.Waiting or BackorderState.PartlyFilled ? Quantity - Filled : 0;
}

/// <summary>Why an order's units went below zero.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<BackorderKind>))]
public enum BackorderKind
{
    /// <summary>Sold past zero within the item's <see cref="StockLevel.BackorderLimit"/>, after the item was first received.</summary>
    Backorder,

    /// <summary>Sold before the item's first receipt, within its <see cref="StockLevel.PreOrderLimit"/>.</summary>
    PreOrder,
}

/// <summary>Where a backorder stands.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<BackorderState>))]
public enum BackorderState
{
    /// <summary>No unit has arrived for it yet.</summary>
    Waiting,

    /// <summary>Some of its units arrived; it keeps its place for the rest.</summary>
    PartlyFilled,

    /// <summary>Every unit arrived.</summary>
    Filled,

    /// <summary>
    /// Cancelled before it was filled: its unfilled units went back to availability. A backorder of a hold that was
    /// released or expired before it was filled is cancelled too (the hold gave its units back).
    /// </summary>
    Cancelled,
}

/// <summary>The units of one request line that went below zero.</summary>
/// <param name="Key">The stock item.</param>
/// <param name="Quantity">The line's units that are backordered, at least 1.</param>
/// <param name="Kind">Backorder or pre-order.</param>
public readonly record struct BackorderedLine(StockKey Key, int Quantity, BackorderKind Kind);
