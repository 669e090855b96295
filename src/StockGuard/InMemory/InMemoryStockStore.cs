using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StockGuard.Diagnostics;

namespace StockGuard.InMemory;

/// <summary>
/// A stock store in process memory, for tests, benchmarks and single-process apps that keep stock
/// elsewhere. It keeps every invariant of the database stores: each item has its own lock, an order of
/// several items locks them in key order (so two orders never deadlock), expired holds are released lazily
/// and by <see cref="SweepAsync"/>, and idempotency keys are kept for the retention period.
/// Nothing survives the process.
/// </summary>
public sealed partial class InMemoryStockStore : IStockStore
{
    private const string StoreName = "inmemory";

    private readonly ConcurrentDictionary<StockKey, Item> _items = new();
    private readonly ConcurrentDictionary<Guid, Hold> _holds = new();
    private readonly IdempotencyCache _idempotency = new();
    private readonly InMemoryStockStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates an empty store.</summary>
    /// <param name="options">Settings; <see langword="null"/> for the defaults.</param>
    /// <param name="timeProvider">The clock for holds and retention; <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Where to log; <see langword="null"/> for none.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is out of range.</exception>
    public InMemoryStockStore(InMemoryStockStoreOptions? options = null, TimeProvider? timeProvider = null, ILogger<InMemoryStockStore>? logger = null)
    {
        _options = options ?? new InMemoryStockStoreOptions();
        _options.ThrowIfInvalid();
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<InMemoryStockStore>.Instance;
    }

    /// <inheritdoc/>
    public Task<StockLevel?> GetLevelAsync(StockKey key, CancellationToken cancellationToken = default)
    {
        CheckKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_items.TryGetValue(key, out var item))
        {
            return Task.FromResult<StockLevel?>(null);
        }

        var now = _time.GetUtcNow();
        lock (item)
        {
            item.Prune(now);
            return Task.FromResult<StockLevel?>(item.Snapshot());
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<StockLevel>> GetLevelsAsync(IEnumerable<StockKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        cancellationToken.ThrowIfCancellationRequested();
        var now = _time.GetUtcNow();
        var seen = new HashSet<StockKey>();
        var levels = new List<StockLevel>();
        foreach (var key in keys)
        {
            CheckKey(key);
            if (seen.Add(key) && _items.TryGetValue(key, out var item))
            {
                lock (item)
                {
                    item.Prune(now);
                    levels.Add(item.Snapshot());
                }
            }
        }

        return Task.FromResult<IReadOnlyList<StockLevel>>(levels);
    }

    /// <inheritdoc/>
    public Task<StockChangeResult> DeductAsync(DeductRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Run(request, cancellationToken, static (store, r) => store.Take((DeductRequest)r), static r => r with { IsReplay = true });
    }

    /// <inheritdoc/>
    public Task<StockChangeResult> ReceiveAsync(ReceiveRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Run(request, cancellationToken, static (store, r) => store.Add((ReceiveRequest)r), static r => r with { IsReplay = true });
    }

    /// <inheritdoc/>
    public Task<StockChangeResult> AdjustAsync(AdjustRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Run(request, cancellationToken, static (store, r) => store.Correct((AdjustRequest)r), static r => r with { IsReplay = true });
    }

    /// <inheritdoc/>
    public Task<StockLevel> SetPolicyAsync(StockKey key, StockPolicy policy, CancellationToken cancellationToken = default)
    {
        CheckKey(key);
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var scope = StockGuardTelemetry.Start(StoreName, StockOperation.SetPolicy);
        var item = _items.GetOrAdd(key, static k => Item.Create(k));
        var now = _time.GetUtcNow();
        lock (item)
        {
            item.Prune(now);
            item.SafetyStock = policy.SafetyStock;
            item.BackorderLimit = policy.BackorderLimit;
            item.LowStockThreshold = policy.LowStockThreshold;
            item.Version++;
            scope.Complete("applied");
            return Task.FromResult(item.Snapshot());
        }
    }

    /// <inheritdoc/>
    public Task<ReserveResult> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.TimeToLive > _options.MaxHoldTimeToLive)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.TimeToLive, $"The hold's time-to-live is longer than MaxHoldTimeToLive ({_options.MaxHoldTimeToLive}).");
        }

        return Run(request, cancellationToken, static (store, r) => store.Place((ReserveRequest)r), static r => r with { IsReplay = true });
    }

    /// <inheritdoc/>
    public Task<HoldResult> ConfirmAsync(Guid holdId, CancellationToken cancellationToken = default) =>
        Finish(holdId, StockOperation.Confirm, null, cancellationToken);

    /// <inheritdoc/>
    public Task<HoldResult> ReleaseAsync(Guid holdId, CancellationToken cancellationToken = default) =>
        Finish(holdId, StockOperation.Release, null, cancellationToken);

    /// <inheritdoc/>
    public Task<HoldResult> ExtendAsync(Guid holdId, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(timeToLive, _options.MaxHoldTimeToLive);
        return Finish(holdId, StockOperation.Extend, timeToLive, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<StockHold?> GetHoldAsync(Guid holdId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_holds.TryGetValue(holdId, out var hold))
        {
            return Task.FromResult<StockHold?>(null);
        }

        lock (hold)
        {
            return Task.FromResult<StockHold?>(hold.Snapshot(_time.GetUtcNow()));
        }
    }

    /// <inheritdoc/>
    public Task<SweepResult> SweepAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        int expired = 0, purged = 0;
        foreach (var (id, hold) in _holds)
        {
            cancellationToken.ThrowIfCancellationRequested();
            lock (hold)
            {
                if (hold.State == HoldState.Active && now >= hold.ExpiresAt)
                {
                    Expire(hold, now);
                    expired++;
                }
                else if (hold.State != HoldState.Active && now - hold.FinishedAt >= _options.FinishedHoldRetention)
                {
                    _holds.TryRemove(id, out _);
                    purged++;
                }
            }
        }

        var keys = _idempotency.Purge(now - _options.IdempotencyKeyRetention);
        StockGuardTelemetry.RecordExpired(StoreName, expired);
        var result = new SweepResult(expired, purged, keys);
        if (expired + purged + keys > 0)
        {
            LogSwept(_logger, expired, purged, keys);
        }

        return Task.FromResult(result);
    }

    private Task<T> Run<T>(StockRequest request, CancellationToken cancellationToken, Func<InMemoryStockStore, StockRequest, T> apply, Func<T, T> asReplay)
        where T : class
    {
        cancellationToken.ThrowIfCancellationRequested();
        var scope = StockGuardTelemetry.Start(StoreName, request.Operation);
        try
        {
            if (request.IdempotencyKey is null)
            {
                var result = apply(this, request);
                scope.Complete(Outcome(result));
                return Task.FromResult(result);
            }

            var task = _idempotency.RunOnceAsync(request, _time.GetUtcNow(), this, apply, asReplay, cancellationToken);
            return CompleteAsync(task, scope);
        }
        catch (Exception ex)
        {
            scope.Fail(ex);
            throw;
        }

        static async Task<T> CompleteAsync(Task<T> task, StockGuardTelemetry.OperationScope scope)
        {
            try
            {
                var result = await task.ConfigureAwait(false);
                scope.Complete(Outcome(result));
                return result;
            }
            catch (Exception ex)
            {
                scope.Fail(ex);
                throw;
            }
        }
    }

    private static string Outcome(object result) => result switch
    {
        StockChangeResult { IsReplay: true } or ReserveResult { IsReplay: true } => "replayed",
        StockChangeResult { Succeeded: false } or ReserveResult { Succeeded: false } => "refused",
        _ => "applied",
    };

    private ItemSet Resolve(IReadOnlyList<StockLine> lines, bool create)
    {
        if (lines.Count == 1)
        {
            return new ItemSet(Find(lines[0].Key, create));
        }

        var items = new Item[lines.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = Find(lines[i].Key, create);
        }

        return new ItemSet(items);
    }

    private Item Find(StockKey key, bool create) => create
        ? _items.GetOrAdd(key, static k => Item.Create(k))
        : _items.TryGetValue(key, out var item) ? item : throw new StockItemNotFoundException(key);

    private StockChangeResult Take(DeductRequest request)
    {
        var lines = request.Lines;
        var items = Resolve(lines, create: false);
        using var locks = LockSet.Enter(items);
        var refused = CheckSellable(lines, items, now: null);
        if (refused is not null)
        {
            StockGuardTelemetry.RecordRefused(StoreName, StockOperation.Deduct);
            return refused;
        }

        var levels = new StockLevel[items.Count];
        long units = 0;
        for (var i = 0; i < items.Count; i++)
        {
            items[i].OnHand -= lines[i].Quantity;
            items[i].Version++;
            levels[i] = items[i].Snapshot();
            units += lines[i].Quantity;
        }

        StockGuardTelemetry.RecordSold(StoreName, units);
        return StockChangeResult.Applied(levels);
    }

    private StockChangeResult Add(ReceiveRequest request)
    {
        var lines = request.Lines;
        var items = Resolve(lines, create: request.Kind == StockMovementKind.Receipt);
        using var locks = LockSet.Enter(items);
        var now = _time.GetUtcNow();
        for (var i = 0; i < items.Count; i++)
        {
            items[i].Prune(now);
            if (items[i].OnHand + lines[i].Quantity > Guard.MaxStock)
            {
                throw new ArgumentOutOfRangeException(nameof(request), lines[i].Quantity, $"Receiving {lines[i].Quantity} units of {lines[i].Key} would take its on-hand units past {Guard.MaxStock}. Nothing was changed.");
            }
        }

        var levels = new StockLevel[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            items[i].OnHand += lines[i].Quantity;
            items[i].Version++;
            levels[i] = items[i].Snapshot();
        }

        return StockChangeResult.Applied(levels);
    }

    private StockChangeResult Correct(AdjustRequest request)
    {
        if (!_items.TryGetValue(request.Key, out var item))
        {
            throw new StockItemNotFoundException(request.Key);
        }

        lock (item)
        {
            item.Prune(_time.GetUtcNow());
            if (request.Delta < 0 && item.Sellable < -(long)request.Delta)
            {
                return StockChangeResult.Refused([item.Snapshot()], [new ShortLine(item.Key, -request.Delta, item.Sellable)]);
            }

            if (item.OnHand + request.Delta > Guard.MaxStock)
            {
                throw new ArgumentOutOfRangeException(nameof(request), request.Delta, $"The correction would take the on-hand units of {item.Key} past {Guard.MaxStock}. Nothing was changed.");
            }

            item.OnHand += request.Delta;
            item.Version++;
            return StockChangeResult.Applied([item.Snapshot()]);
        }
    }

    private ReserveResult Place(ReserveRequest request)
    {
        var lines = request.Lines;
        var items = Resolve(lines, create: false);
        using var locks = LockSet.Enter(items);
        var now = _time.GetUtcNow();
        var refused = CheckSellable(lines, items, now);
        if (refused is not null)
        {
            StockGuardTelemetry.RecordRefused(StoreName, StockOperation.Reserve);
            return new ReserveResult(null, refused.Levels, refused.ShortLines);
        }

        var hold = new Hold(Guid.CreateVersion7(now), [.. lines], now, now + request.TimeToLive, request.Reference);
        var levels = new StockLevel[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            items[i].AddHold(hold.Id, lines[i].Quantity, hold.ExpiresAt);
            levels[i] = items[i].Snapshot();
        }

        _holds[hold.Id] = hold;
        return new ReserveResult(hold.Snapshot(now), levels, []);
    }

    /// <summary>
    /// Checks every line under the items' locks; returns the refusal, or null when all lines can be served.
    /// Without <paramref name="now"/> the clock is read only if an item has a hold that may have expired: a clock
    /// read costs about as much as the rest of a deduct, and most items have no holds.
    /// </summary>
    private StockChangeResult? CheckSellable(IReadOnlyList<StockLine> lines, ItemSet items, DateTimeOffset? now)
    {
        List<ShortLine>? shortLines = null;
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i].MayHaveExpiredHolds)
            {
                now ??= _time.GetUtcNow();
                items[i].Prune(now.Value);
            }

            if (items[i].Sellable < lines[i].Quantity)
            {
                (shortLines ??= []).Add(new ShortLine(items[i].Key, lines[i].Quantity, items[i].Sellable));
            }
        }

        if (shortLines is null)
        {
            return null;
        }

        var levels = new StockLevel[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            levels[i] = items[i].Snapshot();
        }

        return StockChangeResult.Refused(levels, shortLines);
    }

    private Task<HoldResult> Finish(Guid holdId, StockOperation operation, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var scope = StockGuardTelemetry.Start(StoreName, operation);
        try
        {
            var result = FinishCore(holdId, operation, timeToLive);
            scope.Complete(result.Outcome == HoldOutcome.Expired ? "expired" : result.WasAlreadyDone ? "repeated" : "applied");
            return Task.FromResult(result);
        }
        catch (Exception ex)
        {
            scope.Fail(ex);
            throw;
        }
    }

    private HoldResult FinishCore(Guid holdId, StockOperation operation, TimeSpan? timeToLive)
    {
        if (!_holds.TryGetValue(holdId, out var hold))
        {
            throw new HoldNotFoundException(holdId);
        }

        // Lock order everywhere: the hold, then its items in key order.
        lock (hold)
        {
            var now = _time.GetUtcNow();
            var wanted = operation switch
            {
                StockOperation.Confirm => HoldState.Confirmed,
                StockOperation.Release => HoldState.Released,
                _ => HoldState.Active,
            };
            var outcome = operation switch
            {
                StockOperation.Confirm => HoldOutcome.Confirmed,
                StockOperation.Release => HoldOutcome.Released,
                _ => HoldOutcome.Extended,
            };

            if (hold.State == HoldState.Active && now >= hold.ExpiresAt)
            {
                Expire(hold, now);
                StockGuardTelemetry.RecordExpired(StoreName, 1);
            }

            switch (hold.State)
            {
                case HoldState.Expired:
                    return new HoldResult(HoldOutcome.Expired, hold.Snapshot(now));
                case var state when state == wanted && state != HoldState.Active:
                    return new HoldResult(outcome, hold.Snapshot(now)) { WasAlreadyDone = true };
                case not HoldState.Active:
                    throw new HoldStateException(holdId, hold.State, StockGuardTelemetry.OperationName(operation));
            }

            var items = Resolve(hold.Lines, create: false);
            using var locks = LockSet.Enter(items);

            // An item may have dropped the hold's entry already if its own clock reading passed the expiry.
            for (var i = 0; i < items.Count; i++)
            {
                if (!items[i].HasHold(hold.Id))
                {
                    Expire(hold, now);
                    StockGuardTelemetry.RecordExpired(StoreName, 1);
                    return new HoldResult(HoldOutcome.Expired, hold.Snapshot(now));
                }
            }

            long units = 0;
            for (var i = 0; i < items.Count; i++)
            {
                var quantity = hold.Lines[i].Quantity;
                switch (operation)
                {
                    case StockOperation.Confirm:
                        items[i].RemoveHold(hold.Id);
                        items[i].OnHand -= quantity;
                        units += quantity;
                        break;
                    case StockOperation.Release:
                        items[i].RemoveHold(hold.Id);
                        break;
                    default:
                        items[i].ExtendHold(hold.Id, now + timeToLive!.Value);
                        break;
                }
            }

            if (operation == StockOperation.Extend)
            {
                hold.ExpiresAt = now + timeToLive!.Value;
            }
            else
            {
                hold.State = wanted;
                hold.FinishedAt = now;
            }

            if (units > 0)
            {
                StockGuardTelemetry.RecordSold(StoreName, units);
            }

            return new HoldResult(outcome, hold.Snapshot(now));
        }
    }

    /// <summary>Marks an active hold expired and gives its units back. The caller holds the hold's lock.</summary>
    private void Expire(Hold hold, DateTimeOffset now)
    {
        foreach (var line in hold.Lines)
        {
            if (_items.TryGetValue(line.Key, out var item))
            {
                lock (item)
                {
                    item.RemoveHold(hold.Id);
                }
            }
        }

        hold.State = HoldState.Expired;
        hold.FinishedAt = now;
    }

    private static void CheckKey(StockKey key)
    {
        if (!key.IsValid)
        {
            throw new ArgumentException("default(StockKey) names no stock item.", nameof(key));
        }
    }

    [LoggerMessage(1, LogLevel.Debug, "Sweep released {ExpiredHolds} expired holds and purged {PurgedHolds} finished holds and {PurgedKeys} idempotency keys.")]
    private static partial void LogSwept(ILogger logger, int expiredHolds, int purgedHolds, int purgedKeys);
}
