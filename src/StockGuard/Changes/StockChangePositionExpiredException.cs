namespace StockGuard.Changes;

/// <summary>
/// A change feed was read after a position older than what the store still keeps: changes after that position were
/// discarded, and reading on would skip them silently. Only a store with bounded retention (the in-memory store)
/// throws it. Take <see cref="IStockChangeFeed.GetLastPositionAsync"/>, rebuild from the current levels, and read on after that position.
/// </summary>
public sealed class StockChangePositionExpiredException : StockGuardException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="position">The position the read started after.</param>
    /// <param name="oldestRetained">The oldest change the store still keeps.</param>
    public StockChangePositionExpiredException(StockChangePosition position, StockChangePosition oldestRetained)
        : base($"The change feed no longer holds the changes after position {position}: the oldest change kept is at {oldestRetained}. Rebuild from the current levels and read on from there.")
    {
        Position = position;
        OldestRetained = oldestRetained;
    }

    /// <summary>The position the read started after.</summary>
    public StockChangePosition Position { get; }

    /// <summary>The oldest change the store still keeps.</summary>
    public StockChangePosition OldestRetained { get; }
}
