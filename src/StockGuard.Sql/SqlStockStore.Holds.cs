using Microsoft.Extensions.Logging;
using StockGuard.Diagnostics;
using StockGuard.Sql.Strategies;

namespace StockGuard.Sql;

/// <summary>
/// Holds. A hold's units are counted in its items' <c>reserved</c> until each of its lines is released (given back,
/// sold or expired). An expired line stops counting at once for readers and buyers: reads leave it out of
/// <c>Reserved</c>, and a buyer whose line would otherwise be short gives that item's expired lines back inside its
/// own transaction. The sweep gives back the rest in small batches. A hold leaves <c>active</c> only in the transaction
/// that releases its last unreleased line, so a finished hold never counts in <c>reserved</c>.
/// Lock order (see <see cref="SqlDialect"/>): items in key order, then hold rows, then hold lines.
/// </summary>
public abstract partial class SqlStockStore
{
    private const string Active = "active";

    /// <inheritdoc/>
    public async Task<ReserveResult> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.TimeToLive > _options.MaxHoldTimeToLive)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.TimeToLive, $"The hold's time-to-live is longer than MaxHoldTimeToLive ({_options.MaxHoldTimeToLive}).");
        }

        return await RunAsync(
            StockOperation.Reserve,
            (s, now) => IdempotencyLedger.RunOnceAsync(s, request, now, () => PlaceAsync(s, request, now), ResultJson.Write, ResultJson.ReadReserve),
            static r => r.IsReplay ? "replayed" : r.Succeeded ? "applied" : "refused",
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<HoldResult> ConfirmAsync(Guid holdId, CancellationToken cancellationToken = default) =>
        FinishAsync(holdId, StockOperation.Confirm, null, cancellationToken);

    /// <inheritdoc/>
    public Task<HoldResult> ReleaseAsync(Guid holdId, CancellationToken cancellationToken = default) =>
        FinishAsync(holdId, StockOperation.Release, null, cancellationToken);

    /// <inheritdoc/>
    public Task<HoldResult> ExtendAsync(Guid holdId, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(timeToLive, _options.MaxHoldTimeToLive);
        return FinishAsync(holdId, StockOperation.Extend, timeToLive, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<StockHold?> GetHoldAsync(Guid holdId, CancellationToken cancellationToken = default) =>
        RunReadAsync(
            async (s, now) =>
            {
                var hold = await s.QueryRowAsync<HoldRow>(Dialect.SelectHold, new { id = Dialect.HoldIdParameter(holdId) }).ConfigureAwait(false);
                return hold is null ? null : ToHold(hold, await LinesAsync(s, holdId).ConfigureAwait(false), now);
            },
            cancellationToken);

    /// <inheritdoc/>
    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken = default)
    {
        int expired = 0, purgedHolds = 0, purgedKeys = 0;
        (int Expired, bool Full) batch;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch = await RunAsync(StockOperation.Expire, ExpireBatchAsync, static _ => "applied", cancellationToken).ConfigureAwait(false);
            expired += batch.Expired;
        }
        while (batch.Full);

        StockGuardTelemetry.RecordExpired(Dialect.StoreName, expired);
        purgedHolds = await PurgeAsync(Dialect.PurgeFinishedHolds, _options.FinishedHoldRetention, cancellationToken).ConfigureAwait(false);
        purgedKeys = await PurgeAsync(Dialect.PurgeIdempotencyKeys, _options.IdempotencyKeyRetention, cancellationToken).ConfigureAwait(false);
        if (expired + purgedHolds + purgedKeys > 0)
        {
            LogSwept(_logger, expired, purgedHolds, purgedKeys);
        }

        return new SweepResult(expired, purgedHolds, purgedKeys);
    }

    private async Task<ReserveResult> PlaceAsync(SqlSession s, ReserveRequest request, DateTimeOffset now)
    {
        var id = Guid.CreateVersion7(now);
        var expiresAt = Dialect.Truncate(now + request.TimeToLive);
        var trailing = new List<SqlCall>
        {
            new(Dialect.InsertHold, new { id = Dialect.HoldIdParameter(id), createdAt = Dialect.TimeParameter(now), expiresAt = Dialect.TimeParameter(expiresAt), reference = request.Reference }),
        };
        trailing.AddRange(request.Lines.Select((l, i) => new SqlCall(Dialect.InsertHoldLine, new { holdId = Dialect.HoldIdParameter(id), lineNo = i, sku = l.Key.Sku, location = l.Key.Location, quantity = l.Quantity })));
        trailing.AddRange(Movements(request.Lines, "hold_placed", l => (0, l.Quantity), request.Reference, id, null, now));
        var taken = await TakeAsync(s, request, request.Lines, l => new TakeLine(l.Key, l.Quantity, 0, l.Quantity), trailing, now).ConfigureAwait(false);
        return taken.Succeeded
            ? new ReserveResult(new StockHold(id, request.Lines, now, expiresAt, HoldState.Active, request.Reference), taken.Levels, [])
            : new ReserveResult(null, taken.Levels, taken.ShortLines);
    }

    private async Task<HoldResult> FinishAsync(Guid holdId, StockOperation operation, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        var result = await RunAsync(
            operation,
            (s, now) => FinishCoreAsync(s, holdId, operation, timeToLive, now),
            static r => r.Outcome == HoldOutcome.Expired ? "expired" : r.WasAlreadyDone ? "repeated" : "applied",
            cancellationToken).ConfigureAwait(false);
        if (result is { Outcome: HoldOutcome.Confirmed, WasAlreadyDone: false })
        {
            StockGuardTelemetry.RecordSold(Dialect.StoreName, result.Hold.Lines.Sum(l => (long)l.Quantity));
        }

        return result;
    }

    private async Task<HoldResult> FinishCoreAsync(SqlSession s, Guid holdId, StockOperation operation, TimeSpan? timeToLive, DateTimeOffset now)
    {
        var id = new { id = Dialect.HoldIdParameter(holdId) };
        var hold = await s.QueryRowAsync<HoldRow>(Dialect.SelectHold, id).ConfigureAwait(false)
            ?? throw new HoldNotFoundException(holdId);

        // Items first, then the hold row (lock order): whoever changes this hold's state locks its items first, so the
        // state read under the hold's lock is the state this transaction acts on.
        var lines = ParseState(hold.State) == HoldState.Active ? await LockItemsOfHoldAsync(s, holdId, now).ConfigureAwait(false) : null;
        hold = await s.QueryRowAsync<HoldRow>(Dialect.LockHold, id).ConfigureAwait(false)
            ?? throw new HoldNotFoundException(holdId);
        var state = ParseState(hold.State);
        var (wanted, outcome) = operation switch
        {
            StockOperation.Confirm => (HoldState.Confirmed, HoldOutcome.Confirmed),
            StockOperation.Release => (HoldState.Released, HoldOutcome.Released),
            _ => (HoldState.Active, HoldOutcome.Extended),
        };

        switch (state)
        {
            case HoldState.Expired:
                return new HoldResult(HoldOutcome.Expired, ToHold(hold, lines ?? await LinesAsync(s, holdId).ConfigureAwait(false), now));
            case var done when done == wanted && done != HoldState.Active:
                return new HoldResult(outcome, ToHold(hold, lines ?? await LinesAsync(s, holdId).ConfigureAwait(false), now)) { WasAlreadyDone = true };
            case not HoldState.Active:
                throw new HoldStateException(holdId, state, StockGuardTelemetry.OperationName(operation));
        }

        // Still active, so it was active when first read, and this transaction has locked its items.
        if (lines is null)
        {
            throw new InvalidOperationException($"The hold {holdId} became active again.");
        }

        // Past its expiry, or a buyer whose clock ran ahead gave back a line already: then the hold has expired for everyone.
        if (now >= Utc(hold.ExpiresAt) || lines.Any(l => l.Released))
        {
            return await ExpireAsync(s, hold, lines, now).ConfigureAwait(false);
        }

        var calls = new List<SqlCall>();
        foreach (var line in lines.OrderBy(l => l.Key))
        {
            calls.Add(operation switch
            {
                StockOperation.Confirm => ItemCalls.Change(Dialect, line.Key, -line.Quantity, -line.Quantity, now),
                StockOperation.Release => ItemCalls.Change(Dialect, line.Key, 0, -line.Quantity, now),
                _ => ItemCalls.Change(Dialect, line.Key, 0, 0, now),
            });
        }

        var trailing = new List<SqlCall>();
        if (operation == StockOperation.Extend)
        {
            hold.ExpiresAt = Dialect.Truncate(now + timeToLive!.Value).UtcDateTime;
            trailing.Add(new SqlCall(Dialect.SetHoldExpiry, new { id = Dialect.HoldIdParameter(holdId), expiresAt = Dialect.TimeParameter(Utc(hold.ExpiresAt)) }));
        }
        else
        {
            var confirm = operation == StockOperation.Confirm;
            trailing.AddRange(ReleaseLines(holdId, lines, confirm ? "hold_confirmed" : "hold_released", confirm, hold.Reference, now));
            trailing.Add(FinishHold(holdId, confirm ? "confirmed" : "released", now));
            hold.State = confirm ? "confirmed" : "released";
        }

        await s.QueryEachAsync<LevelRow>(calls, trailing).ConfigureAwait(false);
        return new HoldResult(outcome, ToHold(hold, lines, now));
    }

    /// <summary>
    /// Gives back the unreleased lines of an active hold past its expiry and marks it expired. The caller has locked its
    /// items, then the hold. Each line given back adds one to its item's version, as every release of an expired line does.
    /// </summary>
    private async Task<HoldResult> ExpireAsync(SqlSession s, HoldRow hold, IReadOnlyList<HoldLineRow> lines, DateTimeOffset now)
    {
        var open = lines.Where(l => !l.Released).OrderBy(l => l.Key).ToArray();
        var trailing = ReleaseLines(hold.Id, open, "hold_expired", false, hold.Reference, now);
        trailing.Add(FinishHold(hold.Id, "expired", now));
        await s.QueryEachAsync<LevelRow>([.. open.Select(l => ItemCalls.Change(Dialect, l.Key, 0, -l.Quantity, now))], trailing).ConfigureAwait(false);
        StockGuardTelemetry.RecordExpired(Dialect.StoreName, 1);
        hold.State = "expired";
        return new HoldResult(HoldOutcome.Expired, ToHold(hold, lines, now));
    }

    /// <summary>Locks the hold's items in key order, then reads its lines, which cannot change while those items are locked.</summary>
    private async Task<IReadOnlyList<HoldLineRow>> LockItemsOfHoldAsync(SqlSession s, Guid holdId, DateTimeOffset now)
    {
        var lines = await LinesAsync(s, holdId).ConfigureAwait(false);
        var keys = lines.Select(l => l.Key).Distinct().Order().ToArray();
        await s.QueryEachAsync<LevelRow>([.. keys.Select(k => ItemCalls.Key(Dialect.LockLevel, k, now, Dialect))]).ConfigureAwait(false);
        return await LinesAsync(s, holdId).ConfigureAwait(false);
    }

    private List<SqlCall> ReleaseLines(Guid holdId, IEnumerable<HoldLineRow> lines, string kind, bool sold, string? reference, DateTimeOffset now)
    {
        var calls = new List<SqlCall>();
        var stockLines = new List<StockLine>();
        foreach (var line in lines)
        {
            calls.Add(new SqlCall(Dialect.ReleaseHoldLine, new { holdId = Dialect.HoldIdParameter(holdId), sku = line.Sku, location = line.Location }));
            stockLines.Add(new StockLine(line.Key, line.Quantity));
        }

        calls.AddRange(Movements(stockLines, kind, l => (sold ? -l.Quantity : 0, -l.Quantity), reference, holdId, null, now));
        return calls;
    }

    private SqlCall FinishHold(Guid holdId, string state, DateTimeOffset now) =>
        new(Dialect.FinishHold, new { id = Dialect.HoldIdParameter(holdId), state, finishedAt = Dialect.TimeParameter(now) });

    /// <summary>
    /// One sweep batch, in the lock order: reads expired holds and their unreleased lines without locks, locks those lines'
    /// items in key order, then locks the holds still active and expired, gives back every expired line of the locked
    /// items and marks those holds expired. Every unreleased line of a locked hold lies on a locked item (lines are only
    /// ever released, and only under their item's lock), so each hold is marked expired with all its lines released.
    /// </summary>
    private async Task<(int Expired, bool Full)> ExpireBatchAsync(SqlSession s, DateTimeOffset now)
    {
        var found = await s.QueryRowsAsync<ClaimedLineRow>(Dialect.SelectExpiredHolds, new { now = Dialect.TimeParameter(now), limit = _options.SweepBatchSize }).ConfigureAwait(false);
        var candidates = found.Select(c => c.HoldId).Distinct().ToArray();
        if (candidates.Length == 0)
        {
            return (0, false);
        }

        var keys = found.Where(c => c.Sku is not null).Select(c => new StockKey(c.Sku!, c.Location)).Distinct().Order().ToArray();
        await LockAndReleaseExpiredAsync(s, keys, now).ConfigureAwait(false);

        var parameters = new Dictionary<string, object?> { ["now"] = Dialect.TimeParameter(now) };
        for (var i = 0; i < candidates.Length; i++)
        {
            parameters[$"h{i}"] = Dialect.HoldIdParameter(candidates[i]);
        }

        var holds = await s.QueryRowsAsync<ClaimedLineRow>(Dialect.LockExpiredHolds(candidates.Length), parameters).ConfigureAwait(false);
        await s.ExecuteAllAsync([.. holds.Select(h => FinishHold(h.HoldId, "expired", now))]).ConfigureAwait(false);

        // A full batch means more may wait, even when another sweep or a buyer finished some of it first.
        return (holds.Count, candidates.Length == _options.SweepBatchSize);
    }

    private async Task<int> PurgeAsync(string sql, TimeSpan retention, CancellationToken cancellationToken)
    {
        int total = 0, batch;
        do
        {
            batch = await RunCoreAsync(
                s => s.ExecuteAsync(sql, new { before = Dialect.TimeParameter(Now() - retention), limit = _options.SweepBatchSize }),
                cancellationToken,
                ensureSchema: true).ConfigureAwait(false);
            total += batch;
        }
        while (batch == _options.SweepBatchSize);

        return total;
    }

    private Task<IReadOnlyList<HoldLineRow>> LinesAsync(SqlSession s, Guid holdId) =>
        s.QueryRowsAsync<HoldLineRow>(Dialect.SelectHoldLines, new { holdId = Dialect.HoldIdParameter(holdId) });

    private static StockHold ToHold(HoldRow hold, IReadOnlyList<HoldLineRow> lines, DateTimeOffset now)
    {
        var state = ParseState(hold.State);
        var expiresAt = Utc(hold.ExpiresAt);
        if (state == HoldState.Active && now >= expiresAt)
        {
            state = HoldState.Expired;
        }

        return new StockHold(hold.Id, [.. lines.Select(l => new StockLine(l.Key, l.Quantity))], Utc(hold.CreatedAt), expiresAt, state, hold.Reference);
    }

    private static HoldState ParseState(string state) => state switch
    {
        Active => HoldState.Active,
        "confirmed" => HoldState.Confirmed,
        "released" => HoldState.Released,
        "expired" => HoldState.Expired,
        _ => throw new InvalidOperationException($"The stored hold state '{state}' is unknown."),
    };

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));

    [LoggerMessage(2, LogLevel.Debug, "Sweep released {ExpiredHolds} expired holds and purged {PurgedHolds} finished holds and {PurgedKeys} idempotency keys.")]
    private static partial void LogSwept(ILogger logger, int expiredHolds, int purgedHolds, int purgedKeys);
}
