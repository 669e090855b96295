using StockGuard.Sql.Execution;

namespace StockGuard.Sql.Strategies;

/// <summary>
/// How one concurrency strategy takes sellable units from the items of an order, inside the caller's transaction.
/// The store sorts the lines in key order, merges duplicates, undoes a short attempt, reports refusals and gives
/// back expired holds; a strategy only decides, without overselling, whether every line can be applied.
/// </summary>
internal interface ITakeStrategy
{
    /// <summary>
    /// Applies every line or reports the short ones. When an attempt is short, the caller undoes whatever it wrote.
    /// </summary>
    /// <param name="session">The open transaction.</param>
    /// <param name="lines">The lines, one per item, in <see cref="StockKey.CompareTo"/> order.</param>
    /// <param name="trailing">Writes (movements, hold rows) to run after the changes in the same round trip when possible.</param>
    /// <param name="now">The store's clock reading for this operation.</param>
    /// <param name="lockedLevels">When not <see langword="null"/>, the caller has already locked the items and given back their expired holds; these are their rows now, in line order.</param>
    Task<TakeOutcome> TakeAsync(SqlSession session, IReadOnlyList<TakeLine> lines, IReadOnlyList<SqlCall> trailing, DateTimeOffset now, IReadOnlyList<LevelRow?>? lockedLevels);
}
