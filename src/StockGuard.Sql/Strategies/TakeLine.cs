namespace StockGuard.Sql.Strategies;

/// <summary>
/// One line of a deduct, hold or negative correction: take <see cref="Quantity"/> sellable units of
/// <see cref="Key"/> by adding <see cref="OnHandDelta"/> and <see cref="ReservedDelta"/> to its counts.
/// </summary>
internal readonly record struct TakeLine(StockKey Key, int Quantity, long OnHandDelta, long ReservedDelta);
