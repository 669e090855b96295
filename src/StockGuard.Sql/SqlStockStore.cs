using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StockGuard.Diagnostics;
using StockGuard.Sql.Strategies;

namespace StockGuard.Sql;

/// <summary>
/// A stock store in a SQL database. Every operation runs in one transaction; lines are applied in key order so
/// that two orders never deadlock; every change writes one movement row per line in the same transaction; an
/// idempotency key is recorded with the change it guards. Derived only by the provider packages of this
/// repository (<c>PostgreSqlStockStore</c>, …), which supply their dialect.
/// </summary>
/// <remarks>
/// The commonest sale, a deduct of one line without an idempotency key under the atomic strategy, is sent as one
/// command that carries its own commit (PostgreSQL, MySQL): one round trip instead of a transaction's two or three.
/// When it changes nothing (not enough stock, unknown item, expired holds to give back first) the transaction runs
/// as usual and gives the exact answer. The price is in failures: with no separate commit to hold back, a connection
/// that breaks after the command was sent, or a cancellation the server did not confirm, leaves the outcome unknown
/// (<see cref="StockStoreException.OutcomeUnknown"/>), where the transaction would have known that nothing changed.
/// An error the server reports before the command's row comes back still means nothing changed. A caller that must
/// always know sends an idempotency key, which takes the transactional path and lets a retry learn the outcome.
/// </remarks>
public abstract partial class SqlStockStore : IStockStore, IAsyncDisposable, IDisposable
{
    private readonly DbDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly SqlStockStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly OptimisticStrategy _optimistic;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private readonly DatabaseClock? _clock;
    private readonly SemaphoreSlim _clockGate = new(1, 1);
    private volatile bool _schemaReady;

    private protected SqlStockStore(DbDataSource dataSource, bool ownsDataSource, SqlDialect dialect, SqlStockStoreOptions options, TimeProvider? timeProvider, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        Dialect = dialect;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _clock = options.Clock == SqlClock.Database
            ? new DatabaseClock(_time, options.ClockReadInterval, options.MaxClockError)
            : null;
        if (_clock is not null && dialect.SelectServerTime is null)
        {
            throw new ArgumentException($"The {dialect.StoreName} store has no database clock: set {nameof(SqlStockStoreOptions.Clock)} to {nameof(SqlClock.TimeProvider)}.", nameof(options));
        }

        _optimistic = new OptimisticStrategy(options.MaxOptimisticAttempts, options.OptimisticBackoff, _time, dialect.StoreName);
    }

    private protected SqlDialect Dialect { get; }

    /// <summary>
    /// Creates the store's schema, tables and indexes if missing and records the schema version. Safe to call
    /// again and from several processes at once. Called on first use unless <see cref="SqlStockStoreOptions.AutoCreateSchema"/> is off.
    /// </summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="StockStoreException">The database failed, or holds a newer schema than this library knows.</exception>
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        await RunCoreAsync(
            async s =>
            {
                await s.ExecuteAsync(Dialect.SchemaScript, new { }).ConfigureAwait(false);
                await CheckSchemaVersionAsync(s).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
        _schemaReady = true;
    }

    /// <inheritdoc/>
    public async Task<StockLevel?> GetLevelAsync(StockKey key, CancellationToken cancellationToken = default)
    {
        CheckKey(key);
        var rows = await RunReadAsync((s, now) => ReadLevelsAsync(s, [key], now), cancellationToken).ConfigureAwait(false);
        return rows[0]?.ToLevel();
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<StockLevel>> GetLevelsAsync(IEnumerable<StockKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var distinct = new List<StockKey>();
        var seen = new HashSet<StockKey>();
        foreach (var key in keys)
        {
            CheckKey(key);
            if (seen.Add(key))
            {
                distinct.Add(key);
            }
        }

        if (distinct.Count == 0)
        {
            return [];
        }

        var rows = await RunReadAsync((s, now) => ReadLevelsAsync(s, distinct, now), cancellationToken).ConfigureAwait(false);
        return [.. rows.Where(r => r is not null).Select(r => r!.ToLevel())];
    }

    /// <inheritdoc/>
    public async Task<StockChangeResult> DeductAsync(DeductRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = (request.Strategy ?? _options.Strategy) == ConcurrencyStrategy.Coalescing && request.Lines.Count == 1
            ? await DeductCoalescedAsync(request, cancellationToken).ConfigureAwait(false)
            : await RunChangeAsync(request, Deduction(request), cancellationToken, DeductOne(request)).ConfigureAwait(false);
        if (!result.IsReplay && result.Succeeded)
        {
            StockGuardTelemetry.RecordSold(Dialect.StoreName, request.Lines.Sum(l => (long)l.Quantity));
        }

        return result;
    }

    /// <summary>The body of a deduct: take every line or none, and write a sale movement per line.</summary>
    private Func<SqlSession, DateTimeOffset, Task<StockChangeResult>> Deduction(DeductRequest request) =>
        (s, now) => TakeAsync(s, request, request.Lines, l => new TakeLine(l.Key, l.Quantity, -l.Quantity, 0), Movements(request.Lines, "sale", l => (-l.Quantity, 0), request.Reference, null, null, now), now);

    /// <inheritdoc/>
    public Task<StockChangeResult> ReceiveAsync(ReceiveRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var isReturn = request.Kind == StockMovementKind.Return;
        return RunChangeAsync(
            request,
            async (s, now) =>
            {
                var sorted = request.Lines.OrderBy(l => l.Key).ToArray();
                var calls = sorted.Select(l => isReturn
                    ? ItemCalls.Change(Dialect, l.Key, l.Quantity, 0, now)
                    : new SqlCall(Dialect.UpsertReceipt, new { sku = l.Key.Sku, location = l.Key.Location, quantity = (long)l.Quantity, now = Dialect.TimeParameter(now) })).ToArray();
                var rows = await s.QueryEachAsync<LevelRow>(calls, Movements(sorted, isReturn ? "return" : "receipt", l => (l.Quantity, 0), request.Reference, null, null, now)).ConfigureAwait(false);
                return StockChangeResult.Applied(CheckedInRequestOrder(request.Lines, sorted, rows));
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<StockChangeResult> AdjustAsync(AdjustRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        StockLine[] line = [new StockLine(request.Key, Math.Abs(request.Delta))];
        return RunChangeAsync(
            request,
            async (s, now) =>
            {
                var trailing = Movements(line, "adjustment", _ => (request.Delta, 0), request.Reference, null, request.Reason, now);
                if (request.Delta < 0)
                {
                    return await TakeAsync(s, request, line, l => new TakeLine(l.Key, l.Quantity, request.Delta, 0), trailing, now).ConfigureAwait(false);
                }

                var rows = await s.QueryEachAsync<LevelRow>([ItemCalls.Change(Dialect, request.Key, request.Delta, 0, now)], trailing).ConfigureAwait(false);
                return StockChangeResult.Applied(CheckedInRequestOrder(line, line, rows));
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<StockLevel> SetPolicyAsync(StockKey key, StockPolicy policy, CancellationToken cancellationToken = default)
    {
        CheckKey(key);
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        var row = await RunAsync(
            StockOperation.SetPolicy,
            async (s, now) => await s.QueryRowAsync<LevelRow>(
                Dialect.UpsertPolicy,
                new { sku = key.Sku, location = key.Location, safetyStock = policy.SafetyStock, backorderLimit = policy.BackorderLimit, lowStockThreshold = policy.LowStockThreshold, now = Dialect.TimeParameter(now) }).ConfigureAwait(false),
            static _ => "applied",
            cancellationToken).ConfigureAwait(false);
        return row!.ToLevel();
    }

    /// <summary>Releases the connection pool when the store created it from a connection string.</summary>
    public void Dispose()
    {
        if (_ownsDataSource)
        {
            _dataSource.Dispose();
        }

        _schemaGate.Dispose();
        _clockGate.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the connection pool when the store created it from a connection string.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }

        _schemaGate.Dispose();
        _clockGate.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Takes sellable units for every line or none, with the chosen strategy. A short attempt is undone; when a short
    /// item still counts holds that have expired, they are given back (items locked in key order) and the lines are
    /// tried once more, so an expired hold never blocks a buyer. Otherwise the refusal reports each short line.
    /// </summary>
    private async Task<StockChangeResult> TakeAsync(SqlSession s, StockRequest request, IReadOnlyList<StockLine> lines, Func<StockLine, TakeLine> toTake, IReadOnlyList<SqlCall> trailing, DateTimeOffset now)
    {
        var sortedLines = lines.OrderBy(l => l.Key).ToArray();
        var sorted = sortedLines.Select(toTake).ToArray();
        var strategy = Strategy(request.Strategy ?? _options.Strategy);
        var outcome = await strategy.TakeAsync(s, sorted, trailing, now, null).ConfigureAwait(false);
        if (outcome.Applied is { } applied)
        {
            return StockChangeResult.Applied(CheckedInRequestOrder(lines, sortedLines, applied));
        }

        await s.UndoAsync().ConfigureAwait(false);
        var current = await ReadExistingAsync(s, lines, now).ConfigureAwait(false);
        if (outcome.ShortKeys.Any(k => current[IndexOf(lines, k)].ExpiredReserved > 0))
        {
            var locked = await LockAndReleaseExpiredAsync(s, sorted.Select(l => l.Key).ToArray(), now).ConfigureAwait(false);
            outcome = await strategy.TakeAsync(s, sorted, trailing, now, locked).ConfigureAwait(false);
            if (outcome.Applied is { } appliedAfterRelease)
            {
                return StockChangeResult.Applied(CheckedInRequestOrder(lines, sortedLines, appliedAfterRelease));
            }

            await s.UndoAsync().ConfigureAwait(false);
            current = await ReadExistingAsync(s, lines, now).ConfigureAwait(false);
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

    /// <summary>
    /// Locks the items in key order and gives back their expired holds; returns their rows after that, read by a
    /// statement of their own. The locking read cannot serve: under READ COMMITTED it returns the row as it is after
    /// any lock wait, but what it computes from the hold lines comes from the snapshot it took before waiting, so a
    /// confirm that committed during the wait would be counted as still on hold, and its units sold twice.
    /// </summary>
    private async Task<LevelRow?[]> LockAndReleaseExpiredAsync(SqlSession s, IReadOnlyList<StockKey> sortedKeys, DateTimeOffset now)
    {
        if (sortedKeys.Count == 0)
        {
            return [];
        }

        await s.ExecuteAllAsync(
            [
                .. sortedKeys.Select(k => ItemCalls.Key(Dialect.LockLevel, k, now, Dialect)),
                .. sortedKeys.Select(k => ItemCalls.Key(Dialect.ReleaseExpiredLines, k, now, Dialect)),
            ]).ConfigureAwait(false);
        return await ReadLevelsAsync(s, sortedKeys, now).ConfigureAwait(false);
    }

    private ITakeStrategy Strategy(ConcurrencyStrategy strategy) => strategy switch
    {
        ConcurrencyStrategy.Atomic or ConcurrencyStrategy.Coalescing => AtomicStrategy.Instance,
        ConcurrencyStrategy.Pessimistic => PessimisticLockStrategy.Instance,
        ConcurrencyStrategy.Optimistic => _optimistic,
        _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "Unknown concurrency strategy."),
    };

    private Task<LevelRow?[]> ReadLevelsAsync(SqlSession s, IReadOnlyList<StockKey> keys, DateTimeOffset now) =>
        s.QueryEachAsync<LevelRow>([.. keys.Select(k => ItemCalls.Key(Dialect.SelectLevel, k, now, Dialect))]);

    /// <summary>Reads the rows of <paramref name="lines"/> in their order; the first unknown item (in that order) throws.</summary>
    private async Task<LevelRow[]> ReadExistingAsync(SqlSession s, IReadOnlyList<StockLine> lines, DateTimeOffset now)
    {
        var rows = await ReadLevelsAsync(s, [.. lines.Select(l => l.Key)], now).ConfigureAwait(false);
        for (var i = 0; i < rows.Length; i++)
        {
            if (rows[i] is null)
            {
                throw new StockItemNotFoundException(lines[i].Key);
            }
        }

        return rows!;
    }

    /// <summary>Puts rows returned in key order back in the request's order; a missing row means an unknown item, a row past the limit a refused receipt.</summary>
    private static StockLevel[] CheckedInRequestOrder(IReadOnlyList<StockLine> lines, IReadOnlyList<StockLine> sorted, IReadOnlyList<LevelRow?> rows)
    {
        var levels = new StockLevel[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            var row = rows[IndexOf(sorted, lines[i].Key)] ?? throw new StockItemNotFoundException(lines[i].Key);
            if (row.OnHand > Guard.MaxStock)
            {
                throw new ArgumentOutOfRangeException(nameof(lines), lines[i].Quantity, $"Adding {lines[i].Quantity} units of {lines[i].Key} would take its on-hand units past {Guard.MaxStock}. Nothing was changed.");
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

    private List<SqlCall> Movements(IEnumerable<StockLine> lines, string kind, Func<StockLine, (long OnHand, long Reserved)> deltas, string? reference, Guid? holdId, string? note, DateTimeOffset now)
    {
        var calls = new List<SqlCall>();
        foreach (var line in lines)
        {
            var (onHand, reserved) = deltas(line);
            calls.Add(new SqlCall(Dialect.InsertMovement, new
            {
                at = Dialect.TimeParameter(now),
                sku = line.Key.Sku,
                location = line.Key.Location,
                kind,
                onHandDelta = onHand,
                reservedDelta = reserved,
                holdId = holdId is { } id ? Dialect.HoldIdParameter(id) : null,
                reference,
                note,
            }));
        }

        return calls;
    }

    private static void CheckKey(StockKey key)
    {
        if (!key.IsValid)
        {
            throw new ArgumentException("default(StockKey) names no stock item.", nameof(key));
        }
    }
}
