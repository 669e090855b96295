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
    internal const string StoreName = "inmemory";

    private readonly InMemoryItems _items;
    private readonly InMemoryHolds _holds;
    private readonly InMemoryLocations _locations;
    private readonly InMemoryWaitlists _waitlists;
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
        _items = new InMemoryItems(_time, new InMemoryLedger(_options.ChangeRetention, _time));
        _holds = new InMemoryHolds(_items, _time);
        _locations = new InMemoryLocations(_items, _holds, _time);
        _waitlists = new InMemoryWaitlists(_items, _holds, _time, _options.WaitlistClaimWindow);
    }

    /// <inheritdoc/>
    public Task<StockLevel?> GetLevelAsync(StockKey key, CancellationToken cancellationToken = default) => _items.GetLevelAsync(key, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<StockLevel>> GetLevelsAsync(IEnumerable<StockKey> keys, CancellationToken cancellationToken = default) =>
        _items.GetLevelsAsync(keys, cancellationToken);

    /// <inheritdoc/>
    public Task<StockChangeResult> DeductAsync(DeductRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Run(request, cancellationToken, static (store, r) => store._items.Take((DeductRequest)r), static r => r with { IsReplay = true });
    }

    /// <inheritdoc/>
    public Task<StockChangeResult> ReceiveAsync(ReceiveRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Run(request, cancellationToken, static (store, r) => store._items.Add((ReceiveRequest)r), static r => r with { IsReplay = true });
    }

    /// <inheritdoc/>
    public Task<StockChangeResult> AdjustAsync(AdjustRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Run(request, cancellationToken, static (store, r) => store._items.Correct((AdjustRequest)r), static r => r with { IsReplay = true });
    }

    /// <inheritdoc/>
    public Task<StockLevel> SetPolicyAsync(StockKey key, StockPolicy policy, CancellationToken cancellationToken = default) =>
        _items.SetPolicyAsync(key, policy, cancellationToken);

    /// <inheritdoc/>
    public Task<ReserveResult> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.TimeToLive > _options.MaxHoldTimeToLive)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.TimeToLive, $"The hold's time-to-live is longer than MaxHoldTimeToLive ({_options.MaxHoldTimeToLive}).");
        }

        return Run(request, cancellationToken, static (store, r) => store._holds.Place((ReserveRequest)r), static r => r with { IsReplay = true });
    }

    /// <inheritdoc/>
    public Task<HoldResult> ConfirmAsync(Guid holdId, CancellationToken cancellationToken = default) =>
        _holds.Finish(holdId, StockOperation.Confirm, null, cancellationToken);

    /// <inheritdoc/>
    public Task<HoldResult> ConfirmAsync(ConfirmRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _holds.Finish(request.HoldId, StockOperation.Confirm, null, cancellationToken, request.Lines);
    }

    /// <inheritdoc/>
    public Task<StockChangeResult> ReturnAsync(HoldReturnRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Run(request, cancellationToken, static (store, r) => store._holds.Return((HoldReturnRequest)r), static r => r with { IsReplay = true });
    }

    /// <inheritdoc/>
    public Task<HoldResult> ReleaseAsync(Guid holdId, CancellationToken cancellationToken = default) =>
        _holds.Finish(holdId, StockOperation.Release, null, cancellationToken);

    /// <inheritdoc/>
    public Task<HoldResult> ExtendAsync(Guid holdId, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(timeToLive, _options.MaxHoldTimeToLive);
        return _holds.Finish(holdId, StockOperation.Extend, timeToLive, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<StockHold?> GetHoldAsync(Guid holdId, CancellationToken cancellationToken = default) => _holds.GetHoldAsync(holdId, cancellationToken);

    /// <inheritdoc/>
    public Task<SweepResult> SweepAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var (expired, purged) = _holds.Sweep(now, _options.FinishedHoldRetention, cancellationToken);
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
        StockChangeResult { IsReplay: true } or ReserveResult { IsReplay: true } or AllocationResult { IsReplay: true } or TransferResult { IsReplay: true } => "replayed",
        StockChangeResult { Succeeded: false } or ReserveResult { Succeeded: false } or AllocationResult { Succeeded: false } or TransferResult { Succeeded: false } => "refused",
        _ => "applied",
    };

    [LoggerMessage(1, LogLevel.Debug, "Sweep released {ExpiredHolds} expired holds and purged {PurgedHolds} finished holds and {PurgedKeys} idempotency keys.")]
    private static partial void LogSwept(ILogger logger, int expiredHolds, int purgedHolds, int purgedKeys);
}
