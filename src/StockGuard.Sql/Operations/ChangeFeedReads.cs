using System.Collections.Concurrent;
using StockGuard.Changes;
using StockGuard.Sql.Execution;

namespace StockGuard.Sql.Operations;

/// <summary>
/// The read side of the movement ledger: the change feed after a position, the last position, and one item's history.
/// Each read is one statement in its own transaction; on an engine whose ids may have gaps (MySQL), the feed stops at a
/// gap it has not yet seen open for the dialect's gap wait.
/// </summary>
internal sealed class ChangeFeedReads(SqlExecutor executor)
{
    // First id of a gap → when this store first saw it open. Gaps fill or expire within the gap wait, so few stay here.
    private readonly ConcurrentDictionary<long, long> _gapsSeen = new();
    private readonly Lock _walkedLock = new();
    private StockChangePosition _walked;

    private SqlDialect Dialect => executor.Dialect;

    public async Task<StockChangePage> ReadChangesAsync(StockChangePosition after, int maxCount, CancellationToken cancellationToken)
    {
        CheckCount(maxCount);
        var rows = await executor.RunAsync(
            s => s.QueryRowsAsync<ChangeRow>(Dialect.SelectChanges, new { afterTx = after.Transaction, afterId = after.Sequence, limit = maxCount + 1 }),
            cancellationToken,
            readOnly: true).ConfigureAwait(false);
        var take = Math.Min(rows.Count, maxCount);
        var stoppedAtGap = false;
        if (Dialect.ChangeIdsMayHaveGaps)
        {
            (take, stoppedAtGap) = UpToFirstOpenGap(after.Sequence, rows, take);
        }

        var changes = new StockChange[take];
        for (var i = 0; i < take; i++)
        {
            changes[i] = ToChange(rows[i]);
        }

        return new StockChangePage(changes, take > 0 ? changes[^1].Position : after, !stoppedAtGap && rows.Count > take);
    }

    public async Task<StockChangePosition> GetLastPositionAsync(CancellationToken cancellationToken)
    {
        if (Dialect.SelectLastChange is { } last)
        {
            var row = await executor.RunAsync(s => s.QueryRowAsync<ChangeRow>(last, new { }), cancellationToken, readOnly: true).ConfigureAwait(false);
            return row is null ? StockChangePosition.Start : new StockChangePosition(row.Tx, row.Id);
        }

        // Ids below the last one may still be in flight: walk the feed from where this store last got to.
        StockChangePosition position;
        lock (_walkedLock)
        {
            position = _walked;
        }

        while (true)
        {
            var page = await ReadChangesAsync(position, IStockChangeFeed.MaxPageSize, cancellationToken).ConfigureAwait(false);
            position = page.Next;
            if (!page.HasMore)
            {
                break;
            }
        }

        lock (_walkedLock)
        {
            if (position > _walked)
            {
                _walked = position;
            }
        }

        return position;
    }

    public async Task<StockChangePage> ReadHistoryAsync(StockKey key, StockHistoryOrder order, StockChangePosition? after, int maxCount, CancellationToken cancellationToken)
    {
        if (!key.IsValid)
        {
            throw new ArgumentException("The stock key is default: it names no item.", nameof(key));
        }

        if (order is not (StockHistoryOrder.NewestFirst or StockHistoryOrder.OldestFirst))
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, "Unknown history order.");
        }

        CheckCount(maxCount);
        var newestFirst = order == StockHistoryOrder.NewestFirst;
        var rows = await executor.RunAsync(
            s => s.QueryRowsAsync<ChangeRow>(
                Dialect.SelectHistory(newestFirst, after is not null),
                new { sku = key.Sku, location = key.Location, afterId = after?.Sequence ?? 0, limit = maxCount + 1 }),
            cancellationToken,
            readOnly: true).ConfigureAwait(false);
        var take = Math.Min(rows.Count, maxCount);
        var changes = new StockChange[take];
        for (var i = 0; i < take; i++)
        {
            changes[i] = ToChange(rows[i]);
        }

        return new StockChangePage(changes, take > 0 ? changes[^1].Position : after ?? StockChangePosition.Start, rows.Count > take);
    }

    private static void CheckCount(int maxCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxCount, IStockChangeFeed.MaxPageSize);
    }

    /// <summary>
    /// How many of the first <paramref name="take"/> rows may be returned: all up to the first gap in the ids that has
    /// not yet been open for the gap wait. A gap seen for the first time starts its wait now.
    /// </summary>
    private (int Take, bool StoppedAtGap) UpToFirstOpenGap(long afterId, IReadOnlyList<ChangeRow> rows, int take)
    {
        foreach (var passed in _gapsSeen.Keys)
        {
            if (passed <= afterId)
            {
                _gapsSeen.TryRemove(passed, out _);
            }
        }

        var expected = afterId + 1;
        var time = executor.Time;
        var now = time.GetTimestamp();
        for (var i = 0; i < take; i++)
        {
            if (rows[i].Id != expected)
            {
                var seen = _gapsSeen.GetOrAdd(expected, now);
                if (time.GetElapsedTime(seen, now) < Dialect.ChangeGapWait)
                {
                    return (i, true);
                }
            }

            expected = rows[i].Id + 1;
        }

        return (take, false);
    }

    private static StockChange ToChange(ChangeRow row)
    {
        var key = new StockKey(row.Sku, row.Location);
        var level = row.VersionAfter is { } version
            ? new StockLevel(key, row.OnHandAfter ?? 0, row.ReservedAfter ?? 0, row.SafetyStockAfter ?? 0, row.BackorderLimitAfter ?? 0, row.LowStockThresholdAfter ?? 0, version)
            : null;
        return new StockChange(
            new StockChangePosition(row.Tx, row.Id),
            key,
            Movements.PublicKind(row.Kind),
            row.OnHandDelta,
            row.ReservedDelta,
            level,
            row.HoldId,
            row.Reference,
            row.Note,
            new DateTimeOffset(DateTime.SpecifyKind(row.OccurredAt, DateTimeKind.Utc)));
    }
}
