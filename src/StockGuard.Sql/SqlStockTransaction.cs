using StockGuard.Sql.Execution;
using StockGuard.Sql.Operations;
using StockGuard.Sql.Strategies.Atomic;

namespace StockGuard.Sql;

/// <summary>
/// A <see cref="SqlStockStore"/> working in a transaction its caller owns (<see cref="SqlStockStore.InTransaction(System.Data.Common.DbConnection, System.Data.Common.DbTransaction)"/>):
/// every change, its movements and its idempotency key are written in that transaction, so the caller's commit commits
/// them with the caller's own rows and the caller's rollback leaves no trace of any of them. The store never commits,
/// rolls back or closes the caller's connection or transaction. See docs/transactions.md.
/// </summary>
/// <remarks>
/// <para>Each operation runs behind a savepoint: when it fails (or is refused), the store's part of the transaction is
/// taken back and the caller's own rows stay; a deadlock or serialization failure is never retried by the store and
/// surfaces as <see cref="StockTransactionAbortedException"/>, after which the caller rolls back and runs the whole
/// transaction again.</para>
/// <para>Strategies: <see cref="ConcurrencyStrategy.Atomic"/> and <see cref="ConcurrencyStrategy.Pessimistic"/> run as
/// they do on their own, but the one-command sale (which commits itself) is never used; <see cref="ConcurrencyStrategy.Optimistic"/>
/// retries its version conflicts inside the savepoint; <see cref="ConcurrencyStrategy.Coalescing"/> cannot batch other
/// callers into this transaction and takes the atomic path. Locks taken are held until the caller's transaction ends.</para>
/// <para>Reads (<see cref="GetLevelAsync"/>, <see cref="GetLevelsAsync"/>, <see cref="GetHoldAsync"/>) see the
/// transaction's own uncommitted changes. The schema check and the database clock use the store's own pool. The
/// <c>stockguard.units.sold</c> counter is not recorded here: only the caller knows whether the sale commits.</para>
/// <para>A view is cheap: make one per transaction and drop it when the transaction ends. Operations on one view must
/// not run concurrently, as for the connection itself.</para>
/// </remarks>
public sealed class SqlStockTransaction : IStockStore, IStockAllocator
{
    private readonly LevelReads _reads;
    private readonly StockChanges _changes;
    private readonly HoldOperations _holds;
    private readonly LocationOperations _locations;

    internal SqlStockTransaction(SqlExecutor executor)
    {
        _reads = new LevelReads(executor);
        _changes = new StockChanges(executor, new OneCommandSale(executor));
        _holds = new HoldOperations(executor, _changes);
        _locations = new LocationOperations(executor);
    }

    /// <inheritdoc/>
    public Task<StockLevel?> GetLevelAsync(StockKey key, CancellationToken cancellationToken = default) => _reads.GetLevelAsync(key, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<StockLevel>> GetLevelsAsync(IEnumerable<StockKey> keys, CancellationToken cancellationToken = default) =>
        _reads.GetLevelsAsync(keys, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>Under <see cref="ConcurrencyStrategy.Coalescing"/> the deduct takes the atomic path; a key-less one-line
    /// deduct never uses the self-committing one-command sale.</remarks>
    public Task<StockChangeResult> DeductAsync(DeductRequest request, CancellationToken cancellationToken = default) => _changes.DeductAsync(request, cancellationToken);

    /// <inheritdoc/>
    public Task<StockChangeResult> ReceiveAsync(ReceiveRequest request, CancellationToken cancellationToken = default) => _changes.ReceiveAsync(request, cancellationToken);

    /// <inheritdoc/>
    public Task<StockChangeResult> AdjustAsync(AdjustRequest request, CancellationToken cancellationToken = default) => _changes.AdjustAsync(request, cancellationToken);

    /// <inheritdoc/>
    public Task<StockLevel> SetPolicyAsync(StockKey key, StockPolicy policy, CancellationToken cancellationToken = default) =>
        _changes.SetPolicyAsync(key, policy, cancellationToken);

    /// <inheritdoc/>
    public Task<ReserveResult> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken = default) => _holds.ReserveAsync(request, cancellationToken);

    /// <inheritdoc/>
    public Task<HoldResult> ConfirmAsync(Guid holdId, CancellationToken cancellationToken = default) => _holds.ConfirmAsync(holdId, cancellationToken);

    /// <inheritdoc/>
    public Task<HoldResult> ConfirmAsync(ConfirmRequest request, CancellationToken cancellationToken = default) => _holds.ConfirmAsync(request, cancellationToken);

    /// <inheritdoc/>
    public Task<StockChangeResult> ReturnAsync(HoldReturnRequest request, CancellationToken cancellationToken = default) => _holds.ReturnAsync(request, cancellationToken);

    /// <inheritdoc/>
    public Task<HoldResult> ReleaseAsync(Guid holdId, CancellationToken cancellationToken = default) => _holds.ReleaseAsync(holdId, cancellationToken);

    /// <inheritdoc/>
    public Task<HoldResult> ExtendAsync(Guid holdId, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
        _holds.ExtendAsync(holdId, timeToLive, cancellationToken);

    /// <inheritdoc/>
    public Task<StockHold?> GetHoldAsync(Guid holdId, CancellationToken cancellationToken = default) => _holds.GetHoldAsync(holdId, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>The candidate items stay locked until the caller's transaction ends.</remarks>
    public Task<AllocationResult> AllocateAsync(AllocateRequest request, CancellationToken cancellationToken = default) => _locations.AllocateAsync(request, cancellationToken);

    /// <inheritdoc/>
    public Task<TransferResult> TransferAsync(TransferRequest request, CancellationToken cancellationToken = default) => _locations.TransferAsync(request, cancellationToken);

    /// <inheritdoc/>
    public Task<TransferResult> ReceiveTransferAsync(ReceiveTransferRequest request, CancellationToken cancellationToken = default) => _locations.ReceiveTransferAsync(request, cancellationToken);

    /// <inheritdoc/>
    public Task<StockTotal> GetTotalAsync(string sku, IEnumerable<string>? locations = null, CancellationToken cancellationToken = default) => _locations.GetTotalAsync(sku, locations, cancellationToken);

    /// <summary>Not supported in a caller's transaction: the sweep gives back expired holds in the store's own transactions (<see cref="SqlStockStore.SweepAsync"/>).</summary>
    /// <param name="cancellationToken">Unused.</param>
    /// <returns>Never returns.</returns>
    /// <exception cref="NotSupportedException">Always.</exception>
    public Task<SweepResult> SweepAsync(CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The sweep runs in the store's own transactions; call SweepAsync on the SqlStockStore.");
}
