using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;
using StockGuard.Diagnostics;

namespace StockGuard.Redis;

public sealed partial class RedisStockStore
{
    private async Task<IConnectionMultiplexer> RedisAsync() => _redis ?? await _connect!.Value.ConfigureAwait(false);

    private async Task<string[]> EvalAsync(string script, RedisKey[] keys, RedisValue[] values)
    {
        IConnectionMultiplexer redis;
        try
        {
            redis = await RedisAsync().ConfigureAwait(false);
        }
        catch (RedisConnectionException ex)
        {
            throw new StockStoreException("Redis cannot be reached. Nothing was changed.", ex, isTransient: true);
        }

        RedisResult result;
        try
        {
            result = await redis.GetDatabase().ScriptEvaluateAsync(script, keys, values).ConfigureAwait(false);
        }
        catch (RedisTimeoutException ex)
        {
            throw new StockStoreException("Redis did not answer in time; the operation may or may not have been applied.", ex, isTransient: true, outcomeUnknown: true);
        }
        catch (RedisConnectionException ex)
        {
            throw new StockStoreException("The connection to Redis failed; the operation may or may not have been applied.", ex, isTransient: true, outcomeUnknown: true);
        }
        catch (RedisServerException ex) when (IsTransient(ex.Message))
        {
            // The server refused the script before running it: a failover, a cluster reconfiguration, a loading replica,
            // or no memory for a first write (a script that has written once may go on writing).
            throw new StockStoreException($"Redis refused the operation for now ({ex.Message.Split(' ')[0]}). Nothing was changed; retry.", ex, isTransient: true);
        }
        catch (RedisException ex)
        {
            // A script that fails part-way keeps the writes it made before the failure.
            throw new StockStoreException("Redis failed the operation; it may have been applied in part. Read the items before acting on it.", ex, isTransient: false, outcomeUnknown: true);
        }

        return result.Resp2Type == ResultType.Array ? (string[])result! : [result.ToString()];
    }

    private static bool IsTransient(string message) =>
        message.StartsWith("READONLY", StringComparison.Ordinal) || message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal)
        || message.StartsWith("LOADING", StringComparison.Ordinal) || message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
        || message.StartsWith("MASTERDOWN", StringComparison.Ordinal) || message.StartsWith("NOREPLICAS", StringComparison.Ordinal)
        || message.StartsWith("OOM", StringComparison.Ordinal);

    /// <summary>Runs one operation on one item. Returns the script's reply, or the reply recorded under <paramref name="token"/> (then <see cref="ItemReply.Replayed"/>).</summary>
    private async Task<ItemReply> ItemAsync(StockKey key, string op, Instant now, string? token, RedisKey? hold = null, params string[] args)
    {
        var item = Keys.Item(key);
        RedisKey[] keys = [item.Counters, item.Lines, item.Expiries, item.Movements, item.Operation(token), hold ?? item.Counters];
        var values = new RedisValue[8 + args.Length];
        values[0] = op;
        values[1] = now.Hi;
        values[2] = now.Lo;
        values[3] = now.Ms;
        values[4] = now.TickText;
        values[5] = key.Sku;
        values[6] = key.Location;
        values[7] = token is null ? "0" : Text((long)(_options.IdempotencyKeyRetention * 2).TotalMilliseconds);
        for (var i = 0; i < args.Length; i++)
        {
            values[8 + i] = args[i];
        }

        var reply = await EvalAsync(RedisScripts.Item, keys, values).ConfigureAwait(false);
        if (reply[0] == "replay")
        {
            return new ItemReply(JsonSerializer.Deserialize<string[]>(reply[1])!, true);
        }

        return new ItemReply(reply, false);
    }

    private async Task<string[]> ItemAsync(StockKey key, string op, Instant now) => (await ItemAsync(key, op, now, null).ConfigureAwait(false)).Values;

    private async Task<string[]> HoldScriptAsync(Guid holdId, string op, Instant now, params string[] args)
    {
        var values = new RedisValue[5 + args.Length];
        values[0] = op;
        values[1] = now.Hi;
        values[2] = now.Lo;
        values[3] = now.Ms;
        values[4] = now.TickText;
        for (var i = 0; i < args.Length; i++)
        {
            values[5 + i] = args[i];
        }

        return await EvalAsync(RedisScripts.Hold, [Keys.Hold(holdId)], values).ConfigureAwait(false);
    }

    /// <summary>
    /// After writes, waits for <see cref="RedisStockStoreOptions.WaitForReplicas"/> replicas of every master that took one of
    /// them (one <c>WAIT</c> per master, in parallel; a <c>WAIT</c> covers every earlier write on the master's connection).
    /// </summary>
    /// <param name="keys">A key of each write; keys on one master are waited for once.</param>
    /// <param name="applied">Whether the writes changed stock: when not (an idempotency claim before the operation), a failed
    /// wait says that nothing was changed.</param>
    private async Task WaitForReplicasAsync(IEnumerable<RedisKey> keys, bool applied = true)
    {
        if (_options.WaitForReplicas == 0)
        {
            return;
        }

        var redis = await RedisAsync().ConfigureAwait(false);
        long[] acknowledged;
        try
        {
            var masters = keys.Select(k => redis.GetServer(k)).DistinctBy(s => s.EndPoint).ToList();
            acknowledged = await Task.WhenAll(masters.Select(async server =>
                (long)await server.ExecuteAsync("WAIT", _options.WaitForReplicas, (long)_options.ReplicaTimeout.TotalMilliseconds).ConfigureAwait(false))).ConfigureAwait(false);
        }
        catch (RedisException ex)
        {
            throw applied
                ? new StockStoreException("The write was applied on the Redis master, but waiting for its replicas failed; whether it survives a failover is unknown.", ex, isTransient: true, outcomeUnknown: true)
                : new StockStoreException("Waiting for the replicas of the idempotency key's master failed. Nothing was changed; retry.", ex, isTransient: true);
        }

        if (acknowledged.Length > 0 && acknowledged.Min() < _options.WaitForReplicas)
        {
            throw new RedisReplicationException(_options.WaitForReplicas, acknowledged.Min(), applied);
        }
    }

    private Task WaitForReplicasAsync(RedisKey key) => WaitForReplicasAsync([key]);

    private Task WaitForReplicasAsync(IEnumerable<StockLine> lines, RedisKey? record = null) =>
        WaitForReplicasAsync(lines.Select(l => Keys.Item(l.Key).Counters).Concat(record is { } r ? [r] : []));

    /// <summary>The slot of an order's or hold's record: its first item's, in key order.</summary>
    private int OrderHome(IReadOnlyList<StockLine> lines) => Keys.Item(lines.Min(l => l.Key)).Slot;

    private async Task Step(string step)
    {
        if (StepHook is { } hook)
        {
            await hook(step).ConfigureAwait(false);
        }
    }

    // ---- receive, adjust, deduct ----

    private async Task<StockChangeResult> AddAsync(IReadOnlyList<StockLine> lines, StockMovementKind kind, string? reference, bool create, string? token, string? hold, ReplicaWaits waits, Guid? receiptId = null)
    {
        if (!create && lines.Count > 1)
        {
            await LevelsOrThrowAsync(lines).ConfigureAwait(false);
        }

        if (receiptId is { } id && lines.Count > 1)
        {
            return await ReceiptAsync(lines, kind, reference, create, token ?? Guid.NewGuid().ToString("N"), id, waits).ConfigureAwait(false);
        }

        var now = await NowAsync().ConfigureAwait(false);
        var replies = await Task.WhenAll(lines.Select(l =>
            ItemAsync(l.Key, "add", now, token, null, Text(l.Quantity), kind.ToString(), reference ?? string.Empty, create ? "1" : "0", hold ?? string.Empty))).ConfigureAwait(false);
        return AddResult(lines, replies, waits);
    }

    /// <summary>
    /// A receipt (or return) of several items, all or nothing: its record (the lines, and the token every line is added
    /// under) is written first, on the first item's slot; then each line is added under the token, which the item keeps with
    /// its result; then the record is deleted. A coordinator that dies in between leaves the record, and the first sweep after
    /// <see cref="RedisStockStoreOptions.OrderTimeout"/> adds every line under the same token: a line added before is a
    /// replay, so each is added exactly once, and the receipt ends whole.
    /// </summary>
    private async Task<StockChangeResult> ReceiptAsync(IReadOnlyList<StockLine> lines, StockMovementKind kind, string? reference, bool create, string token, Guid id, ReplicaWaits waits)
    {
        // A line that cannot be added (too much on hand) refuses the receipt before anything is written.
        var now = await NowAsync().ConfigureAwait(false);
        var levels = await Task.WhenAll(lines.Select(l => ItemAsync(l.Key, "level", now))).ConfigureAwait(false);
        for (var i = 0; i < lines.Count; i++)
        {
            if (levels[i][0] != "nf" && Number(levels[i][1]) + lines[i].Quantity > StockLimits.MaxStock)
            {
                throw new ArgumentOutOfRangeException(nameof(lines), lines[i].Quantity, $"Receiving {lines[i].Quantity} units of {lines[i].Key} would put more than {StockLimits.MaxStock} on hand. Nothing was received.");
            }
        }

        await Step("record").ConfigureAwait(false);
        var record = new HoldRecord(id, [.. lines], now.At, now.At + _options.OrderTimeout, 'a', reference, false) { Receipt = new ReceiptInfo(kind.ToString(), token, create) };
        await HoldScriptAsync(id, "create", now, JsonSerializer.Serialize(record.Fields())).ConfigureAwait(false);
        var replies = await AddReceiptLinesAsync(record, steps: true).ConfigureAwait(false);
        var result = AddResult(lines, replies, waits);
        await DeleteAsync(Keys.Hold(id)).ConfigureAwait(false);
        waits.Add([], Keys.Hold(id));
        return result;
    }

    /// <summary>Adds every line of a receipt's record under its token (a line added before replays its first result).</summary>
    private async Task<ItemReply[]> AddReceiptLinesAsync(HoldRecord record, bool steps)
    {
        var receipt = record.Receipt!;
        var now = await NowAsync().ConfigureAwait(false);
        return await Task.WhenAll(record.Lines.Select(async l =>
        {
            if (steps)
            {
                await Step("add").ConfigureAwait(false);
            }

            return await ItemAsync(l.Key, "add", now, receipt.Token, null, Text(l.Quantity), receipt.Kind, record.Reference ?? string.Empty, receipt.Creates ? "1" : "0", string.Empty).ConfigureAwait(false);
        })).ConfigureAwait(false);
    }

    private async Task DeleteAsync(RedisKey key)
    {
        var redis = await RedisAsync().ConfigureAwait(false);
        try
        {
            await redis.GetDatabase().KeyDeleteAsync(key).ConfigureAwait(false);
        }
        catch (RedisException ex)
        {
            throw new StockStoreException("The operation was applied, but Redis failed to delete its record; the sweep deletes it.", ex, isTransient: true, outcomeUnknown: true);
        }
    }

    private StockChangeResult AddResult(IReadOnlyList<StockLine> lines, ItemReply[] replies, ReplicaWaits waits)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            switch (replies[i][0])
            {
                case "nf":
                    throw new StockItemNotFoundException(lines[i].Key);
                case "toolarge":
                    throw new ArgumentOutOfRangeException(nameof(lines), lines[i].Quantity, $"Receiving {lines[i].Quantity} units of {lines[i].Key} would put more than {StockLimits.MaxStock} on hand. Lines before it may have been received; retry with the same idempotency key to finish.");
            }
        }

        waits.Add(lines);
        return StockChangeResult.Applied([.. lines.Select((l, i) => Level(l.Key, replies[i].Values))]) with { IsReplay = replies.All(r => r.Replayed) };
    }

    private async Task<StockChangeResult> TakeOneAsync(StockLine line, StockMovementKind kind, string? reference, string? token, ReplicaWaits waits)
    {
        var reply = await ItemAsync(line.Key, "take", await NowAsync().ConfigureAwait(false), token, null, Text(line.Quantity), kind.ToString(), reference ?? string.Empty).ConfigureAwait(false);
        switch (reply[0])
        {
            case "nf":
                throw new StockItemNotFoundException(line.Key);
            case "short":
                StockGuardTelemetry.RecordRefused(StoreName, kind == StockMovementKind.Sale ? StockOperation.Deduct : StockOperation.Adjust);
                return StockChangeResult.Refused([Level(line.Key, reply.Values)], [new ShortLine(line.Key, line.Quantity, Number(reply[7]))]) with { IsReplay = reply.Replayed };
        }

        waits.Add([line]);
        if (kind == StockMovementKind.Sale && !reply.Replayed)
        {
            StockGuardTelemetry.RecordSold(StoreName, line.Quantity);
        }

        return StockChangeResult.Applied([Level(line.Key, reply.Values)]) with { IsReplay = reply.Replayed };
    }

    /// <summary>Reads every line's level, throwing for the first item (in line order) that does not exist.</summary>
    private async Task<StockLevel[]> LevelsOrThrowAsync(IReadOnlyList<StockLine> lines)
    {
        var now = await NowAsync().ConfigureAwait(false);
        var replies = await Task.WhenAll(lines.Select(l => ItemAsync(l.Key, "level", now))).ConfigureAwait(false);
        for (var i = 0; i < lines.Count; i++)
        {
            if (replies[i][0] == "nf")
            {
                throw new StockItemNotFoundException(lines[i].Key);
            }
        }

        return [.. lines.Select((l, i) => Level(l.Key, replies[i]))];
    }

    private static List<ShortLine> ShortOf(IReadOnlyList<StockLine> lines, IReadOnlyList<StockLevel> levels) =>
        [.. lines.Select((l, i) => (l, levels[i])).Where(p => p.l.Quantity > p.Item2.Sellable).Select(p => new ShortLine(p.l.Key, p.l.Quantity, Math.Max(0, p.Item2.Sellable)))];

    /// <summary>
    /// A deduct whose lines lie on several items: hold each line (pinned: it does not expire by time) in key order under the
    /// order's hold record, decide on the record, then sell each line. A crash before the decision leaves the lines held until
    /// the first sweep after <see cref="RedisStockStoreOptions.OrderTimeout"/>, which expires the record and gives them back.
    /// </summary>
    private async Task<StockChangeResult> OrderAsync(DeductRequest request, Guid holdId, ReplicaWaits waits, CancellationToken cancellationToken)
    {
        var lines = request.Lines;
        var replay = false;
        var record = await ReadHoldAsync(holdId).ConfigureAwait(false);
        if (record is null)
        {
            var levels = await LevelsOrThrowAsync(lines).ConfigureAwait(false);
            var shortLines = ShortOf(lines, levels);
            if (shortLines.Count > 0)
            {
                StockGuardTelemetry.RecordRefused(StoreName, StockOperation.Deduct);
                return StockChangeResult.Refused(levels, shortLines);
            }

            var now = await NowAsync().ConfigureAwait(false);
            await Step("record").ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            record = new HoldRecord(holdId, [.. lines], now.At, now.At + _options.OrderTimeout, 'a', request.Reference, true);
            await HoldScriptAsync(holdId, "create", now, JsonSerializer.Serialize(record.Fields())).ConfigureAwait(false);
        }

        if (record.State == 'a')
        {
            foreach (var line in lines.OrderBy(l => l.Key))
            {
                await Step("place").ConfigureAwait(false);
                await StopIfCancelledAsync(record, cancellationToken).ConfigureAwait(false);
                var exp = new Instant(record.ExpiresAt);
                var placed = await ItemAsync(line.Key, "place", await NowAsync().ConfigureAwait(false), null, null, holdId.ToString("N"), Text(line.Quantity), exp.Hi, exp.Lo, exp.Ms, request.Reference ?? string.Empty, "1", string.Empty).ConfigureAwait(false);
                if (placed[0] is "short" or "nf")
                {
                    await HoldScriptAsync(holdId, "decide", await NowAsync().ConfigureAwait(false), "r", string.Empty).ConfigureAwait(false);
                    await SettleAsync(record, 'r').ConfigureAwait(false);
                    if (placed[0] == "nf")
                    {
                        throw new StockItemNotFoundException(line.Key);
                    }

                    var levels = await LevelsOrThrowAsync(lines).ConfigureAwait(false);
                    StockGuardTelemetry.RecordRefused(StoreName, StockOperation.Deduct);
                    return StockChangeResult.Refused(levels, [.. ShortOf(lines, levels).Where(s => s.Key == line.Key).DefaultIfEmpty(new ShortLine(line.Key, line.Quantity, Number(placed[7])))]);
                }
            }

            await Step("decide").ConfigureAwait(false);
            await StopIfCancelledAsync(record, cancellationToken).ConfigureAwait(false);
            var sold = JsonSerializer.Serialize(lines.Select(l => (long)l.Quantity));
            var decision = await HoldScriptAsync(holdId, "decide", await NowAsync().ConfigureAwait(false), "c", sold).ConfigureAwait(false);
            var state = decision[0] == "ok" ? 'c' : decision[1][0];
            if (state != 'c')
            {
                await SettleAsync(record, state).ConfigureAwait(false);
                LogOrderRolledBack(_logger, holdId);
                throw new StockStoreTimeoutException($"The order took longer than OrderTimeout ({_options.OrderTimeout}) to hold its lines and was rolled back. Nothing was sold.", null);
            }

            // Another call under the same idempotency key decided first: this one only helps settle, and replays.
            replay = decision[0] != "ok";
            record = record with { State = 'c', Sold = [.. lines.Select(l => (long)l.Quantity)] };
        }
        else if (record.State != 'c')
        {
            // An earlier try under this idempotency key crashed and was rolled back (by the sweep): nothing of it stands.
            throw new OrderRolledBackException();
        }
        else
        {
            replay = !record.Todo;
        }

        await Step("settle").ConfigureAwait(false);
        var settled = await SettleAsync(record, 'c').ConfigureAwait(false);
        waits.Add(lines, Keys.Hold(holdId));
        if (!replay)
        {
            StockGuardTelemetry.RecordSold(StoreName, lines.Sum(l => (long)l.Quantity));
        }

        return StockChangeResult.Applied(settled) with { IsReplay = replay };
    }

    /// <summary>
    /// Before an order's decision, the one point where it may stop: when the caller has cancelled, the order is decided as
    /// released and the lines held so far are given back, so the stock is as before the order; then the cancellation is
    /// thrown. An order that another try under the same idempotency key has already decided to sell goes on to be settled.
    /// </summary>
    private async Task StopIfCancelledAsync(HoldRecord record, CancellationToken cancellationToken)
    {
        if (!cancellationToken.IsCancellationRequested)
        {
            return;
        }

        var decision = await HoldScriptAsync(record.Id, "decide", await NowAsync().ConfigureAwait(false), "r", string.Empty).ConfigureAwait(false);
        var state = decision[0] == "ok" ? 'r' : decision.Length > 1 ? decision[1][0] : 'r';
        if (state == 'c')
        {
            return;
        }

        await SettleAsync(record, state).ConfigureAwait(false);
        throw new OperationCanceledException("The order was cancelled before its decision; nothing was sold.", cancellationToken);
    }

    /// <summary>Settles every line of a multi-item hold as decided: sold ('c'), released ('r') or expired ('x'); then clears its to-do mark.</summary>
    private async Task<StockLevel[]> SettleAsync(HoldRecord record, char state)
    {
        var now = await NowAsync().ConfigureAwait(false);
        var id = record.Id.ToString("N");
        var replies = await Task.WhenAll(record.Lines.Select((l, i) =>
            ItemAsync(l.Key, "settle", now, null, null, id, state.ToString(), Text(record.Sold.Length > i ? record.Sold[i] : 0)))).ConfigureAwait(false);
        await HoldScriptAsync(record.Id, "done", now).ConfigureAwait(false);
        return [.. record.Lines.Select((l, i) => replies[i][0] == "nf" ? new StockLevel(l.Key, 0, 0, 0, 0, 0, 0) : Level(l.Key, replies[i].Values))];
    }

    // ---- idempotency ----

    /// <summary>
    /// Runs an operation once per idempotency key (when it has one), then waits for the replicas of every master it wrote:
    /// its items', its record's and its idempotency record's. Only then is it acknowledged.
    /// </summary>
    private async Task<T> RunAsync<T>(StockRequest request, Func<string?, Guid?, ReplicaWaits, Task<T>> run, int? homeSlot = null)
        where T : class
    {
        var scope = StockGuardTelemetry.Start(StoreName, request.Operation);
        try
        {
            var waits = new ReplicaWaits(Keys);
            T result;
            if (request.IdempotencyKey is null)
            {
                result = await run(null, homeSlot is { } slot ? RedisKeys.NewHoldId(slot, (await NowAsync().ConfigureAwait(false)).At) : null, waits).ConfigureAwait(false);
            }
            else
            {
                result = await RunOnceAsync(request, run, homeSlot, waits).ConfigureAwait(false);
            }

            await WaitForReplicasAsync(waits.Written).ConfigureAwait(false);
            scope.Complete(Outcome(result));
            return result;
        }
        catch (Exception ex)
        {
            scope.Fail(ex);
            throw;
        }
    }

    private async Task<T> RunOnceAsync<T>(StockRequest request, Func<string?, Guid?, ReplicaWaits, Task<T>> run, int? homeSlot, ReplicaWaits waits, int attempt = 0)
        where T : class
    {
        var now = await NowAsync().ConfigureAwait(false);
        var forget = new Instant(now.At - _options.IdempotencyKeyRetention);
        var proposedHold = homeSlot is { } slot ? RedisKeys.NewHoldId(slot, now.At).ToString("N") : string.Empty;
        var recordKey = Keys.Idempotency(request.IdempotencyKey!);
        var claim = await EvalAsync(RedisScripts.Idempotency, [recordKey], [
            "claim", now.Hi, now.Lo, now.Ms, now.TickText, request.GetFingerprint(), Guid.NewGuid().ToString("N"), forget.Hi, forget.Lo,
            Text((long)(_options.IdempotencyKeyRetention * 2).TotalMilliseconds), proposedHold]).ConfigureAwait(false);
        waits.Add([], recordKey);
        switch (claim[0])
        {
            case "conflict":
                throw new IdempotencyConflictException(request.IdempotencyKey!);
            case "done":
                // A replay is acknowledged like the first answer: once what it reports is on the replicas.
                var stored = StoredResult.Read<T>(claim[2]);
                waits.Add(stored, claim.Length > 3 && claim[3] is { Length: 32 } storedHold ? Guid.ParseExact(storedHold, "N") : null);
                return stored;
        }

        // The claim must be on the replicas before any stock changes: a claim lost in a failover would let a retry with
        // the same key apply the operation a second time.
        await WaitForReplicasAsync([recordKey], applied: false).ConfigureAwait(false);
        var token = claim[1];
        Guid? holdId = claim[2] is { Length: 32 } hold ? Guid.ParseExact(hold, "N") : null;
        T result;
        try
        {
            result = await run(token, holdId, waits).ConfigureAwait(false);
        }
        catch (OrderRolledBackException) when (attempt == 0)
        {
            // The key's earlier try was rolled back whole: free the key and apply the request now, under a new claim.
            await EvalAsync(RedisScripts.Idempotency, [recordKey], ["drop", now.Hi, now.Lo, now.Ms, now.TickText, token]).ConfigureAwait(false);
            return await RunOnceAsync(request, run, homeSlot, waits, attempt + 1).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StockItemNotFoundException or HoldNotFoundException or HoldStateException or ArgumentException
            or StockStoreException { OutcomeUnknown: false })
        {
            // Nothing was applied: the key is free for a retry.
            await EvalAsync(RedisScripts.Idempotency, [recordKey], ["drop", now.Hi, now.Lo, now.Ms, now.TickText, token]).ConfigureAwait(false);
            throw;
        }

        await EvalAsync(RedisScripts.Idempotency, [recordKey], ["result", now.Hi, now.Lo, now.Ms, now.TickText, token, StoredResult.Write(result)]).ConfigureAwait(false);
        return result;
    }

    private static string Outcome(object result) => result switch
    {
        StockChangeResult { IsReplay: true } or ReserveResult { IsReplay: true } => "replayed",
        StockChangeResult { Succeeded: false } or ReserveResult { Succeeded: false } => "refused",
        _ => "applied",
    };

    /// <summary>The keys an operation wrote: it is acknowledged once every master that holds one has its writes on the replicas asked for.</summary>
    private sealed class ReplicaWaits(RedisKeys keys)
    {
        private readonly List<RedisKey> _written = [];

        public IReadOnlyList<RedisKey> Written
        {
            get
            {
                lock (_written)
                {
                    return [.. _written];
                }
            }
        }

        /// <summary>The items of <paramref name="lines"/> and, when given, a record.</summary>
        public void Add(IEnumerable<StockLine> lines, RedisKey? record = null)
        {
            lock (_written)
            {
                _written.AddRange(lines.Select(l => keys.Item(l.Key).Counters));
                if (record is { } r)
                {
                    _written.Add(r);
                }
            }
        }

        /// <summary>What a stored result reports: its items and, for a hold or an order over several items, its record.</summary>
        public void Add(object result, Guid? holdId)
        {
            var levels = result switch
            {
                StockChangeResult r => r.Levels,
                ReserveResult r => r.Levels,
                _ => [],
            };
            var hold = result is ReserveResult { Hold: { } h } ? h.Id : holdId;
            Add(levels.Select(l => new StockLine(l.Key, 1)), hold is { } id ? keys.Hold(id) : (RedisKey?)null);
        }
    }

    /// <summary>An earlier try of an order under the same idempotency key was rolled back, so nothing of it stands.</summary>
    private sealed class OrderRolledBackException() : Exception("The earlier try of this order was rolled back.");

    /// <summary>A script's reply, or the reply an earlier run under the same token recorded.</summary>
    private readonly record struct ItemReply(string[] Values, bool Replayed)
    {
        public string this[int index] => Values[index];
    }
}

/// <summary>A result kept with its idempotency key, replayed to a retry.</summary>
internal static class StoredResult
{
    public static string Write(object result) => result switch
    {
        StockChangeResult r => JsonSerializer.Serialize(new Stored(r.Succeeded, [.. r.Levels.Select(Of)], [.. r.ShortLines.Select(s => new[] { s.Key.Sku, s.Key.Location, Num(s.Requested), Num(s.Sellable) })], null)),
        ReserveResult r => JsonSerializer.Serialize(new Stored(r.Succeeded, [.. r.Levels.Select(Of)], [.. r.ShortLines.Select(s => new[] { s.Key.Sku, s.Key.Location, Num(s.Requested), Num(s.Sellable) })], r.Hold is { } h ? HoldRecord.From(h).Fields() : null)),
        _ => throw new ArgumentOutOfRangeException(nameof(result)),
    };

    public static T Read<T>(string json)
        where T : class
    {
        var stored = JsonSerializer.Deserialize<Stored>(json)!;
        var levels = stored.Levels.Select(l => new StockLevel(new StockKey(l[0], l[1]), N(l[2]), N(l[3]), N(l[4]), N(l[5]), N(l[6]), N(l[7]))).ToArray();
        var shortLines = stored.Short.Select(s => new ShortLine(new StockKey(s[0], s[1]), (int)N(s[2]), N(s[3]))).ToArray();
        object result = typeof(T) == typeof(ReserveResult)
            ? new ReserveResult(stored.Hold is null ? null : HoldRecord.Parse(Guid.Empty, Pairs(stored.Hold))!.Snapshot(null), levels, shortLines) { IsReplay = true }
            : new StockChangeResult(stored.Ok, levels, shortLines) { IsReplay = true };
        return (T)result;
    }

    private static Dictionary<string, string> Pairs(string[] fields)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            map[fields[i]] = fields[i + 1];
        }

        return map;
    }

    private static string[] Of(StockLevel l) => [l.Key.Sku, l.Key.Location, Num(l.OnHand), Num(l.Reserved), Num(l.SafetyStock), Num(l.BackorderLimit), Num(l.LowStockThreshold), Num(l.Version)];

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static long N(string s) => long.Parse(s, CultureInfo.InvariantCulture);

    private sealed record Stored(bool Ok, string[][] Levels, string[][] Short, string[]? Hold);
}
