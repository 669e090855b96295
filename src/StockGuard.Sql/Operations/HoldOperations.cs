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

    private readonly OneCommandHolds _oneCommand = new(executor);

    private SqlDialect Dialect => executor.Dialect;

    public async Task<ReserveResult> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.TimeToLive > executor.Options.MaxHoldTimeToLive)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.TimeToLive, $"The hold's time-to-live is longer than MaxHoldTimeToLive ({executor.Options.MaxHoldTimeToLive}).");
        }

        return await executor.RunTimedAsync(
            StockOperation.Reserve,
            async ct => await TryPlaceOneAsync(request, ct).ConfigureAwait(false)
                ?? await executor.RunAsync(
                    s =>
                    {
                        var now = executor.Now();
                        return IdempotencyLedger.RunOnceAsync(s, request, now, () => PlaceAsync(s, request, now), ResultJson.Write, ResultJson.ReadReserve);
                    },
                    ct).ConfigureAwait(false),
            static r => r.IsReplay ? "replayed" : r.Succeeded ? "applied" : "refused",
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The one-line hold in one command (<see cref="OneCommandHolds"/>), when the request and the dialect allow it;
    /// <see langword="null"/> when it was not tried or changed nothing.
    /// </summary>
    private async Task<ReserveResult?> TryPlaceOneAsync(ReserveRequest request, CancellationToken cancellationToken)
    {
        if (!_oneCommand.CanReserve(request))
        {
            return null;
        }

        await executor.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var now = executor.Now();
        var id = Guid.CreateVersion7(now);
        var expiresAt = Dialect.Truncate(now + request.TimeToLive);
        var row = await _oneCommand.TryReserveAsync(request, id, now, expiresAt, cancellationToken).ConfigureAwait(false);
        return row is null
            ? null
            : new ReserveResult(new StockHold(id, request.Lines, now, expiresAt, HoldState.Active, request.Reference), [row.ToLevel()], []);
    }

    public Task<HoldResult> ConfirmAsync(Guid holdId, CancellationToken cancellationToken) =>
        FinishAsync(holdId, StockOperation.Confirm, null, cancellationToken);

    /// <summary>Confirms part of a hold: sells <see cref="ConfirmRequest.Lines"/>, gives back the rest, in one transaction.</summary>
    public Task<HoldResult> ConfirmAsync(ConfirmRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return FinishAsync(request.HoldId, StockOperation.Confirm, null, cancellationToken, request.Lines);
    }

    /// <summary>
    /// Puts back on hand units a confirmed hold sold, one <c>return</c> movement per line naming the hold. Items are locked
    /// in key order, then the hold (the lock order), so two returns against one item are judged one after the other.
    /// </summary>
    public Task<StockChangeResult> ReturnAsync(HoldReturnRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return executor.RunChangeAsync(
            request,
            async (s, now) =>
            {
                var id = new { id = Dialect.HoldIdParameter(request.HoldId) };
                _ = await s.QueryRowAsync<HoldRow>(Dialect.SelectHold, id).ConfigureAwait(false) ?? throw new HoldNotFoundException(request.HoldId);
                var sorted = request.Lines.OrderBy(l => l.Key).ToArray();
                await s.ExecuteAllAsync([.. sorted.Select(l => ItemCalls.Key(Dialect.LockItem, l.Key))]).ConfigureAwait(false);
                var hold = await s.QueryRowAsync<HoldRow>(Dialect.LockHold, id).ConfigureAwait(false) ?? throw new HoldNotFoundException(request.HoldId);
                if (ParseState(hold.State) != HoldState.Confirmed)
                {
                    throw new HoldStateException(request.HoldId, ToHold(hold, [], now).State, "return units of");
                }

                foreach (var line in request.Lines)
                {
                    var (sold, returned) = await SaleOfItemAsync(s, request.HoldId, line.Key).ConfigureAwait(false);
                    HoldSale.CheckReturnable(request.HoldId, line, sold, returned);
                }

                var calls = sorted.Select(l => ItemCalls.Change(Dialect, l.Key, l.Quantity, 0, now)).ToArray();
                var movements = Movements.For(Dialect, sorted, MovementKind.Return, l => (l.Quantity, 0), request.Reference, request.HoldId, null, now);
                var rows = await s.QueryEachAsync<LevelRow>(calls, movements).ConfigureAwait(false);
                await BackorderOperations.FillAllAsync(s, rows, now).ConfigureAwait(false);
                rows = await StockChanges.ServeWaitlistsAsync(s, sorted, rows, now).ConfigureAwait(false);
                return StockChangeResult.Applied(StockChanges.InRequestOrder(request.Lines, sorted, rows));
            },
            cancellationToken);
    }

    /// <summary>What the hold sold of the item and what came back against it, from the ledger.</summary>
    private async Task<(long Sold, long Returned)> SaleOfItemAsync(SqlSession s, Guid holdId, StockKey key)
    {
        var rows = await s.QueryRowsAsync<HoldSaleMovementRow>(
            Dialect.SelectHoldSaleMovements,
            new { holdId = Dialect.HoldIdParameter(holdId), sku = key.Sku, location = key.Location }).ConfigureAwait(false);
        var confirmed = Movements.LedgerName(MovementKind.HoldConfirmed);
        return (-rows.Where(r => r.Kind == confirmed).Sum(r => r.OnHandDelta), rows.Where(r => r.Kind != confirmed).Sum(r => r.OnHandDelta));
    }

    /// <summary>The units a confirmed hold sold, in line order, items that sold none left out.</summary>
    private async Task<StockLine[]> SoldAsync(SqlSession s, Guid holdId, IReadOnlyList<HoldLineRow> lines)
    {
        var sold = new List<StockLine>();
        foreach (var line in lines)
        {
            var (units, _) = await SaleOfItemAsync(s, holdId, line.Key).ConfigureAwait(false);
            if (units > 0)
            {
                sold.Add(new StockLine(line.Key, (int)units));
            }
        }

        return [.. sold];
    }

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
        var taken = await changes.TakeAsync(
            s, request, request.Lines, l => new TakeLine(l.Key, l.Quantity, 0, l.Quantity), trailing, now, new BackorderSource(request.Reference ?? request.IdempotencyKey, id)).ConfigureAwait(false);
        return taken.Succeeded
            ? new ReserveResult(new StockHold(id, request.Lines, now, expiresAt, HoldState.Active, request.Reference), taken.Levels, []) { Backordered = taken.Backordered }
            : new ReserveResult(null, taken.Levels, taken.ShortLines);
    }

    private async Task<HoldResult> FinishAsync(Guid holdId, StockOperation operation, TimeSpan? timeToLive, CancellationToken cancellationToken, IReadOnlyList<StockLine>? sell = null)
    {
        var batch = sell is null ? _oneCommand.FinishBatch(operation) : null;
        var (result, expired) = await executor.RunTimedAsync(
            operation,
            async ct => (batch is null ? null : await TryFinishOneAsync(batch, holdId, operation, ct).ConfigureAwait(false))
                ?? await executor.RunAsync(s => FinishCoreAsync(s, holdId, operation, timeToLive, sell, executor.Now()), ct).ConfigureAwait(false),
            static r => r.Result.Outcome == HoldOutcome.Expired ? "expired" : r.Result.WasAlreadyDone ? "repeated" : "applied",
            cancellationToken).ConfigureAwait(false);
        if (expired)
        {
            StockGuardTelemetry.RecordExpired(Dialect.StoreName, 1);
        }

        if (result is { Outcome: HoldOutcome.Confirmed, WasAlreadyDone: false })
        {
            StockGuardTelemetry.RecordSold(Dialect.StoreName, result.ConfirmedLines.Sum(l => (long)l.Quantity));
        }

        return result;
    }

    /// <summary>
    /// The whole confirm or release of an active hold in one batch (<see cref="OneCommandHolds"/>); <see langword="null"/>
    /// when it changed nothing (the transactional path then decides).
    /// </summary>
    private async Task<(HoldResult Result, bool Expired)?> TryFinishOneAsync(IReadOnlyList<string> batch, Guid holdId, StockOperation operation, CancellationToken cancellationToken)
    {
        await executor.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var now = executor.Now();
        if (await _oneCommand.TryFinishAsync(batch, holdId, now, cancellationToken).ConfigureAwait(false) is not var (hold, lines))
        {
            return null;
        }

        var confirm = operation == StockOperation.Confirm;
        hold.State = confirm ? "confirmed" : "released";
        StockLine[] sold = confirm ? [.. lines.Select(l => new StockLine(l.Key, l.Quantity))] : [];
        return (new HoldResult(confirm ? HoldOutcome.Confirmed : HoldOutcome.Released, ToHold(hold, lines, now)) { ConfirmedLines = sold }, false);
    }

    /// <summary>The hold's change, and whether this transaction expired it (counted once it commits).</summary>
    private async Task<(HoldResult Result, bool Expired)> FinishCoreAsync(SqlSession s, Guid holdId, StockOperation operation, TimeSpan? timeToLive, IReadOnlyList<StockLine>? sell, DateTimeOffset now)
    {
        // The hold and its lines, read under the locks of its items (when active) and of its row.
        var (hold, lines) = await LockHoldAsync(s, holdId).ConfigureAwait(false);
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
                return (new HoldResult(HoldOutcome.Expired, ToHold(hold, lines, now)), false);
            case HoldState.Confirmed when operation == StockOperation.Confirm:
                var soldBefore = await SoldAsync(s, holdId, lines).ConfigureAwait(false);
                if (sell is not null && !HoldSale.SameUnits(sell, soldBefore))
                {
                    throw new HoldStateException(holdId, state, "confirm other quantities of");
                }

                return (new HoldResult(outcome, ToHold(hold, lines, now)) { WasAlreadyDone = true, ConfirmedLines = soldBefore }, false);
            case var done when done == wanted && done != HoldState.Active:
                return (new HoldResult(outcome, ToHold(hold, lines, now)) { WasAlreadyDone = true }, false);
            case not HoldState.Active:
                throw new HoldStateException(holdId, state, StockGuardTelemetry.OperationName(operation));
        }

        // Still active, so it was active when first read, and this transaction has locked its items.

        // Past its expiry, or a buyer whose clock ran ahead gave back a line already: then the hold has expired for everyone.
        if (now >= Utc(hold.ExpiresAt) || lines.Any(l => l.Released))
        {
            return (await ExpireAsync(s, hold, lines, now).ConfigureAwait(false), true);
        }

        // Checked before anything is written: a line the hold does not hold, or more units than it holds, changes nothing.
        var sold = operation == StockOperation.Confirm ? HoldSale.Sold(holdId, [.. lines.Select(l => new StockLine(l.Key, l.Quantity))], sell) : [];
        var calls = new List<SqlCall>();
        foreach (var line in lines.OrderBy(l => l.Key))
        {
            calls.Add(operation switch
            {
                StockOperation.Confirm => ItemCalls.ChangeLocked(Dialect, line.Key, -HoldSale.UnitsOf(sold, line.Key), -line.Quantity),
                StockOperation.Release => ItemCalls.ChangeLocked(Dialect, line.Key, 0, -line.Quantity),
                _ => ItemCalls.ChangeLocked(Dialect, line.Key, 0, 0),
            });
        }

        var trailing = new List<SqlCall>();
        if (operation == StockOperation.Extend)
        {
            hold.ExpiresAt = Dialect.Truncate(now + timeToLive!.Value).UtcDateTime;
            trailing.Add(new SqlCall(Dialect.SetHoldExpiry, new { id = Dialect.HoldIdParameter(holdId), expiresAt = Dialect.TimeParameter(Utc(hold.ExpiresAt)) }));
        }
        else if (operation == StockOperation.Confirm)
        {
            // One finishing movement per line: a sold line's hold_confirmed takes the units sold off hand and the units
            // held out of reserved; a line that sells nothing is released.
            var selling = lines.Where(l => HoldSale.UnitsOf(sold, l.Key) > 0).ToArray();
            trailing.AddRange(ReleaseLines(holdId, selling, MovementKind.HoldConfirmed, l => (-HoldSale.UnitsOf(sold, l.Key), -l.Quantity), hold.Reference, now));
            trailing.AddRange(ReleaseLines(holdId, lines.Except(selling), MovementKind.HoldReleased, static l => (0, -l.Quantity), hold.Reference, now));
            trailing.AddRange(BackorderOperations.HoldConfirmed(Dialect, holdId, lines.Select(l => (l.Key, l.Quantity - (long)HoldSale.UnitsOf(sold, l.Key)))));
            trailing.Add(FinishHold(holdId, "confirmed", now));
            hold.State = "confirmed";
        }
        else
        {
            trailing.AddRange(ReleaseLines(holdId, lines, MovementKind.HoldReleased, false, hold.Reference, now));
            trailing.Add(FinishHold(holdId, "released", now));
            hold.State = "released";
        }

        await s.ExecuteAllAsync([.. calls, .. trailing]).ConfigureAwait(false);
        if (operation != StockOperation.Extend)
        {
            // Units given back (a release, or a confirm that sold less than it held) go to waiters first. A line sold
            // whole gives none back (on hand and reserved drop together), so its item has no waitlist step.
            var givenBack = lines.Where(l => operation == StockOperation.Release || HoldSale.UnitsOf(sold, l.Key) < l.Quantity);
            await WaitlistOperations.ServeAsync(s, [.. givenBack.Select(l => l.Key).Distinct().Order()], now).ConfigureAwait(false);
        }

        return (new HoldResult(outcome, ToHold(hold, lines, now)) { ConfirmedLines = sold }, false);
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
        await s.ExecuteAllAsync([.. open.Select(l => ItemCalls.ChangeLocked(Dialect, l.Key, 0, -l.Quantity)), .. trailing]).ConfigureAwait(false);
        await WaitlistOperations.ServeAsync(s, [.. open.Select(l => l.Key).Distinct()], now).ConfigureAwait(false);
        hold.State = "expired";
        return new HoldResult(HoldOutcome.Expired, ToHold(hold, lines, now));
    }

    /// <summary>
    /// Locks the items of the hold's lines in key order when it is active, then the hold row (the lock order: whoever
    /// changes a hold's state locks its items first, so the state read under the hold's lock is the state this
    /// transaction acts on), and reads the hold and its lines under those locks. One round trip where the dialect locks
    /// a hold's items in one statement (<see cref="SqlDialect.LockItemsOfHold"/>), else two: the hold and its lines read
    /// without locks, then the locks and the same reads again.
    /// </summary>
    /// <exception cref="HoldNotFoundException">No such hold.</exception>
    private async Task<(HoldRow Hold, IReadOnlyList<HoldLineRow> Lines)> LockHoldAsync(SqlSession s, Guid holdId)
    {
        var id = new { id = Dialect.HoldIdParameter(holdId) };
        var readLines = new SqlCall(Dialect.SelectHoldLines, new { holdId = Dialect.HoldIdParameter(holdId) });
        var lockHold = new SqlCall(Dialect.LockHold, id);
        if (Dialect.LockItemsOfHold is { } lockItems)
        {
            var (locked, lockedLines) = await s.QueryRowAndRowsAsync<HoldRow, HoldLineRow>(
                lockItems.Length == 0 ? [] : [new SqlCall(lockItems, id)], lockHold, readLines).ConfigureAwait(false);
            return (locked ?? throw new HoldNotFoundException(holdId), lockedLines);
        }

        var (hold, lines) = await s.QueryRowAndRowsAsync<HoldRow, HoldLineRow>([], new SqlCall(Dialect.SelectHold, id), readLines).ConfigureAwait(false);
        if (hold is null)
        {
            throw new HoldNotFoundException(holdId);
        }

        // A hold that is not active never becomes active again, and its lines are all released: only its row needs the lock.
        var keys = ParseState(hold.State) == HoldState.Active ? lines.Select(l => l.Key).Distinct().Order().ToArray() : [];
        var (lockedHold, linesUnderLocks) = await s.QueryRowAndRowsAsync<HoldRow, HoldLineRow>(
            [.. keys.Select(k => ItemCalls.Key(Dialect.LockItem, k))], lockHold, readLines).ConfigureAwait(false);
        return (lockedHold ?? throw new HoldNotFoundException(holdId), linesUnderLocks);
    }

    private List<SqlCall> ReleaseLines(Guid holdId, IEnumerable<HoldLineRow> lines, MovementKind kind, bool sold, string? reference, DateTimeOffset now) =>
        ReleaseLines(holdId, lines, kind, l => (sold ? -l.Quantity : 0, -l.Quantity), reference, now);

    /// <summary>Marks the lines released and writes one movement per line, its deltas from <paramref name="deltas"/>.</summary>
    private List<SqlCall> ReleaseLines(Guid holdId, IEnumerable<HoldLineRow> lines, MovementKind kind, Func<HoldLineRow, (long OnHand, long Reserved)> deltas, string? reference, DateTimeOffset now)
    {
        var calls = new List<SqlCall>();
        var released = lines.ToArray();
        foreach (var line in released)
        {
            calls.Add(new SqlCall(Dialect.ReleaseHoldLine, new { holdId = Dialect.HoldIdParameter(holdId), sku = line.Sku, location = line.Location }));
        }

        var byKey = released.ToDictionary(l => l.Key);
        calls.AddRange(Movements.For(Dialect, released.Select(l => new StockLine(l.Key, l.Quantity)), kind, l => deltas(byKey[l.Key]), reference, holdId, null, now));
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
