namespace StockGuard;

/// <summary>What a transfer, or the receipt of one in transit, did.</summary>
public sealed record TransferResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="transferId">The transfer's id; <see cref="Guid.Empty"/> when refused.</param>
    /// <param name="quantity">The units moved; 0 when refused or already received.</param>
    /// <param name="levels">The source's (or transit item's) and the destination's (or transit item's) levels after the move; the source's alone when refused.</param>
    /// <param name="shortLine">The source's short line when refused.</param>
    public TransferResult(Guid transferId, int quantity, IReadOnlyList<StockLevel> levels, ShortLine? shortLine)
    {
        TransferId = transferId;
        Quantity = quantity;
        Levels = levels;
        ShortLine = shortLine;
    }

    /// <summary>Whether the units moved (or, for a receipt, had already landed).</summary>
    public bool Succeeded => ShortLine is null;

    /// <summary>The transfer's id, noted on both movements; for a transfer in transit, the key to receive it.</summary>
    public Guid TransferId { get; }

    /// <summary>The units moved.</summary>
    public int Quantity { get; }

    /// <summary>The levels of the two items after the move, the one units left first.</summary>
    public IReadOnlyList<StockLevel> Levels { get; }

    /// <summary>When refused: the source with the units asked for and what it could give (<see cref="StockLevel.Available"/>, backorders not allowed).</summary>
    public ShortLine? ShortLine { get; }

    /// <summary>Whether this result is the stored first result of an earlier request with the same idempotency key.</summary>
    public bool IsReplay { get; init; }
}
