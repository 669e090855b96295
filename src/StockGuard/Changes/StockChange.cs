namespace StockGuard.Changes;

/// <summary>
/// One committed movement of one stock item, as the change feed and an item's history report it: one per line of
/// every change (a three-line order is three changes at three positions, written by one transaction).
/// </summary>
/// <param name="Position">Where the change sits in the feed; resume after it.</param>
/// <param name="Key">The stock item.</param>
/// <param name="Kind">What the movement records.</param>
/// <param name="OnHandDelta">How much on-hand stock changed.</param>
/// <param name="ReservedDelta">How much reserved stock changed.</param>
/// <param name="LevelAfter">
/// The item's level right after this movement, recorded by the statement that made it: its counters, policy and
/// <see cref="StockLevel.Version"/> (so <see cref="StockLevel.Available"/> and <see cref="StockLevel.Status"/> too).
/// <see langword="null"/> only for movements recorded before schema version 2, which kept no level.
/// </param>
/// <param name="HoldId">The hold the movement belongs to, for hold kinds.</param>
/// <param name="Reference">The request's reference (an order number), or the hold's.</param>
/// <param name="Note">The adjustment's reason, or another note the store wrote.</param>
/// <param name="OccurredAt">When the change was made, by the store's clock.</param>
public sealed record StockChange(
    StockChangePosition Position,
    StockKey Key,
    StockMovementKind Kind,
    long OnHandDelta,
    long ReservedDelta,
    StockLevel? LevelAfter,
    Guid? HoldId,
    string? Reference,
    string? Note,
    DateTimeOffset OccurredAt)
{
    /// <summary>
    /// The item's level right before this movement: <see cref="LevelAfter"/> less the deltas (a movement never changes
    /// policy), or <see langword="null"/> when no level was recorded.
    /// </summary>
    public StockLevel? LevelBefore => LevelAfter is { } after
        ? after with { OnHand = after.OnHand - OnHandDelta, Reserved = after.Reserved - ReservedDelta, Version = after.Version - 1 }
        : null;

    /// <summary>
    /// The status transition this movement caused, derived from <see cref="LevelBefore"/> and <see cref="LevelAfter"/>;
    /// <see langword="null"/> when the status stayed the same (or no level was recorded). A transition is not an entry
    /// of its own: it rides on the movement that caused it, so it is seen exactly once, at that movement's position.
    /// </summary>
    public StockStatusChange? StatusChange => LevelBefore is { } before && LevelAfter is { } after && before.Status != after.Status
        ? new StockStatusChange(before.Status, after.Status)
        : null;
}
