namespace StockGuard.Changes;

/// <summary>A change a consumer's handler kept failing on, set aside so that the consumer could go on.</summary>
/// <param name="Consumer">The consumer's name.</param>
/// <param name="Position">The change's position in the feed.</param>
/// <param name="Key">The change's stock item.</param>
/// <param name="Kind">What the movement records.</param>
/// <param name="Attempts">How often the handler was called for it.</param>
/// <param name="Error">The last failure: the exception's type and message.</param>
/// <param name="ParkedAt">When it was parked, by the store's clock.</param>
public sealed record ParkedStockChange(
    string Consumer,
    StockChangePosition Position,
    StockKey Key,
    StockMovementKind Kind,
    int Attempts,
    string Error,
    DateTimeOffset ParkedAt);
