using StockGuard.Diagnostics;
using StockGuard.Sql.Execution;
using StockGuard.Sql.Strategies;
using StockGuard.Sql.Strategies.Atomic;
using StockGuard.Sql.Strategies.Optimistic;
using StockGuard.Sql.Strategies.Pessimistic;

namespace StockGuard.Sql.Operations;

/// <summary>
/// Deduct, receive, adjust and policy changes: each one transaction that changes its items in key order (so two orders
/// never deadlock) and writes one movement per line. Taking units goes through the request's strategy; an expired hold
/// never blocks a buyer.
/// </summary>
internal sealed class StockChanges(SqlExecutor executor, OneCommandSale oneCommandSale)
{
    private readonly OptimisticStrategy _optimistic = new(
        executor.Options.MaxOptimisticAttempts, executor.Options.OptimisticBackoff, executor.Time, executor.Dialect.StoreName);

    private SqlDialect Dialect => executor.Dialect;

    /// <summary>A deduct, timed and traced: the one-command sale when it applies, else the transaction.</summary>
    public Task<StockChangeResult> DeductAsync(DeductRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return executor.RunChangeAsync(request, Deduction(request), cancellationToken, oneCommandSale.AttemptFor(request));
    }

    /// <summary>The deduct of <see cref="DeductAsync"/>, for a caller that times and traces it itself (coalescing).</summary>
    public Task<StockChangeResult> DeductUntimedAsync(DeductRequest request, CancellationToken cancellationToken) =>
        executor.RunChangeUntimedAsync(request, Deduction(request), cancellationToken, oneCommandSale.AttemptFor(request));

    public Task<StockChangeResult> ReceiveAsync(ReceiveRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var isReturn = request.Kind == StockMovementKind.Return;
        return executor.RunChangeAsync(
            request,
            async (s, now) =>
            {
                var sorted = request.Lines.OrderBy(l => l.Key).ToArray();
                var calls = sorted.Select(l => isReturn
                    ? ItemCalls.Change(Dialect, l.Key, l.Quantity, 0, now)
                    : new SqlCall(Dialect.UpsertReceipt, new { sku = l.Key.Sku, location = l.Key.Location, quantity = (long)l.Quantity, now = Dialect.TimeParameter(now) })).ToArray();
                var movements = Movements.For(Dialect, sorted, isReturn ? MovementKind.Return : MovementKind.Receipt, l => (l.Quantity, 0), request.Reference, null, null, now);
                var rows = await s.QueryEachAsync<LevelRow>(calls, movements).ConfigureAwait(false);
                await BackorderOperations.FillAllAsync(s, rows, now).ConfigureAwait(false);
                rows = await ServeWaitlistsAsync(s, sorted, rows, now).ConfigureAwait(false);
                return StockChangeResult.Applied(InRequestOrder(request.Lines, sorted, rows));
            },
            cancellationToken);
    }

    public Task<StockChangeResult> AdjustAsync(AdjustRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        StockLine[] line = [new StockLine(request.Key, Math.Abs(request.Delta))];
        return executor.RunChangeAsync(
            request,
            async (s, now) =>
            {
                var movement = Movements.For(Dialect, line, MovementKind.Adjustment, _ => (request.Delta, 0), request.Reference, null, request.Reason, now);
                if (request.Delta < 0)
                {
                    return await TakeAsync(s, request, line, l => new TakeLine(l.Key, l.Quantity, request.Delta, 0), movement, now).ConfigureAwait(false);
                }

                var rows = await s.QueryEachAsync<LevelRow>([ItemCalls.Change(Dialect, request.Key, request.Delta, 0, now)], movement).ConfigureAwait(false);
                rows = await ServeWaitlistsAsync(s, line, rows, now).ConfigureAwait(false);
                return StockChangeResult.Applied(InRequestOrder(line, line, rows));
            },
            cancellationToken);
    }

    public async Task<StockLevel> SetPolicyAsync(StockKey key, StockPolicy policy, CancellationToken cancellationToken)
    {
        LevelReads.CheckKey(key);
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        var row = await executor.RunOperationAsync(
            StockOperation.SetPolicy,
            async (s, now) =>
            {
                var row = await s.QueryRowAsync<LevelRow>(
                    Dialect.UpsertPolicy,
                    new
                    {
                        sku = key.Sku, location = key.Location, safetyStock = policy.SafetyStock, backorderLimit = policy.BackorderLimit, lowStockThreshold = policy.LowStockThreshold,
                        preOrderLimit = policy.PreOrderLimit, expectedRestock = policy.ExpectedRestock is { } expected ? Dialect.TimeParameter(Dialect.Truncate(expected)) : null,
                        now = Dialect.TimeParameter(now),
                    }).ConfigureAwait(false);

                // Less safety stock frees units: they go to waiters first.
                return (await ServeWaitlistsAsync(s, [new StockLine(key, 1)], [row], now).ConfigureAwait(false))[0];
            },
            static _ => "applied",
            cancellationToken).ConfigureAwait(false);
        return row!.ToLevel();
    }

    /// <summary>
    /// Takes sellable units for every line or none, with the request's strategy. A short attempt is undone; when a short
    /// item still counts holds that have expired, they are given back (items locked in key order) and the lines are
    /// tried once more, so an expired hold never blocks a buyer. Otherwise the refusal reports each short line. With a
    /// <paramref name="backorders"/> source, each line that went below zero records its backorder in the same transaction.
    /// </summary>
    public async Task<StockChangeResult> TakeAsync(
        SqlSession s, StockRequest request, IReadOnlyList<StockLine> lines, Func<StockLine, TakeLine> toTake, IReadOnlyList<SqlCall> trailing, DateTimeOffset now, BackorderSource? backorders = null)
    {
        var sortedLines = lines.OrderBy(l => l.Key).ToArray();
        var sorted = sortedLines.Select(toTake).ToArray();
        var chosen = request.Strategy ?? executor.Options.Strategy;
        executor.ThrowIfStrategyCannotWorkInCallerTransaction(chosen);
        var strategy = Strategy(chosen);
        var outcome = await strategy.TakeAsync(s, sorted, trailing, now, null).ConfigureAwait(false);
        if (outcome.Applied is { } applied)
        {
            return await AppliedAsync(s, lines, sortedLines, applied, backorders, now).ConfigureAwait(false);
        }

        await s.UndoAsync().ConfigureAwait(false);
        var current = await ItemCalls.ReadExistingAsync(s, lines, now).ConfigureAwait(false);
        if (outcome.ShortKeys.Any(k => current[IndexOf(lines, k)].ExpiredReserved > 0))
        {
            var locked = await ItemCalls.LockAndReleaseExpiredAsync(s, [.. sorted.Select(l => l.Key)], now).ConfigureAwait(false);
            outcome = await strategy.TakeAsync(s, sorted, trailing, now, locked).ConfigureAwait(false);
            if (outcome.Applied is { } appliedAfterRelease)
            {
                return await AppliedAsync(s, lines, sortedLines, appliedAfterRelease, backorders, now).ConfigureAwait(false);
            }

            await s.UndoAsync().ConfigureAwait(false);
            current = await ItemCalls.ReadExistingAsync(s, lines, now).ConfigureAwait(false);
        }

        var shortLines = new List<ShortLine>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (current[i].Sellable < lines[i].Quantity || outcome.ShortKeys.Contains(lines[i].Key))
            {
                shortLines.Add(new ShortLine(lines[i].Key, lines[i].Quantity, current[i].Sellable));
            }
        }

        StockGuardTelemetry.RecordRefused(Dialect.StoreName, request.Operation);
        return StockChangeResult.Refused([.. current.Select(r => r.ToLevel())], shortLines);
    }

    /// <summary>An applied take's result; with a backorder source, the backorders of its lines below zero recorded first.</summary>
    private async Task<StockChangeResult> AppliedAsync(
        SqlSession s, IReadOnlyList<StockLine> lines, StockLine[] sortedLines, IReadOnlyList<LevelRow> applied, BackorderSource? backorders, DateTimeOffset now)
    {
        var levels = InRequestOrder(lines, sortedLines, applied);
        if (backorders is not { } source)
        {
            return StockChangeResult.Applied(levels);
        }

        var (inserts, backordered) = BackorderOperations.Record(Dialect, lines, sortedLines, applied, source, now);
        if (inserts.Count == 0)
        {
            return StockChangeResult.Applied(levels);
        }

        await s.ExecuteAllAsync(inserts).ConfigureAwait(false);
        return new StockChangeResult(true, levels, []) { Backordered = backordered };
    }

    /// <summary>The body of a deduct: take every line or none, write a sale movement per line and record the lines sold below zero.</summary>
    private Func<SqlSession, DateTimeOffset, Task<StockChangeResult>> Deduction(DeductRequest request) =>
        (s, now) => TakeAsync(
            s,
            request,
            request.Lines,
            l => new TakeLine(l.Key, l.Quantity, -l.Quantity, 0),
            Movements.For(Dialect, request.Lines, MovementKind.Sale, l => (-l.Quantity, 0), request.Reference, null, null, now),
            now,
            new BackorderSource(request.Reference ?? request.IdempotencyKey, null));

    private ITakeStrategy Strategy(ConcurrencyStrategy strategy) => strategy switch
    {
        ConcurrencyStrategy.Atomic or ConcurrencyStrategy.Coalescing => AtomicStrategy.Instance,
        ConcurrencyStrategy.Pessimistic => PessimisticLockStrategy.Instance,
        ConcurrencyStrategy.Optimistic => _optimistic,
        _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "Unknown concurrency strategy."),
    };

    /// <summary>
    /// The waitlist step of a change that added units to the items of <paramref name="sorted"/> (locked by the change):
    /// their waiters' claims are placed, and the rows read again when any was. Items that do not exist are left out.
    /// </summary>
    public static async Task<LevelRow?[]> ServeWaitlistsAsync(SqlSession s, IReadOnlyList<StockLine> sorted, LevelRow?[] rows, DateTimeOffset now)
    {
        StockKey[] keys = [.. sorted.Where((_, i) => rows[i] is not null && rows[i]!.OnHand <= StockLimits.MaxStock).Select(l => l.Key)];
        if (!await WaitlistOperations.ServeAsync(s, keys, now).ConfigureAwait(false))
        {
            return rows;
        }

        var fresh = await ItemCalls.ReadLevelsAsync(s, [.. sorted.Select(l => l.Key)], now).ConfigureAwait(false);
        return [.. rows.Select((r, i) => r is null ? null : fresh[i])];
    }

    /// <summary>Puts rows returned in key order back in the request's order; a missing row means an unknown item, a row past the limit a refused receipt.</summary>
    public static StockLevel[] InRequestOrder(IReadOnlyList<StockLine> lines, IReadOnlyList<StockLine> sorted, IReadOnlyList<LevelRow?> rows)
    {
        var levels = new StockLevel[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            var row = rows[IndexOf(sorted, lines[i].Key)] ?? throw new StockItemNotFoundException(lines[i].Key);
            if (row.OnHand > StockLimits.MaxStock)
            {
                throw new ArgumentOutOfRangeException(nameof(lines), lines[i].Quantity, $"Adding {lines[i].Quantity} units of {lines[i].Key} would take its on-hand units past {StockLimits.MaxStock}. Nothing was changed.");
            }

            levels[i] = row.ToLevel();
        }

        return levels;
    }

    private static int IndexOf(IReadOnlyList<StockLine> lines, StockKey key)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Key == key)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"No line names {key}.");
    }
}
