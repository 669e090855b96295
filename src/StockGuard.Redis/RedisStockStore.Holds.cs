using System.Text.Json;
using StackExchange.Redis;
using StockGuard.Diagnostics;

namespace StockGuard.Redis;

public sealed partial class RedisStockStore
{
    private async Task<HoldRecord?> ReadHoldAsync(Guid holdId)
    {
        var redis = await RedisAsync().ConfigureAwait(false);
        HashEntry[] entries;
        try
        {
            entries = await redis.GetDatabase().HashGetAllAsync(Keys.Hold(holdId)).ConfigureAwait(false);
        }
        catch (RedisException ex)
        {
            throw new StockStoreException("Redis could not be read.", ex, isTransient: true);
        }

        if (entries.Length == 0)
        {
            return null;
        }

        return HoldRecord.Parse(holdId, entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal));
    }

    /// <summary>
    /// Places a hold. One line: one script that holds the units and writes the record beside them. Several lines: each line
    /// held in key order (expiring by time like any hold line), then the record written; a crash in between leaves lines
    /// that expire with the hold's time-to-live.
    /// </summary>
    private async Task<ReserveResult> PlaceHoldAsync(ReserveRequest request, Guid holdId, string? token, ReplicaWaits waits, CancellationToken cancellationToken)
    {
        var lines = request.Lines;
        var now = await NowAsync().ConfigureAwait(false);
        var record = new HoldRecord(holdId, [.. lines], now.At, now.At + request.TimeToLive, 'a', request.Reference, false);
        var exp = new Instant(record.ExpiresAt);
        var id = holdId.ToString("N");
        if (lines.Count == 1)
        {
            var line = lines[0];
            var reply = await ItemAsync(line.Key, "place", now, token, Keys.Hold(holdId), id, Text(line.Quantity), exp.Hi, exp.Lo, exp.Ms, request.Reference ?? string.Empty, "0", JsonSerializer.Serialize(record.Fields())).ConfigureAwait(false);
            switch (reply[0])
            {
                case "nf":
                    throw new StockItemNotFoundException(line.Key);
                case "short":
                    StockGuardTelemetry.RecordRefused(StoreName, StockOperation.Reserve);
                    return new ReserveResult(null, [Level(line.Key, reply.Values)], [new ShortLine(line.Key, line.Quantity, Number(reply[7]))]) { IsReplay = reply.Replayed };
            }

            waits.Add(lines);
            return new ReserveResult(record.Snapshot(now.At), [Level(line.Key, reply.Values)], []) { IsReplay = reply.Replayed || reply[0] == "placed" };
        }

        var existing = await ReadHoldAsync(holdId).ConfigureAwait(false);
        if (existing is null)
        {
            var levels = await LevelsOrThrowAsync(lines).ConfigureAwait(false);
            var shortLines = ShortOf(lines, levels);
            if (shortLines.Count > 0)
            {
                StockGuardTelemetry.RecordRefused(StoreName, StockOperation.Reserve);
                return new ReserveResult(null, levels, shortLines);
            }
        }
        else
        {
            record = existing;
            exp = new Instant(record.ExpiresAt);
        }

        var placedLevels = new Dictionary<StockKey, StockLevel>();

        // Give back what this hold took so far; nobody knows its id yet.
        async Task GiveBackAsync()
        {
            var now = await NowAsync().ConfigureAwait(false);
            await Task.WhenAll(lines.Where(l => placedLevels.ContainsKey(l.Key)).Select(l => ItemAsync(l.Key, "settle", now, null, null, id, "r", "0"))).ConfigureAwait(false);
            await Task.WhenAll(lines.Where(l => placedLevels.ContainsKey(l.Key)).Select(l => ItemAsync(l.Key, "forget", now, null, null, id))).ConfigureAwait(false);
        }

        async Task StopIfCancelledAsync()
        {
            // Before the record is written a hold may stop: what it holds is given back, so the stock is as before it.
            if (cancellationToken.IsCancellationRequested && existing is null)
            {
                await GiveBackAsync().ConfigureAwait(false);
                throw new OperationCanceledException("The hold was cancelled before it was recorded; nothing is held.", cancellationToken);
            }
        }

        foreach (var line in lines.OrderBy(l => l.Key))
        {
            await Step("place").ConfigureAwait(false);
            await StopIfCancelledAsync().ConfigureAwait(false);
            var placed = await ItemAsync(line.Key, "place", await NowAsync().ConfigureAwait(false), null, null, id, Text(line.Quantity), exp.Hi, exp.Lo, exp.Ms, request.Reference ?? string.Empty, "0", string.Empty).ConfigureAwait(false);
            if (placed[0] is "short" or "nf")
            {
                await GiveBackAsync().ConfigureAwait(false);
                if (placed[0] == "nf")
                {
                    throw new StockItemNotFoundException(line.Key);
                }

                var levels = await LevelsOrThrowAsync(lines).ConfigureAwait(false);
                StockGuardTelemetry.RecordRefused(StoreName, StockOperation.Reserve);
                return new ReserveResult(null, levels, [new ShortLine(line.Key, line.Quantity, Math.Max(0, Number(placed[7])))]);
            }

            placedLevels[line.Key] = Level(line.Key, placed.Values);
        }

        await Step("record").ConfigureAwait(false);
        await StopIfCancelledAsync().ConfigureAwait(false);
        var created = await HoldScriptAsync(holdId, "create", await NowAsync().ConfigureAwait(false), JsonSerializer.Serialize(record.Fields())).ConfigureAwait(false);
        waits.Add(lines, Keys.Hold(holdId));

        // Creating the record is the one step only one call makes: any other call under the same idempotency key replays.
        return new ReserveResult(record.Snapshot(now.At), [.. lines.Select(l => placedLevels[l.Key])], []) { IsReplay = created[0] == "exists" };
    }

    private async Task<HoldResult> FinishAsync(Guid holdId, StockOperation operation, TimeSpan? timeToLive, IReadOnlyList<StockLine>? sell)
    {
        var scope = StockGuardTelemetry.Start(StoreName, operation);
        try
        {
            var result = await FinishCoreAsync(holdId, operation, timeToLive, sell).ConfigureAwait(false);
            scope.Complete(result.Outcome == HoldOutcome.Expired ? "expired" : result.WasAlreadyDone ? "repeated" : "applied");
            return result;
        }
        catch (Exception ex)
        {
            scope.Fail(ex);
            throw;
        }
    }

    private async Task<HoldResult> FinishCoreAsync(Guid holdId, StockOperation operation, TimeSpan? timeToLive, IReadOnlyList<StockLine>? sell)
    {
        var record = await ReadHoldAsync(holdId).ConfigureAwait(false) ?? throw new HoldNotFoundException(holdId);
        var now = await NowAsync().ConfigureAwait(false);
        if (record.State != 'a')
        {
            if (record.Todo)
            {
                await SettleAsync(record, record.State).ConfigureAwait(false);
            }

            return Repeated(record, operation, sell, now.At);
        }

        var sold = operation == StockOperation.Confirm && now.At < record.ExpiresAt ? HoldSale.Sold(holdId, record.Lines, sell) : [];
        var soldUnits = record.Lines.Select(l => HoldSale.UnitsOf(sold, l.Key)).ToArray();
        if (record.Lines.Length == 1)
        {
            var line = record.Lines[0];
            var newExp = new Instant(now.At + (timeToLive ?? TimeSpan.Zero));
            var want = operation switch { StockOperation.Confirm => "c", StockOperation.Release => "r", _ => "e" };
            var reply = await ItemAsync(line.Key, "finish", now, null, Keys.Hold(holdId), holdId.ToString("N"), want, Text(soldUnits[0]), newExp.Hi, newExp.Lo, newExp.Ms, newExp.TickText).ConfigureAwait(false);
            switch (reply[0])
            {
                case "hnf":
                    throw new HoldNotFoundException(holdId);
                case "expired":
                    StockGuardTelemetry.RecordExpired(StoreName, 1);
                    return new HoldResult(HoldOutcome.Expired, (record with { State = 'x' }).Snapshot(now.At));
                case "was":
                    return Repeated(record with { State = reply[7][0], Sold = [Number(reply[8])] }, operation, sell, now.At);
            }

            await WaitForReplicasAsync(Keys.Item(line.Key).Counters).ConfigureAwait(false);
            return Done(record, operation, sold, newExp.At, now.At);
        }

        return await FinishManyAsync(record, operation, timeToLive, sold, soldUnits, sell).ConfigureAwait(false);
    }

    /// <summary>
    /// Confirm, release or extend a hold over several items. A confirm pins every line first (a pinned line no longer expires
    /// by time), then decides on the record (still active and unexpired), then sells each line; a line that expired before it
    /// was pinned expires the whole hold. A crash after pinning leaves the units held until the sweep finds the record past
    /// its expiry and expires it.
    /// </summary>
    private async Task<HoldResult> FinishManyAsync(HoldRecord record, StockOperation operation, TimeSpan? timeToLive, StockLine[] sold, long[] soldUnits, IReadOnlyList<StockLine>? sell)
    {
        var now = await NowAsync().ConfigureAwait(false);
        var id = record.Id.ToString("N");
        if (now.At >= record.ExpiresAt)
        {
            return await ExpireManyAsync(record, operation, sell).ConfigureAwait(false);
        }

        string[] decision;
        switch (operation)
        {
            case StockOperation.Confirm:
                await Step("pin").ConfigureAwait(false);
                var pins = await Task.WhenAll(record.Lines.Select(l => ItemAsync(l.Key, "pin", now, null, null, id))).ConfigureAwait(false);
                if (pins.Any(p => p[0] != "ok"))
                {
                    return await ExpireManyAsync(record, operation, sell).ConfigureAwait(false);
                }

                await Step("decide").ConfigureAwait(false);
                decision = await HoldScriptAsync(record.Id, "decide", await NowAsync().ConfigureAwait(false), "c", JsonSerializer.Serialize(soldUnits)).ConfigureAwait(false);
                break;
            case StockOperation.Release:
                decision = await HoldScriptAsync(record.Id, "decide", now, "r", string.Empty).ConfigureAwait(false);
                break;
            default:
                var newExp = new Instant(now.At + timeToLive!.Value);
                var extended = await Task.WhenAll(record.Lines.Select(l => ItemAsync(l.Key, "extend", now, null, null, id, newExp.Hi, newExp.Lo, newExp.Ms))).ConfigureAwait(false);
                if (extended.Any(p => p[0] != "ok"))
                {
                    return await ExpireManyAsync(record, operation, sell).ConfigureAwait(false);
                }

                decision = await HoldScriptAsync(record.Id, "extend", now, newExp.Hi, newExp.Lo, newExp.Ms, newExp.TickText).ConfigureAwait(false);
                if (decision[0] == "ok")
                {
                    await WaitForReplicasAsync(record.Lines, Keys.Hold(record.Id)).ConfigureAwait(false);
                    return Done(record, operation, [], newExp.At, now.At);
                }

                break;
        }

        switch (decision[0])
        {
            case "ok":
                await Step("settle").ConfigureAwait(false);
                await SettleAsync(record with { Sold = soldUnits }, decision[1][0]).ConfigureAwait(false);
                await WaitForReplicasAsync(record.Lines, Keys.Hold(record.Id)).ConfigureAwait(false);
                return Done(record, operation, sold, record.ExpiresAt, now.At);
            case "hnf":
                throw new HoldNotFoundException(record.Id);
            case "expired":
                return await ExpireManyAsync(record, operation, sell).ConfigureAwait(false);
            default:
                // Another call decided first: settle as it decided, and answer as to a repeat.
                var current = await ReadHoldAsync(record.Id).ConfigureAwait(false) ?? throw new HoldNotFoundException(record.Id);
                await SettleAsync(current, current.State).ConfigureAwait(false);
                return Repeated(current, operation, sell, now.At);
        }
    }

    private async Task<HoldResult> ExpireManyAsync(HoldRecord record, StockOperation operation, IReadOnlyList<StockLine>? sell)
    {
        var now = await NowAsync().ConfigureAwait(false);
        var decision = await HoldScriptAsync(record.Id, "decide", now, "x", string.Empty).ConfigureAwait(false);
        var current = decision[0] is "ok" or "expired" ? record with { State = 'x' } : await ReadHoldAsync(record.Id).ConfigureAwait(false) ?? throw new HoldNotFoundException(record.Id);
        await SettleAsync(current, current.State).ConfigureAwait(false);
        if (current.State == 'x')
        {
            StockGuardTelemetry.RecordExpired(StoreName, 1);
        }

        return Repeated(current, operation, sell, now.At);
    }

    private HoldResult Done(HoldRecord record, StockOperation operation, StockLine[] sold, DateTimeOffset expiresAt, DateTimeOffset now)
    {
        switch (operation)
        {
            case StockOperation.Confirm:
                StockGuardTelemetry.RecordSold(StoreName, sold.Sum(l => (long)l.Quantity));
                return new HoldResult(HoldOutcome.Confirmed, (record with { State = 'c' }).Snapshot(now)) { ConfirmedLines = sold };
            case StockOperation.Release:
                return new HoldResult(HoldOutcome.Released, (record with { State = 'r' }).Snapshot(now));
            default:
                return new HoldResult(HoldOutcome.Extended, (record with { ExpiresAt = expiresAt }).Snapshot(now));
        }
    }

    /// <summary>The answer to a confirm, release or extend of a hold that is no longer active.</summary>
    private HoldResult Repeated(HoldRecord record, StockOperation operation, IReadOnlyList<StockLine>? sell, DateTimeOffset now)
    {
        var snapshot = record.Snapshot(now);
        switch (record.State)
        {
            case 'x':
                return new HoldResult(HoldOutcome.Expired, snapshot with { State = HoldState.Expired });
            case 'c' when operation == StockOperation.Confirm:
                var soldLines = record.SoldLines();
                if (sell is not null && !HoldSale.SameUnits(sell, soldLines))
                {
                    throw new HoldStateException(record.Id, HoldState.Confirmed, "confirm other quantities of");
                }

                return new HoldResult(HoldOutcome.Confirmed, snapshot) { WasAlreadyDone = true, ConfirmedLines = soldLines };
            case 'r' when operation == StockOperation.Release:
                return new HoldResult(HoldOutcome.Released, snapshot) { WasAlreadyDone = true };
            default:
                throw new HoldStateException(record.Id, snapshot.State, StockGuardTelemetry.OperationName(operation));
        }
    }

    private async Task<StockChangeResult> ReturnToHoldAsync(HoldReturnRequest request, string token, ReplicaWaits waits)
    {
        var record = await ReadHoldAsync(request.HoldId).ConfigureAwait(false) ?? throw new HoldNotFoundException(request.HoldId);
        var now = await NowAsync().ConfigureAwait(false);
        if (record.State != 'c')
        {
            throw new HoldStateException(record.Id, record.StateAt(now.At), "return units of");
        }

        var indexes = new List<(int Index, StockLine Line)>();
        foreach (var line in request.Lines)
        {
            var index = Array.FindIndex(record.Lines, l => l.Key == line.Key);
            if (index < 0)
            {
                HoldSale.CheckReturnable(record.Id, line, 0, 0);
            }

            indexes.Add((index, line));
        }

        var id = record.Id.ToString("N");
        if (record.Lines.Length == 1)
        {
            var line = request.Lines[0];
            var reply = await ItemAsync(line.Key, "return", now, token, Keys.Hold(record.Id), Text(line.Quantity), request.Reference ?? string.Empty, id).ConfigureAwait(false);
            switch (reply[0])
            {
                case "hnf":
                    throw new HoldNotFoundException(record.Id);
                case "was":
                    throw new HoldStateException(record.Id, (record with { State = reply[7][0] }).StateAt(now.At), "return units of");
                case "toomany":
                    HoldSale.CheckReturnable(record.Id, line, Number(reply[7]), Number(reply[8]));
                    break;
            }

            waits.Add([line]);
            return StockChangeResult.Applied([Level(line.Key, reply.Values)]) with { IsReplay = reply.Replayed };
        }

        var asked = JsonSerializer.Serialize(indexes.Select(i => new long[] { i.Index + 1, i.Line.Quantity }));
        var recorded = await HoldScriptAsync(record.Id, "return", now, asked, token).ConfigureAwait(false);
        switch (recorded[0])
        {
            case "hnf":
                throw new HoldNotFoundException(record.Id);
            case "was":
                throw new HoldStateException(record.Id, (record with { State = recorded[1][0] }).StateAt(now.At), "return units of");
            case "toomany":
                var at = (int)Number(recorded[1]) - 1;
                HoldSale.CheckReturnable(record.Id, record.Lines[at] is var held ? indexes.First(i => i.Index == at).Line : held, Number(recorded[2]), Number(recorded[3]));
                break;
        }

        // Recorded against the hold under the return's token; each line is added once under the same token.
        waits.Add([], Keys.Hold(record.Id));
        return await AddAsync(request.Lines, StockMovementKind.Return, request.Reference, false, token, id, waits).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken = default)
    {
        var redis = await RedisAsync().ConfigureAwait(false);
        int expired = 0, purged = 0, keys = 0;
        var now = await NowAsync().ConfigureAwait(false);
        var forget = new Instant(now.At - _options.IdempotencyKeyRetention);
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: Keys.HoldPattern, pageSize: _options.SweepBatchSize).ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var id = Guid.TryParseExact(((string)key!)[^32..], "N", out var parsed) ? parsed : Guid.Empty;
                var record = await ReadHoldAsync(id).ConfigureAwait(false);
                if (record is null)
                {
                    continue;
                }

                if (record.Receipt is not null)
                {
                    // A receipt whose coordinator has not finished it in its time: add what is missing, once, and forget it.
                    if (now.At >= record.ExpiresAt)
                    {
                        await AddReceiptLinesAsync(record, steps: false).ConfigureAwait(false);
                        await DeleteAsync(key).ConfigureAwait(false);
                    }

                    continue;
                }

                if (record.State == 'a' && now.At >= record.ExpiresAt)
                {
                    if (record.Lines.Length == 1)
                    {
                        var reply = await ItemAsync(record.Lines[0].Key, "finish", now, null, Keys.Hold(id), id.ToString("N"), "x", "0", "0", "0", "0", "0").ConfigureAwait(false);
                        expired += reply[0] == "expired" ? 1 : 0;
                    }
                    else
                    {
                        var decision = await HoldScriptAsync(id, "decide", now, "x", string.Empty).ConfigureAwait(false);
                        var current = await ReadHoldAsync(id).ConfigureAwait(false);
                        if (current is not null)
                        {
                            await SettleAsync(current, current.State).ConfigureAwait(false);
                        }

                        expired += decision[0] is "ok" or "expired" ? 1 : 0;
                    }
                }
                else if (record.Todo)
                {
                    await SettleAsync(record, record.State).ConfigureAwait(false);
                }
                else if (record.State != 'a' && record.FinishedAt is { } finished && now.At - finished >= _options.FinishedHoldRetention)
                {
                    if (await redis.GetDatabase().KeyDeleteAsync(key).ConfigureAwait(false))
                    {
                        purged++;
                        await Task.WhenAll(record.Lines.Select(l => ItemAsync(l.Key, "forget", now, null, null, id.ToString("N")))).ConfigureAwait(false);
                    }
                }
            }

            await foreach (var key in server.KeysAsync(pattern: Keys.IdempotencyPattern, pageSize: _options.SweepBatchSize).ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var reply = await EvalAsync(RedisScripts.Idempotency, [key], ["purge", now.Hi, now.Lo, now.Ms, now.TickText, forget.Hi, forget.Lo]).ConfigureAwait(false);
                keys += reply[0] == "purged" ? 1 : 0;
            }
        }

        StockGuardTelemetry.RecordExpired(StoreName, expired);
        if (expired + purged + keys > 0)
        {
            LogSwept(_logger, expired, purged, keys);
        }

        return new SweepResult(expired, purged, keys);
    }
}
