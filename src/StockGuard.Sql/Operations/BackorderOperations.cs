using System.Globalization;
using StockGuard.Sql.Execution;
using StockGuard.Sql.Strategies;

namespace StockGuard.Sql.Operations;

/// <summary>Who is waiting when a take goes below zero: the order's reference and, for a reservation, its hold.</summary>
/// <param name="Reference">The order reference (the request's reference, else its idempotency key); may be null.</param>
/// <param name="HoldId">The hold being placed, or null for a deduct.</param>
internal readonly record struct BackorderSource(string? Reference, Guid? HoldId);

/// <summary>
/// Backorders and pre-orders (see <see cref="IStockBackorders"/>): recorded by a take that goes below zero, filled by a
/// receipt in its transaction, read and cancelled by order. Every change of a backorder happens while its item is locked.
/// </summary>
internal sealed class BackorderOperations(SqlExecutor executor)
{
    private const string Waiting = "waiting";

    private SqlDialect Dialect => executor.Dialect;

    /// <summary>
    /// The backorders a take records: one per line whose units went below zero, from the rows the take left (which it
    /// holds locked). Returns the inserts to run in the take's transaction and the backordered lines in request order.
    /// </summary>
    public static (List<SqlCall> Inserts, List<BackorderedLine> Lines) Record(
        SqlDialect dialect, IReadOnlyList<StockLine> requestLines, IReadOnlyList<StockLine> sortedLines, IReadOnlyList<LevelRow> appliedSorted, BackorderSource source, DateTimeOffset now)
    {
        var inserts = new List<SqlCall>();
        var byKey = new Dictionary<StockKey, BackorderedLine>();
        for (var i = 0; i < sortedLines.Count; i++)
        {
            if (Below(appliedSorted[i], sortedLines[i].Quantity) is { } line)
            {
                byKey[line.Key] = line;
                inserts.Add(Insert(dialect, line, source, now));
            }
        }

        var lines = new List<BackorderedLine>(byKey.Count);
        foreach (var line in requestLines)
        {
            if (byKey.TryGetValue(line.Key, out var backordered))
            {
                lines.Add(backordered);
            }
        }

        return (inserts, lines);
    }

    /// <summary>The units of a line of <paramref name="quantity"/> that left <paramref name="after"/> below zero, if any.</summary>
    public static BackorderedLine? Below(LevelRow after, int quantity)
    {
        var available = after.OnHand - (after.Reserved - after.ExpiredReserved) - after.SafetyStock;
        return available >= 0
            ? null
            : new BackorderedLine(after.Key, (int)Math.Min(quantity, -available), after.IsPreOrder ? BackorderKind.PreOrder : BackorderKind.Backorder);
    }

    /// <summary>The insert of one backorder.</summary>
    public static SqlCall Insert(SqlDialect dialect, BackorderedLine line, BackorderSource source, DateTimeOffset now) =>
        new(dialect.InsertBackorder, new
        {
            sku = line.Key.Sku,
            location = line.Key.Location,
            reference = source.Reference,
            holdId = source.HoldId is { } id ? dialect.HoldIdParameter(id) : null,
            kind = line.Kind == BackorderKind.PreOrder ? "pre_order" : "backorder",
            quantity = line.Quantity,
            now = dialect.TimeParameter(now),
        });

    /// <summary>
    /// The receipt step: gives the units now free on the item of <paramref name="row"/> (its row right after the receipt,
    /// which the receipt holds locked) to its waiting backorders, oldest first, each fill a <c>backorder_filled</c>
    /// movement and a version of its own. Free units are the available ones plus those the waiting backorders already
    /// own (their sale took them from on hand). Backorders of holds that ended without a sale are cancelled on the way.
    /// Returns the item's row after the fills, or <paramref name="row"/> when there was nothing to fill.
    /// </summary>
    public static async Task<LevelRow> FillAsync(SqlSession s, LevelRow row, DateTimeOffset now)
    {
        var dialect = s.Dialect;
        var waiting = await s.QueryRowsAsync<BackorderRow>(
            dialect.SelectWaitingBackorders, new { sku = row.Sku, location = row.Location, now = dialect.TimeParameter(now) }).ConfigureAwait(false);
        if (waiting.Count == 0)
        {
            return row;
        }

        if (waiting.Any(e => e.HoldGone != 0))
        {
            // A hold that lapsed at this operation's time is given back before its backorder is given up, so that the
            // decision is written: a host whose clock still sees the hold live can no longer confirm it (its line is
            // released), and sells nothing that this receipt passed on. The receipt holds the item's lock.
            await s.ExecuteAllAsync([ItemCalls.Key(dialect.ReleaseExpiredLines, row.Key, now, dialect)]).ConfigureAwait(false);
        }

        var calls = new List<SqlCall>();
        long owned = 0;
        foreach (var entry in waiting)
        {
            if (entry.HoldGone != 0)
            {
                calls.Add(new SqlCall(dialect.CancelBackorder, new { id = entry.Id }));
            }
            else
            {
                owned += entry.Quantity - entry.Filled;
            }
        }

        var free = row.OnHand - (row.Reserved - row.ExpiredReserved) - row.SafetyStock + owned;
        foreach (var entry in waiting)
        {
            if (free <= 0)
            {
                break;
            }

            if (entry.HoldGone != 0)
            {
                continue;
            }

            var units = (int)Math.Min(entry.Quantity - entry.Filled, free);
            free -= units;
            var filled = entry.Filled + units;
            calls.Add(new SqlCall(dialect.FillBackorder, new { id = entry.Id, filled, state = filled == entry.Quantity ? "filled" : Waiting }));
            calls.Add(ItemCalls.Key(dialect.BumpVersion, row.Key));
            calls.AddRange(Movements.For(
                dialect, [new StockLine(row.Key, units)], MovementKind.BackorderFilled, static _ => (0, 0), entry.OrderReference, entry.HoldId, FillNote(entry.Id, units), now));
        }

        if (calls.Count == 0)
        {
            return row;
        }

        await s.ExecuteAllAsync(calls).ConfigureAwait(false);
        return await s.QueryRowAsync<LevelRow>(dialect.SelectLevel, new { sku = row.Sku, location = row.Location, now = dialect.TimeParameter(now) }).ConfigureAwait(false)
            ?? throw new StockItemNotFoundException(row.Key);
    }

    /// <summary>The receipt step over the rows of a receipt's lines (in key order), each replaced by its row after the fills.</summary>
    public static async Task FillAllAsync(SqlSession s, LevelRow?[] rows, DateTimeOffset now)
    {
        for (var i = 0; i < rows.Length; i++)
        {
            // A row past the stock limit is refused by the caller, which rolls everything back.
            if (rows[i] is { } row && row.OnHand <= StockLimits.MaxStock)
            {
                rows[i] = await FillAsync(s, row, now).ConfigureAwait(false);
            }
        }
    }

    public Task<OrderBackorders> GetAsync(string orderReference, CancellationToken cancellationToken)
    {
        var reference = CheckReference(orderReference);
        return executor.ReadAsync(
            async (s, now) => new OrderBackorders(reference, [.. (await ReadOrderAsync(s, reference, now).ConfigureAwait(false)).Select(ToBackorder)]),
            cancellationToken);
    }

    /// <summary>
    /// Cancels the order's waiting backorders in one transaction: its items locked in key order and their expired holds
    /// given back, then its backorders read again (stable now), refused as a whole when one belongs to a live hold, then each unfilled remainder put back on hand.
    /// </summary>
    public Task<BackorderCancellation> CancelAsync(string orderReference, CancellationToken cancellationToken)
    {
        var reference = CheckReference(orderReference);
        return executor.RunOperationAsync(
            StockOperation.CancelBackorders,
            async (s, now) =>
            {
                var entries = await ReadOrderAsync(s, reference, now).ConfigureAwait(false);
                if (entries.Count == 0)
                {
                    throw new BackorderNotFoundException(reference);
                }

                // The items' expired holds are given back with the lock, so that a hold this cancel sees lapsed is
                // written off: a host whose clock still sees it live can no longer confirm it.
                var keys = entries.Select(e => e.Key).Distinct().Order().ToArray();
                await ItemCalls.LockAndReleaseExpiredAsync(s, keys, now, readBack: false).ConfigureAwait(false);
                entries = await ReadOrderAsync(s, reference, now).ConfigureAwait(false);
                if (entries.FirstOrDefault(e => e.State == Waiting && e.HoldGone == 0 && e.HoldId is not null) is { HoldId: { } live })
                {
                    throw new HoldStateException(live, HoldState.Active, "cancel the backorders of");
                }

                var calls = new List<SqlCall>();
                var changed = new SortedSet<StockKey>();
                long returned = 0;
                foreach (var entry in entries.Where(e => e.State == Waiting))
                {
                    calls.Add(new SqlCall(Dialect.CancelBackorder, new { id = entry.Id }));
                    if (entry.HoldGone != 0)
                    {
                        continue;
                    }

                    var units = entry.Quantity - entry.Filled;
                    calls.Add(ItemCalls.Change(Dialect, entry.Key, units, 0, now));
                    calls.AddRange(Movements.For(Dialect, [new StockLine(entry.Key, units)], MovementKind.BackorderCancelled, static l => (l.Quantity, 0), reference, null, CancelNote(entry.Id), now));
                    returned += units;
                    changed.Add(entry.Key);
                }

                if (calls.Count > 0)
                {
                    await s.ExecuteAllAsync(calls).ConfigureAwait(false);
                }

                var levels = changed.Count == 0 ? [] : await ItemCalls.ReadLevelsAsync(s, [.. changed], now).ConfigureAwait(false);
                var order = new OrderBackorders(reference, [.. (await ReadOrderAsync(s, reference, now).ConfigureAwait(false)).Select(ToBackorder)]);
                return new BackorderCancellation(order, returned, [.. levels.Select(l => l!.ToLevel())]) { WasAlreadyDone = changed.Count == 0 };
            },
            static r => r.WasAlreadyDone ? "repeated" : "applied",
            cancellationToken);
    }

    /// <summary>The confirm step: the hold's waiting backorders on each item become a sale's, less the units the confirm gave back there.</summary>
    public static IEnumerable<SqlCall> HoldConfirmed(SqlDialect dialect, Guid holdId, IEnumerable<(StockKey Key, long GivenBack)> lines) =>
        lines.Select(l => new SqlCall(dialect.ConfirmHoldBackorders, new { holdId = dialect.HoldIdParameter(holdId), sku = l.Key.Sku, location = l.Key.Location, givenBack = l.GivenBack }));

    private Task<IReadOnlyList<BackorderRow>> ReadOrderAsync(SqlSession s, string reference, DateTimeOffset now) =>
        s.QueryRowsAsync<BackorderRow>(Dialect.SelectOrderBackorders, new { reference, now = Dialect.TimeParameter(now) });

    private static Backorder ToBackorder(BackorderRow row)
    {
        var state = row.State switch
        {
            Waiting when row.HoldGone != 0 => BackorderState.Cancelled,
            Waiting => row.Filled > 0 ? BackorderState.PartlyFilled : BackorderState.Waiting,
            "filled" => BackorderState.Filled,
            "cancelled" => BackorderState.Cancelled,
            _ => throw new StockStoreException($"The backorder {row.Id} has the state '{row.State}', which this version of StockGuard does not know.", null, isTransient: false),
        };
        var kind = row.Kind == "pre_order" ? BackorderKind.PreOrder : BackorderKind.Backorder;
        return new Backorder(row.Id, row.OrderReference, row.Key, kind, row.Quantity, row.Filled, state, row.HoldId);
    }

    private static string CheckReference(string orderReference)
    {
        ArgumentNullException.ThrowIfNull(orderReference);

        // The request types check text the same way; a reference no request could carry names no order.
        return new DeductRequest(new StockLine("x", 1)) { Reference = orderReference }.Reference!;
    }

    /// <summary>The note of a fill movement: the backorder's sequence and the units it got.</summary>
    private static string FillNote(long sequence, long units) =>
        string.Create(CultureInfo.InvariantCulture, $"backorder {sequence}: {units} filled");

    /// <summary>The note of a cancel movement: the backorder's sequence.</summary>
    private static string CancelNote(long sequence) =>
        string.Create(CultureInfo.InvariantCulture, $"backorder {sequence}: cancelled");
}
