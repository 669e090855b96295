namespace StockGuard.Testing;

/// <summary>
/// A second connection of the test's own, in an open transaction, holding a lock the store under test will wait for.
/// Made by <see cref="IStockServer.LockItemAsync"/> and <see cref="IStockServer.HoldIdempotencyKeyAsync"/>.
/// </summary>
public interface ILockHolder : IAsyncDisposable
{
    /// <summary>Rolls the holder's transaction back, which releases its locks.</summary>
    Task ReleaseAsync();
}
