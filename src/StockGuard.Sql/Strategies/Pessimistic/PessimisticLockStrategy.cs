using StockGuard.Sql.Execution;

namespace StockGuard.Sql.Strategies.Pessimistic;

/// <summary>
/// <c>SELECT … FOR UPDATE</c> of the order's rows in key order (so two orders never deadlock), a check in memory,
/// then unconditional updates. Round trips: one to lock and read, one for the updates and movements, one for the
/// commit. The locks are held until the commit, so keep transactions short (holds, not locks, span a payment).
/// </summary>
internal sealed class PessimisticLockStrategy : ITakeStrategy
{
    public static PessimisticLockStrategy Instance { get; } = new();

    public async Task<TakeOutcome> TakeAsync(SqlSession session, IReadOnlyList<TakeLine> lines, IReadOnlyList<SqlCall> trailing, DateTimeOffset now, IReadOnlyList<LevelRow?>? lockedLevels)
    {
        var rows = lockedLevels ?? await ItemCalls.ReadAsync(session, lines, now, lockRows: true).ConfigureAwait(false);
        var shortKeys = ItemCalls.ShortKeys(lines, rows);
        if (shortKeys.Count > 0)
        {
            return TakeOutcome.Short(shortKeys);
        }

        return await ItemCalls.ApplyAsync(session, lines, [.. lines.Select(l => ItemCalls.Change(session.Dialect, l.Key, l.OnHandDelta, l.ReservedDelta, now))], trailing).ConfigureAwait(false);
    }
}
