using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StockGuard.Changes;
using StockGuard.Diagnostics;
using StockGuard.Sql.Execution;
using StockGuard.Sql.Operations;
using StockGuard.Sql.Strategies.Atomic;
using StockGuard.Sql.Strategies.Coalescing;

namespace StockGuard.Sql;

/// <summary>
/// A stock store in a SQL database. Every operation runs in one transaction; lines are applied in key order so
/// that two orders never deadlock; every change writes one movement row per line in the same transaction; an
/// idempotency key is recorded with the change it guards. Derived only by the provider packages of this
/// repository (<c>PostgreSqlStockStore</c>, …), which supply their dialect.
/// </summary>
/// <remarks>
/// The commonest sale, a deduct of one line under the atomic strategy, is sent as one command that carries its own
/// commit (PostgreSQL, MySQL): one round trip instead of a transaction's two or three, and with an idempotency key, the
/// key's claim and its stored result in the same command. The price is in failures: a connection that breaks after the
/// command was sent, or a cancellation the server did not confirm, leaves the outcome unknown
/// (<see cref="StockStoreException.OutcomeUnknown"/>). A caller that must always know sends an idempotency key: a retry
/// with the same key returns the stored result, or applies the deduct once.
/// </remarks>
public abstract partial class SqlStockStore : IStockStore, IStockReconciler, IStockChangeFeed, IStockSchema, IStockAllocator, IAsyncDisposable, IDisposable
{
    // The store is a facade: each family of operations lives in a class of its own (docs/architecture.md).
    private readonly SqlExecutor _executor;
    private readonly LevelReads _reads;
    private readonly StockChanges _changes;
    private readonly CoalescingDeducts _coalescing;
    private readonly HoldOperations _holds;
    private readonly HoldSweeper _sweeper;
    private readonly Reconciliation _reconciliation;
    private readonly ChangeFeedReads _feed;
    private int _disposed;
    private readonly LocationOperations _locations;
    private readonly WaitlistOperations _waitlists;

    private protected SqlStockStore(DbDataSource dataSource, bool ownsDataSource, SqlDialect dialect, SqlStockStoreOptions options, TimeProvider? timeProvider, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        Dialect = dialect;
        _executor = new SqlExecutor(dataSource, ownsDataSource, dialect, options, timeProvider ?? TimeProvider.System, logger ?? NullLogger.Instance);
        _reads = new LevelReads(_executor);
        _changes = new StockChanges(_executor, new OneCommandSale(_executor));
        _coalescing = new CoalescingDeducts(_executor, _changes);
        _holds = new HoldOperations(_executor, _changes);
        _sweeper = new HoldSweeper(_executor, _holds);
        _reconciliation = new Reconciliation(_executor);
        _feed = new ChangeFeedReads(_executor);
        _locations = new LocationOperations(_executor);
        _waitlists = new WaitlistOperations(_executor);
    }

    private protected SqlDialect Dialect { get; }

    /// <summary>
    /// Creates the store's schema, tables and indexes if missing and records the schema version. Safe to call
    /// again and from several processes at once. Called on first use unless <see cref="SqlStockStoreOptions.AutoCreateSchema"/> is off.
    /// A schema already at <see cref="RequiredVersion"/> or newer is only read: nothing is created, and no table is locked.
    /// </summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="StockStoreException">The database failed.</exception>
    public Task EnsureSchemaAsync(CancellationToken cancellationToken = default) => _executor.EnsureSchemaAsync(cancellationToken);

    /// <inheritdoc/>
    public int RequiredVersion => SqlDialect.SchemaVersion;

    /// <inheritdoc/>
    public Task<int?> GetSchemaVersionAsync(CancellationToken cancellationToken = default) => _executor.GetSchemaVersionAsync(cancellationToken);

    /// <summary>
    /// The store working in a transaction the caller owns: every change made through the returned view, with its
    /// movements and its idempotency key, is written in <paramref name="transaction"/> and committed or rolled back with
    /// it. The store never commits, rolls back or closes them. See <see cref="SqlStockTransaction"/> for what each
    /// strategy does there.
    /// </summary>
    /// <param name="connection">The caller's open connection to the database that holds the store's schema, of the store's engine.</param>
    /// <param name="transaction">The caller's transaction on <paramref name="connection"/>, not yet committed or rolled back.</param>
    /// <returns>A view of the store in the transaction; cheap, one per transaction.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> or <paramref name="transaction"/> is null.</exception>
    /// <exception cref="ArgumentException">The connection is not open or not of the store's engine, or the transaction is not the connection's (a transaction already committed or rolled back is refused here when the driver tells, else by the first operation, which changes nothing).</exception>
    public SqlStockTransaction InTransaction(DbConnection connection, DbTransaction transaction) =>
        new(_executor.InTransaction(connection, transaction));

    /// <summary>
    /// The store working on the caller's <paramref name="connection"/>, opened inside an ambient <c>System.Transactions</c>
    /// transaction (a <c>TransactionScope</c>) and enlisted in it: every change made through the returned view commits
    /// when the scope completes and rolls back with it. PostgreSQL (Npgsql) and MySQL/MariaDB (MySqlConnector) only, with
    /// enlistment on (the drivers' default); see docs/transactions.md.
    /// </summary>
    /// <param name="connection">The caller's open connection, opened inside the active scope, of the store's engine.</param>
    /// <returns>A view of the store in the ambient transaction; make one per scope.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> is null.</exception>
    /// <exception cref="ArgumentException">The connection is not open or not of the store's engine, the engine does not enlist (SQLite), or there is no active ambient transaction; an operation on a connection that turns out not to be in a transaction is refused the same way and changes nothing.</exception>
    public SqlStockTransaction InTransaction(DbConnection connection) =>
        new(_executor.InAmbientTransaction(connection));

    /// <inheritdoc/>
    public Task<StockLevel?> GetLevelAsync(StockKey key, CancellationToken cancellationToken = default) => _reads.GetLevelAsync(key, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<StockLevel>> GetLevelsAsync(IEnumerable<StockKey> keys, CancellationToken cancellationToken = default) =>
        _reads.GetLevelsAsync(keys, cancellationToken);

    /// <inheritdoc/>
    /// <exception cref="AmbientTransactionException">Called inside an ambient System.Transactions transaction (also for every other write of the store's own).</exception>
    public async Task<StockChangeResult> DeductAsync(DeductRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        _executor.RefuseAmbientTransaction(nameof(DeductAsync));
        var result = (request.Strategy ?? _executor.Options.Strategy) == ConcurrencyStrategy.Coalescing && request.Lines.Count == 1
            ? await _coalescing.DeductAsync(request, cancellationToken).ConfigureAwait(false)
            : await _changes.DeductAsync(request, cancellationToken).ConfigureAwait(false);
        OnChangesCommitted();
        if (!result.IsReplay && result.Succeeded)
        {
            StockGuardTelemetry.RecordSold(Dialect.StoreName, request.Lines.Sum(l => (long)l.Quantity));
        }

        return result;
    }

    /// <inheritdoc/>
    public Task<StockChangeResult> ReceiveAsync(ReceiveRequest request, CancellationToken cancellationToken = default) =>
        Write(nameof(ReceiveAsync), () => _changes.ReceiveAsync(request, cancellationToken));

    /// <inheritdoc/>
    public Task<StockChangeResult> AdjustAsync(AdjustRequest request, CancellationToken cancellationToken = default) =>
        Write(nameof(AdjustAsync), () => _changes.AdjustAsync(request, cancellationToken));

    /// <inheritdoc/>
    public Task<StockLevel> SetPolicyAsync(StockKey key, StockPolicy policy, CancellationToken cancellationToken = default) =>
        Write(nameof(SetPolicyAsync), () => _changes.SetPolicyAsync(key, policy, cancellationToken));

    /// <inheritdoc/>
    public Task<ReserveResult> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken = default) =>
        Write(nameof(ReserveAsync), () => _holds.ReserveAsync(request, cancellationToken));

    /// <inheritdoc/>
    public Task<HoldResult> ConfirmAsync(Guid holdId, CancellationToken cancellationToken = default) =>
        Write(nameof(ConfirmAsync), () => _holds.ConfirmAsync(holdId, cancellationToken));

    /// <inheritdoc/>
    public Task<HoldResult> ConfirmAsync(ConfirmRequest request, CancellationToken cancellationToken = default) =>
        Write(nameof(ConfirmAsync), () => _holds.ConfirmAsync(request, cancellationToken));

    /// <inheritdoc/>
    public Task<StockChangeResult> ReturnAsync(HoldReturnRequest request, CancellationToken cancellationToken = default) =>
        Write(nameof(ReturnAsync), () => _holds.ReturnAsync(request, cancellationToken));

    /// <inheritdoc/>
    public Task<HoldResult> ReleaseAsync(Guid holdId, CancellationToken cancellationToken = default) =>
        Write(nameof(ReleaseAsync), () => _holds.ReleaseAsync(holdId, cancellationToken));

    /// <inheritdoc/>
    public Task<HoldResult> ExtendAsync(Guid holdId, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
        WriteWithoutChange(nameof(ExtendAsync), () => _holds.ExtendAsync(holdId, timeToLive, cancellationToken));

    /// <inheritdoc/>
    public Task<StockChangePage> ReadChangesAsync(StockChangePosition after, int maxCount = 1000, CancellationToken cancellationToken = default) =>
        _feed.ReadChangesAsync(after, maxCount, cancellationToken);

    /// <inheritdoc/>
    public Task<StockChangePosition> GetLastPositionAsync(CancellationToken cancellationToken = default) => _feed.GetLastPositionAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<StockChangePage> ReadHistoryAsync(
        StockKey key,
        StockHistoryOrder order = StockHistoryOrder.NewestFirst,
        StockChangePosition? after = null,
        int maxCount = 100,
        CancellationToken cancellationToken = default) =>
        _feed.ReadHistoryAsync(key, order, after, maxCount, cancellationToken);

    /// <inheritdoc/>
    public Task<StockHold?> GetHoldAsync(Guid holdId, CancellationToken cancellationToken = default) => _holds.GetHoldAsync(holdId, cancellationToken);

    /// <inheritdoc/>
    public Task<SweepResult> SweepAsync(CancellationToken cancellationToken = default) =>
        Write(nameof(SweepAsync), () => _sweeper.SweepAsync(cancellationToken));

    /// <inheritdoc/>
    /// <remarks>A page is one statement without locks (on SQLite, one transaction, which holds the write lock while it reads).</remarks>
    public Task<ReconciliationReport> VerifyAsync(ReconciliationRequest request, CancellationToken cancellationToken = default) =>
        _reconciliation.VerifyAsync(request, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>Each drifted item is repaired in a transaction of its own that locks its row, whatever the store's strategy.</remarks>
    public Task<ReconciliationReport> RepairAsync(ReconciliationRequest request, CancellationToken cancellationToken = default) =>
        Write(nameof(RepairAsync), () => _reconciliation.RepairAsync(request, cancellationToken));

    /// <inheritdoc/>
    /// <remarks>The count locks the item's row, whatever the store's strategy, and gives back its expired holds first.</remarks>
    public Task<StockChangeResult> CountAsync(PhysicalCountRequest request, CancellationToken cancellationToken = default) =>
        Write(nameof(CountAsync), () => _reconciliation.CountAsync(request, cancellationToken));

    /// <inheritdoc/>
    /// <remarks>Allocation locks its candidate items whatever the configured strategy (see <see cref="IStockAllocator"/>).</remarks>
    public Task<AllocationResult> AllocateAsync(AllocateRequest request, CancellationToken cancellationToken = default) =>
        Write(nameof(AllocateAsync), () => _locations.AllocateAsync(request, cancellationToken));

    /// <inheritdoc/>
    public Task<TransferResult> TransferAsync(TransferRequest request, CancellationToken cancellationToken = default) =>
        Write(nameof(TransferAsync), () => _locations.TransferAsync(request, cancellationToken));

    /// <inheritdoc/>
    public Task<TransferResult> ReceiveTransferAsync(ReceiveTransferRequest request, CancellationToken cancellationToken = default) =>
        Write(nameof(ReceiveTransferAsync), () => _locations.ReceiveTransferAsync(request, cancellationToken));

    /// <inheritdoc/>
    public Task<StockTotal> GetTotalAsync(string sku, IEnumerable<string>? locations = null, CancellationToken cancellationToken = default) =>
        _locations.GetTotalAsync(sku, locations, cancellationToken);

    /// <summary>A write of the store's own: refused inside an ambient transaction, and the feed's followers woken after it.</summary>
    private Task<T> Write<T>(string operation, Func<Task<T>> write)
    {
        _executor.RefuseAmbientTransaction(operation);
        return Committed(write());
    }

    /// <summary>A write of the store's own that records no movement (a policy, a hold's extension): refused inside an ambient transaction.</summary>
    private Task<T> WriteWithoutChange<T>(string operation, Func<Task<T>> write)
    {
        _executor.RefuseAmbientTransaction(operation);
        return write();
    }

    /// <summary>
    /// Releases the connection pool when the store created it from a connection string. Safe to call more than once
    /// (a container disposes the store once for every service it is registered as).
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        StopWaking();
        _executor.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the connection pool when the store created it from a connection string. Safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        StopWaking();
        await _executor.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
