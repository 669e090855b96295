namespace StockGuard;

/// <summary>Why on-hand stock changed, as written to a store's movement ledger.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<StockMovementKind>))]
public enum StockMovementKind
{
    /// <summary>Units received from a supplier or transfer.</summary>
    Receipt,

    /// <summary>Units a customer sent back.</summary>
    Return,

    /// <summary>Units sold directly (deducted).</summary>
    Sale,

    /// <summary>A counted correction.</summary>
    Adjustment,

    /// <summary>Units of a confirmed hold, sold.</summary>
    HoldConfirmed,
}
