using StockGuard.Sql.Execution;

namespace StockGuard.Sql.Strategies.Atomic;

/// <summary>
/// One conditional <c>UPDATE … WHERE on_hand − reserved − safety_stock + backorder_limit ≥ @quantity</c> per line,
/// in key order, all in one round trip with the movements. The database re-checks the condition on the newest row
/// after waiting for its lock, so no read-then-write race exists; rows are locked in key order, so two orders never
/// deadlock. Round trips: one for the batch, one for the commit.
/// </summary>
internal sealed class AtomicStrategy : ITakeStrategy
{
    public static AtomicStrategy Instance { get; } = new();

    public Task<TakeOutcome> TakeAsync(SqlSession session, IReadOnlyList<TakeLine> lines, IReadOnlyList<SqlCall> trailing, DateTimeOffset now, IReadOnlyList<LevelRow?>? lockedLevels) =>
        ItemCalls.ApplyAsync(session, lines, [.. lines.Select(l => ItemCalls.ChangeIfSellable(session.Dialect, l, now))], trailing);
}
