using StockGuard.Diagnostics;
using StockGuard.Sql.Execution;
using StockGuard.Sql.Idempotency;
using StockGuard.Sql.Strategies;

namespace StockGuard.Sql.Operations;

/// <summary>
/// Holds. A hold's units are counted in its items' <c>reserved</c> until each of its lines is released (given back,
/// sold or expired). An expired line stops counting at once for readers and buyers: reads leave it out of
/// <c>Reserved</c>, and a buyer whose line would otherwise be short gives that item's expired lines back inside its
/// own transaction (<see cref="StockChanges.TakeAsync"/>); <see cref="HoldSweeper"/> gives back the rest. A hold leaves
/// <c>active</c> only in the transaction that releases its last unreleased line, so a finished hold never counts in
/// <c>reserved</c>. Lock order (see <see cref="SqlDialect"/>): items in key order, then hold rows, then hold lines.
/// </summary>
internal sealed class HoldOperations(SqlExecutor executor, StockChanges changes)
{
    private const string Active = "active";

    private SqlDialect Dialect => executor.Dialect;

    public async Task<ReserveResult> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.TimeToLive > executor.Options.MaxHoldTimeToLive)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.TimeToLive, $"The hold's time-to-live is longer than MaxHoldTimeToLive ({executor.Options.MaxHoldTimeToLive}).");
        }

        return await executor.RunOperationAsync(
            StockOperation.Reserve,
            (s, now) => IdempotencyLedger.RunOnceAsync(s, request, now, () => PlaceAsync(s, request, now), ResultJson.Write, ResultJson.ReadReserve),
            static r => r.IsReplay ? "replayed" : r.Succeeded ? "applied" : "refused",
            cancellationToken).ConfigureAwait(false);
    }

    public Task<HoldResult> ConfirmAsync(Guid holdId, CancellationToken cancellationToken) =>
        FinishAsync(holdId, StockOperation.Confirm, null, cancellationToken);

    public Task<HoldResult> ReleaseAsync(Guid holdId, CancellationToken cancellationToken) =>
        FinishAsync(holdId, StockOperation.Release, null, cancellationToken);

    public Task<HoldResult> ExtendAsync(Guid holdId, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(timeToLive, executor.Options.MaxHoldTimeToLive);
        return FinishAsync(holdId, StockOperation.Extend, timeToLive, cancellationToken);
    }

    public Task<StockHold?> GetHoldAsync(Guid holdId, CancellationToken cancellationToken) =>
        executor.ReadAsync(
            async (s, now) =>
            {
                var hold = await s.QueryRowAsync<HoldRow>(Dialect.SelectHold, new { id = Dialect.HoldIdParameter(holdId) }).ConfigureAwait(false);
                return hold is null ? null : ToHold(hold, await LinesAsync(s, holdId).ConfigureAwait(false), now);
            },
            cancellationToken);

    private async Task<ReserveResult> PlaceAsync(SqlSession s, ReserveRequest request, DateTimeOffset now)
    {
        var id = Guid.CreateVersion7(now);
        var expiresAt = Dialect.Truncate(now + request.TimeToLive);
        var trailing = new List<SqlCall>
        {
            new(Dialect.InsertHold, new { id = Dialect.HoldIdParameter(id), createdAt = Dialect.TimeParameter(now), expiresAt = Dialect.TimeParameter(expiresAt), reference = request.Reference }),
        };
        trailing.AddRange(request.Lines.Select((l, i) => new SqlCall(Dialect.InsertHoldLine, new { holdId = Dialect.HoldIdParameter(id), lineNo = i, sku = l.Key.Sku, location = l.Key.Location, quantity = l.Quantity })));
        trailing.AddRange(Movements.For(Dialect, request.Lines, MovementKind.HoldPlaced, l => (0, l.Quantity), request.Reference, id, null, now));
        var taken = await changes.TakeAsync(s, request, request.Lines, l => new TakeLine(l.Key, l.Quantity, 0, l.Quantity), trailing, now).ConfigureAwait(false);
        return taken.Succeeded
            ? new ReserveResult(new StockHold(id, request.Lines, now, expiresAt, HoldState.Active, request.Reference), taken.Levels, [])
            : new ReserveResult(null, taken.Levels, taken.ShortLines);
    }

    private async Task<HoldResult> FinishAsync(Guid holdId, StockOperation operation, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        var (result, expired) = await executor.RunOperationAsync(
            operation,
            (s, now) => FinishCoreAsync(s, holdId, operation, timeToLive, now),
            static r => r.Result.Outcome == HoldOutcome.Expired ? "expired" : r.Result.WasAlreadyDone ? "repeated" : "applied",
            cancellationToken).ConfigureAwait(false);
        if (expired)
        {
            StockGuardTelemetry.RecordExpired(Dialect.StoreName, 1);
        }

        if (result is { Outcome: HoldOutcome.Confirmed, WasAlreadyDone: false })
        {
            StockGuardTelemetry.RecordSold(Dialect.StoreName, result.Hold.Lines.Sum(l => (long)l.Quantity));
        }

        return result;
    }

    /// <summary>The hold's change, and whether this transaction expired it (counted once it commits).</summary>
    private async Task<(HoldResult Result, bool Expired)> FinishCoreAsync(SqlSession s, Guid holdId, StockOperation operation, TimeSpan? timeToLive, DateTimeOffset now)
    {
        var id = new { id = Dialect.HoldIdParameter(holdId) };
        var hold = await s.QueryRowAsync<HoldRow>(Dialect.SelectHold, id).ConfigureAwait(false)
            ?? throw new HoldNotFoundException(holdId);

        // Items first, then the hold row (lock order): whoever changes this hold's state locks its items first, so the
        // state read under the hold's lock is the state this transaction acts on.
        var lines = ParseState(hold.State) == HoldState.Active ? await LockItemsOfHoldAsync(s, holdId).ConfigureAwait(false) : null;
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
                return (new HoldResult(HoldOutcome.Expired, ToHold(hold, lines ?? await LinesAsync(s, holdId).ConfigureAwait(false), now)), false);
            case var done when done == wanted && done != HoldState.Active:
                return (new HoldResult(outcome, ToHold(hold, lines ?? await LinesAsync(s, holdId).ConfigureAwait(false), now)) { WasAlreadyDone = true }, false);
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
            return (await ExpireAsync(s, hold, lines, now).ConfigureAwait(false), true);
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
            trailing.AddRange(ReleaseLines(holdId, lines, confirm ? MovementKind.HoldConfirmed : MovementKind.HoldReleased, confirm, hold.Reference, now));
            trailing.Add(FinishHold(holdId, confirm ? "confirmed" : "released", now));
            hold.State = confirm ? "confirmed" : "released";
        }

        await s.QueryEachAsync<LevelRow>(calls, trailing).ConfigureAwait(false);
        return (new HoldResult(outcome, ToHold(hold, lines, now)), false);
    }

    /// <summary>
    /// Gives back the unreleased lines of an active hold past its expiry and marks it expired. The caller has locked its
    /// items, then the hold. Each line given back adds one to its item's version, as every release of an expired line does.
    /// </summary>
    private async Task<HoldResult> ExpireAsync(SqlSession s, HoldRow hold, IReadOnlyList<HoldLineRow> lines, DateTimeOffset now)
    {
        var open = lines.Where(l => !l.Released).OrderBy(l => l.Key).ToArray();
        var trailing = ReleaseLines(hold.Id, open, MovementKind.HoldExpired, false, hold.Reference, now);
        trailing.Add(FinishHold(hold.Id, "expired", now));
        await s.QueryEachAsync<LevelRow>([.. open.Select(l => ItemCalls.Change(Dialect, l.Key, 0, -l.Quantity, now))], trailing).ConfigureAwait(false);
        hold.State = "expired";
        return new HoldResult(HoldOutcome.Expired, ToHold(hold, lines, now));
    }

    /// <summary>Locks the hold's items in key order, then reads its lines, which cannot change while those items are locked.</summary>
    private async Task<IReadOnlyList<HoldLineRow>> LockItemsOfHoldAsync(SqlSession s, Guid holdId)
    {
        var lines = await LinesAsync(s, holdId).ConfigureAwait(false);
        var keys = lines.Select(l => l.Key).Distinct().Order().ToArray();
        await s.ExecuteAllAsync([.. keys.Select(k => ItemCalls.Key(Dialect.LockItem, k))]).ConfigureAwait(false);
        return await LinesAsync(s, holdId).ConfigureAwait(false);
    }

    private List<SqlCall> ReleaseLines(Guid holdId, IEnumerable<HoldLineRow> lines, MovementKind kind, bool sold, string? reference, DateTimeOffset now)
    {
        var calls = new List<SqlCall>();
        var stockLines = new List<StockLine>();
        foreach (var line in lines)
        {
            calls.Add(new SqlCall(Dialect.ReleaseHoldLine, new { holdId = Dialect.HoldIdParameter(holdId), sku = line.Sku, location = line.Location }));
            stockLines.Add(new StockLine(line.Key, line.Quantity));
        }

        calls.AddRange(Movements.For(Dialect, stockLines, kind, l => (sold ? -l.Quantity : 0, -l.Quantity), reference, holdId, null, now));
        return calls;
    }

    /// <summary>Marks a hold finished in <paramref name="state"/>: the caller has released all its lines in the same transaction.</summary>
    public SqlCall FinishHold(Guid holdId, string state, DateTimeOffset now) =>
        new(Dialect.FinishHold, new { id = Dialect.HoldIdParameter(holdId), state, finishedAt = Dialect.TimeParameter(now) });

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
}
