using StockGuard.Diagnostics;
using StockGuard.Sql.Execution;
using StockGuard.Sql.Idempotency;
using StockGuard.Sql.Strategies;

namespace StockGuard.Sql.Operations;

/// <summary>
/// Allocations, transfers and totals over locations. Each write locks its items in key order first (as every operation
/// does, so none deadlocks with another), gives back their expired holds, reads them with the locks held, decides, and
/// writes the changes and one movement per item in the same transaction. An allocation takes the locks whatever the
/// configured strategy: its decision spans rows that no conditional update can express, and a version check would
/// redo the whole decision on every conflict.
/// </summary>
internal sealed class LocationOperations(SqlExecutor executor)
{
    private SqlDialect Dialect => executor.Dialect;

    public Task<AllocationResult> AllocateAsync(AllocateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.HoldFor > executor.Options.MaxHoldTimeToLive)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.HoldFor, $"The hold's time-to-live is longer than MaxHoldTimeToLive ({executor.Options.MaxHoldTimeToLive}).");
        }

        return executor.RunOperationAsync(
            StockOperation.Allocate,
            (s, now) => IdempotencyLedger.RunOnceAsync(s, request, now, () => AllocateAsync(s, request, now), ResultJson.Write, ResultJson.ReadAllocation),
            static r => r.IsReplay ? "replayed" : r.Succeeded ? "applied" : "refused",
            cancellationToken);
    }

    public Task<TransferResult> TransferAsync(TransferRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RunTransferAsync(request, (s, now) => TransferAsync(s, request, now), cancellationToken);
    }

    public Task<TransferResult> ReceiveTransferAsync(ReceiveTransferRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RunTransferAsync(request, (s, now) => LandAsync(s, request, now), cancellationToken);
    }

    public async Task<StockTotal> GetTotalAsync(string sku, IEnumerable<string>? locations, CancellationToken cancellationToken)
    {
        var keys = StockTotal.KeysOf(sku, locations);
        if (keys is { Count: 0 })
        {
            return StockTotal.Sum(sku, []);
        }

        var rows = await executor.ReadAsync(
            async (s, now) => keys is null
                ? [.. await s.QueryRowsAsync<LevelRow>(Dialect.SelectLevelsOfSku, new { sku, now = Dialect.TimeParameter(now) }).ConfigureAwait(false)]
                : await ItemCalls.ReadLevelsAsync(s, keys, now).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        return StockTotal.Sum(sku, rows.OfType<LevelRow>().Select(r => r.ToLevel()));
    }

    private Task<TransferResult> RunTransferAsync(StockRequest request, Func<SqlSession, DateTimeOffset, Task<TransferResult>> body, CancellationToken cancellationToken) =>
        executor.RunOperationAsync(
            request.Operation,
            (s, now) => IdempotencyLedger.RunOnceAsync(s, request, now, () => body(s, now), ResultJson.Write, ResultJson.ReadTransfer),
            static r => r.IsReplay ? "replayed" : r.Succeeded ? "applied" : "refused",
            cancellationToken);

    /// <summary>
    /// Locks <paramref name="keys"/> (sorted) and gives back their expired holds, then reads them by a locking read: with
    /// the locks already held it waits for nothing, so it sees the rows as they are now even in a caller's transaction
    /// whose plain reads would show an older snapshot (MySQL's REPEATABLE READ).
    /// </summary>
    private async Task<LevelRow?[]> LockAsync(SqlSession s, IReadOnlyList<StockKey> keys, DateTimeOffset now)
    {
        await ItemCalls.LockAndReleaseExpiredAsync(s, keys, now, readBack: false).ConfigureAwait(false);
        return await s.QueryEachAsync<LevelRow>([.. keys.Select(k => ItemCalls.Key(Dialect.LockLevel, k, now, Dialect))]).ConfigureAwait(false);
    }

    private async Task<AllocationResult> AllocateAsync(SqlSession s, AllocateRequest request, DateTimeOffset now)
    {
        var rows = await LockAsync(s, request.CandidateKeys, now).ConfigureAwait(false);
        var snapshot = new AllocationSnapshot(request.Lines, request.Locations, rows.OfType<LevelRow>().Select(r => r.ToLevel()), now);
        var decision = request.Decide(snapshot);
        if (!decision.Succeeded)
        {
            StockGuardTelemetry.RecordRefused(Dialect.StoreName, StockOperation.Allocate);
            return decision;
        }

        var parts = decision.Parts;
        if (request.HoldFor is { } timeToLive)
        {
            var id = Guid.CreateVersion7(now);
            var expiresAt = Dialect.Truncate(now + timeToLive);
            var trailing = new List<SqlCall>
            {
                new(Dialect.InsertHold, new { id = Dialect.HoldIdParameter(id), createdAt = Dialect.TimeParameter(now), expiresAt = Dialect.TimeParameter(expiresAt), reference = request.Reference }),
            };
            trailing.AddRange(parts.Select((l, i) => new SqlCall(Dialect.InsertHoldLine, new { holdId = Dialect.HoldIdParameter(id), lineNo = i, sku = l.Key.Sku, location = l.Key.Location, quantity = l.Quantity })));
            trailing.AddRange(Movements.For(Dialect, parts, MovementKind.HoldPlaced, l => (0, l.Quantity), request.Reference, id, null, now));
            var held = await s.QueryEachAsync<LevelRow>([.. parts.Select(p => ItemCalls.Change(Dialect, p.Key, 0, p.Quantity, now))], trailing).ConfigureAwait(false);
            return new AllocationResult(parts, [.. held.Select(r => r!.ToLevel())], [], new StockHold(id, parts, now, expiresAt, HoldState.Active, request.Reference));
        }

        var movements = Movements.For(Dialect, parts, MovementKind.Sale, l => (-l.Quantity, 0), request.Reference, null, null, now);
        var sold = await s.QueryEachAsync<LevelRow>([.. parts.Select(p => ItemCalls.Change(Dialect, p.Key, -p.Quantity, 0, now))], movements).ConfigureAwait(false);
        if (!executor.InCallerTransaction)
        {
            StockGuardTelemetry.RecordSold(Dialect.StoreName, parts.Sum(p => (long)p.Quantity));
        }

        return new AllocationResult(parts, [.. sold.Select(r => r!.ToLevel())], [], null);
    }

    private async Task<TransferResult> TransferAsync(SqlSession s, TransferRequest request, DateTimeOffset now)
    {
        var id = Guid.CreateVersion7(now);
        var to = request.InTransit ? new StockKey(request.From.Sku, TransferRequest.TransitLocation(id)) : request.To;
        StockKey[] keys = [.. new[] { request.From, to }.Order()];
        var rows = await LockAsync(s, keys, now).ConfigureAwait(false);
        var source = rows[Array.IndexOf(keys, request.From)] ?? throw new StockItemNotFoundException(request.From);
        var available = source.Sellable - source.BelowZeroLimit;
        if (available < request.Quantity)
        {
            return new TransferResult(Guid.Empty, 0, [source.ToLevel()], new ShortLine(request.From, request.Quantity, available));
        }

        var levels = await MoveAsync(s, request.From, to, request.Quantity, id, request.Reference, now).ConfigureAwait(false);
        return new TransferResult(id, request.Quantity, levels, null);
    }

    private async Task<TransferResult> LandAsync(SqlSession s, ReceiveTransferRequest request, DateTimeOffset now)
    {
        var transit = request.Transit;
        StockKey[] keys = [.. new[] { transit, request.To }.Order()];
        var rows = await LockAsync(s, keys, now).ConfigureAwait(false);
        var row = rows[Array.IndexOf(keys, transit)] ?? throw new StockItemNotFoundException(transit);
        if (row.OnHand <= 0)
        {
            return new TransferResult(request.TransferId, 0, [.. new[] { row, rows[Array.IndexOf(keys, request.To)] }.OfType<LevelRow>().Select(r => r.ToLevel())], null);
        }

        var levels = await MoveAsync(s, transit, request.To, (int)row.OnHand, request.TransferId, request.Reference, now).ConfigureAwait(false);
        return new TransferResult(request.TransferId, (int)row.OnHand, levels, null);
    }

    /// <summary>Moves <paramref name="quantity"/> units from one locked item to another (created if missing), a movement on each side noting the transfer.</summary>
    private async Task<StockLevel[]> MoveAsync(SqlSession s, StockKey from, StockKey to, int quantity, Guid transferId, string? reference, DateTimeOffset now)
    {
        var note = "transfer " + transferId.ToString("D");
        List<SqlCall> movements =
        [
            .. Movements.For(Dialect, [new StockLine(from, quantity)], MovementKind.TransferOut, l => (-l.Quantity, 0), reference, null, note, now),
            .. Movements.For(Dialect, [new StockLine(to, quantity)], MovementKind.TransferIn, l => (l.Quantity, 0), reference, null, note, now),
        ];
        var rows = await s.QueryEachAsync<LevelRow>(
            [
                ItemCalls.Change(Dialect, from, -quantity, 0, now),
                new SqlCall(Dialect.UpsertReceipt, new { sku = to.Sku, location = to.Location, quantity = (long)quantity, now = Dialect.TimeParameter(now) }),
            ],
            movements).ConfigureAwait(false);
        if (rows[1]!.OnHand > StockLimits.MaxStock)
        {
            throw new ArgumentOutOfRangeException(nameof(quantity), quantity, $"Moving {quantity} units to {to} would take its on-hand units past {StockLimits.MaxStock}. Nothing was changed.");
        }

        // Units that land go to the destination's waiters first.
        var landed = await WaitlistOperations.ServeAsync(s, [to], now).ConfigureAwait(false)
            ? (await ItemCalls.ReadLevelsAsync(s, [to], now).ConfigureAwait(false))[0]!
            : rows[1]!;
        return [rows[0]!.ToLevel(), landed.ToLevel()];
    }
}
