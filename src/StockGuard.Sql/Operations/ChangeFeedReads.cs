using StockGuard.Changes;
using StockGuard.Sql.Execution;

namespace StockGuard.Sql.Operations;

/// <summary>
/// The read side of the movement ledger: the change feed after a position, the last position, and one item's history.
/// Each read is one statement in its own transaction; on an engine whose ids may have gaps (MySQL), the feed stops at a
/// gap until a highest committed id above it, read before, is the dialect's gap wait old.
/// </summary>
internal sealed class ChangeFeedReads(SqlExecutor executor)
{
    // Samples of the highest committed id, each with when it was read, oldest first. Ids are taken from one counter in
    // increasing order, so every id below a sample was taken before it was read; once a sample is a gap wait old, a gap
    // below it that is still open is a rolled-back or unused id, not an insert on its way.
    private readonly Queue<(long MaxId, long At)> _samples = new();
    private readonly Lock _sync = new();
    private long _ripe;
    private StockChangePosition _walked;

    private SqlDialect Dialect => executor.Dialect;

    public async Task<StockChangePage> ReadChangesAsync(StockChangePosition after, int maxCount, CancellationToken cancellationToken)
    {
        CheckCount(maxCount);
        var rows = await executor.RunAsync(
            async s =>
            {
                if (Dialect.SelectMaxChangeId is { } selectMax)
                {
                    var maxId = await s.QueryRowAsync<long?>(selectMax, new { }).ConfigureAwait(false);
                    Sample(maxId ?? 0);
                }

                return await s.QueryRowsAsync<ChangeRow>(Dialect.SelectChanges, new { afterTx = after.Transaction, afterId = after.Sequence, limit = maxCount + 1 }).ConfigureAwait(false);
            },
            cancellationToken,
            readOnly: true).ConfigureAwait(false);
        var take = Math.Min(rows.Count, maxCount);
        var stoppedAtGap = false;
        if (Dialect.ChangeIdsMayHaveGaps)
        {
            (take, stoppedAtGap) = UpToFirstYoungGap(after.Sequence, rows, take);
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
        lock (_sync)
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

        lock (_sync)
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

    /// <summary>Records that <paramref name="maxId"/> was the highest committed id just now.</summary>
    private void Sample(long maxId)
    {
        var now = executor.Time.GetTimestamp();
        lock (_sync)
        {
            if (maxId > _ripe && (_samples.Count == 0 || maxId > _samples.Last().MaxId))
            {
                _samples.Enqueue((maxId, now));
            }
        }
    }

    /// <summary>
    /// How many of the first <paramref name="take"/> rows may be returned: all up to the first gap in the ids that is not
    /// yet known to be closed for good, i.e. not below a highest id read at least the gap wait ago.
    /// </summary>
    private (int Take, bool StoppedAtGap) UpToFirstYoungGap(long afterId, IReadOnlyList<ChangeRow> rows, int take)
    {
        long ripe;
        lock (_sync)
        {
            var now = executor.Time.GetTimestamp();
            while (_samples.TryPeek(out var sample) && executor.Time.GetElapsedTime(sample.At, now) >= Dialect.ChangeGapWait)
            {
                _ripe = Math.Max(_ripe, _samples.Dequeue().MaxId);
            }

            ripe = _ripe;
        }

        var expected = afterId + 1;
        for (var i = 0; i < take; i++)
        {
            // The gap is ids expected … rows[i].Id − 1; the highest of them must lie below a ripe sample.
            if (rows[i].Id != expected && rows[i].Id - 1 >= ripe)
            {
                return (i, true);
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
