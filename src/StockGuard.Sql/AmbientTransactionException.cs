namespace StockGuard.Sql;

/// <summary>
/// A write of a SQL store's own was called inside an ambient <c>System.Transactions</c> transaction (a
/// <c>TransactionScope</c>). The store's own operations commit in transactions of their own, which the scope's rollback
/// would not undo, so they refuse to run there rather than let the caller believe the change belongs to the scope. Open
/// a connection inside the scope and use <see cref="SqlStockStore.InTransaction(System.Data.Common.DbConnection)"/>, or
/// suppress the scope (<c>TransactionScopeOption.Suppress</c>) for a change that stands on its own. Nothing was changed.
/// </summary>
public sealed class AmbientTransactionException : StockGuardException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="storeName">The store's engine, as the store names it.</param>
    /// <param name="operation">The operation that was refused.</param>
    public AmbientTransactionException(string storeName, string operation)
        : base(
            $"The {storeName} store's own {operation} cannot take part in the ambient System.Transactions transaction (TransactionScope): it would commit in a " +
            "transaction of its own, which the scope's rollback does not undo. Open a connection inside the scope and call store.InTransaction(connection), " +
            "or suppress the scope (TransactionScopeOption.Suppress) for a change that stands on its own. Nothing was changed.")
    {
        Operation = operation;
    }

    /// <summary>The operation that was refused, e.g. <c>DeductAsync</c>.</summary>
    public string Operation { get; }
}
