namespace StockGuard.Sql;

/// <summary>
/// A deadlock or serialization failure hit a store operation running in the caller's own transaction
/// (<see cref="SqlStockStore.InTransaction(System.Data.Common.DbConnection, System.Data.Common.DbTransaction)"/>). The store cannot run it again on its own: the database may have rolled
/// back the caller's whole transaction (MySQL and MariaDB do on a deadlock), and what the caller read in it may be
/// stale. Nothing of the transaction can be trusted: roll it back and run the whole transaction again. Always
/// transient; the outcome is known (nothing of the transaction was committed).
/// </summary>
public sealed class StockTransactionAbortedException : StockStoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="storeName">The store's engine, as the store names it.</param>
    /// <param name="innerException">The driver's report of the deadlock or serialization failure.</param>
    public StockTransactionAbortedException(string storeName, Exception? innerException)
        : base(
            $"A deadlock or serialization failure aborted a {storeName} store operation inside the caller's transaction. Nothing of the transaction can be trusted: roll it back and run the whole transaction again.",
            innerException,
            isTransient: true)
    {
    }
}
